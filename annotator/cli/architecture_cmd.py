"""``us-annotator architecture MEDIA``: automatic muscle architecture per frame (pennation,
fascicle and aponeurosis angles, thickness, fascicle length, confidence)."""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.cli import CliError, json_row

if TYPE_CHECKING:  # the command imports its heavy modules when it runs
    from annotator.media.base import Media
    from annotator.media.bmode_area import Area
    from annotator.media.calibration import Calibration


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "architecture",
        help="measure muscle architecture (pennation, thickness, fascicle length) on every frame",
        description=(
            "Find the imaging area (a DICOM's largest ultrasound region when it declares one, "
            "as the app does), the superficial and deep aponeuroses and the fascicle "
            "orientation on every frame of a clip (or on a still), following them through the "
            "clip without drift, and print one row per frame: frame, time_ms, pennation_deg "
            "(the fascicle's angle to the superficial aponeurosis: alpha - beta, as observers "
            "and TimTrack measure it), fascicle_angle_deg and aponeurosis_angle_deg (alpha and "
            "beta: the fascicle and the superficial aponeurosis to the image horizontal, "
            "positive when rising to the right), deep_pennation_deg and "
            "deep_aponeurosis_angle_deg (the same to the deep aponeurosis: the angle the "
            "pennation annotations measure), thickness_mm (between the "
            "aponeuroses' inner edges, along the deep one's normal, 8 % of the width in from the "
            "side where the fascicles reach the deep aponeurosis, as TimTrack reads it), "
            "fascicle_length_mm "
            "(extrapolated past the image when it must be: fascicle_extrapolated says so and "
            "fascicle_extrapolated_fraction gives the share of the length outside the image) and "
            "confidence (0..1; below 0.5 the "
            "row gives a reason). Millimetres come from the DICOM ultrasound regions, the case's "
            "calibration (--case/--media) or --mm-per-px; without any, the keys end in _px. "
            "Several media or folders are measured one after another, each row starting with "
            "its media's path; one that cannot be read gets a row of nulls with the reason. "
            "With --case and --save the analysis is also written into the case as keyed "
            "thickness, pennation and fascicle annotations, as the app's Analyse Muscle "
            "Architecture adds them (then review, correct or export them there or with "
            "us-annotator export)."
        ),
    )
    p.add_argument("media", nargs="+",
                   help="a DICOM, clip or still (or the media's path inside --case); or several, "
                        "or folders of them")
    p.add_argument("--case", type=Path, help="a case whose calibration of the media applies")
    p.add_argument("--media", dest="media_id", help="the media's id in --case (default: by path)")
    p.add_argument("--mm-per-px", type=float, metavar="V", help="pixel size in mm (square pixels)")
    p.add_argument("--frames", metavar="A:B", help="frames A to B inclusive (default: all)")
    p.add_argument("--roi", metavar="x0,y0,x1,y1", help="search only this rectangle (pixels; default: the DICOM's largest ultrasound region, else found); a fascicle counts as extrapolated only past the image itself, not past this rectangle")
    p.add_argument("--no-drift-correction", action="store_true",
                   help="follow the first frame's structures with optical flow alone (for comparison)")
    p.add_argument("--save", action="store_true",
                   help="write the analysis into --case as thickness, pennation and fascicle annotations "
                        "(refused while the app has the case open, and where the media holds an earlier "
                        "analysis)")
    p.add_argument("--replace", action="store_true",
                   help="with --save: replace the media's earlier analysis (the annotations an earlier "
                        "analysis added and nobody renamed, with any correction made to them)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    out.add_argument("--csv", action="store_true",
                     help="print CSV (a header, then one line per row) instead of a table")


