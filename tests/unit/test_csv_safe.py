"""CSV cells a spreadsheet would run as formulas are escaped in every CSV the app writes."""

from __future__ import annotations

import pytest

from annotator.case.csv_safe import csv_cell, csv_row


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
                                  "=HYPERLINK(\"http://x\",\"y\")", "-", "+", "=cmd|' /C calc'!A0"])
def test_formula_starts_are_escaped(cell: str) -> None:
    assert csv_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-3.5", "+2e-3", "-0", "12", "gap", "", "a=b", " =1"])
def test_numbers_and_ordinary_text_are_left_alone(cell: str) -> None:
    assert csv_cell(cell) == cell


def test_non_text_cells_are_unchanged() -> None:
    assert csv_row([1, -2.5, None, "=x"]) == [1, -2.5, None, "'=x"]
