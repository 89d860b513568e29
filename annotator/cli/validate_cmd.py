"""``us-annotator validate CASE``: check a case file and its media; exit 0 when valid, 2 if not."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check a case file and its media",
        description=(
            "Check a case file (.uscase.json) and its media: the JSON and every key, kinds and "
            "point counts, ids and links, that each media file exists, still matches its "
            "SHA-256 and opens, that every frame exists and every point lies inside its image. "
            "Prints OK, or every problem; exit status 0 when valid, 2 otherwise."
        ),
    )
    p.add_argument("case", help="the case file")
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing when valid")


def run(args: argparse.Namespace) -> int:
    from annotator.case.validation import check_case_file
    from annotator.cli.one_line import one_line

    report, doc = check_case_file(args.case)
    try:
        # validate lists every problem, one short line each (the other commands say the first)
        for line in report.errors:
            print(one_line(f"error: {line}"), file=sys.stderr)
        for line in report.warnings:
            print(one_line(f"warning: {line}"), file=sys.stderr)
        if report.errors:
            return 2
        case = report.case
        assert case is not None
        if not args.quiet:
            print(
                f"OK: {args.case} ({len(case.media)} media, {len(case.annotations)} annotations, "
                f"{len(case.findings)} findings)"
            )
        return 0
    finally:
        if doc is not None:
            doc.close()
