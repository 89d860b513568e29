"""A clip opened from the PACS joins the open case (or a new one) as soon as its first frame
is there; its download goes on in the background, and the status bar says when the clip is
complete in the local cache, or why it stopped (with Retry)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
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
    """Brings the end of a background download to the UI thread."""

    finished = Signal(object)  # the InstanceDownload

    def __init__(self, parent: QWidget, status: Status, clip: RemoteClip) -> None:
        super().__init__(parent)
        self.parent_widget, self.status = parent, status
        self.clip = clip
        self.finished.connect(self._show, Qt.ConnectionType.QueuedConnection)
        clip.download.on_done(self.finished.emit)

    def _show(self, download: InstanceDownload) -> None:
        if download is not self.clip.download:
            return  # an earlier attempt
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
        else:
            self.deleteLater()


def add_streamed_media(controller: AppController, parent: QWidget, status: Status, media: Media) -> None:
    """Add a media opened from the PACS to the open case, or to a new case; the status bar
    (``status``) says when its download is complete, a dialog over ``parent`` why it stopped."""
    controller.add_opened_media(media)
    if isinstance(media, RemoteClip):  # done already, or later: the watcher says so
        DownloadWatcher(parent, status, media)
