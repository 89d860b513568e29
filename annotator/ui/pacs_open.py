"""A clip opened from the PACS joins the open case (or a new one) as soon as its first frame
is there; its download goes on in the background, and the status bar says while it waits its
turn in the transfer queue (how many downloads are before it), how far it has come once it
runs, and when the clip is complete in the local cache, or why it stopped (with Retry)."""

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


#: how often the status bar's progress of a running or waiting download is refreshed
PROGRESS_MS = 250


def progress_text(name: str, download: InstanceDownload) -> str:
    """What the status bar says of a download not done yet: waiting its turn, or how far."""
    ahead = download.waiting_for
    if ahead > 0:
        other = "download" if ahead == 1 else "downloads"
        return f"{name}: waiting for {ahead} other {other} (first frame shown, others on demand)"
    got = download.bytes_received / 1e6
    total = download.bytes_expected
    if total:
        return f"{name}: downloading, {got:.1f} of {total / 1e6:.1f} MB ({min(99, int(100 * download.bytes_received / total))} %)"
    return f"{name}: downloading, {got:.1f} MB"


class DownloadWatcher(QObject):
    """Shows a background download's progress (or its place in the queue) in the status bar,
    and brings its end to the UI thread."""

    finished = Signal(object)  # the InstanceDownload

    def __init__(self, parent: QWidget, status: Status, clip: RemoteClip,
                 on_screen: Callable[[], bool] = lambda: True) -> None:
        super().__init__(parent)
        self.parent_widget, self.status = parent, status
        self.clip = clip
        #: only the clip on screen says how its download goes (20 queued clips would take
        #: turns in the one status bar); every clip says how it ended
        self.on_screen = on_screen
        self.shown = ""  # the progress last shown (only a change is shown again)
        self.timer = QTimer(self)
        self.timer.setInterval(PROGRESS_MS)
        self.timer.timeout.connect(self._progress)
        self.finished.connect(self._show, Qt.ConnectionType.QueuedConnection)
        if not clip.download.done.is_set():
            self._progress()
            self.timer.start()
        clip.download.on_done(self.finished.emit)

    def _progress(self) -> None:
        download = self.clip.download
        if download.done.is_set():
            return  # ``_show`` says how it ended
        text = progress_text(self.clip.path.name, download)
        if text != self.shown and self.on_screen():
            self.shown = text
            self.status(text, 0)

    def _show(self, download: InstanceDownload) -> None:
        if download is not self.clip.download:
            return  # an earlier attempt
        self.timer.stop()
        name = self.clip.path.name
        if download.ok:
            seconds = download.finished - download.started
            extra = f", {download.resumed_frames} frames resumed after a cut" if download.resumed_frames else ""
            self.status(
                f"{name}: complete in the local cache ({download.bytes_received / 1e6:.1f} MB in "
                f"{seconds:.1f} s{extra})", 10000)
            self.deleteLater()
            return
        if self.shown:  # the progress shown last must not stay
            self.status(f"{name}: download stopped", 5000)
            self.shown = ""
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
            self.shown = ""
            self.timer.start()
        else:
            self.deleteLater()


def add_streamed_media(controller: AppController, parent: QWidget, status: Status, media: Media) -> None:
    """Add a media opened from the PACS to the open case, or to a new case; the status bar
    (``status``) says when its download is complete, a dialog over ``parent`` why it stopped."""
    controller.add_opened_media(media)
    if isinstance(media, RemoteClip):  # done already, or later: the watcher says so
        DownloadWatcher(parent, status, media, lambda: controller.current_media() is media)
