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
import re
from pathlib import Path
from typing import Any

from annotator.case.autosave import (
    autosave_for,
    autosave_path,
    discard_autosave,
    find_recoverable,
    recover_autosave,
    write_autosave,
)
from annotator.case.errors import CaseError, Issue
from annotator.case.fileutil import atomic_write_text, sha256_file
from annotator.case.media_files import media_problem, media_warnings, relative_media_path
from annotator.case.model import Case
from annotator.case.serialize import case_from_dict, case_to_dict
from annotator.case.text_scrub import scrub_in_place
from annotator.media.regular_file import NotRegularFile, read_regular

CASE_SUFFIX = ".uscase.json"
MAX_CASE_BYTES = 64 * 1024 * 1024  # far above any real case; refuses /dev/zero-like inputs fast


def parse_case_text(text: str, path: str | Path | None = None) -> Any:
    """The JSON value of a case file's text; CaseError with line and column when malformed.

    NaN, Infinity and overflowing numbers parse as non-finite floats, which validation then
    reports with their JSON path.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseError(path, f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise CaseError(path, "nested too deeply to be a case file") from None
    except ValueError as exc:  # an integer of more than 4300 digits (int_max_str_digits)
        raise CaseError(path, f"a number is too long to read ({str(exc).split(':')[0]})") from None
    return without_lone_surrogates(value) if _ESCAPED_SURROGATE.search(text) else value


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def without_lone_surrogates(value: Any) -> Any:
    """``value`` with each lone surrogate (an escape like \\ud800 that is no character and
    cannot be written as UTF-8) replaced by U+FFFD; surrogate pairs were joined by json."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value


def read_case_json(path: str | Path) -> Any:
    """The parsed JSON of a case file (before migration and validation)."""
    p = Path(path)
    try:
        raw = read_regular(p, MAX_CASE_BYTES)
    except NotRegularFile as exc:
        raise CaseError(p, exc.problem) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseError(p, f"not UTF-8 text (byte {exc.start}): is this really a case file?") from None
    return parse_case_text(text, p)


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
