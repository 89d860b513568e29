"""File > Export: open the export dialog (``ui/dialogs/export_dialog.py``, not modal) on a
kind of output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from annotator.ui.dialogs.export_dialog import open_export_dialog

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow



def open_export(window: MainWindow, kind: str | None = None) -> QWidget | None:
    """The export dialog on ``kind`` (an id of the dialog's kinds; None: its last choice)."""
    if window.controller.document is None:
        window.statusBar().showMessage("Open a case to export it", 4000)
        return None
    try:
        dialog: QWidget = open_export_dialog(window.controller, window, kind)
    except ValueError as exc:  # the dialog's word on why it cannot open (e.g. no case)
        window.controller.error.emit("Export", str(exc))
        return None
    return dialog
