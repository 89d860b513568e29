"""Errors as a clear dialog: what went wrong in one sentence, the technical details folded away."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)


def error_box(parent: QWidget | None, title: str, message: str, details: str | None = None) -> QMessageBox:
    """The message box ``show_error`` shows (built separately so tests can inspect it)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title or "Error")
    box.setText(message or "An unknown error occurred.")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setDefaultButton(QMessageBox.StandardButton.Ok)
    return box


def show_error(parent: QWidget | None, title: str, message: str, details: str | None = None) -> None:
    """Show an error modally. Never raises: a failure to show the dialog is only logged, so
    reporting one error can never take the app down with a second."""
    log.error("%s: %s%s", title, message, f"\n{details}" if details else "")
    try:
        box = error_box(parent, title, message, details)
        box.exec()
        box.deleteLater()  # not left to Python's garbage collector
    except Exception:  # noqa: BLE001 - last line of defence
        log.exception("could not show the error dialog")
