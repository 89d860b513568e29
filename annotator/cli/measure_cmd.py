"""``us-annotator measure CASE [--json]``: every measurement of a case, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from typing import Any

from annotator.cli import CliError


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "measure",
        help="print the measurements of a case",
        description=(
            "Measure every annotation of a case file in calibrated mm (or pixels, with the "
            "reason, where a measurement cannot be calibrated). Table by default; --json "
            'prints a list of rows {"annotation", "media", "frame", "kind", "quantity", '
            '"value", "unit", "source", "note"} with full precision.'
        ),
    )
    p.add_argument("case", help="the case file (.uscase.json)")
    p.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    p.add_argument(
        "--frames", choices=("anchor", "keyframes"), default="anchor",
        help="measure each annotation on its first frame (default) or on every keyframe",
    )
    p.add_argument("--no-intensity", action="store_true", help="skip grey-level statistics")
    p.add_argument(
        "--ignore-checksum", action="store_true",
        help="measure even when a media file differs from the one the case was drawn on",
    )


def run(args: argparse.Namespace) -> int:
    from annotator.cli.case_loading import checked_case
    from annotator.media import MediaError

    with checked_case(args.case, args.ignore_checksum) as (path, doc):
        try:
            rows = doc.measurements(frames=args.frames, with_image=not args.no_intensity)
        except (MediaError, IndexError) as exc:
            raise CliError(f"{path}: {exc}") from None
        except Exception as exc:  # a decoder failing on a damaged frame: one line, no traceback
            raise CliError(f"{path}: cannot measure: {type(exc).__name__}: {exc}") from None
        if args.json:
            print(json.dumps([m.to_json() for m in rows], indent=2, allow_nan=False))
        else:
            labels = {a.id: a.label for a in doc.case.annotations}
            print(_table(rows, labels))
        return 0


def _table(rows: list[Any], labels: dict[str, str]) -> str:
    if not rows:
        return "no measurements (the case has no lines, traces, ellipses or angles)"
    header = ("annotation", "label", "media", "frame", "kind", "quantity", "value", "calibration")
    body = [
        (
            m.annotation, labels.get(m.annotation, ""), m.media, str(m.frame), m.kind, m.quantity,
            m.display(), m.source or (f"none: {m.note}" if m.note else ""),
        )
        for m in rows
    ]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
