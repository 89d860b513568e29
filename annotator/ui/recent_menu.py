"""Recent files: remembered when they open, forgotten when they fail to, and offered in
File > Open Recent (cases and media in separate lists, and Clear)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from annotator.ui.controller import AppController
from annotator.ui.settings import Settings

OpenFn = Callable[[list[Path]], None]


class RecentFiles(QObject):
    """Keeps the settings' recent lists in step with what opened, and builds the submenu."""

    changed = Signal()  # the lists changed (the start screen re-reads them)

    def __init__(self, settings: Settings, controller: AppController, open_paths: OpenFn,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.open_paths = open_paths
        self.menu = QMenu("Open &Recent", parent)
        self.menu.setObjectName("menu_open_recent")
        self.menu.aboutToShow.connect(self.rebuild)
        controller.opened.connect(self.remember)
        controller.open_failed.connect(self.forget)
        controller.saved.connect(self.remember)  # Save As: the case under its new name
        self.rebuild()

    def remember(self, path: Path) -> None:
        if Path(path).is_file():
            self.settings.add_recent(path)
            self.changed.emit()

    def forget(self, path: Path) -> None:
        self.settings.remove_recent(path)
        self.changed.emit()

    def clear(self) -> None:
        self.settings.clear_recent()
        self.changed.emit()

    def rebuild(self) -> None:
        """The submenu from the current lists (called each time it opens)."""
        self.menu.clear()
        for kind, title in (("case", "Cases"), ("media", "Media")):
            self.menu.addSection(title)
            files = self.settings.recent_files(kind)
            if not files:
                none = self.menu.addAction(f"No recent {'cases' if kind == 'case' else 'media'}")
                none.setEnabled(False)
            for number, recent in enumerate(files, start=1):
                # the first nine get a mnemonic; the tooltip holds the whole path
                name = recent.path.name.replace("&", "&&")
                action = self.menu.addAction(f"&{number} {name}" if number < 10 else name)
                action.setToolTip(str(recent.path))
                action.setStatusTip(str(recent.path))
                action.setData(str(recent.path))
                action.setObjectName(f"action_open_recent_{kind}_{number}")
                action.triggered.connect(lambda _checked=False, p=recent.path: self.open_paths([p]))
        self.menu.addSeparator()
        clear = self.menu.addAction("&Clear Recent Files")
        clear.setObjectName("action_clear_recent")
        clear.triggered.connect(self.clear)
        self.menu.setToolTipsVisible(True)

    def file_actions(self) -> list[QAction]:
        """The entries that open a file (for tests and the start screen)."""
        return [a for a in self.menu.actions() if a.data()]
