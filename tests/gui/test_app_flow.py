"""The app end to end with real widgets: open a clip, draw a caliper with the mouse, see its
value, undo/redo, play and step, save, close, reopen, and recover after a crash."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from annotator.case.autosave import autosave_path, find_recoverable, write_autosave
from annotator.case.commands import SetCalibration
from annotator.case.model import Annotation, Case, MediaRef
from annotator.media.calibration import ManualCalibration
from annotator.render import qimage_to_numpy
from annotator.ui import main_window as main_window_module
from annotator.ui.main_window import MainWindow

OpenFn = Callable[[MainWindow, Path], None]

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]


def widget_point(win: MainWindow, x: float, y: float) -> QPoint:
    p = win.viewer.view.to_widget().map(QPointF(x, y))
    return QPoint(math.floor(p.x()), math.floor(p.y()))  # the widget pixel holding the point


def draw_caliper(qtbot: QtBot, win: MainWindow, a: tuple[float, float], b: tuple[float, float]) -> None:
    win.action_by_id["tool_caliper"].trigger()
    viewer = win.viewer
    QTest.mousePress(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(win, *a))
    for t in (0.25, 0.5, 0.75, 1.0):
        mid = (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
        QTest.mouseMove(viewer, widget_point(win, *mid))
    QTest.mouseRelease(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(win, *b))


def yellow_pixels(image: np.ndarray) -> int:
    r, g, b = (image[..., i].astype(int) for i in range(3))
    return int(((r > 200) & (g > 170) & (b < 90)).sum())


def test_draw_caliper_see_value_undo_redo(qtbot: QtBot, window: MainWindow, clip_path: Path,
                                          errors: list[tuple[str, str]], open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    c = window.controller
    assert c.document is not None and c.current_media_id is not None
    c.push(SetCalibration(c.current_media_id, ManualCalibration(0.25)))  # 0.25 mm per pixel
    window.viewer.actual_size()
    before = qimage_to_numpy(window.viewer.grab().toImage())

    draw_caliper(qtbot, window, (30, 100), (110, 100))

    annotations = c.document.case.annotations
    assert len(annotations) == 1 and annotations[0].kind == "line"
    (x0, y0), (x1, y1) = annotations[0].points
    assert math.dist((x0, y0), (30, 100)) <= 1 and math.dist((x1, y1), (110, 100)) <= 1
    value = c.document.measure(annotations[0])[0]
    assert value.unit == "mm" and value.value == pytest.approx(math.dist((x0, y0), (x1, y1)) * 0.25)
    assert c.selection == [annotations[0].id]
    # the value is listed in the measurements panel's model
    from PySide6.QtWidgets import QAbstractItemView

    def listed() -> bool:
        tables = window.docks["measurements"].findChildren(QAbstractItemView)
        cells = [str(t.model().index(r, col).data()) for t in tables for r in range(t.model().rowCount())
                 for col in range(t.model().columnCount())]
        return any(f"{value.value:.1f}" in cell for cell in cells)

    qtbot.waitUntil(listed, timeout=3000)
    # and drawn on screen: the caliper (yellow) and its value label
    after = qimage_to_numpy(window.viewer.grab().toImage())
    assert yellow_pixels(after) > yellow_pixels(before) + 80

    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert c.document.case.annotations == []
    QTest.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(c.document.case.annotations) == 1
    assert window.isWindowModified()
    assert errors == []


def test_play_step_first_last(qtbot: QtBot, window: MainWindow, clip_path: Path, open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    c = window.controller
    with qtbot.waitSignal(window.playback.playing_changed, timeout=2000):
        window.action_by_id["play"].trigger()
    qtbot.waitUntil(lambda: c.current_frame >= 3, timeout=5000)
    assert window.viewer.render_options().draft  # shapes in draft while it plays (ADR 0007)
    window.action_by_id["play"].trigger()
    assert not window.playback.playing
    assert not window.viewer.render_options().draft  # the frame it stops on, in full
    assert window.playback.shown >= 3
    window.viewer.setFocus()
    QTest.keyClick(window, Qt.Key.Key_Home)
    assert c.current_frame == 0
    QTest.keyClick(window, Qt.Key.Key_Right)
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert c.current_frame == 2
    qtbot.waitUntil(lambda: window.viewer.frame_index == 2, timeout=3000)
    QTest.keyClick(window, Qt.Key.Key_End)
    assert c.current_frame == 11
    QTest.keyClick(window, Qt.Key.Key_Left)
    assert c.current_frame == 10
    assert "frame 10 / 11" in window.transport.position.text()


def test_space_tap_plays_and_pauses(qtbot: QtBot, window: MainWindow, clip_path: Path, open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    window.viewer.setFocus()
    QTest.keyClick(window.viewer, Qt.Key.Key_Space)
    assert window.playback.playing
    QTest.keyClick(window.viewer, Qt.Key.Key_Space)
    assert not window.playback.playing


def test_save_close_reopen(qtbot: QtBot, window: MainWindow, clip_path: Path, tmp_path: Path, open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    window.viewer.actual_size()
    draw_caliper(qtbot, window, (20, 20), (60, 50))
    c = window.controller
    assert c.is_modified
    case_file = tmp_path / "knee.uscase.json"
    assert c.save(case_file)
    assert not c.is_modified and not window.isWindowModified()
    assert json.loads(case_file.read_text())["annotations"][0]["kind"] == "line"
    assert c.close_document()
    assert c.document is None and window.pages.currentIndex() == 0  # the start screen

    open_and_wait(window, case_file)
    assert c.document is not None and c.document.path == case_file
    (ann,) = c.document.case.annotations
    assert math.dist(ann.points[0], (20, 20)) <= 1
    assert not c.is_modified


def test_closing_with_unsaved_changes_asks(qtbot: QtBot, window: MainWindow, clip_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    window.viewer.actual_size()
    draw_caliper(qtbot, window, (20, 20), (60, 50))
    window.controller.confirm_discard = window.files.confirm_discard
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    asked: list[str] = []

    def answer(box: QMessageBox) -> int:
        asked.append(box.text())
        return int(answers.pop(0).value)

    monkeypatch.setattr(QMessageBox, "exec", answer)
    assert not window.close()  # Cancel keeps the window and the work
    assert window.controller.document is not None and window.isVisible()
    assert window.close()  # Discard
    assert len(asked) == 2 and "not saved" in asked[0]


def test_autosave_then_recover_after_a_crash(qtbot: QtBot, clip_path: Path, tmp_path: Path,
                                             errors: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    # the "crashed" session: a case that was never saved, with its autosave left behind
    case = Case(title="Crashed knee", media=[MediaRef("m1", str(clip_path))])
    case.annotations.append(Annotation.single("a1", "m1", "line", 3, [(10, 10), (50, 10)], label="gap"))
    left = write_autosave(case, session="crashed")
    assert left in find_recoverable()

    offered: list[list[Path]] = []

    def accept_first(parent: object, paths: list[Path]) -> Path:
        offered.append(paths)
        return paths[0]

    import annotator.ui.dialogs.recovery_dialog as recovery_dialog

    monkeypatch.setattr(recovery_dialog, "offer_recovery", accept_first)
    win = MainWindow()
    qtbot.addWidget(win)
    win.controller.confirm_discard = lambda: True
    win.show()
    assert win.offer_recovery()
    c = win.controller
    assert offered and left in offered[0]
    assert c.document is not None and c.document.case.title == "Crashed knee"
    assert c.document.case.annotation("a1").label == "gap"
    assert c.is_modified and win.isWindowModified()  # recovered work is unsaved work
    qtbot.waitUntil(lambda: win.viewer.frame_image is not None, timeout=5000)
    # our own autosave takes over from the crashed one
    assert c.autosave.write_now() == autosave_path(None, c.session)
    assert not left.exists()
    assert c.save(tmp_path / "recovered.uscase.json")
    assert not autosave_path(None, c.session).exists()
    win.close()
    assert errors == []


def test_a_file_that_will_not_open_is_an_error_not_a_crash(qtbot: QtBot, window: MainWindow, tmp_path: Path,
                                                           errors: list[tuple[str, str]]) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 20)
    window.open_paths([bad])
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    title, message = errors[0]
    assert "broken.mp4" in message
    bad_case = tmp_path / "bad.uscase.json"
    bad_case.write_text('{"format": "us-annotator case", "version": 1, "media": 7}')
    window.open_paths([bad_case])
    qtbot.waitUntil(lambda: len(errors) >= 2, timeout=10_000)
    assert "bad.uscase.json" in errors[1][1]
    assert window.isVisible()


def test_excepthook_reports_and_keeps_running(qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.ui import app as app_module
    from annotator.ui.dialogs import error_dialog

    shown: list[str] = []
    monkeypatch.setattr(error_dialog, "show_error", lambda parent, title, message, details=None: shown.append(message))
    hook = app_module.make_excepthook(lambda: window)
    try:
        raise RuntimeError("bug in a slot")
    except RuntimeError as exc:
        hook(RuntimeError, exc, exc.__traceback__)
    assert shown and "bug in a slot" in shown[0]
    assert window.isVisible()


def test_dropping_files_opens_them(qtbot: QtBot, window: MainWindow, clip_path: Path) -> None:
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip_path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.viewer.frame_shown, timeout=10_000):
        window.dropEvent(event)
    assert window.controller.document is not None and len(window.controller.document.case.media) == 1


def test_main_window_module_has_no_business_logic() -> None:
    source = Path(main_window_module.__file__).read_text()
    assert len(source.splitlines()) < 320


def test_a_case_whose_media_is_missing_says_so_once(qtbot: QtBot, window: MainWindow, clip_path: Path,
                                                    tmp_path: Path, errors: list[tuple[str, str]]) -> None:
    from annotator.case.io import save_case

    case = Case(title="Moved scans", media=[MediaRef("m1", str(tmp_path / "gone.mp4"))])
    case_file = save_case(case, tmp_path / "moved.uscase.json")
    window.open_paths([case_file])
    qtbot.waitUntil(lambda: window.controller.document is not None, timeout=10_000)
    for _ in range(3):  # repaints, frame changes: no new dialogs
        window.viewer.repaint()
        window.controller.set_current_frame(1)
        QApplication.processEvents()
    assert 1 <= len(errors) <= 2
    assert all("gone.mp4" in message for _title, message in errors)
    assert window.isVisible()


def test_window_layout_is_remembered(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(790, 555)  # within the offscreen screen (800x800), which bounds restored windows
    assert window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (790, 555)
    assert again.settings.window_state() is not None


def test_manual_calibration_from_a_drawn_line(qtbot: QtBot, window: MainWindow, clip_path: Path,
                                              open_and_wait: OpenFn, monkeypatch: pytest.MonkeyPatch) -> None:
    import annotator.ui.dialogs.calibration_dialog as calibration_dialog

    asked: list[float] = []

    def twenty_mm(parent: object, px: float) -> float:
        asked.append(px)
        return 20.0

    monkeypatch.setattr(calibration_dialog, "ask_known_distance", twenty_mm)
    open_and_wait(window, clip_path)
    window.viewer.actual_size()
    window.action_by_id["tool_calibrate"].trigger()
    viewer = window.viewer
    QTest.mousePress(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(window, 10, 10))
    QTest.mouseMove(viewer, widget_point(window, 10, 90))
    QTest.mouseRelease(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(window, 10, 90))
    assert asked == [pytest.approx(80.0)]
    c = window.controller
    assert c.document is not None and c.current_media_id is not None
    manual = c.document.case.media_ref(c.current_media_id).calibration
    assert manual is not None and manual.mm_per_px == pytest.approx(0.25)
    assert window.viewer.tool is not None and window.viewer.tool.name == "select"
    draw_caliper(qtbot, window, (20, 100), (60, 100))
    value = c.document.measure(c.document.case.annotations[0])[0]
    assert (value.unit, value.source) == ("mm", "manual")
    assert value.value == pytest.approx(10.0, abs=0.3)
