"""Reading and writing case files (``.uscase.json``): validated, migrated, saved atomically.

``load_case(path)`` returns the Case; problems with its media files (missing, or changed
since the case was saved: the SHA-256 differs) do not stop loading: they are listed in
``case.load_warnings`` (also ``case_warnings(case)``). Anything wrong with the file itself
raises ``CaseError`` naming the file, the JSON path and the problem.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from annotator.case.autosave import (
    autosave_for,
    autosave_path,
    discard_autosave,
    find_recoverable,
    recover_autosave,
    write_autosave,
)
from annotator.case.case_json import (
    parse_case_text,
    read_case_json,
)
from annotator.case.errors import CaseError, Issue
from annotator.case.fileutil import atomic_write_text, sha256_file
from annotator.case.media_files import media_problem, media_warnings, relative_media_path
from annotator.case.model import Case
from annotator.case.serialize import case_from_dict, case_to_dict
from annotator.case.text_scrub import scrub_in_place

CASE_SUFFIX = ".uscase.json"


def load_case(path: str | Path, check_media: bool = True) -> Case:
    """Read, migrate and validate a case file. Media problems go to ``case.load_warnings``."""
    p = Path(path).absolute()
    case = case_from_dict(read_case_json(p), p)
    if check_media:
        case.load_warnings = media_warnings(case)
    return case


def case_warnings(case: Case) -> list[str]:
    """Problems found when the case was loaded (missing or changed media files)."""
    return list(case.load_warnings)


def save_case(case: Case, path: str | Path | None = None, verdicts: dict[str, str] | None = None) -> Path:
    """Write the case atomically to ``path`` (default: where it was loaded from).

    Media paths are rewritten relative to the new location, missing checksums of media
    found on disk are filled in, and ``case.path`` becomes ``path``. On any failure the
    previous file is left byte for byte as it was, and CaseError says why.
    """
    if path is None and case.path is None:
        raise CaseError(None, "the case has no file name yet: choose where to save it")
    target = Path(path if path is not None else case.path).absolute()  # type: ignore[arg-type]
    if not target.name.endswith(".json"):
        raise CaseError(target, f"a case file name must end in {CASE_SUFFIX}")
    # Relative paths of a never-saved case are taken as relative to where it is now saved.
    scrub_in_place(case)  # lone surrogates (pasted text) cannot be written as UTF-8
    base = case.media_dir() if case.path is not None else target.parent
    resolved = {ref.id: _resolve(base, ref.path) for ref in case.media}
    if any(_same_file(p, target) for p in resolved.values()):
        raise CaseError(target, "this is one of the case's media files; media are never overwritten")
    new_paths = {mid: relative_media_path(p, target.parent) for mid, p in resolved.items()}
    for ref in case.media:
        if ref.sha256 is None and resolved[ref.id].is_file():
            with contextlib.suppress(OSError):
                ref.sha256 = sha256_file(resolved[ref.id])
    try:
        text = json.dumps(case_to_dict(case, new_paths, verdicts), indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise CaseError(target, f"not saved: the case holds a value JSON cannot store ({exc})") from None
    try:
        atomic_write_text(target, text + "\n")
    except OSError as exc:
        raise CaseError(target, f"could not save: {exc.strerror or exc}") from None
    for ref in case.media:
        ref.path = new_paths[ref.id]
    case.path = target
    discard_autosave(target)
    return target


def _resolve(base: Path, media_path: str) -> Path:
    p = Path(media_path).expanduser()
    return Path(os.path.abspath(p if p.is_absolute() else base / p))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


__all__ = [
    "CASE_SUFFIX", "CaseError", "Issue", "atomic_write_text", "autosave_for", "autosave_path",
    "discard_autosave", "find_recoverable", "recover_autosave", "write_autosave", "case_from_dict", "case_to_dict",
    "case_warnings", "load_case", "media_problem", "media_warnings", "parse_case_text",
    "read_case_json", "relative_media_path", "save_case", "sha256_file",
]
