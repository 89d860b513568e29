"""File > Export: each entry opens the export dialog (``ui/dialogs/export_dialog.py``, not
modal) on a kind of output."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QWidget

from annotator.ui.actions import ActionArea
from annotator.ui.controller import AppController
from annotator.ui.dialogs.export_dialog import open_export_dialog

#: File > Export entries -> the export dialog's kind of output (None: the dialog's own choice)
EXPORT_KINDS: dict[str, str | None] = {
    "export": None, "export_figure": "figure-current", "export_clip": "clip", "export_slides": "slides",
    "export_report": "report", "export_dicom": "dicom-sr", "export_measurements": "measurements",
}


class ExportActions(ActionArea):
    """The export entries (enabled while a case is open). ``parent``: the dialog's parent."""

    def __init__(self, parent: QWidget, controller: AppController, status: Callable[[str, int], None]) -> None:
        super().__init__(parent)
        self.widget, self.controller, self.status = parent, controller, status
        for action_id, text, keys, tip in (
            ("export", "&Export\u2026", ("Ctrl+E",), "Export figures, clips, slides, report or DICOM"),
            ("export_figure", "Export &Figure\u2026", ("Ctrl+Shift+E",),
             "A figure of the current frame (PNG, TIFF, JPEG, SVG or PDF)"),
            ("export_clip", "Export Cl&ip\u2026", (), "The clip with its annotations as MP4 or GIF"),
            ("export_slides", "Export S&lides\u2026", (), "PowerPoint slides of the case"),
            ("export_report", "Export &Report\u2026", (), "The case report (HTML or PDF): findings, measurements, figures"),
            ("export_dicom", "Export &DICOM\u2026", (),
             "The measurements as a DICOM SR, or a figure as DICOM Secondary Capture"),
            ("export_measurements", "Export &Measurements\u2026", (), "Every measurement as CSV or JSON"),
        ):
            kind = EXPORT_KINDS[action_id]
            self.add(action_id, text, *keys, tip=tip, needs_case=True,
                     on_trigger=partial(self.open_export, kind))

    def open_export(self, kind: str | None = None) -> QWidget | None:
        """The export dialog on ``kind`` (an id of the dialog's kinds; None: its last choice)."""
        if self.controller.document is None:
            self.status("Open a case to export it", 4000)
            return None
        try:
            dialog: QWidget = open_export_dialog(self.controller, self.widget, kind)
        except ValueError as exc:  # the dialog's word on why it cannot open (e.g. no case)
            self.controller.error.emit("Export", str(exc))
            return None
        return dialog
