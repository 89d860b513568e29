"""Fixes from exploratory QA of the app core: recovery of a case's own autosave (the demo
too), the title after Save As, files given with a recovery, the start tool, File > Open's
folder, the shortcuts list's size, the hint after a shape, and table keys vs playback keys."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTableWidget
from pytestqt.qtbot import QtBot

from annotator.case.autosave import autosave_path
from annotator.case.commands import AddAnnotation
from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, MediaRef
from annotator.media import ArrayMedia
from annotator.media.calibration import UNIT_CM, UNIT_NONE, Calibration, Region
from annotator.ui import app as app_module
from annotator.ui.controller import AppController
from annotator.ui.cursor_info import cursor_info
from annotator.ui.help_actions import shortcuts_dialog
from annotator.ui.main_window import MainWindow
from annotator.ui.settings import Settings
from annotator.ui.tools import ToolResult
from annotator.ui.viewer import Viewer

OpenFn = Callable[[MainWindow, Path], None]

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints")]


def _crashed_demo_session(qtbot: QtBot) -> Path:
    """Open the demo, draw on it, autosave, and 'crash' (the window is never closed)."""
    crashed = MainWindow()
    qtbot.addWidget(crashed)
    crashed.controller.confirm_discard = lambda: True
    crashed.open_demo()
    c = crashed.controller
    qtbot.waitUntil(lambda: c.document is not None and not c.busy, timeout=10_000)
    assert c.document is not None
    media = c.document.case.media[0].id
    c.push(AddAnnotation(Annotation.single("qa1", media, "line", 0, [(20, 20), (60, 20)], label="drawn")))
    written = c.autosave.write_now()
    assert written is not None and written == autosave_path(c.document.path)
    # the sidecar must be newer than the case file: age the case file rather than sleep
    assert c.document.path is not None
    age = written.stat().st_mtime - 5
    os.utime(c.document.path, (age, age))
    # the crash: nothing is closed, the autosave stays; later windows must find it
    c.autosave.reset()
    return written


def test_the_demo_is_a_recent_case_and_its_autosave_is_offered_at_start(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    sidecar = _crashed_demo_session(qtbot)
    assert any(r.path.name.endswith(".uscase.json") for r in Settings().recent_files("case"))
    offered: list[list[Path]] = []

    def accept_first(parent: object, paths: list[Path]) -> Path:
        offered.append(paths)
        return paths[0]

    import annotator.ui.dialogs.recovery_dialog as recovery_dialog

    monkeypatch.setattr(recovery_dialog, "offer_recovery", accept_first)
    win = MainWindow()
    qtbot.addWidget(win)
    win.controller.confirm_discard = lambda: True
    assert win.offer_recovery()
    assert offered and sidecar.absolute() in [p.absolute() for p in offered[0]]
    doc = win.controller.document
    assert doc is not None and any(a.label == "drawn" for a in doc.case.annotations)
    assert win.controller.is_modified


@pytest.mark.parametrize("answer", ["recover", "open", "cancel"])
def test_opening_a_case_with_a_newer_autosave_offers_it(qtbot: QtBot, answer: str) -> None:
    sidecar = _crashed_demo_session(qtbot)
    win = MainWindow()
    qtbot.addWidget(win)
    win.controller.confirm_discard = lambda: True
    asked: list[tuple[Path, Path]] = []

    def ask(case: Path, autosave: Path) -> str:
        asked.append((case, autosave))
        return answer

    win.controller.ask_recover_case = ask
    win.open_demo()
    c = win.controller
    qtbot.waitUntil(lambda: not c.busy, timeout=10_000)
    assert [a.absolute() for _case, a in asked] == [sidecar.absolute()]
    if answer == "cancel":
        assert c.document is None and sidecar.exists()
        return
    qtbot.waitUntil(lambda: c.document is not None, timeout=10_000)
    assert c.document is not None
    labels = {a.label for a in c.document.case.annotations}
    if answer == "recover":
        assert "drawn" in labels and c.is_modified
        assert c.document.path is not None and c.document.path.name.endswith(".uscase.json")
    else:
        assert "drawn" not in labels and not c.is_modified and not sidecar.exists()


def test_title_follows_save_as(qtbot: QtBot, window: MainWindow, clip_path: Path, tmp_path: Path,
                               open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    assert "unsaved" in window.windowTitle()
    assert window.controller.save(tmp_path / "knee-left.uscase.json")
    assert "knee-left.uscase.json" in window.windowTitle()
    assert "unsaved" not in window.windowTitle()


def test_files_on_the_command_line_still_open_after_a_recovery(qtbot: QtBot, window: MainWindow,
                                                               clip_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[list[Path]] = []
    monkeypatch.setattr(window, "offer_recovery", lambda: True)
    monkeypatch.setattr(window, "open_paths", lambda paths: opened.append(list(paths)))
    app_module.start_window(window, [str(clip_path)], demo=False)
    assert opened == [[clip_path]]


def test_the_app_starts_with_select_not_a_dialog_tool(qtbot: QtBot) -> None:
    Settings().set_last_tool("text")
    win = MainWindow()
    qtbot.addWidget(win)
    assert win.viewer.tool is not None and win.viewer.tool.name == "select"
    Settings().set_last_tool("caliper")  # a plain drawing tool is remembered
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.viewer.tool is not None and again.viewer.tool.name == "caliper"


def test_file_open_starts_in_the_folder_of_a_file_opened_from_the_command_line(
        qtbot: QtBot, window: MainWindow, clip_path: Path, open_and_wait: OpenFn) -> None:
    assert window.settings.last_folder() != clip_path.parent
    open_and_wait(window, clip_path)
    assert window.settings.last_folder() == clip_path.parent


def test_shortcuts_list_fits_on_the_screen_and_lists_every_shortcut(qtbot: QtBot, window: MainWindow) -> None:
    dialog = shortcuts_dialog(window, window.window_actions.specs())
    qtbot.addWidget(dialog)
    dialog.show()
    screen = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    assert dialog.height() <= screen.height()
    table = dialog.findChild(QTableWidget)
    assert table is not None
    texts = {item.text() for r in range(table.rowCount()) if (item := table.item(r, 0)) is not None}
    assert {"Last Frame", "Play / Pause", "Undo"} <= texts
    assert table.rowCount() > 40


def test_finishing_a_shape_shows_the_tools_start_hint(qtbot: QtBot, window: MainWindow, clip_path: Path,
                                                      open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    window.action_by_id["tool_caliper"].trigger()
    tool = window.viewer.tool
    assert tool is not None and tool.name == "caliper"
    hints: list[str] = []
    window.viewer.hint.connect(hints.append)
    xf = window.viewer.view.to_widget()
    a, b = xf.map(QPoint(20, 20)), xf.map(QPoint(100, 60))
    QTest.mouseClick(window.viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseClick(window.viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    assert window.controller.document is not None and window.controller.document.case.annotations
    assert hints and hints[-1] == tool.hint


def test_end_in_a_table_moves_in_the_table_not_the_clip(qtbot: QtBot, window: MainWindow, clip_path: Path,
                                                       open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    table = QTableWidget(5, 2, window)
    table.show()
    table.setCurrentCell(0, 0)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=2000)
    QTest.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier)
    assert window.controller.current_frame == 0
    assert table.currentColumn() == 1  # a table's End: the last cell of the row
    window.viewer.setFocus()
    qtbot.waitUntil(window.viewer.hasFocus, timeout=2000)
    QTest.keyClick(window.viewer, Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier)
    assert window.controller.current_frame > 0


def test_cursor_mm_is_from_the_region_edges_with_depth_from_the_top() -> None:
    """A sector's reference pixel (its apex) lies far above the image: depth is still from
    the top of the region, x from its left edge."""
    region = Region(20, 10, 179, 139, UNIT_CM, UNIT_CM, 0.01, 0.02, reference_x0=80, reference_y0=-300)
    image = np.zeros((150, 200, 3), np.uint8)
    info = cursor_info(image, Calibration((region,)), 120.0, 90.0, 0, 0.0)
    assert info.mm == pytest.approx(((120 - 19.5) * 0.1, (90 - 9.5) * 0.2))
    assert "depth 16.1 mm" in info.text()


def test_hovering_a_value_that_is_not_in_mm_says_why(qtbot: QtBot) -> None:
    bmode = Region(0, 0, 199, 119, UNIT_CM, UNIT_CM, 0.02, 0.02)
    ecg = Region(0, 120, 199, 159, 4, UNIT_NONE, 0.01, 1.0, spatial_format=4, data_type=0x0A)
    controller = AppController()
    doc = CaseDocument(Case(media=[MediaRef("m1", "memory.dcm")]))
    doc.set_media("m1", ArrayMedia(np.zeros((1, 160, 200, 3), np.uint8), regions=[bmode, ecg], kind="dicom"))
    controller.set_document(doc)
    viewer = Viewer(controller)
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: viewer.frame_image is not None, timeout=5000)
    controller.push(AddAnnotation(Annotation.single("a1", "m1", "line", 0, [(100, 60), (100, 150)])))
    controller.push(AddAnnotation(Annotation.single("a2", "m1", "line", 0, [(20, 20), (80, 20)])))
    hints: list[str] = []
    viewer.hint.connect(hints.append)
    viewer.apply(ToolResult(hover="a1"))
    assert "90.0 px is not in mm" in viewer.toolTip() and "ECG" in viewer.toolTip()
    assert hints and hints[-1] == viewer.toolTip()
    viewer.apply(ToolResult(hover="a2"))  # calibrated: nothing to explain
    assert viewer.toolTip() == ""
    controller.set_document(None)
