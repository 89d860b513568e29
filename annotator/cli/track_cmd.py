"""``us-annotator track CASE ANNOTATION``: track an annotation through its clip, print its value
per frame, and (with --save) write the tracked keyframes into the case."""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from annotator.cli import CliError, json_row


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "track",
        help="track an annotation through a clip and print its measurement per frame",
        description=(
            "Track an annotation (caliper, trace, points) through its clip with optical flow "
            "(pyramidal Lucas-Kanade checked forward and backward), from its frame (or --from) "
            "to the clip's last frame (or --to; an earlier frame tracks backward). Prints one "
            "row per frame with the main measurement (length for a caliper, area for a trace) "
            'and the tracking confidence; --json prints a list of rows {"frame", "time_ms", '
            '"value", "unit", "confidence"}. --save writes the tracked keyframes into the case '
            "file (atomically). Tracking stops, with a warning, where a point leaves the image "
            "or its calibrated region or the tissue cannot be followed. Thickness, pennation and "
            "fascicle annotations are tracked as structures: their aponeuroses and fascicle are "
            "found again on every frame, so the value does not drift."
        ),
    )
    p.add_argument("case", help="the case file (.uscase.json)")
    p.add_argument("annotation", help="the id of the annotation to track (e.g. a1)")
    p.add_argument("--from", dest="start", type=int, metavar="F",
                   help="first frame (default: the annotation's frame)")
    p.add_argument("--to", dest="end", type=int, metavar="F",
                   help="last frame (default: the clip's last frame)")
    p.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    p.add_argument("--save", action="store_true",
                   help="write the tracked keyframes into the case (refused while the app has it open)")
    p.add_argument("--csv", type=Path, metavar="PATH",
                   help="also write the series as CSV (frame,time_s,value,unit,confidence)")
    p.add_argument("--no-drift-correction", action="store_true",
                   help="chain frame-to-frame estimates only: do not re-match the start frame's "
                        "patches (on by default). Thickness, pennation and fascicle are found "
                        "again on every frame either way")
    p.add_argument("--ignore-checksum", action="store_true",
                   help="track even when a media file differs from the one the case was drawn on")


def run(args: argparse.Namespace) -> int:
    from annotator.cli.case_loading import checked_case, write_lock

    # locked before it is read: what is saved is this case with the tracking added
    with write_lock(args.case, args.save), \
            checked_case(args.case, args.ignore_checksum, show_warnings=False) as (path, doc):
        return _track(args, doc, path)


def _track(args: argparse.Namespace, doc: Any, path: Path) -> int:
    from annotator.case.commands import CommandError
    from annotator.case.io import CaseError, save_case
    from annotator.case.measure import PRIMARY_QUANTITY
    from annotator.dynamics.series import measurement_series
    from annotator.dynamics.tracking import APP_OPTIONS, TrackingError, track_annotation
    from annotator.media import MediaError

    case = doc.case
    try:
        annotation = case.annotation(args.annotation)
    except KeyError:
        known = ", ".join(a.id for a in case.annotations) or "none"
        raise CliError(f"{path}: there is no annotation {args.annotation!r} (annotations: {known})") from None
    try:
        media = doc.media(annotation.media)
        options = replace(APP_OPTIONS, drift_correction=not args.no_drift_correction)
        start = annotation.frame if args.start is None else args.start
        calibration = doc.calibration(annotation.media, start) if 0 <= start < media.frame_count else None
        result = track_annotation(media, annotation, args.start, args.end, options, calibration=calibration)
    except TrackingError as exc:
        raise CliError(f"{path}: {exc}") from None
    except MediaError as exc:
        raise CliError(f"{path}: {exc}") from None
    except Exception as exc:  # a decoder failing on a damaged frame: one line, no traceback
        raise CliError(f"{path}: cannot track: {type(exc).__name__}: {exc}") from None
    try:
        result.to_command().redo(case)  # in memory; written only with --save
    except CommandError as exc:
        raise CliError(f"{path}: cannot apply the tracking: {exc}") from None
    frames = sorted(result.points)
    has_value = annotation.kind in PRIMARY_QUANTITY
    series = (measurement_series(doc, annotation, frames, confidence=result.confidence)
              if has_value else None)
    rows = _rows(result, media, series)
    if args.csv is not None and series is not None:
        try:
            series.save_csv(args.csv)
        except OSError as exc:
            raise CliError(f"{args.csv}: cannot write the CSV: {exc.strerror or exc}") from None
    if args.save:
        try:
            save_case(case)
        except CaseError as exc:
            raise CliError(str(exc)) from None
    if args.json:
        print("[" + ",".join(json_row(r) for r in rows) + "\n]")
    else:
        print(_table(rows, result))
    if result.lost is not None or result.uncertain_frames:
        print(f"warning: annotation {annotation.id!r}: {result.message()}", file=sys.stderr)
    if args.csv is not None and series is None:
        print(f"warning: a {annotation.kind} has no measurement: no CSV written", file=sys.stderr)
    return 0


def _rows(result: Any, media: Any, series: Any) -> list[dict[str, Any]]:
    confidence = result.confidence
    rows = []
    for frame in sorted(result.points):
        value, unit = None, None
        if series is not None:
            sample = series.sample(frame)
            value = sample.value if sample.value is None or math.isfinite(sample.value) else None
            unit = series.unit
        rows.append({"frame": frame, "time_ms": media.time_ms(frame), "value": value, "unit": unit,
                     "confidence": round(float(confidence[frame]), 4)})
    return rows


def _table(rows: list[dict[str, Any]], result: Any) -> str:
    status = result.status
    points = result.points
    header = ("frame", "time (s)", "value", "confidence", "status")
    body = []
    for r in rows:
        if r["value"] is not None:
            value = f"{r['value']:.2f} {r['unit']}"
        elif r["unit"] is not None:
            value = "-"
        else:
            value = " ".join(f"({x:.1f}, {y:.1f})" for x, y in points[r["frame"]])
        body.append((str(r["frame"]), f"{r['time_ms'] / 1000:.3f}", value, f"{r['confidence']:.2f}",
                     status[r["frame"]]))
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