def run(args: argparse.Namespace) -> int:
    roi = _roi(args.roi)
    if args.mm_per_px is not None and not (math.isfinite(args.mm_per_px) and 0 < args.mm_per_px < 100):
        raise CliError(f"--mm-per-px {args.mm_per_px}: give a pixel size in mm, above 0 and below 100")
    paths = list(args.media)
    fmt = "json" if args.json else "csv" if args.csv else "table"
    if args.save:
        if args.case is None or len(paths) != 1 or Path(paths[0]).is_dir():
            raise CliError("--save writes into --case: give --case and one media of it")
        if args.mm_per_px is not None:
            raise CliError("--save keeps the case's own calibration: calibrate the media in the case "
                           "instead of giving --mm-per-px")
    elif args.replace:
        raise CliError("--replace replaces the analysis --save writes: give --save too")
    if len(paths) == 1 and not Path(paths[0]).is_dir():
        from annotator.cli.case_loading import write_lock

        with write_lock(args.case, args.save):  # locked before the case is read
            rows = _analyse(paths[0], args, roi)
        out = _Output(fmt, _columns(rows), 0)
        out.write(rows)
        out.close()
        _warn_low(rows)
        return 0
    if args.case is not None:
        raise CliError("--case applies to one media: give one media with it")
    files = _media_files([Path(p) for p in paths])
    if not files:
        folders = "that folder" if len(paths) == 1 else "those folders"
        raise CliError(f"{', '.join(paths)}: no media files in {folders}")
    # each media's rows are printed as soon as it is measured: a long batch shows its progress,
    # and what was measured before an interruption is kept
    out = _Output(fmt, BATCH_COLUMNS, min(max(len(f.name) for f in files), NAME_WIDTH))
    rows, failed = [], 0
    try:
        for path in files:
            try:
                found = _analyse(str(path), args, roi, batch=True)
            except CliError as exc:
                # one unreadable file must not cost the others' rows: it gets a row saying why
                failed += 1
                found = [{"frame": None, "confidence": None, "reason": str(exc)}]
            except Exception as exc:  # nor one that trips a bug: the row says so, the batch goes on
                if os.environ.get("US_ANNOTATOR_DEBUG"):
                    raise
                failed += 1
                found = [{"frame": None, "confidence": None,
                          "reason": f"{path}: unexpected failure ({type(exc).__name__}: {exc})"}]
            mine = [{"media": str(path), **row} for row in found]
            out.write(mine)
            rows += mine
    finally:
        out.close()  # an interrupted JSON array is still closed: what was measured parses
    if failed:
        print(f"warning: {failed} of {len(files)} media could not be measured (see their reason)", file=sys.stderr)
    _warn_low(rows)
    return 0


def _warn_low(rows: list[dict[str, Any]]) -> None:
    frames = [r for r in rows if r.get("frame") is not None]  # not a media's failure row
    low = sum(1 for r in frames if not isinstance(c := r.get("confidence"), float) or c < 0.5)
    if low:
        print(f"warning: {low} of {len(frames)} frames below confidence 0.5 (see their reason)", file=sys.stderr)


def _media_files(paths: list[Path]) -> list[Path]:
    """The files named, and the media inside the folders named (a folder's other files, such
    as a LICENSE or a case file, are left out; a file named is measured or says why not)."""
    from annotator.media.kinds import expand_paths, is_case_file
    from annotator.media.sniff import sniff_format

    def media_like(path: Path) -> bool:
        try:
            with path.open("rb") as f:
                head = f.read(512)
        except OSError:
            return True  # named by the folder yet unreadable: its row says why
        return not is_case_file(path) and sniff_format(path, head) is not None

    out: list[Path] = []
    for p in paths:
        out.extend([c for c in expand_paths([p]) if media_like(c)] if p.is_dir() else [p])
    return list(dict.fromkeys(out))


def _analyse(path: str, args: argparse.Namespace, roi: tuple[int, int, int, int] | None,
             batch: bool = False) -> list[dict[str, Any]]:
    """The rows of one media (CliError when it cannot be read or the options do not fit it).
    In a ``batch``, ``--frames`` stops at each media's last frame (a still has one)."""
    from annotator.dynamics.architecture import FrameArchitecture, analyse_sequence
    from annotator.dynamics.architecture.estimate import judged_in
    from annotator.media import MediaError, open_media

    doc = None
    try:
        if args.case is not None:
            from annotator.case.document import CaseDocument
            from annotator.case.io import CaseError

            try:
                doc = CaseDocument.load(args.case)
            except CaseError as exc:
                raise CliError(str(exc)) from None
            media_id = args.media_id or _media_id(doc, path)
            earlier = _earlier_analysis(doc.case, media_id, args.replace) if args.save else []
            media = doc.media(media_id)
            calibration = doc.calibration(media_id, 0)
        else:
            media = open_media(path)
            calibration = media.calibration
        with media:
            first, last = _frames(args.frames, media.frame_count, clamp=batch)
            indices = list(range(first, last + 1))
            searched = roi  # the user's rectangle narrows the search, it is not the image
            if roi is None:
                roi = calibration.scanner_image_roi()
            scale, why, tissue = calibration.analysis_scale(roi, media.width, media.height)
            if args.mm_per_px is not None and tissue:
                scale, why = (args.mm_per_px, args.mm_per_px), None
            if not tissue:
                # every key, null, as a frame with no muscle gives: a reader need not tell them apart
                return [FrameArchitecture.empty(i, media.time_ms(i), "px", str(why)).to_row() for i in indices]
            # colour frames as decoded: the analysis leaves their coloured marks out
            estimates = analyse_sequence(media.frame, indices, mm_per_px=scale, roi=roi,
                                         times_ms=[media.time_ms(i) for i in indices],
                                         drift_correction=not args.no_drift_correction)
            if searched is not None:
                image = _image_area(calibration, media)
                estimates = [judged_in(e, image) for e in estimates]
            rows = [e.to_row() for e in estimates]
            if args.save and doc is not None:
                _save(doc, media_id, estimates, clip=media.frame_count > 1, replacing=earlier)
            if scale is None:
                for row in rows:
                    row.setdefault("reason", UNCALIBRATED)
            return rows
    except MediaError as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        raise CliError(f"{path}: {exc}") from None
    finally:
        if doc is not None:
            doc.close()


