"""Small modal questions (a word, some lines, one of a list). Callers use them through this
module (``prompts.ask_text(...)``) so tests can answer them instead of a user."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """One line of text; None when cancelled."""
    answer, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return answer if ok else None


def ask_lines(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """Text that may span lines; None when cancelled."""
    answer, ok = QInputDialog.getMultiLineText(parent, title, label, text)
    return answer if ok else None


def ask_item(parent: QWidget | None, title: str, label: str, items: Sequence[str], current: int = 0) -> int | None:
    """The index of the item chosen from ``items``; None when cancelled."""
    if not items:
        return None
    answer, ok = QInputDialog.getItem(parent, title, label, list(items), current, False)
    if not ok or answer not in items:
        return None
    return list(items).index(answer)
