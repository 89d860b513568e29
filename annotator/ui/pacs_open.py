"""A clip opened from the PACS joins the open case (or a new one) as soon as its first frame
is there; its download goes on in the background (or waits its turn), the status bar says
so, and when the clip is complete in the local cache, or why it stopped (with Retry)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from annotator.case.userdirs import data_dir
from annotator.media import Media
from annotator.pacs.remote_clip import RemoteClip
from annotator.pacs.stream import InstanceDownload
from annotator.ui.controller import AppController

Status = Callable[[str, int], None]


def pacs_cache() -> Path:
    """Where clips from the PACS are kept: ``<data>/pacs/STUDY_UID/SOP_UID.dcm``."""
    return data_dir() / "pacs"


class DownloadWatcher(QObject):
    """Brings the end of a background download to the UI thread; while the clip is the one
    on screen (``is_current``), the status bar says whether its download waits its turn or
    how far it has come."""

    finished = Signal(object)  # the InstanceDownload
    POLL_MS = 500

    def __init__(self, parent: QWidget, status: Status, clip: RemoteClip,
                 is_current: Callable[[], bool] = lambda: True) -> None:
        super().__init__(parent)
        self.parent_widget, self.status = parent, status
        self.clip, self.is_current = clip, is_current
        self.finished.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._progress = QTimer(self)
        self._progress.timeout.connect(self._tick)
        self._progress.start(self.POLL_MS)
        self._tick()
        clip.download.on_done(self.finished.emit)

    def _tick(self) -> None:
        text = self.clip.download.progress_text()
        if text is None:
            self._progress.stop()
        elif self.is_current():
            self.status(f"{self.clip.path.name}: {text}", 2 * self.POLL_MS)

    def _show(self, download: InstanceDownload) -> None:
        if download is not self.clip.download:
            return  # an earlier attempt
        self._progress.stop()
        name = self.clip.path.name
        if download.ok:
            seconds = download.finished - download.started
            extra = f", {download.resumed_frames} frames resumed after a cut" if download.resumed_frames else ""
            self.status(
                f"{name}: complete in the local cache ({download.bytes_received / 1e6:.1f} MB in "
                f"{seconds:.1f} s{extra})", 10000)
            self.deleteLater()
            return
        if download.error is None or download.error.kind == "cancelled":
            self.deleteLater()
            return
        answer = QMessageBox.warning(
            self.parent_widget, "PACS download stopped",
            f"{download.error}\n\nThe frames already shown stay; the others are asked for one "
            "by one while you work. Nothing half-written was kept. Download the clip again?",
            QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close,
            QMessageBox.StandardButton.Retry)
        if answer == QMessageBox.StandardButton.Retry:
            self.clip.retry()
            self._progress.start(self.POLL_MS)
        else:
            self.deleteLater()


def add_streamed_media(controller: AppController, parent: QWidget, status: Status, media: Media) -> None:
    """Add a media opened from the PACS to the open case, or to a new case; the status bar
    (``status``) says when its download is complete, a dialog over ``parent`` why it stopped."""
    controller.add_opened_media(media)
    if isinstance(media, RemoteClip):  # done already, or later: the watcher says so
        DownloadWatcher(parent, status, media, lambda: controller.current_media() is media)
