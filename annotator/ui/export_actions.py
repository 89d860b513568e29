"""File > Export: open the export dialog (``ui/dialogs/export_dialog.py``, not modal) on a
kind of output. The dialog is imported when first asked for, so a build without it still
starts and says where else to export (the command line).
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

log = logging.getLogger(__name__)
DIALOG_MODULE = "annotator.ui.dialogs.export_dialog"


def open_export(window: MainWindow, kind: str | None = None) -> QWidget | None:
    """The export dialog on ``kind`` (an id of the dialog's kinds; None: its last choice)."""
    if window.controller.document is None:
        window.statusBar().showMessage("Open a case to export it", 4000)
        return None
    try:
        module = importlib.import_module(DIALOG_MODULE)
    except ImportError as exc:
        log.warning("export dialog unavailable: %s", exc)
        window.show_error("Export", "Export from the window is not available in this build "
                          f"({exc}); use `us-annotator export CASE OUT` on the command line.")
        return None
    try:
        dialog: QWidget = module.open_export_dialog(window.controller, window, kind)
    except ValueError as exc:  # the dialog's word on why it cannot open (e.g. no case)
        window.controller.error.emit("Export", str(exc))
        return None
    return dialog
