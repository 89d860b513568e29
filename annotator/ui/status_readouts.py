"""The status bar's permanent read-outs: the point under the cursor, the display's window and
level, and the zoom. They follow the viewer, and go blank when there is nothing to describe
(no case, another media) so that nothing stale is left from a closed case."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from annotator.ui.controller import AppController
from annotator.ui.cursor_info import CursorInfo
from annotator.ui.display import DisplayLut
from annotator.ui.viewer import Viewer
from annotator.ui.window_level import readout


class ResetLabel(QLabel):
    """A label that asks for a reset when double-clicked."""

    reset_requested = Signal()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.reset_requested.emit()
        event.accept()


class StatusReadouts:
    def __init__(self, bar: QStatusBar, viewer: Viewer, controller: AppController,
                 before: tuple[QWidget, ...] = ()) -> None:
        self.viewer, self.controller = viewer, controller
        self.cursor = QLabel()
        self.cursor.setObjectName("cursor_info")
        self.display = ResetLabel()
        self.display.setObjectName("window_level")
        self.display.setToolTip("Window width and level of the display (display only: pixels and exports "
                                "are unchanged). Double-click, or Ctrl+R, to reset.")
        self.zoom = QLabel()
        self.zoom.setObjectName("zoom")
        for widget in (*before, self.cursor, self.display, self.zoom):
            bar.addPermanentWidget(widget)
        self.display.reset_requested.connect(lambda: viewer.set_display(DisplayLut()))
        viewer.cursor_moved.connect(self.show_cursor)
        viewer.zoom_changed.connect(lambda z: self.zoom.setText(f"{z * 100:.0f}%") if self._has_media() else None)
        viewer.display_changed.connect(lambda _lut: self.refresh())
        controller.document_changed.connect(self.refresh)
        controller.document_changed.connect(bar.clearMessage)  # e.g. "Calibrated: ..." of the old case
        controller.current_media_changed.connect(lambda _m: self.refresh())
        self.refresh()

    def _has_media(self) -> bool:
        return self.controller.document is not None and self.controller.current_media_id is not None

    def show_cursor(self, info: CursorInfo | None) -> None:
        self.cursor.setText("" if info is None or not self._has_media() else info.text())

    def refresh(self) -> None:
        """Blank what no longer describes anything; the display and zoom of what is shown."""
        shown = self._has_media()
        if not shown:
            self.cursor.clear()
            self.zoom.clear()
        self.display.setText(readout(self.viewer.lut) if shown else "")
