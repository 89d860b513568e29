"""A clip opened from the PACS joins the open case (or a new one) as soon as its first frame
is there; its download goes on in the background, and the status bar says when the clip is
complete in the local cache, or why it stopped (with Retry)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox

from annotator.case.document import CaseDocument
from annotator.case.userdirs import data_dir
from annotator.media import Media
from annotator.pacs.remote_clip import RemoteClip
from annotator.pacs.stream import InstanceDownload
from annotator.ui.opening import OpenedMedia


def pacs_cache() -> Path:
    """Where clips from the PACS are kept: ``<data>/pacs/STUDY_UID/SOP_UID.dcm``."""
    return data_dir() / "pacs"


class DownloadWatcher(QObject):
    """Brings the end of a background download to the UI thread."""

    finished = Signal(object)  # the InstanceDownload

    def __init__(self, window: Any, clip: RemoteClip) -> None:
        super().__init__(window)
        self.window = window
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
            self.window.statusBar().showMessage(
                f"{name}: complete in the local cache ({download.bytes_received / 1e6:.1f} MB in "
                f"{seconds:.1f} s{extra})", 10000)
            self.deleteLater()
            return
        if download.error is None or download.error.kind == "cancelled":
            self.deleteLater()
            return
        answer = QMessageBox.warning(
            self.window, "PACS download stopped",
            f"{download.error}\n\nThe frames already shown stay; the others are asked for one "
            "by one while you work. Nothing half-written was kept. Download the clip again?",
            QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close,
            QMessageBox.StandardButton.Retry)
        if answer == QMessageBox.StandardButton.Retry:
            self.clip.retry()
        else:
            self.deleteLater()


def add_streamed_media(window: Any, media: Media) -> None:
    """Add a media opened from the PACS to the open case, or to a new case."""
    controller = window.controller
    if controller.document is None:
        controller.set_document(CaseDocument.new(opener=controller.opener))
        controller._fresh = True  # noqa: SLF001 - as open_paths does: not unsaved work yet
    controller._media_opened([OpenedMedia(media.path, media, None)])  # noqa: SLF001
    if isinstance(media, RemoteClip):  # done already, or later: the watcher says so
        DownloadWatcher(window, media)
