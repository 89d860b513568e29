"""The export dialog's preview shows the whole output, however long the summary under it."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from annotator.ui.dialogs.export_preview import PreviewPane, PreviewResult

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_the_preview_fits_the_room_left_by_a_long_summary(qtbot: QtBot) -> None:
    """A figure 1004 x 875 px with four lines of warnings under it: the picture was fitted to
    the room before the summary took its share, and its top and bottom were cut off."""
    pane = PreviewPane()
    qtbot.addWidget(pane)
    pane.resize(620, 560)
    pane.show()
    qtbot.waitExposed(pane)
    figure = QImage(1004, 875, QImage.Format.Format_RGB32)
    figure.fill(QColor(200, 30, 30))
    warning = ("\u26a0 likely burned-in text left in Right medial gastrocnemius, long axis, contraction (m1) "
               "frame 0: 1 area(s) at x 239-441, y 90-104; redact them (Redact tool) or crop them out")
    pane.show_result(PreviewResult(figure, "\n".join([warning] * 6)))

    def fitted() -> bool:
        shown = pane.picture.pixmap()
        ratio = shown.devicePixelRatio()
        return (not shown.isNull() and shown.height() / ratio <= pane.picture.height() + 1
                and shown.width() / ratio <= pane.picture.width() + 1)

    qtbot.waitUntil(lambda: pane.summary.height() > 100)  # the summary takes its room ...
    qtbot.wait(100)
    assert fitted(), (pane.picture.pixmap().size(), pane.picture.size())  # ... the picture fits the rest
    shown = pane.picture.pixmap()
    assert shown.width() / shown.height() == pytest.approx(1004 / 875, rel=0.02)  # never stretched
