"""Lone surrogates out of typed text: they are no characters and cannot be written as UTF-8.

Pasted text (Qt strings are UTF-16) or a case file with an escape such as ``\\ud800`` can carry
them; every writer (PNG/SVG captions, CSV, HTML, PPTX, JSON) would then fail after work was
done. Each is replaced by U+FFFD, the Unicode replacement character, before saving or export.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def scrub_text(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (unchanged when it has none)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def scrub_in_place(obj: Any) -> Any:
    """Scrub every string reachable from ``obj`` (dataclasses, lists, dicts) in place; returns
    ``obj`` (or the scrubbed string). Frozen dataclasses are left as they are."""
    if isinstance(obj, str):
        return scrub_text(obj)
    if isinstance(obj, list):
        for i, v in enumerate(obj):
            new = scrub_in_place(v)
            if new is not v:
                obj[i] = new
        return obj
    if isinstance(obj, dict):
        for key in list(obj):
            new_key, value = scrub_in_place(key), scrub_in_place(obj[key])
            if new_key is not key:
                del obj[key]
            obj[new_key] = value
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        frozen = obj.__dataclass_params__.frozen  # type: ignore[attr-defined]
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            new = scrub_in_place(value)
            if new is not value and not frozen:
                setattr(obj, f.name, new)
        return obj
    return obj
