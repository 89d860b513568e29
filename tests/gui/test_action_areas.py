"""The window's actions: each declared with its handler by one area, placed once in the
menus, reaching its own handler, with unique names and keys, and enabled by the document.
Generated in-memory clips; no sleeps."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu, QToolBar, QWidget
from pytestqt.qtbot import QtBot

from annotator.case.commands import AddAnnotation
from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, MediaRef
from annotator.media import ArrayMedia
from annotator.ui.actions import ActionArea, ActionSpec, duplicate_shortcuts, portable
from annotator.ui.annotate_actions import TOOL_ACTIONS
from annotator.ui.export_actions import EXPORT_KINDS
from annotator.ui.main_window import MainWindow
from annotator.ui.menus import MENU_LAYOUT, TOOLBARS, menu_order

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]


def menu_entries(menu: QMenu) -> list[QAction]:
    """Every action of a menu and its submenus (separators aside)."""
    found: list[QAction] = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        found.append(action)
        sub = action.menu()
        if isinstance(sub, QMenu):
            sub.aboutToShow.emit()  # menus built when they open (Open Recent) build now
            found.extend(menu_entries(sub))
    return found


def all_menu_entries(window: MainWindow) -> list[QAction]:
    return [entry for top in window.menuBar().actions() if isinstance(top.menu(), QMenu)
            for entry in menu_entries(top.menu())]  # type: ignore[arg-type]


def load_clip(window: MainWindow, qtbot: QtBot) -> CaseDocument:
    doc = CaseDocument(Case(title="areas", media=[MediaRef("m1", "clip.mp4")]))
    doc.set_media("m1", ArrayMedia(np.full((6, 60, 80, 3), 90, np.uint8), np.arange(6) * 40.0, path="clip.mp4"))
    window.controller.set_document(doc)
    qtbot.waitUntil(lambda: window.viewer.frame_image is not None, timeout=5000)
    return doc


# -- declared once, placed once ------------------------------------------------------------------
def test_every_action_is_in_exactly_one_menu_and_every_menu_id_is_an_action(window: MainWindow) -> None:
    ids = menu_order()
    assert len(ids) == len(set(ids))
    assert set(ids) == set(window.action_by_id)
    for bar_ids in TOOLBARS.values():
        assert set(bar_ids) <= set(window.action_by_id)
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == list(MENU_LAYOUT)
    placed = [a for a in all_menu_entries(window) if a in window.action_by_id.values()]
    assert sorted(a.objectName() for a in placed) == sorted(f"action_{i}" for i in ids)


def test_every_menu_entry_has_a_unique_object_name(window: MainWindow, tmp_path: object) -> None:
    names: list[str] = []
    for entry in all_menu_entries(window):
        if entry.text().startswith("No recent"):  # the empty lists' placeholders (disabled)
            assert not entry.isEnabled()
            continue
        sub = entry.menu()
        name = sub.objectName() if isinstance(sub, QMenu) else entry.objectName()
        assert name, entry.text()
        names.append(name)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    # every action the window owns, in a menu or not, is named once too
    owned = [a.objectName() for a in window.findChildren(QAction) if a.objectName().startswith("action_")]
    assert len(owned) == len(set(owned))


def test_every_action_reaches_its_own_handler(window: MainWindow, qtbot: QtBot,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Each handler is replaced by a recorder, then each menu action is triggered once: it
    must call its own handler and no other (a wrong or missing connection fails here)."""
    load_clip(window, qtbot)
    calls: list[str] = []

    def record(action_id: str, *_on: bool) -> None:
        calls.append(action_id)

    areas: list[ActionArea] = list(window.window_actions.areas)
    for area in areas:
        for action_id in area.on_trigger:
            monkeypatch.setitem(area.on_trigger, action_id, partial(record, action_id))
        for action_id in area.on_toggle:
            monkeypatch.setitem(area.on_toggle, action_id, partial(record, action_id))
    handled = {i for area in areas for i in (*area.on_trigger, *area.on_toggle)}
    assert handled == set(window.action_by_id)  # every action was declared with a handler
    for action_id in menu_order():
        action = window.action_by_id[action_id]
        action.setEnabled(True)
        calls.clear()
        action.trigger()
        assert calls == [action_id], (action_id, calls)