def _image_area(calibration: Calibration, media: Media) -> Area:
    """The B-mode image a fascicle is extrapolated beyond, as the case judges it: the region
    the scanner declared, else the one found in the media's first frame, else the frame."""
    from annotator.media.bmode_area import Area, found_image_region

    declared = calibration.scanner_image_roi()
    if declared is not None:
        return Area(*declared)
    found = found_image_region(media)
    if found is not None:
        return Area(found.x0, found.y0, found.x1 + 1, found.y1 + 1)
    return Area(0, 0, media.width, media.height)


def _earlier_analysis(case: Any, media_id: str, replace: bool) -> list[str]:
    """The ids of the annotations an earlier analysis added to the media (its kinds, its
    labels: one the user renamed is theirs); CliError when there are some and not
    ``replace``, or when a finding links to one (replacing would unlink it)."""
    from annotator.dynamics.architecture_annotations import (
        describe,
        earlier_analysis,
        findings_linking,
    )

    earlier = earlier_analysis(case, media_id)
    if not earlier:
        return []
    named = describe(earlier)
    if not replace:
        raise CliError(f"{case.path}: media {media_id} already holds an analysis ({named}): "
                       "give --replace to replace it, or remove it in the app")
    ids = [a.id for a in earlier]
    linked = findings_linking(case, ids)
    if linked:
        raise CliError(f"{case.path}: the earlier analysis ({named}) is linked from finding "
                       f"{', '.join(linked)}: unlink it in the app before replacing it")
    return ids


def _save(doc: Any, media_id: str, estimates: list[Any], clip: bool, replacing: list[str]) -> None:
    """Add the analysis to the case as the app adds it (keyed thickness, pennation and
    fascicle annotations, each frame's confidence kept), in place of the earlier analysis
    ``replacing`` names, and write the case atomically."""
    from annotator.case.commands import AddAnnotation, CommandError, RemoveAnnotations
    from annotator.case.io import CaseError, save_case
    from annotator.dynamics.architecture import architecture_points
    from annotator.dynamics.architecture_annotations import analysis_annotations

    case = doc.case
    created = analysis_annotations(case, media_id, estimates, architecture_points, clip)
    if not created:
        kept = " (the earlier analysis is kept)" if replacing else ""
        print(f"warning: nothing saved into {case.path}: no frame showed both aponeuroses and a fascicle{kept}",
              file=sys.stderr)
        return
    try:
        if replacing:
            RemoveAnnotations(replacing).redo(case)
        for annotation in created:
            AddAnnotation(annotation).redo(case)
        save_case(case)
    except (CommandError, CaseError) as exc:
        raise CliError(f"{case.path}: cannot save the analysis: {exc}") from None
    added = ", ".join(f"{a.id} ({a.kind})" for a in created)
    instead = f", in place of {', '.join(replacing)}" if replacing else ""
    print(f"saved into {case.path}: {added}{instead}", file=sys.stderr)


def _roi(text: str | None) -> tuple[int, int, int, int] | None:
    if text is None:
        return None
    try:
        x0, y0, x1, y1 = (int(round(float(v))) for v in text.split(","))
    except ValueError:
        raise CliError(f"--roi {text!r}: give four numbers x0,y0,x1,y1 in pixels") from None
    return x0, y0, x1, y1


