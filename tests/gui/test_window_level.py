"""Brightness/contrast without Alt (which window managers take): the Window/Level tool, Shift +
right drag, the "W 255 L 128" read-out, and the resets (menu, double-click)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolBar
from pytestqt.qtbot import QtBot

from annotator.ui.display import DisplayLut
from annotator.ui.main_window import MainWindow
from annotator.ui.window_level import dragged, from_window_level, readout, window_level
from tests.gui.conftest import OpenFn

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]


def test_window_and_level_are_the_lut_seen_another_way() -> None:
    assert readout(DisplayLut()) == "W 255 L 128"
    lut = from_window_level(100.0, 60.0)
    w, level = window_level(lut)
    assert (w, level) == (pytest.approx(100.0), pytest.approx(60.0))
    table = lut.table()
    assert table[60] in (127, 128)  # the level is shown as mid-grey
    assert table[10] == 0 and table[110] == 255  # a 100-grey window spans black to white
    brighter = dragged(DisplayLut(), 0.0, -100.0)
    assert brighter.brightness > 0 and window_level(brighter)[1] < 127.5
    assert window_level(dragged(DisplayLut(), 120.0, 0.0))[0] < 255  # drag right: narrower window


def _drag(win: MainWindow, button: Qt.MouseButton, mods: Qt.KeyboardModifier, start: QPoint, end: QPoint) -> None:
    v = win.viewer
    QTest.mousePress(v, button, mods, start)
    QTest.mouseMove(v, (start * 2 + end) / 3)
    QTest.mouseMove(v, end)
    QTest.mouseRelease(v, button, mods, end)


def test_the_tool_drags_and_double_click_resets(qtbot: QtBot, window: MainWindow, clip_path: Path,
                                                 open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    readout_label = window.readouts.display
    assert readout_label.text() == "W 255 L 128"
    window.action_by_id["tool_window_level"].trigger()
    assert window.viewer.tool is not None and window.viewer.tool.name == "window_level"
    toolbar = window.findChild(QToolBar, "toolbar_tools")
    assert toolbar is not None and window.action_by_id["tool_window_level"] in toolbar.actions()
    centre = window.viewer.rect().center()
    with qtbot.waitSignal(window.viewer.display_changed):
        _drag(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre, centre + QPoint(80, -60))
    assert window.viewer.lut.contrast > 1.0 and window.viewer.lut.brightness > 0.0
    assert readout_label.text() != "W 255 L 128"
    assert window.controller.document is not None and not window.controller.document.case.annotations
    with qtbot.waitSignal(window.viewer.display_changed):
        QTest.mouseDClick(window.viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    assert window.viewer.lut == DisplayLut() and readout_label.text() == "W 255 L 128"


def test_shift_right_drag_adjusts_and_a_plain_right_drag_still_pans(
        qtbot: QtBot, window: MainWindow, clip_path: Path, open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    window.action_by_id["tool_caliper"].trigger()
    centre = window.viewer.rect().center()
    with qtbot.waitSignal(window.viewer.display_changed):
        _drag(window, Qt.MouseButton.RightButton, Qt.KeyboardModifier.ShiftModifier, centre, centre + QPoint(0, -80))
    assert window.viewer.lut.brightness == pytest.approx(0.2)
    before = window.viewer.view.to_widget().map(QPointF(0.0, 0.0))
    _drag(window, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, centre, centre + QPoint(30, 0))
    assert window.viewer.view.to_widget().map(QPointF(0.0, 0.0)).x() == pytest.approx(before.x() + 30)
    assert window.viewer.lut.brightness == pytest.approx(0.2)  # the pan left the display alone
    # the menu's reset, and double-click on the read-out
    window.action_by_id["reset_display"].trigger()
    assert window.viewer.lut == DisplayLut()
    window.viewer.set_display(DisplayLut(0.3))
    with qtbot.waitSignal(window.viewer.display_changed):
        QTest.mouseDClick(window.readouts.display, Qt.MouseButton.LeftButton)
    assert window.viewer.lut == DisplayLut()


def test_alt_drag_still_adjusts(qtbot: QtBot, window: MainWindow, clip_path: Path, open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    centre = window.viewer.rect().center()
    with qtbot.waitSignal(window.viewer.display_changed):
        _drag(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.AltModifier, centre, centre + QPoint(250, 0))
    assert window.viewer.lut.contrast == pytest.approx(2.718, abs=0.01)
