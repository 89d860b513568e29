"""The case's media as thumbnails with kind, frame count and calibration source; click one to
show it, add media with Add…, remove the selected one (and its annotations) with Remove.

Every entry has one fixed size (thumbnails centred on a fixed canvas, a fixed item size), so
entries never move when a thumbnail or caption arrives: moving entries left stale captions on
screen and pushed a just-added entry out of view.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.case.commands import RemoveMedia
from annotator.case.model import CaseEvent
from annotator.media import open_media
from annotator.media.kinds import dialog_filter
from annotator.ui.dialogs.case_info_dialog import edit_media_info
from annotator.ui.panels.common import (
    AskFn,
    ControllerLike,
    Debouncer,
    ask_yes_no,
    push_safely,
    unlink_summary,
)
from annotator.ui.panels.thumbnails import (
    THUMB_SIZE,
    MediaInfo,
    ThumbnailJob,
    ThumbnailSignals,
    on_canvas,
)

log = logging.getLogger(__name__)
MEDIA_ROLE = Qt.ItemDataRole.UserRole
GRID_SIZE = QSize(THUMB_SIZE[0] + 40, THUMB_SIZE[1] + 112)
ITEM_SIZE = QSize(GRID_SIZE.width() - 8, GRID_SIZE.height() - 8)  # a caption of up to 6 lines
MEDIA_FILTER = dialog_filter(with_cases=False)


class CaseBrowser(QWidget):
    def __init__(self, controller: ControllerLike, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.list = QListWidget()
        # one column of thumbnails with their text underneath, which reads in a narrow dock
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.TopToBottom)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setIconSize(QSize(*THUMB_SIZE))
        self.list.setGridSize(GRID_SIZE)
        self.list.setSpacing(4)
        self.list.setWordWrap(True)
        self.add_button = QPushButton("Add…")
        self.add_button.setToolTip("Add DICOM, video or image files to the case")
        # a context-menu entry, not a button: the dock stays as narrow as before
        self.details_action = QAction("Label and View…", self.list)
        self.details_action.setToolTip("Name the media and say its view (long or transverse axis); figures, "
                                       "slides and reports use the name (or double-click it)")
        self.list.addAction(self.details_action)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected media and its annotations from the case "
                                      "(the file on disk is not touched)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # the machine is small; thumbnails are not urgent
        self.signals = ThumbnailSignals()
        self.signals.done.connect(self._thumbnail_done)
        self.signals.failed.connect(self._thumbnail_failed)
        self.generation = 0
        self.info: dict[str, MediaInfo] = {}
        self.errors: dict[str, str] = {}
        self._thumbs: dict[str, QImage] = {}
        self.ask: AskFn = ask_yes_no  # tests answer instead of a user

        self.list.currentItemChanged.connect(self._current_item_changed)
        self.add_button.clicked.connect(self._add_dialog)
        self.remove_button.clicked.connect(self.remove_current)
        self.details_action.triggered.connect(lambda _checked=False: self.edit_current())
        self.list.itemDoubleClicked.connect(lambda _item: self.edit_current())
        self.refresh_thumbnails_later = Debouncer(self.refresh_thumbnails, 400, self)
        controller.document_changed.connect(self.rebuild)
        controller.case_event.connect(self._on_case_event)
        controller.current_media_changed.connect(self._show_current)
        self.rebuild()

    # -- content ---------------------------------------------------------------------------
    def media_ids(self) -> list[str]:
        return [str(self.list.item(i).data(MEDIA_ROLE)) for i in range(self.list.count())]

    def rebuild(self) -> None:
        doc = self.controller.document
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for ref in doc.case.media if doc is not None else []:
                item = QListWidgetItem(self._placeholder_icon(), "")
                item.setData(MEDIA_ROLE, ref.id)
                item.setSizeHint(ITEM_SIZE)
                self.list.addItem(item)
        finally:
            self.list.blockSignals(False)
        self.info = {k: v for k, v in self.info.items() if k in self.media_ids()}
        self._update_texts()
        self._show_current(self.controller.current_media_id or "")
        self.add_button.setEnabled(doc is not None)
        self.details_action.setEnabled(doc is not None and bool(doc.case.media))
        self.refresh_thumbnails()

    def _placeholder_icon(self) -> QIcon:
        pixmap = QPixmap(*THUMB_SIZE)
        pixmap.fill(Qt.GlobalColor.black)
        return QIcon(pixmap)

    def _update_texts(self) -> None:
        doc = self.controller.document
        if doc is None:
            return
        for i in range(self.list.count()):
            item = self.list.item(i)
            media_id = str(item.data(MEDIA_ROLE))
            try:
                ref = doc.case.media_ref(media_id)
            except KeyError:
                continue
            name = ref.label or Path(ref.path).name
            if ref.view:
                name += f" ({ref.view})"
            count = sum(1 for a in doc.case.annotations if a.media == media_id)
            if media_id in self.errors:
                detail = f"cannot read: {self.errors[media_id]}"
            elif media_id in self.info:
                detail = self.info[media_id].describe()
            else:
                detail = "reading…"
            notes = f"{count} annotation(s)" if count else "no annotations"
            item.setText(f"{name}\n{detail}\n{notes}")
            item.setToolTip(f"{media_id}: {doc.case.resolve_media_path(ref)}\n{detail}\n{notes}")
        self.list.viewport().update()  # repaint whole: no stale caption stays behind

    def refresh_thumbnails(self) -> None:
        """Queue a thumbnail job per media; results of older rounds are ignored."""
        doc = self.controller.document
        self.generation += 1
        self.pool.clear()  # drop jobs of the previous round that have not started
        if doc is None:
            return
        opener = getattr(self.controller, "opener", None) or open_media
        for ref in doc.case.media:
            annotations = [copy.deepcopy(a) for a in doc.case.annotations if a.media == ref.id]
            job = ThumbnailJob(self.signals, self.generation, copy.deepcopy(ref),
                               doc.case.resolve_media_path(ref), doc.opened_media(ref.id),
                               opener, annotations, doc.case.redactions)
            self.pool.start(job)

    def wait_for_thumbnails(self, msecs: int = 10000) -> bool:
        return bool(self.pool.waitForDone(msecs))

    def thumbnail(self, media_id: str) -> QImage | None:
        return self._thumbs.get(media_id)

    def _item(self, media_id: str) -> QListWidgetItem | None:
        for i in range(self.list.count()):
            if self.list.item(i).data(MEDIA_ROLE) == media_id:
                return self.list.item(i)
        return None

    def _thumbnail_done(self, media_id: str, generation: int, picture: QImage, info: MediaInfo) -> None:
        if generation != self.generation:
            return
        self.info[media_id] = info
        self.errors.pop(media_id, None)
        self._thumbs[media_id] = picture
        item = self._item(media_id)
        if item is not None:
            item.setIcon(QIcon(QPixmap.fromImage(on_canvas(picture))))
        self._update_texts()

    def _thumbnail_failed(self, media_id: str, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self.errors[media_id] = message
        self._update_texts()

    def ensure_current_visible(self) -> None:
        """Scroll the current entry fully into view (once the list has laid it out)."""
        item = self.list.currentItem()
        if item is not None:
            self.list.doItemsLayout()
            self.list.scrollToItem(item, QListWidget.ScrollHint.EnsureVisible)

    def _on_case_event(self, event: CaseEvent) -> None:
        if event.what in ("media", "case"):
            self.rebuild()
        elif event.what == "annotation":
            self._update_texts()
            self.refresh_thumbnails_later()
        elif event.what == "redaction":  # thumbnails show the boxes black, as exports do
            self.refresh_thumbnails_later()

    # -- current media ---------------------------------------------------------------------
    def _show_current(self, media_id: str) -> None:
        item = self._item(media_id) if media_id else None
        self.list.blockSignals(True)
        try:
            if item is None:
                self.list.setCurrentRow(-1)
            else:
                self.list.setCurrentItem(item)
        finally:
            self.list.blockSignals(False)
        self.remove_button.setEnabled(item is not None)
        if item is not None:
            QTimer.singleShot(0, self, self.ensure_current_visible)  # after the list's delayed layout

    def _current_item_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        self.remove_button.setEnabled(current is not None)
        if current is not None:
            self.controller.set_current_media(str(current.data(MEDIA_ROLE)))

    # -- add and remove --------------------------------------------------------------------
    def _add_dialog(self) -> None:
        doc = self.controller.document
        folder = str(doc.path.parent) if doc is not None and doc.path else str(Path.home())
        names, _ = QFileDialog.getOpenFileNames(self, "Add media to the case", folder, MEDIA_FILTER)
        if names:
            open_paths = getattr(self.controller, "open_paths", None)
            if callable(open_paths):
                open_paths([Path(n) for n in names])

    def edit_current(self) -> bool:
        """The label, view and side of the selected media (one undoable edit)."""
        item = self.list.currentItem()
        return item is not None and edit_media_info(self.controller, str(item.data(MEDIA_ROLE)), self)

    def removal_question(self, media_id: str) -> str | None:
        """What removing the media takes with it, as a question; None when it takes nothing."""
        doc = self.controller.document
        if doc is None:
            return None
        ids = [a.id for a in doc.case.annotations if a.media == media_id]
        if not ids:
            return None
        try:
            ref = doc.case.media_ref(media_id)
            name = ref.label or Path(ref.path).name
        except KeyError:
            name = media_id
        text = f"Remove \u201c{name}\u201d and its {len(ids)} annotation(s) from the case?"
        losses = unlink_summary(doc.case, ids)
        if losses:
            text += "\n\nFindings that use them:\n" + "\n".join(f"\u2022 {line}" for line in losses)
        return text + "\n\nYou can undo this; the file itself is not deleted."

    def remove_current(self, confirm: bool = True) -> bool:
        item = self.list.currentItem()
        doc = self.controller.document
        if item is None or doc is None:
            return False
        media_id = str(item.data(MEDIA_ROLE))
        question = self.removal_question(media_id)
        if confirm and question is not None and not self.ask(self, "Remove media", question, "Remove"):
            return False
        return push_safely(self.controller, RemoveMedia(media_id), "Remove media")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop queued thumbnail work and wait for the running job (before the app quits)."""
        self.generation += 1
        self.pool.clear()
        self.pool.waitForDone(5000)
