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


@contextmanager
def write_lock(path: str | Path, wanted: bool = True) -> Iterator[None]:
    """Hold the case's lock while a command reads the case and writes it back (``wanted``
    False: nothing to hold). A copy of the app with the case open would otherwise save its
    own version over what the command wrote, and the command's work would be lost."""
    if not wanted:
        yield
        return
    from annotator.case.lock import CaseLocked, acquire

    try:
        lock = acquire(path)
    except CaseLocked as exc:
        raise CliError(f"{exc}; close it there, or run without --save") from None
    except OSError as exc:
        raise CliError(f"{path}: cannot lock the case for writing: {exc}") from None
    try:
        yield
    finally:
        lock.release()
