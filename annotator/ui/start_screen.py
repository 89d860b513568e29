"""The start screen: recent cases and media with their dates, the demo, Open…, a drop target,
and the choice of light or dark theme (switched at once and remembered)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFont, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.settings import RecentFile, Settings
from annotator.ui.theme import THEMES, choose_theme, current_choice

PATH_ROLE = Qt.ItemDataRole.UserRole


def describe_when(opened: datetime, now: datetime | None = None) -> str:
    """'today 14:05', 'yesterday 09:12' or '2024-03-01 16:40', in local time."""
    local = opened.astimezone()
    today = (now or datetime.now().astimezone()).date()
    clock = local.strftime("%H:%M")
    days = (today - local.date()).days
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"yesterday {clock}"
    return local.strftime("%Y-%m-%d %H:%M")


def dropped_paths(event: QDropEvent | QDragEnterEvent) -> list[Path]:
    """Local files and folders carried by a drag."""
    mime = event.mimeData()
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class RecentList(QListWidget):
    """One list of recent files; activating an entry asks to open it."""

    open_path = Signal(object)  # Path
    remove_path = Signal(object)  # Path

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = empty_text
        self.setAlternatingRowColors(True)
        # a long folder is cut in its middle (its whole path in the tooltip), not scrolled sideways
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.itemActivated.connect(self._activated)

    def set_files(self, files: list[RecentFile]) -> None:
        self.clear()
        for f in files:
            item = QListWidgetItem(f"{f.path.name}\n{describe_when(f.opened)} · {f.path.parent}")
            item.setData(PATH_ROLE, str(f.path))
            item.setToolTip(str(f.path))
            self.addItem(item)
        if not files:
            placeholder = QListWidgetItem(self.empty_text)
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(placeholder)

    def paths(self) -> list[Path]:
        result = []
        for i in range(self.count()):
            data = self.item(i).data(PATH_ROLE)
            if data:
                result.append(Path(str(data)))
        return result

    def _activated(self, item: QListWidgetItem) -> None:
        data = item.data(PATH_ROLE)
        if data:
            self.open_path.emit(Path(str(data)))

    def _menu(self, pos: QPoint) -> None:
        item = self.itemAt(pos)
        data = item.data(PATH_ROLE) if item is not None else None
        if not data:
            return
        menu = QMenu(self)
        menu.addAction("Open", lambda: self.open_path.emit(Path(str(data))))
        menu.addAction("Remove from list", lambda: self.remove_path.emit(Path(str(data))))
        menu.exec(self.viewport().mapToGlobal(pos))


class StartScreen(QWidget):
    """What the window shows with no case open. Emits requests; the window acts on them."""

    open_requested = Signal(list)  # list[Path]: files or folders to open
    demo_requested = Signal()
    open_dialog_requested = Signal()

    def __init__(self, parent: QWidget | None = None, settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else Settings()
        self.setAcceptDrops(True)
        self.setObjectName("StartScreen")

        title = QLabel("us-annotator")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        title.setFont(font)
        subtitle = QLabel("Measure and annotate musculoskeletal ultrasound stills and clips.")
        subtitle.setWordWrap(True)

        self.demo_button = QPushButton("Open demo case")
        self.demo_button.setToolTip("A synthetic muscle tear clip and nerve still with example "
                                    "annotations and findings")
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open a case file or media (DICOM, video, images)")
        self.open_button.setDefault(True)
        self.demo_button.clicked.connect(self.demo_requested)
        self.open_button.clicked.connect(self.open_dialog_requested)
        self.theme = QComboBox()
        self.theme.setAccessibleName("theme")
        self.theme.setToolTip("Dark suits reading images in a dim room; System follows the desktop")
        for theme in THEMES:
            self.theme.addItem(theme.capitalize(), theme)
        self._show_theme()
        self.theme.activated.connect(self._theme_chosen)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        buttons.addWidget(QLabel("Theme:"))
        buttons.addWidget(self.theme)

        self.recent_cases = RecentList("No recent cases yet.")
        self.recent_media = RecentList("No recent media yet.")
        lists = QHBoxLayout()
        for box_title, widget in (("Recent cases", self.recent_cases), ("Recent media", self.recent_media)):
            box = QGroupBox(box_title)
            inner = QVBoxLayout(box)
            inner.addWidget(widget)
            lists.addWidget(box, 1)
            widget.open_path.connect(lambda p: self.open_requested.emit([p]))
            widget.remove_path.connect(self._forget)

        self.drop_hint = QLabel("Drop DICOM files, videos, images, folders or a case file "
                                "(.uscase.json) anywhere here to open them.")
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setWordWrap(True)
        self.drop_hint.setEnabled(False)  # drawn in the palette's muted text colour

        column = QVBoxLayout()
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addSpacing(12)
        column.addLayout(buttons)
        column.addSpacing(12)
        column.addLayout(lists, 1)
        column.addWidget(self.drop_hint)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 6)
        outer.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        """Re-read the recent files (call when the window shows this screen again)."""
        self.recent_cases.set_files(self.settings.recent_files("case"))
        self.recent_media.set_files(self.settings.recent_files("media"))

    def _show_theme(self) -> None:
        app = QApplication.instance()
        chosen = self.settings.theme()
        if isinstance(app, QApplication) and app.property("us_annotator_theme") is not None:
            chosen = current_choice(app)  # what is on screen, if a theme was applied
        self.theme.setCurrentIndex(max(0, self.theme.findData(chosen)))

    def _theme_chosen(self, index: int) -> None:
        choose_theme(str(self.theme.itemData(index)), self.settings)

    def _forget(self, path: Path) -> None:
        self.settings.remove_recent(path)
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()
        self._show_theme()
        super().showEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            event.acceptProposedAction()
            self.open_requested.emit(paths)
        else:
            event.ignore()