def _frames(text: str | None, count: int, clamp: bool = False) -> tuple[int, int]:
    if text is None:
        return 0, count - 1
    try:
        a, _, b = text.partition(":")
        first = int(a) if a else 0
        last = int(b) if b else count - 1
    except ValueError:
        raise CliError(f"--frames {text!r}: give A:B, frame numbers from 0") from None
    if clamp and first < count:
        last = min(last, count - 1)
    if not 0 <= first <= last < count:
        raise CliError(f"--frames {text!r}: the media has frames 0 to {count - 1}")
    return first, last


def _media_id(doc: Any, path: str) -> str:
    target = Path(path).name
    for ref in doc.case.media:
        if ref.id == path or Path(ref.path).name == target:
            return str(ref.id)
    known = ", ".join(f"{m.id} ({Path(m.path).name})" for m in doc.case.media) or "none"
    raise CliError(f"{path}: not a media of the case (media: {known}); give --media ID")


#: the reason of a tissue image's rows with no scale, naming the command's ways to give one
UNCALIBRATED = "uncalibrated: no 2D ultrasound region, case calibration or --mm-per-px"
#: a batch's columns, fixed before its first media is measured (it may mix mm and px rows)
BATCH_COLUMNS = ("media", "frame", "time_ms", "pennation_deg", "fascicle_angle_deg", "aponeurosis_angle_deg",
                 "deep_pennation_deg", "deep_aponeurosis_angle_deg", "thickness_mm", "fascicle_length_mm",
                 "thickness_px", "fascicle_length_px", "fascicle_extrapolated", "fascicle_extrapolated_fraction",
                 "confidence", "reason")
NAME_WIDTH = 40  # the table's media column, at most


def _columns(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """One media's columns: every key its rows give, in order, the reason (the only free text,
    read best at the end of a spreadsheet's line) last."""
    keys = [k for k in dict.fromkeys(k for r in rows for k in r) if k != "reason"]
    return (*keys, "reason")


class _Output:
    """Rows printed as they come: one JSON array with a row on each line, CSV (a header, then
    a line a row, empty where a row has no value), or a table to read with each row's lengths
    in its own unit and, in a batch (``name_width`` > 0), the media's file name first."""

    def __init__(self, fmt: str, columns: tuple[str, ...], name_width: int) -> None:
        self.fmt, self.columns, self.width = fmt, columns, name_width
        self.count = 0
        if fmt == "csv":
            self._csv = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
            self._csv.writeheader()
        elif fmt == "json":
            sys.stdout.write("[")
        else:
            lead = f"{'media':<{name_width}} " if name_width else ""
            print(f"{lead}{'frame':>5} {'time_s':>8} {'pennation':>9} {'deep pen.':>9} {'thick':>8} {'fasc':>8} unit {'conf':>5}  note")

    def write(self, rows: list[dict[str, Any]]) -> None:
        for r in rows:
            if self.fmt == "csv":
                self._csv.writerow({k: ("" if r.get(k) is None else r[k]) for k in self.columns})
            elif self.fmt == "json":
                sys.stdout.write(("," if self.count else "") + json_row(r))
            else:
                print(self._line(r))
            self.count += 1
        sys.stdout.flush()

    def close(self) -> None:
        if self.fmt == "json":
            print("\n]" if self.count else "]")

    def _line(self, r: dict[str, Any]) -> str:
        def f(value: Any, width: int, digits: int = 1) -> str:
            return f"{value:>{width}.{digits}f}" if isinstance(value, (int, float)) else f"{'-':>{width}}"

        name = Path(str(r["media"])).name[:self.width] if self.width else ""
        unit = "mm" if "thickness_mm" in r else "px"
        t = r.get("time_ms")
        share = r.get("fascicle_extrapolated_fraction")
        extrapolated = f"extrapolated ({share:.0%} beyond the image)" if isinstance(share, float) else "extrapolated"
        note = r.get("reason") or (extrapolated if r.get("fascicle_extrapolated") else "")
        frame = r.get("frame")
        return (f"{name:<{self.width}} " * bool(self.width)
                + f"{frame if frame is not None else '-':>5} {f(None if t is None else t / 1000.0, 8, 3)}"
                f" {f(r.get('pennation_deg'), 9)} {f(r.get('deep_pennation_deg'), 9)} {f(r.get('thickness_' + unit), 8)}"
                f" {f(r.get('fascicle_length_' + unit), 8)} {unit:>4} {f(r.get('confidence'), 5, 2)}  {note}")
