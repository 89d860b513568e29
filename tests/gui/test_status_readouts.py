"""The status bar says only what is true now: depth from the ruler's zero of a manual
calibration (none when that is not known), nothing left over from a closed case, and the
frame actually shown after stepping with the keyboard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from annotator.case.commands import SetCalibration
from annotator.case.io import load_case, save_case
from annotator.media.calibration import UNIT_CM, Calibration, ManualCalibration, Region
from annotator.ui.cursor_info import cursor_info
from annotator.ui.main_window import MainWindow
from annotator.ui.tools import Button, CalibrationTool, Mod, ToolContext
from annotator.ui.tools.calibration_tool import KnownDistance
from tests.gui.conftest import OpenFn

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]
IMAGE = np.zeros((120, 160, 3), np.uint8)


def test_depth_is_measured_from_the_rulers_zero_of_a_manual_calibration() -> None:
    # the ruler's zero sits 15 px below the top of the frame (a scanner's header band)
    manual = ManualCalibration.from_line((150.0, 15.0), (150.0, 115.0), 20.0, depth_zero=(150.0, 15.0))
    cal = Calibration(()).with_manual(manual, 160, 120)
    info = cursor_info(IMAGE, cal, 40.0, 113.0, 0, 0.0)
    assert info.depth_mm == pytest.approx((113 - 15) * 0.2)
    assert "depth 19.6 mm" in info.text()  # not 22.6 mm from the top of the frame


def test_no_depth_without_a_known_zero() -> None:
    no_zero = Calibration(()).with_manual(ManualCalibration(0.2), 160, 120)
    for cal in (no_zero, Calibration(()),
                Calibration((Region(0, 0, 159, 119, UNIT_CM, UNIT_CM, 0.02, 0.02, source="pixel-spacing"),))):
        info = cursor_info(IMAGE, cal, 40.0, 100.0, 0, 0.0)
        assert info.depth_mm is None and "depth" not in info.text()
    scanner = Calibration((Region(0, 10, 159, 119, UNIT_CM, UNIT_CM, 0.02, 0.02),))
    assert cursor_info(IMAGE, scanner, 40.0, 100.0, 0, 0.0).depth_mm == pytest.approx((100 - 9.5) * 0.2)


def _context() -> ToolContext:
    from annotator.case.model import Case

    return ToolContext(Case(), "m1", 0, (160, 120))


@pytest.mark.parametrize(("answer", "zero"), [(20.0, (150.0, 15.0)), (KnownDistance(20.0, "end"), (150.0, 115.0)),
                                               (KnownDistance(20.0, "unknown"), None)])
def test_the_calibration_tool_records_the_zero_chosen(answer: object, zero: object) -> None:
    tool = CalibrationTool(_context, lambda _px: answer)  # type: ignore[arg-type, return-value]
    tool.press((150.0, 15.0), Button.LEFT, Mod.NONE)
    tool.move((150.0, 115.0), Button.LEFT, Mod.NONE)
    result = tool.release((150.0, 115.0), Button.LEFT, Mod.NONE)
    command = result.commands[0]
    assert isinstance(command, SetCalibration)
    assert command.calibration is not None and command.calibration.depth_zero == zero


def test_the_zero_is_saved_in_the_case(tmp_path: Path) -> None:
    from annotator.case.model import Case, MediaRef

    case = Case()
    manual = ManualCalibration.from_line((1.0, 15.0), (1.0, 115.0), 20.0, depth_zero=(1.0, 15.0))
    case.media.append(MediaRef("m1", "clip.mp4", None, manual))
    path = tmp_path / "zero.uscase.json"
    save_case(case, path)
    again = load_case(path, check_media=False)
    assert again.media[0].calibration is not None and again.media[0].calibration.depth_zero == (1.0, 15.0)
    case.media[0].calibration = ManualCalibration(0.2)  # older cases: no zero, loads unchanged
    save_case(case, path)
    assert "depth_zero" not in path.read_text() and load_case(path, check_media=False).media[0].calibration.depth_zero is None  # type: ignore[union-attr]


def _hover(win: MainWindow, x: float, y: float) -> QPointF:
    """Move the mouse over image point (x, y); returns the image point under the whole widget
    pixel it lands on (the viewer's scale decides how far that is from (x, y))."""
    p = win.viewer.view.to_widget().map(QPointF(x, y)).toPoint()
    QTest.mouseMove(win.viewer, p)
    return QPointF(*win.viewer.view.widget_to_image(p.x() + 0.5, p.y() + 0.5))  # the pixel's centre, as the viewer reads it


def test_the_status_bar_forgets_a_closed_case_and_follows_the_keys(
        qtbot: QtBot, window: MainWindow, clip_path: Path, open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    c = window.controller
    assert c.current_media_id is not None
    c.push(SetCalibration(c.current_media_id, ManualCalibration.from_line((5, 10), (5, 110), 20.0, (5, 10))))
    under = _hover(window, 60, 60)
    qtbot.waitUntil(lambda: "manual" in window.cursor_label.text())
    depth = (under.y() - 10) * 0.2  # the ruler's zero at y 10, 0.2 mm a pixel
    assert "frame 0 " in window.cursor_label.text() and f"depth {depth:.1f} mm" in window.cursor_label.text()
    window.viewer.setFocus()
    with qtbot.waitSignal(window.viewer.frame_shown, timeout=5000):
        QTest.keyClick(window.viewer, Qt.Key.Key_Right)
    assert "frame 1 " in window.cursor_label.text()
    window.statusBar().showMessage("Calibrated: 0.2000 mm per pixel")
    window.action_by_id["new_case"].trigger()
    assert window.cursor_label.text() == "" and window.zoom_label.text() == ""
    assert window.readouts.display.text() == "" and window.statusBar().currentMessage() == ""
    # and after Close
    open_and_wait(window, clip_path)
    _hover(window, 60, 60)
    qtbot.waitUntil(lambda: "frame 0 " in window.cursor_label.text())
    assert window.readouts.display.text() == "W 255 L 128"
    window.statusBar().showMessage("Calibrated: 0.2000 mm per pixel")
    window.action_by_id["close_case"].trigger()
    assert window.controller.document is None
    assert window.cursor_label.text() == "" and window.zoom_label.text() == ""
    assert window.readouts.display.text() == "" and window.statusBar().currentMessage() == ""


def test_the_calibration_dialog_asks_where_the_rulers_zero_is(qtbot: QtBot) -> None:
    from annotator.ui.dialogs.calibration_dialog import KnownDistanceDialog

    dialog = KnownDistanceDialog(None, 100.0)
    qtbot.addWidget(dialog)
    assert dialog.answer() == KnownDistance(10.0, "start")  # the line usually starts at the ruler's 0
    dialog.zero.setCurrentIndex(dialog.zero.findData("unknown"))
    dialog.spin.setValue(20.0)
    assert dialog.answer() == KnownDistance(20.0, "unknown")
