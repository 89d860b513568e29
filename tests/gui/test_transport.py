"""The cine bar under the viewer keeps a timeline worth dragging at any window width."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from pytestqt.qtbot import QtBot

from annotator.ui.main_window import MainWindow
from annotator.ui.transport import TIMELINE_MIN

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")
OpenFn = Callable[[MainWindow, Path], None]


def test_a_narrow_window_gives_the_timeline_a_row_of_its_own(
        qtbot: QtBot, window: MainWindow, clip_path: Path, open_and_wait: OpenFn) -> None:
    """At 1024 px the buttons, the frame and time, the speed and Bounce left the timeline 10 px
    wide; it now moves above them, and back beside them when there is room."""
    open_and_wait(window, clip_path)
    bar, timeline = window.transport, window.timeline
    for width, own_row in ((window.minimumSizeHint().width() + 40, True), (2200, False)):
        window.resize(width, 800)
        qtbot.waitUntil(lambda own_row=own_row: bar.timeline_on_own_row == own_row, timeout=3000)
        qtbot.wait(50)
        assert timeline.width() >= TIMELINE_MIN, (width, timeline.width())
        top = timeline.mapTo(bar, QPoint(0, 0)).y()
        position = bar.position.mapTo(bar, QPoint(0, 0)).y()
        assert (top < position) == own_row  # above the frame and time, or beside them
    assert window.minimumSizeHint().width() < 800  # the bar never widens the window
