"""Reading a case file's JSON: a regular file of bounded size, UTF-8, parsed with errors that
name the line and column (shared by ``io`` and ``autosave``, which both read case files)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from annotator.case.errors import CaseError
from annotator.media.regular_file import NotRegularFile, read_regular

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
