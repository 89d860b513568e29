"""Small modal questions (a word, some lines, one of a list). Callers use them through this
module (``prompts.ask_text(...)``) so tests can answer them instead of a user."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from annotator.case.lock import LockInfo


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


def ask_recover_case(parent: QWidget | None, case: Path, autosave: Path) -> str:
    """A case being opened has newer unsaved work in its autosave: "recover", "open" (the
    saved file, deleting the autosave) or "cancel"."""
    when = datetime.fromtimestamp(autosave.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved changes",
                      f"{case.name} has changes from {when} that were never saved "
                      "(the app did not close normally).", parent=parent)
    box.setInformativeText("Recover them? Opening the saved version deletes these changes.")
    recover = box.addButton("Recover Changes", QMessageBox.ButtonRole.AcceptRole)
    saved = box.addButton("Open Saved Version", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(recover)
    box.exec()
    clicked = box.clickedButton()
    return "recover" if clicked is recover else "open" if clicked is saved else "cancel"


def ask_confirm(parent: QWidget | None, title: str, text: str, yes_text: str) -> bool:
    """A warning whose default is Cancel; True when the user chose ``yes_text``."""
    from annotator.ui.panels.common import ask_yes_no

    return ask_yes_no(parent, title, text, yes_text)


def ask_locked_case(parent: QWidget | None, case: Path, holder: LockInfo) -> str:
    """The case is open in another copy of the app: "read-only" or "cancel"."""
    box = QMessageBox(QMessageBox.Icon.Information, "Case already open",
                      f"{case.name} is already open in us-annotator: {holder.describe()}.",
                      parent=parent)
    box.setInformativeText("Open it read-only? You can look and measure, and Save As keeps your "
                           "changes in another file; the other copy's work is not overwritten.")
    read_only = box.addButton("Open Read-Only", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(read_only)
    box.exec()
    return "read-only" if box.clickedButton() is read_only else "cancel"


def ask_earlier_analysis(parent: QWidget | None, named: str, linked: Sequence[str], what: str = "image") -> str:
    """The media already holds an automatic analysis (``named``): "replace" it, "add" a second
    set beside it, or "cancel". Replacing is not offered while findings (``linked``) link to it.
    ``what``: "image" or "clip", as the user calls the media."""
    box = QMessageBox(QMessageBox.Icon.Question, "Analyse Muscle Architecture",
                      f"This {what} already has a muscle-architecture analysis: {named}.", parent=parent)
    replace = None
    if linked:
        box.setInformativeText(f"Finding {', '.join(linked)} links to it, so it is kept. Add a second "
                               "set of annotations beside it? (Unlink the finding to replace it.)")
    else:
        box.setInformativeText("Replace it with a new analysis? Corrections made to it are replaced "
                               "too (Undo brings them back). Or keep it and add a second set.")
        replace = box.addButton("Replace Earlier Analysis", QMessageBox.ButtonRole.AcceptRole)
    add = box.addButton("Add Another Set", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(replace or add)
    box.exec()
    clicked = box.clickedButton()
    return "replace" if replace is not None and clicked is replace else "add" if clicked is add else "cancel"
