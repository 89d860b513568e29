"""Opening a case for a headless subcommand: checked, with one clear error line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.cli import CliError

if TYPE_CHECKING:
    from annotator.case.document import CaseDocument


@contextmanager
def checked_case(
    path: str | Path, ignore_checksum: bool = False, show_warnings: bool = True
) -> Iterator[tuple[Path, CaseDocument]]:
    """Load and check a case and its media; raise CliError naming the first problem.

    Yields the case file's path and the open document, and closes the document afterwards.
    """
    from annotator.case.validation import check_case_file

    report, doc = check_case_file(path, check_points=False, check_checksums=not ignore_checksum)
    try:
        if report.errors or doc is None:
            more = len(report.errors) - 1
            hint = f" (and {more} more: run us-annotator validate)" if more else ""
            raise CliError(report.errors[0] + hint)
        if show_warnings:
            for line in report.warnings:
                if "no SHA-256" not in line:
                    print(f"warning: {line}", file=sys.stderr)
        yield report.path, doc
    finally:
        if doc is not None:
            doc.close()
