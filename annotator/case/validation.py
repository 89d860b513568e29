"""Checking a case file together with its media: what ``us-annotator validate`` reports.

The file itself is checked by ``load_case`` (JSON, keys, kinds, point counts, ids, links);
this adds what needs the media: each file exists, still has its stored SHA-256, opens, has
every frame an annotation uses, and holds every point inside its image.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotator.case.document import CaseDocument, MediaOpener
from annotator.case.errors import CaseError
from annotator.case.fileutil import sha256_file
from annotator.case.io import load_case
from annotator.case.kinds import kind_spec
from annotator.case.media_files import file_matches
from annotator.case.model import Annotation, Case
from annotator.media import Media, MediaError
from annotator.media.regular_file import not_regular_problem


@dataclass
class CheckReport:
    path: Path
    case: Case | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


#: how many images' widths (heights) past the image a fascicle's extrapolated end may lie: a
#: fascicle at 3 degrees to a muscle as thick as the image is deep reaches 10 heights out
FAR = 10


def check_case_file(
    path: str | Path,
    opener: MediaOpener | None = None,
    check_points: bool = True,
    check_checksums: bool = True,
) -> tuple[CheckReport, CaseDocument | None]:
    """Every problem of a case file and its media; the document (media open) when it loads.

    The caller closes the document.
    """
    report = CheckReport(Path(path))
    try:
        case = load_case(path, check_media=False)
    except CaseError as exc:
        report.errors.extend(exc.lines())
        return report, None
    report.case = case
    doc = CaseDocument(case, opener)
    for ref in case.media:
        where = f"{case.path}: media {ref.id}"
        file = case.resolve_media_path(ref)
        problem = not_regular_problem(file)
        if problem is not None and problem != "file not found":
            report.errors.append(f"{where}: {file} {problem}" if problem.startswith("is ") else f"{where}: {file}: {problem}")
            continue
        if not file.is_file():
            beside = case.media_dir() / Path(ref.path).name
            if not (beside.is_file() and beside != file and file_matches(beside, ref.sha256)):
                report.errors.append(f"{where}: file not found: {file}")
                continue
            # The case was moved with its scans: use the file of that name beside it, as the app does.
            report.warnings.append(f"{where}: not found at {file}; using {beside.name} beside the case")
            ref.path, file = beside.name, beside
        if check_checksums and ref.sha256:
            try:
                if sha256_file(file) != ref.sha256:
                    report.errors.append(f"{where}: {file} has changed since the case was saved (its SHA-256 differs)")
                    continue
            except OSError as exc:
                report.errors.append(f"{where}: cannot read {file}: {exc.strerror or exc}")
                continue
        elif not ref.sha256:
            report.warnings.append(f"{where}: no SHA-256 stored, so a changed file would go unnoticed")
        try:
            media = doc.media(ref.id)
        except MediaError as exc:
            report.errors.append(f"{where}: cannot open: {exc.problem}")
            continue
        except Exception as exc:  # a decoder's own error on a damaged file: report, never crash
            report.errors.append(f"{where}: cannot open {file}: {type(exc).__name__}: {exc}")
            continue
        for a in case.annotations_on(ref.id):
            report.errors.extend(f"{case.path}: {p}" for p in annotation_problems(a, media, check_points))
    return report, doc


def annotation_problems(a: Annotation, media: Media, check_points: bool = True) -> list[str]:
    """Frames out of range and points outside the image, for one annotation on its media."""
    n = media.frame_count
    name = media.path.name
    problems: list[str] = []
    if a.last_frame >= n:
        span = f"frame {a.frame}" if a.frame_end is None else f"frames {a.frame}..{a.frame_end}"
        problems.append(f"annotation {a.id}: {span} out of range: {name} has {n} frame{'s' if n != 1 else ''} (0..{n - 1})")
    if not check_points:
        return problems
    # The image spans -0.5..width-0.5 with pixel centres at integers; points up to ``width``
    # are accepted too, for files written with pixel corners at integers. A fascicle's ends
    # may be extrapolated past the image (``KindSpec.may_leave_image``), not without bound.
    spec = kind_spec(a.kind)
    w, h = media.width, media.height
    for frame, points in sorted(a.keyframes.items()):
        for i, (x, y) in enumerate(points):
            if spec is not None and spec.may_leave_image(i):
                if not (-FAR * w <= x <= (FAR + 1) * w and -FAR * h <= y <= (FAR + 1) * h):
                    problems.append(f"annotation {a.id}: point ({x:g}, {y:g}) on frame {frame} lies far "
                                    f"outside the {w}x{h} image (a fascicle extrapolated {FAR} images away)")
                    break
            elif not (-0.5 <= x <= w and -0.5 <= y <= h):
                problems.append(f"annotation {a.id}: point ({x:g}, {y:g}) on frame {frame} lies outside the "
                                f"{w}x{h} image")
                break
    return problems
