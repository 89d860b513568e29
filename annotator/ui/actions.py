"""How an action is declared: with its text, keys, icon, tooltip, when it is enabled, and
the handler that does it, in one call (``ActionArea.add``).

Each area of the window (files, edit, view, annotate, playback, dynamics, compare, export,
help) is an ``ActionArea`` subclass in its own module; its constructor receives only the
collaborators it needs (the controller, the viewer, a parent widget for dialogs, a status
callback) and declares its actions. ``window_actions.WindowActions`` owns the areas, and
``menus`` says where each action sits in the menus and toolbars. Nothing else binds a
shortcut (a test checks that no key sequence is used twice). Icons: ``std:NAME`` is a
QStyle standard icon, ``tool:KIND`` is drawn by the renderer (see ``ui/icons.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

Handler = Callable[[], object]
Toggle = Callable[[bool], object]
#: a short message for the status bar: (text, milliseconds shown)
Status = Callable[[str, int], None]


@dataclass(frozen=True)
class ActionSpec:
    """What the user sees of an action (the handler is connected by ``ActionArea.add``)."""

    id: str
    text: str
    shortcut: tuple[str, ...] = ()  # portable key sequences; the first is shown in menus
    icon: str = ""
    tooltip: str = ""
    checkable: bool = False
    group: str = ""  # actions of one exclusive group (the tools)
    needs_case: bool = False  # enabled only while a case is open


def portable(sequence: str) -> str:
    """The normalised text of a key sequence ("ctrl+s" and "Ctrl+S" are the same)."""
    return QKeySequence(sequence).toString(QKeySequence.SequenceFormat.PortableText)


def duplicate_shortcuts(specs: Iterable[ActionSpec]) -> dict[str, list[str]]:
    """Key sequences bound to more than one action (should be empty)."""
    seen: dict[str, list[str]] = {}
    for spec in specs:
        for s in spec.shortcut:
            seen.setdefault(portable(s), []).append(spec.id)
    return {key: ids for key, ids in seen.items() if len(ids) > 1}


def create_action(spec: ActionSpec, parent: QObject) -> QAction:
    """The QAction a spec describes, with its tooltip naming its first shortcut."""
    from annotator.ui.icons import action_icon

    action = QAction(spec.text, parent)
    action.setObjectName(f"action_{spec.id}")
    if spec.shortcut:
        action.setShortcuts([QKeySequence(s) for s in spec.shortcut])
    tip = spec.tooltip or spec.text.replace("&", "").rstrip("\u2026")
    if spec.shortcut and spec.shortcut[0] not in tip:
        tip = f"{tip} ({QKeySequence(spec.shortcut[0]).toString(QKeySequence.SequenceFormat.NativeText)})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.setCheckable(spec.checkable)
    # a held key must not flicker a toggle (Space held on a focused button: play once)
    action.setAutoRepeat(not spec.checkable)
    if spec.icon:
        icon = action_icon(spec.icon)
        if icon is not None:
            action.setIcon(icon)
    return action


class ActionArea:
    """The actions of one area of the window, each created with its handler.

    ``actions`` maps id -> QAction in declaration order, ``specs`` id -> ActionSpec. A
    checkable action is given an ``on_toggle`` (called with the new state) or an
    ``on_trigger`` that sets the check mark itself; a plain one an ``on_trigger``. The
    QAction calls the handler through ``on_trigger``/``on_toggle`` by id, so a test can see
    that each action reaches its own handler."""

    def __init__(self, parent: QObject) -> None:
        self.parent = parent
        self.actions: dict[str, QAction] = {}
        self.specs: dict[str, ActionSpec] = {}
        self.on_trigger: dict[str, Handler] = {}
        self.on_toggle: dict[str, Toggle] = {}
        self._groups: dict[str, QActionGroup] = {}

    def add(self, id: str, text: str, *shortcut: str, on_trigger: Handler | None = None,
            on_toggle: Toggle | None = None, icon: str = "", tip: str = "", checkable: bool = False,
            group: str = "", needs_case: bool = False) -> QAction:
        if id in self.actions:
            raise ValueError(f"action {id!r} is declared twice")
        if (on_trigger is None) == (on_toggle is None):
            raise ValueError(f"action {id!r}: give exactly one of on_trigger and on_toggle")
        spec = ActionSpec(id, text, tuple(shortcut), icon, tip, checkable or on_toggle is not None, group, needs_case)
        action = create_action(spec, self.parent)
        if on_toggle is not None:
            self.on_toggle[id] = on_toggle
            action.toggled.connect(lambda on, i=id: self.on_toggle[i](on))
        elif on_trigger is not None:
            self.on_trigger[id] = on_trigger
            action.triggered.connect(lambda _checked=False, i=id: self.on_trigger[i]())
        if group:
            exclusive = self._groups.get(group)
            if exclusive is None:
                exclusive = self._groups[group] = QActionGroup(self.parent)
                exclusive.setExclusive(True)
            exclusive.addAction(action)
        self.actions[id] = action
        self.specs[id] = spec
        return action

    def follow_case(self, has_case: bool) -> None:
        """Enable the actions that need a case exactly while one is open."""
        for action_id, spec in self.specs.items():
            if spec.needs_case:
                self.actions[action_id].setEnabled(has_case)
