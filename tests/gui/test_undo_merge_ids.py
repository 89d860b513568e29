"""Merge ids map to Qt command ids without a registry that grows for the whole session."""

from __future__ import annotations

import annotator.ui.undo as undo
from annotator.ui.undo import merge_number


def test_merge_numbers_are_stable_non_negative_and_need_no_registry() -> None:
    ids = [f"move:{i}:handle" for i in range(20000)]
    numbers = [merge_number(m) for m in ids]
    assert numbers == [merge_number(m) for m in ids]  # stable
    assert all(n >= 0 for n in numbers)
    assert len(set(numbers)) > 19900  # distinct in practice
    assert merge_number(None) == -1
    assert not [n for n, v in vars(undo).items() if isinstance(v, dict) and not n.startswith("__")]
