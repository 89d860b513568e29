"""What the user does to one annotation in the viewer: right-click menu (a right drag still
pans), double click to edit a label or a text's words as one undo step, and hiding annotations
on screen only. Generated in-memory clips; waits on conditions, no sleeps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, Finding, MediaRef
from annotator.media import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region
from annotator.render import qimage_to_numpy
from annotator.ui import prompts
from annotator.ui.main_window import MainWindow

# the offscreen platform cannot raise a popup menu or give it the keyboard: not our warnings
pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints", r"support raise\(\)", "grabbing the keyboard"),
              pytest.mark.qt_log_level_fail("WARNING")]

W, H = 200, 150
LINE = [(30.0, 100.0), (170.0, 100.0)]


@pytest.fixture
def win(qtbot: QtBot, window: MainWindow) -> MainWindow:
    """A calibrated 10-frame clip with a caliper ("gap", tracked over frames 0..9), a text
    annotation and a finding; the select tool on, the image at 2x so labels are easy to hit."""
    data = np.full((10, H, W, 3), 70, np.uint8)
    region = Region(0, 0, W - 1, H - 1, UNIT_CM, UNIT_CM, 0.01, 0.01)
    media = ArrayMedia(data, np.arange(10) * 40.0, [region], path="clip.mp4")
    caliper = Annotation("a1", "m1", "line", 0, {0: LINE, 9: [(p[0], p[1] + 5) for p in LINE]}, frame_end=9,
                         label="gap")
    text = Annotation.single("t1", "m1", "text", 0, [(40.0, 30.0)], text="VL")
    case = Case(title="menus", media=[MediaRef("m1", "clip.mp4")], annotations=[caliper, text],
                findings=[Finding("f1", "tear", structure="vastus lateralis")])
    doc = CaseDocument(case)
    doc.set_media("m1", media)
    window.controller.set_document(doc)
    window.action_by_id["tool_select"].trigger()
    qtbot.waitUntil(lambda: window.viewer.frame_image is not None, timeout=5000)
    window.viewer.zoom_by(2.0 / window.viewer.view.zoom)
    repaint(window)
    return window


def repaint(window: MainWindow) -> None:
    window.viewer.repaint()  # paints now: label boxes come from the last paint


def at(window: MainWindow, x: float, y: float) -> QPoint:
    p = window.viewer.view.to_widget().map(QPointF(x, y))
    return QPoint(math.floor(p.x()), math.floor(p.y()))


def label_point(window: MainWindow, ident: str) -> QPoint:
    x0, y0, x1, y1 = next(r for i, r in window.viewer.label_boxes if i == ident)
    return at(window, (x0 + x1) / 2, (y0 + y1) / 2)


def right_click(window: MainWindow, where: QPoint, drag: QPoint | None = None) -> list[tuple[str, QPoint]]:
    asked: list[tuple[str, QPoint]] = []
    window.viewer.context_menu_requested.connect(lambda ident, pos: asked.append((ident, pos)))
    QTest.mousePress(window.viewer, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, where)
    end = where if drag is None else where + drag
    if drag is not None:
        QTest.mouseMove(window.viewer, end)
    QTest.mouseRelease(window.viewer, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, end)
    return asked


def yellow_pixels(window: MainWindow) -> int:
    image = qimage_to_numpy(window.viewer.grab().toImage()).astype(int)
    return int(((image[..., 0] > 200) & (image[..., 1] > 170) & (image[..., 2] < 90)).sum())


def entries(menu: QMenu | None) -> dict[str, QAction]:
    assert menu is not None
    return {a.text().replace("&", ""): a for a in menu.actions() if a.text()}


def submenu(action: QAction) -> QMenu:
    menu = action.menu()
    assert isinstance(menu, QMenu)
    return menu


# -- right click -------------------------------------------------------------------------------
def test_right_click_on_a_shape_selects_it_and_asks_for_its_menu(win: MainWindow) -> None:
    asked = right_click(win, at(win, 100, 100))
    assert [ident for ident, _ in asked] == ["a1"]
    assert win.controller.selection == ["a1"]
    assert right_click(win, label_point(win, "t1"))[0][0] == "t1"  # on a text's words
    assert right_click(win, at(win, 150, 20))[0][0] == ""  # empty image: the image's menu
    menu = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible())
    assert menu.objectName() == "viewer_context_menu"  # the window popped it up, not blocking
    menu.close()


def test_a_right_drag_still_pans_and_opens_no_menu(win: MainWindow) -> None:
    before = (win.viewer.view.offset_x, win.viewer.view.offset_y)
    asked = right_click(win, at(win, 100, 60), QPoint(-30, 14))
    assert asked == []
    assert (win.viewer.view.offset_x - before[0], win.viewer.view.offset_y - before[1]) == (-30, 14)


def test_the_menu_key_opens_the_menu_of_the_selection(win: MainWindow) -> None:
    win.controller.select(["a1"])
    asked: list[str] = []
    win.viewer.context_menu_requested.connect(lambda ident, _pos: asked.append(ident))
    event = QContextMenuEvent(QContextMenuEvent.Reason.Keyboard, QPoint(5, 5), win.viewer.mapToGlobal(QPoint(5, 5)))
    QApplication.sendEvent(win.viewer, event)
    assert asked == ["a1"]


def test_menu_toggles_the_value_as_one_undo_step(win: MainWindow) -> None:
    c = win.controller
    menu = win.annotation_menu.build("a1")
    items = entries(menu)
    assert {"Caliper \u201cgap\u201d", "Edit Label\u2026", "Show Label", "Show Value", "Link to Finding",
            "Hide", "Delete", "Make Keyframe", "Go to Keyframe"} <= set(items)
    assert items["Show Value"].isChecked()
    items["Show Value"].trigger()
    assert not c.document.case.annotation("a1").style.show_value  # type: ignore[union-attr]
    assert c.undo_stack.count() == 1
    c.undo_stack.undo()
    assert c.document.case.annotation("a1").style.show_value  # type: ignore[union-attr]
    jump = entries(submenu(items["Go to Keyframe"]))
    jump["Frame 9, 0.36 s"].trigger()
    assert c.current_frame == 9
    text_items = entries(win.annotation_menu.build("t1"))
    assert "Edit Text\u2026" in text_items and "Show Value" not in text_items


def test_menu_links_to_a_finding_or_a_new_one_in_one_step(win: MainWindow) -> None:
    c = win.controller
    case = c.document.case  # type: ignore[union-attr]
    links = entries(submenu(entries(win.annotation_menu.build("a1"))["Link to Finding"]))
    assert links["Not Linked"].isChecked()
    next(a for name, a in links.items() if "vastus lateralis" in name.lower()).trigger()
    assert case.annotation("a1").finding == "f1"
    links = entries(submenu(entries(win.annotation_menu.build("a1"))["Link to Finding"]))
    entries(submenu(links["New Finding"]))["Atrophy"].trigger()
    new = case.annotation("a1").finding
    assert new not in (None, "f1") and case.finding(new).type == "atrophy"  # type: ignore[arg-type]
    assert c.undo_stack.count() == 2
    c.undo_stack.undo()  # the new finding and the link go together
    assert case.annotation("a1").finding == "f1" and [f.id for f in case.findings] == ["f1"]


def test_image_menu_offers_selection_display_and_comparison(win: MainWindow) -> None:
    items = entries(win.annotation_menu.build(""))
    assert {"Select All", "Show Hidden Annotations", "Annotations", "Fit to Window",
            "Compare Rest and Peak"} <= set(items)


# -- double click -------------------------------------------------------------------------------
def test_double_click_a_label_edits_it_in_one_undo_step(qtbot: QtBot, win: MainWindow,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def ask_text(parent: object, title: str, label: str, text: str = "") -> str | None:
        asked.append(text)
        return "  tear gap "

    monkeypatch.setattr(prompts, "ask_text", ask_text)
    c = win.controller
    QTest.mouseDClick(win.viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, label_point(win, "a1"))
    qtbot.waitUntil(lambda: asked == ["gap"], timeout=2000)
    annotation = c.document.case.annotation("a1")  # type: ignore[union-attr]
    assert annotation.label == "tear gap" and annotation.points == LINE  # edited, not moved
    assert c.undo_stack.count() == 1
    c.undo_stack.undo()
    assert annotation.label == "gap"


def test_double_click_a_text_edits_its_words(qtbot: QtBot, win: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["VL\nproximal third", "   "])
    monkeypatch.setattr(prompts, "ask_lines", lambda *_args: next(answers))
    c = win.controller
    QTest.mouseDClick(win.viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, label_point(win, "t1"))
    text = c.document.case.annotation("t1")  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: text.text == "VL\nproximal third", timeout=2000)
    assert c.undo_stack.count() == 1
    repaint(win)
    QTest.mouseDClick(win.viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, label_point(win, "t1"))
    qtbot.waitUntil(lambda: "needs words" in win.statusBar().currentMessage(), timeout=2000)
    assert text.text == "VL\nproximal third" and c.undo_stack.count() == 1  # blank words refused


# -- hiding -------------------------------------------------------------------------------------
def test_hide_is_display_only_and_show_hidden_brings_it_back(win: MainWindow) -> None:
    c = win.controller
    shown = yellow_pixels(win)
    assert shown > 50
    c.select(["a1"])
    win.action_by_id["hide_selected"].trigger()
    assert c.selection == [] and yellow_pixels(win) == 0
    assert win.hidden_label.text() == "1 hidden"
    assert c.undo_stack.count() == 0 and not c.is_modified  # not an edit
    QTest.mouseClick(win.viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(win, 100, 100))
    assert c.selection == []  # cannot be picked while hidden
    win.action_by_id["select_all"].trigger()
    assert c.selection == ["t1"]
    win.action_by_id["show_hidden"].trigger()
    assert yellow_pixels(win) == shown and win.hidden_label.text() == ""


def test_annotations_off_hides_them_all_until_switched_back_or_another_case(win: MainWindow, qtbot: QtBot) -> None:
    c = win.controller
    toggle = win.action_by_id["show_annotations"]
    assert toggle.isChecked()
    toggle.trigger()
    assert yellow_pixels(win) == 0 and win.viewer.label_boxes == []
    assert win.hidden_label.text() == "annotations hidden"
    toggle.trigger()
    assert yellow_pixels(win) > 50
    toggle.trigger()
    c.set_document(CaseDocument.new())
    assert toggle.isChecked() and c.visibility.showing_annotations  # a new case shows everything


def test_menu_hide_drops_the_annotation_from_the_selection(win: MainWindow) -> None:
    c = win.controller
    c.select(["a1", "t1"])
    entries(win.annotation_menu.build("a1"))["Hide"].trigger()
    assert c.selection == ["t1"] and c.visibility.is_hidden("a1")
    win.action_by_id["delete"].trigger()  # deletes what is selected, never the hidden one
    assert [a.id for a in c.document.case.annotations] == ["a1"]  # type: ignore[union-attr]
