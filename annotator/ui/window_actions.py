"""Every action of the main window, by area. Each area (``ui/*_actions.py``) declares its
actions together with their handlers and gets only the collaborators it needs; this object
owns the areas, gives the window one id -> QAction table, and keeps the enabled states in
step with the document. Where the actions sit in menus and toolbars: ``menus``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from annotator.ui.actions import ActionArea, ActionSpec, Status
from annotator.ui.annotate_actions import AnnotateActions
from annotator.ui.compare_actions import CompareActions
from annotator.ui.controller import AppController
from annotator.ui.dynamics_actions import DynamicsActions
from annotator.ui.edit_actions import EditActions
from annotator.ui.export_actions import ExportActions
from annotator.ui.file_actions import FileActions
from annotator.ui.help_actions import HelpActions
from annotator.ui.menus import menu_order
from annotator.ui.panels.dynamics_panel import DynamicsPanel
from annotator.ui.playback import Playback
from annotator.ui.playback_actions import PlaybackActions
from annotator.ui.settings import Settings
from annotator.ui.view_actions import ViewActions
from annotator.ui.viewer import Viewer


@dataclass(frozen=True)
class WindowParts:
    """What the actions act on: the window's parts and the few things only it can do."""

    window: QWidget  # the actions' parent and the dialogs' parent
    controller: AppController
    settings: Settings
    viewer: Viewer
    playback: Playback
    dynamics: DynamicsPanel
    status: Status  # a message in the status bar
    show_error: Callable[[str, str], None]
    show_start_screen: Callable[[], object]
    show_plot: Callable[[], None]  # bring the dynamics panel into view


class WindowActions:
    def __init__(self, parts: WindowParts) -> None:
        w, c = parts.window, parts.controller
        self.files = FileActions(w, c, parts.settings, parts.status, parts.show_error, parts.show_start_screen,
                                 w.close)
        self.edit = EditActions(w, c, parts.status)
        self.view = ViewActions(w, c, parts.viewer, parts.settings, parts.status)
        self.annotate = AnnotateActions(w, parts.viewer, parts.settings)
        self.playback = PlaybackActions(w, c, parts.playback, parts.viewer)
        self.dynamics = DynamicsActions(w, c, parts.dynamics, parts.show_plot)
        self.compare = CompareActions(w, c)
        self.export = ExportActions(w, c, parts.status)
        self.help = HelpActions(w, self.specs)
        self.areas: tuple[ActionArea, ...] = (self.files, self.edit, self.view, self.annotate, self.playback,
                                              self.dynamics, self.compare, self.export, self.help)
        self.by_id: dict[str, QAction] = {}
        for area in self.areas:
            for action_id, action in area.actions.items():
                if action_id in self.by_id:
                    raise ValueError(f"two actions are called {action_id!r}")
                self.by_id[action_id] = action

    def specs(self) -> list[ActionSpec]:
        """Every action's spec, in menu order."""
        by_id = {i: s for area in self.areas for i, s in area.specs.items()}
        return [by_id[i] for i in menu_order() if i in by_id]

    def follow_case(self, has_case: bool) -> None:
        for area in self.areas:
            area.follow_case(has_case)

    def restore(self) -> None:
        """The check marks and the tool of the last session (at start)."""
        self.view.restore()
        self.annotate.restore()