def test_an_action_cannot_be_declared_without_one_handler(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    area = ActionArea(parent)
    with pytest.raises(ValueError, match="exactly one"):
        area.add("nothing", "Nothing")
    with pytest.raises(ValueError, match="exactly one"):
        area.add("both", "Both", on_trigger=lambda: None, on_toggle=lambda on: None)
    area.add("one", "One", on_trigger=lambda: None)
    with pytest.raises(ValueError, match="twice"):
        area.add("one", "One again", on_trigger=lambda: None)


# -- keys ----------------------------------------------------------------------------------------
def test_no_key_sequence_is_bound_twice_in_the_window(window: MainWindow) -> None:
    specs = window.window_actions.specs()
    assert duplicate_shortcuts(specs) == {}
    clash = [ActionSpec("a", "A", ("Ctrl+S",)), ActionSpec("b", "B", ("ctrl+s",))]
    assert duplicate_shortcuts(clash) == {"Ctrl+S": ["a", "b"]}  # the check can fail
    # what Qt holds, not only what the areas declared: every action and shortcut object
    bound: dict[str, list[str]] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            bound.setdefault(key.toString(QKeySequence.SequenceFormat.PortableText), []).append(action.objectName())
    for shortcut in window.findChildren(QShortcut):
        bound.setdefault(shortcut.key().toString(QKeySequence.SequenceFormat.PortableText), []).append("QShortcut")
    assert {k: v for k, v in bound.items() if len(v) > 1} == {}
    assert len(bound) >= sum(len(s.shortcut) for s in specs) > 60


def test_every_tool_and_playback_control_has_a_valid_key(window: MainWindow) -> None:
    specs = {s.id: s for s in window.window_actions.specs()}
    for action_id in [*TOOL_ACTIONS, "play", "step_back", "step_forward", "first_frame", "last_frame",
                      "undo", "redo", "save", "open", "zoom_fit", "zoom_actual"]:
        spec = specs[action_id]
        assert spec.shortcut and not QKeySequence(spec.shortcut[0]).isEmpty(), action_id
        assert portable(spec.shortcut[0])
        assert window.action_by_id[action_id].shortcut().toString() == portable(spec.shortcut[0])


# -- enabled by the document ---------------------------------------------------------------------
def test_enabled_states_follow_the_document(window: MainWindow, qtbot: QtBot) -> None:
    a = window.action_by_id
    needs_case = {s.id for s in window.window_actions.specs() if s.needs_case}
    assert set(EXPORT_KINDS) | {"save", "save_as", "close_case", "store_pacs", "delete", "compare_media"} <= needs_case
    assert not any(a[i].isEnabled() for i in needs_case)  # no case: nothing to export, save or compare
    assert all(a[i].isEnabled() for i in ("open", "new_case", "quit", "shortcuts", "tool_caliper"))
    assert not a["undo"].isEnabled() and not a["redo"].isEnabled()
    doc = load_clip(window, qtbot)
    assert all(a[i].isEnabled() for i in needs_case)
    assert not a["undo"].isEnabled()  # a fresh case has nothing to undo
    window.controller.push(AddAnnotation(Annotation.single("p1", "m1", "point", 0, [(10.0, 10.0)])))
    assert a["undo"].isEnabled() and a["undo"].text() != "&Undo"  # it names the step
    window.controller.undo_stack.undo()
    assert a["redo"].isEnabled() and not a["undo"].isEnabled()
    assert doc.case.annotations == []
    window.controller.close_document()
    assert not any(a[i].isEnabled() for i in needs_case)


def test_the_toolbars_hold_the_areas_actions(window: MainWindow) -> None:
    bars = {bar.objectName(): bar for bar in window.findChildren(QToolBar)}
    for title, ids in TOOLBARS.items():
        bar = bars[f"toolbar_{title.lower()}"]
        assert [x.objectName() for x in bar.actions()] == [f"action_{i}" for i in ids]


def test_every_key_reaches_its_action_from_the_image(window: MainWindow, qtbot: QtBot,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Each key sequence typed on the image triggers its own action once (Qt warns, and this
    test fails, on an ambiguous shortcut)."""
    load_clip(window, qtbot)
    calls: list[str] = []

    def record(action_id: str, *_on: bool) -> None:
        calls.append(action_id)

    for area in window.window_actions.areas:
        for action_id in area.on_trigger:
            monkeypatch.setitem(area.on_trigger, action_id, partial(record, action_id))
        for action_id in area.on_toggle:
            monkeypatch.setitem(area.on_toggle, action_id, partial(record, action_id))
    window.activateWindow()
    for spec in window.window_actions.specs():
        window.action_by_id[spec.id].setEnabled(True)
        for key in spec.shortcut:
            window.viewer.setFocus()
            calls.clear()
            QTest.keySequence(window.viewer, QKeySequence(key))
            assert calls == [spec.id], (spec.id, key, calls)
