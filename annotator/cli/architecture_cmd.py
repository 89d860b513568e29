"""``us-annotator architecture MEDIA``: automatic muscle architecture per frame (pennation,
fascicle and aponeurosis angles, thickness, fascicle length, confidence)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

from annotator.cli import CliError


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "architecture",
        help="measure muscle architecture (pennation, thickness, fascicle length) on every frame",
        description=(
            "Find the imaging area (a DICOM's largest ultrasound region when it declares one, "
            "as the app does), the superficial and deep aponeuroses and the fascicle "
            "orientation on every frame of a clip (or on a still), following them through the "
            "clip without drift, and print one row per frame: frame, time_ms, pennation_deg, "
            "fascicle_angle_deg, aponeurosis_angle_deg (deep) and superficial_angle_deg (to the "
            "image horizontal, positive when rising to the right), thickness_mm (between the "
            "aponeuroses' inner edges, along the deep one's normal, 8 % of the width in from the "
            "side where the fascicles reach the deep aponeurosis, as TimTrack reads it), "
            "fascicle_length_mm "
            "(extrapolated past the image when it must be, fascicle_extrapolated says so) and "
            "confidence (0..1; below 0.5 the "
            "row gives a reason). Millimetres come from the DICOM ultrasound regions, the case's "
            "calibration (--case/--media) or --mm-per-px; without any, the keys end in _px. "
            "Several media or folders are measured one after another, each row starting with "
            "its media's path; one that cannot be read gets a row of nulls with the reason."
        ),
    )
    p.add_argument("media", nargs="+",
                   help="a DICOM, clip or still (or the media's path inside --case); or several, "
                        "or folders of them")
    p.add_argument("--case", type=Path, help="a case whose calibration of the media applies")
    p.add_argument("--media", dest="media_id", help="the media's id in --case (default: by path)")
    p.add_argument("--mm-per-px", type=float, metavar="V", help="pixel size in mm (square pixels)")
    p.add_argument("--frames", metavar="A:B", help="frames A to B inclusive (default: all)")
    p.add_argument("--roi", metavar="x0,y0,x1,y1", help="search only this rectangle (pixels; default: the DICOM's largest ultrasound region, else found)")
    p.add_argument("--no-drift-correction", action="store_true",
                   help="follow the first frame's structures with optical flow alone (for comparison)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    out.add_argument("--csv", action="store_true",
                     help="print CSV (a header, then one line per row) instead of a table")


def run(args: argparse.Namespace) -> int:
    roi = _roi(args.roi)
    if args.mm_per_px is not None and not (math.isfinite(args.mm_per_px) and 0 < args.mm_per_px < 100):
        raise CliError(f"--mm-per-px {args.mm_per_px}: give a pixel size in mm, above 0 and below 100")
    paths = list(args.media)
    if len(paths) == 1 and not Path(paths[0]).is_dir():
        rows = _analyse(paths[0], args, roi)
    else:
        if args.case is not None:
            raise CliError("--case applies to one media: give one media with it")
        files = _media_files([Path(p) for p in paths])
        if not files:
            folders = "that folder" if len(paths) == 1 else "those folders"
            raise CliError(f"{', '.join(paths)}: no media files in {folders}")
        rows, failed = [], 0
        for path in files:
            try:
                found = _analyse(str(path), args, roi, batch=True)
            except CliError as exc:
                # one unreadable file must not cost the others' rows: it gets a row saying why
                failed += 1
                found = [{"frame": None, "confidence": None, "reason": str(exc)}]
            rows.extend({"media": str(path), **row} for row in found)
        if failed:
            print(f"warning: {failed} of {len(files)} media could not be measured (see their reason)",
                  file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=2, allow_nan=False))
    elif args.csv:
        print(_csv(rows), end="")
    else:
        print(_table(rows))
    low = sum(1 for r in rows if not isinstance(c := r.get("confidence"), float) or c < 0.5)
    if low:
        print(f"warning: {low} of {len(rows)} frames below confidence 0.5 (see their reason)", file=sys.stderr)
    return 0


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
    from annotator.dynamics.frames import to_grey
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
            media = doc.media(media_id)
            calibration = doc.calibration(media_id, 0)
        else:
            media = open_media(path)
            calibration = media.calibration
        with media:
            first, last = _frames(args.frames, media.frame_count, clamp=batch)
            indices = list(range(first, last + 1))
            if roi is None:
                roi = calibration.scanner_image_roi()
            scale, why, tissue = calibration.analysis_scale(roi, media.width, media.height)
            if args.mm_per_px is not None and tissue:
                scale, why = (args.mm_per_px, args.mm_per_px), None
            if not tissue:
                # every key, null, as a frame with no muscle gives: a reader need not tell them apart
                return [FrameArchitecture.empty(i, media.time_ms(i), "px", str(why)).to_row() for i in indices]
            frames = lambda i: to_grey(media.frame(i))  # noqa: E731
            estimates = analyse_sequence(frames, indices, mm_per_px=scale, roi=roi,
                                         times_ms=[media.time_ms(i) for i in indices],
                                         drift_correction=not args.no_drift_correction)
            rows = [e.to_row() for e in estimates]
            if scale is None:
                for row in rows:
                    row.setdefault("reason", why)
            return rows
    except MediaError as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        raise CliError(f"{path}: {exc}") from None
    finally:
        if doc is not None:
            doc.close()


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


def _csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV, every key a column (in the order the rows first give them), empty
    where a row has no value; ``frame`` and the values stay numbers for a spreadsheet."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    # the reason last: it is the only free text, and a spreadsheet reads it best at the end
    if "reason" in keys:
        keys.remove("reason")
        keys.append("reason")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if r.get(k) is None else r[k]) for k in keys})
    return buffer.getvalue()


def _table(rows: list[dict[str, Any]]) -> str:
    """A table to read: each row's lengths in its own unit (a batch may mix calibrated DICOMs
    and uncalibrated stills), the media's file name first when there are several."""
    names = [Path(str(r["media"])).name if "media" in r else "" for r in rows]
    width = min(max((len(n) for n in names), default=0), 40)
    lead = f"{'media':<{width}} " if width else ""
    lines = [f"{lead}{'frame':>5} {'time_s':>8} {'pennation':>9} {'thick':>8} {'fasc':>8} unit {'conf':>5}  note"]

    def f(value: Any, width: int, digits: int = 1) -> str:
        return f"{value:>{width}.{digits}f}" if isinstance(value, (int, float)) else f"{'-':>{width}}"

    for name, r in zip(names, rows, strict=True):
        unit = "mm" if "thickness_mm" in r else "px"
        t = r.get("time_ms")
        note = r.get("reason") or ("extrapolated" if r.get("fascicle_extrapolated") else "")
        frame = r.get("frame")
        lines.append(f"{name[:width]:<{width}} " * bool(width)
                     + f"{frame if frame is not None else '-':>5} {f(None if t is None else t / 1000.0, 8, 3)}"
                     f" {f(r.get('pennation_deg'), 9)} {f(r.get('thickness_' + unit), 8)}"
                     f" {f(r.get('fascicle_length_' + unit), 8)} {unit:>4} {f(r.get('confidence'), 5, 2)}  {note}")
    return "\n".join(lines)
