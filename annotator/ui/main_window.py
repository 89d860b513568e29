"""The main window: layout and wiring only. The controller holds the state; the viewer,
timeline, panels and start screen observe it. The actions, each with its handler, belong to
the areas that ``window_actions.WindowActions`` owns; ``menus`` places them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.ui import prompts
from annotator.ui.annotation_menu import AnnotationMenu
from annotator.ui.controller import AppController
from annotator.ui.default_layout import apply_dock_sizes, first_run_size
from annotator.ui.dialogs.error_dialog import show_error
from annotator.ui.focus_keys import NavigationKeysToFocus
from annotator.ui.menus import build_menus, build_toolbars
from annotator.ui.panels.case_browser import CaseBrowser
from annotator.ui.panels.dynamics_panel import DynamicsPanel
from annotator.ui.panels.findings_panel import FindingsPanel
from annotator.ui.panels.measurements_panel import MeasurementsPanel
from annotator.ui.playback import Playback
from annotator.ui.recent_menu import RecentFiles
from annotator.ui.settings import Settings, is_case_path
from annotator.ui.status_readouts import StatusReadouts
from annotator.ui.theme import theme_menu
from annotator.ui.timeline import Timeline
from annotator.ui.transport import TransportBar
from annotator.ui.viewer import Viewer
from annotator.ui.window_actions import WindowActions, WindowParts

log = logging.getLogger(__name__)


def _panel(name: str, controller: AppController, parent: QWidget) -> QWidget:
    """The dock panel called ``name``."""
    panels: dict[str, Callable[[AppController, QWidget], QWidget]] = {
        "findings": FindingsPanel, "measurements": MeasurementsPanel,
        "dynamics": DynamicsPanel, "browser": CaseBrowser,
    }
    return panels[name](controller, parent)


class MainWindow(QMainWindow):
    def __init__(self, controller: AppController | None = None, settings: Settings | None = None) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.settings = settings or Settings()
        self.controller = controller or AppController(self)
        self.controller.dialog_parent = self
        self.controller.ask_recover_case = lambda case, autosave: prompts.ask_recover_case(self, case, autosave)
        self.controller.ask_locked_case = lambda case, holder: prompts.ask_locked_case(self, case, holder)

        self.viewer = Viewer(self.controller)
        self.timeline = Timeline(self.controller)
        self.playback = Playback.single(self.controller.current_media, lambda: self.controller.current_frame,
                                        self.controller.set_current_frame, self)
        self._build_docks()
        dynamics = self.panels["dynamics"]
        assert isinstance(dynamics, DynamicsPanel)
        self.window_actions = WindowActions(WindowParts(
            self, self.controller, self.settings, self.viewer, self.playback, dynamics,
            status=self.show_status, show_error=self.show_error,
            show_start_screen=self.show_start_screen, show_plot=lambda: self._raise_dock("dynamics")))
        self.action_by_id = self.window_actions.by_id
        self.addActions(list(self.action_by_id.values()))  # shortcuts work with the menus hidden
        self.files = self.window_actions.files
        self.controller.confirm_discard = self.files.confirm_discard
        self.controller.confirm_removal = self.window_actions.edit.confirm_removal
        self.annotation_menu = AnnotationMenu(self, self.controller, self.action_by_id, self.show_status)

        self.transport = TransportBar(self.controller, self.playback, self.timeline, self.action_by_id)
        work = QWidget()
        column = QVBoxLayout(work)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.viewer, 1)
        column.addWidget(self.transport)
        from annotator.ui.start_screen import StartScreen

        self.start_screen = StartScreen(self, self.settings)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.start_screen)
        self.pages.addWidget(work)
        self.setCentralWidget(self.pages)
        self._build_menus_and_toolbars()

        self.hidden_label = QLabel()  # a reminder that some annotations are off the screen
        self.hidden_label.setObjectName("hidden_annotations")
        self.readouts = StatusReadouts(self.statusBar(), self.viewer, self.controller, (self.hidden_label,))
        self.cursor_label, self.zoom_label = self.readouts.cursor, self.readouts.zoom
        self.setAcceptDrops(True)
        app = QApplication.instance()
        if app is not None:  # End in a table moves in the table, not the clip
            app.installEventFilter(NavigationKeysToFocus(self))
        self._wire()
        self._restore_settings()
        self._document_changed()

    # -- layout ----------------------------------------------------------------------------
    def _build_docks(self) -> None:
        self.docks: dict[str, QDockWidget] = {}
        self.panels: dict[str, QWidget] = {}
        for name, title, area in (("browser", "Case", Qt.DockWidgetArea.LeftDockWidgetArea),
                                  ("findings", "Findings", Qt.DockWidgetArea.RightDockWidgetArea),
                                  ("measurements", "Measurements", Qt.DockWidgetArea.BottomDockWidgetArea),
                                  ("dynamics", "Over Time", Qt.DockWidgetArea.BottomDockWidgetArea)):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"dock_{name}")
            panel = _panel(name, self.controller, dock)
            # a tall panel must not squeeze the image (unless it scrolls its own parts)
            if panel.minimumSizeHint().height() > 300 and not getattr(panel, "scrolls_itself", False):
                scroller = QScrollArea(dock)
                scroller.setWidgetResizable(True)
                scroller.setFrameShape(QFrame.Shape.NoFrame)
                scroller.setWidget(panel)
                dock.setWidget(scroller)
            else:
                dock.setWidget(panel)
            self.panels[name] = panel
            self.addDockWidget(area, dock)
            self.docks[name] = dock
        self.tabifyDockWidget(self.docks["measurements"], self.docks["dynamics"])
        self.docks["measurements"].raise_()
        # the side panels take the full height; the tables and plots sit under the image
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

    def _raise_dock(self, name: str) -> None:
        self.docks[name].show()
        self.docks[name].raise_()

    def _build_menus_and_toolbars(self) -> None:
        menus = build_menus(self.menuBar(), self.action_by_id)
        self.recent = RecentFiles(self.settings, self.controller, self.open_paths, self)
        menus["File"].insertMenu(self.action_by_id["save"], self.recent.menu)
        view = menus["View"]
        view.addSeparator()
        view.addMenu(theme_menu(self, self.settings))
        view.addSeparator()
        for name, dock in self.docks.items():
            toggle = dock.toggleViewAction()
            toggle.setObjectName(f"action_show_{name}_panel")
            view.addAction(toggle)
        for bar in build_toolbars(self, self.action_by_id):
            self.addToolBar(bar)

    def _wire(self) -> None:
        c = self.controller
        c.error.connect(self.show_error)
        c.status.connect(lambda text: self.statusBar().showMessage(text, 6000))
        c.document_changed.connect(self._document_changed)
        c.clean_changed.connect(lambda clean: self.setWindowModified(not clean))
        c.case_event.connect(lambda _e: self._update_title())
        c.saved.connect(lambda _path: self._update_title())  # Save As gives the case a name
        c.case_event.connect(lambda _e: self._update_hidden_note())
        c.current_media_changed.connect(lambda _m: self._update_hidden_note())
        c.visibility.changed.connect(self._update_hidden_note)
        c.current_media_changed.connect(lambda _m: self.playback.pause())
        self.playback.playing_changed.connect(self.viewer.set_playing)
        self.viewer.hint.connect(lambda text: self.statusBar().showMessage(text))
        self.viewer.display_changed.connect(self._display_changed)
        self.viewer.context_menu_requested.connect(self.annotation_menu.popup)
        # after the double click has been handled: the dialog must not open inside a mouse event
        self.viewer.edit_requested.connect(self.annotation_menu.edit_words, Qt.ConnectionType.QueuedConnection)
        self.start_screen.open_requested.connect(self.open_paths)
        self.recent.changed.connect(self.start_screen.refresh)
        self.start_screen.demo_requested.connect(self.open_demo)
        self.start_screen.open_dialog_requested.connect(self.action_by_id["open"].trigger)

    def _restore_settings(self) -> None:
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:  # first run: most of the screen (all of a small one), the image is what matters
            size, maximise = first_run_size(self.screen().availableGeometry())
            self.resize(size)
            if maximise:
                self.setWindowState(Qt.WindowState.WindowMaximized)
        if state is not None:
            self.restoreState(state)
        else:  # first run: the image gets most of the room once the window has its size
            QTimer.singleShot(0, self._default_dock_sizes)
        adjust = self.settings.display_adjustments()
        from annotator.ui.display import DisplayLut

        self.viewer.set_display(DisplayLut(adjust.brightness, adjust.contrast, adjust.gamma))
        self.window_actions.restore()

    def _default_dock_sizes(self) -> None:
        apply_dock_sizes(self, self.docks)

    # -- reactions -------------------------------------------------------------------------
    def _document_changed(self) -> None:
        has_doc = self.controller.document is not None
        self.pages.setCurrentIndex(1 if has_doc else 0)
        self.window_actions.follow_case(has_doc)
        self._update_title()
        if has_doc:
            self.viewer.setFocus()

    def _update_title(self) -> None:
        doc = self.controller.document
        if doc is None:
            self.setWindowTitle("us-annotator")
            return
        name = doc.path.name if doc.path is not None else "unsaved"
        if self.controller.read_only_holder is not None:
            name += ", read-only"
        self.setWindowTitle(f"{doc.case.title} ({name})[*] \u2014 us-annotator")
        self.setWindowModified(self.controller.is_modified)

    def _update_hidden_note(self) -> None:
        c = self.controller
        ids = [a.id for a in c.annotations()]
        hidden = len(c.visibility.hidden_ids(ids))
        if not c.visibility.showing_annotations and ids:
            text = "annotations hidden"
        else:
            text = f"{hidden} hidden" if hidden else ""
        self.hidden_label.setText(text)
        self.hidden_label.setToolTip("Annotations off the screen (display only; exports show them). "
                                     "View > Show Hidden Annotations brings them back." if text else "")

    def _display_changed(self, lut: object) -> None:
        from annotator.ui.settings import DisplayAdjustments

        b, c, g = (getattr(lut, k) for k in ("brightness", "contrast", "gamma"))
        self.settings.set_display_adjustments(DisplayAdjustments(b, c, g))

    def show_error(self, title: str, message: str) -> None:
        show_error(self, title, message)

    def show_status(self, text: str, ms: int) -> None:
        self.statusBar().showMessage(text, ms)

    # -- files -----------------------------------------------------------------------------
    def open_paths(self, paths: list[Path]) -> None:
        self.files.open_paths(paths)

    def open_demo(self) -> None:
        self.files.open_demo()

    def show_start_screen(self) -> None:
        if self.controller.close_document():
            self.pages.setCurrentIndex(0)

    def offer_recovery(self) -> bool:
        """After a crash: offer the autosaves left behind; True when one was recovered."""
        return self.files.offer_recovery()

    # -- Qt events -------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_paths(paths))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.controller.is_modified and not self.controller.confirm_discard():
            event.ignore()
            return
        self.playback.pause()
        self.settings.set_window_geometry(QByteArray(self.saveGeometry()))
        self.settings.set_window_state(QByteArray(self.saveState()))
        self.settings.sync()
        self.controller.shutdown()
        event.accept()


__all__ = ["MainWindow", "is_case_path"]
