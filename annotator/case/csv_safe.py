"""CSV cells that a spreadsheet will not run as formulas (CSV injection, CWE-1236).

Excel, LibreOffice and Sheets treat a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, in
some versions, a tab or carriage return) as a formula, so a label typed as ``=HYPERLINK(...)``
would run on the reader's machine. Such a text cell gets a leading apostrophe, which spreadsheets
show as text and hide; a number ("-3.5", "+2e-3") is left as it is, so values stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell that cannot start a formula (non-text values unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def csv_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: csv_cell(v) for k, v in row.items()}
