"""The media files a case refers to: where they are and whether they are still the same."""

from __future__ import annotations

import os
from pathlib import Path

from annotator.case.fileutil import sha256_file
from annotator.case.model import Case, MediaRef
from annotator.media.regular_file import not_regular_problem


def media_warnings(case: Case, relink: bool = True) -> list[str]:
    """A warning per media file that is missing or no longer matches its stored SHA-256.

    With ``relink``, a missing file found by name beside the case file (a case moved with
    its scans) is used instead, when its checksum matches, and the reference is updated.
    """
    warnings: list[str] = []
    for ref in case.media:
        problem = media_problem(case, ref, relink)
        if problem:
            warnings.append(problem)
    return warnings


def media_problem(case: Case, ref: MediaRef, relink: bool = False) -> str | None:
    """What is wrong with one media file of the case, or None."""
    path = case.resolve_media_path(ref)
    problem = not_regular_problem(path)
    if problem is not None and problem != "file not found":
        return f"media {ref.id}: {path}: {problem}"
    if not path.is_file():
        beside = case.media_dir() / Path(ref.path).name
        if relink and beside != path and beside.is_file() and file_matches(beside, ref.sha256):
            ref.path = beside.name
            return f"media {ref.id}: {ref.path!s} was not at {path}; using the file of that name beside the case"
        return f"media {ref.id}: file not found: {path}"
    if ref.sha256 and not file_matches(path, ref.sha256):
        return f"media {ref.id}: {path} has changed since the case was saved (its SHA-256 differs)"
    return None


def file_matches(path: Path, sha: str | None) -> bool:
    """True when ``path`` has the SHA-256 ``sha`` (or no checksum is known)."""
    if not sha:
        return True
    try:
        return sha256_file(path) == sha
    except OSError:
        return False


def relative_media_path(media: Path, case_folder: Path) -> str:
    """``media`` relative to the case's folder (forward slashes) when they share a folder
    below the file-system root (a case moved with its scans keeps working); otherwise the
    absolute path."""
    media, case_folder = Path(os.path.abspath(media)), Path(os.path.abspath(case_folder))
    try:
        common = Path(os.path.commonpath([media, case_folder]))
    except ValueError:  # another drive on Windows
        return media.as_posix()
    if common == Path(common.anchor):
        return media.as_posix()
    return Path(os.path.relpath(media, case_folder)).as_posix()
