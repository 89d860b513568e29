"""Long work off the UI thread (opening a large clip, tracking, export) with progress and a
cancel button. The work function gets a ``Progress`` to report to and to check for cancel."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)


class TaskCancelled(Exception):
    """Raised inside the work function by ``Progress.check()`` after the user cancelled."""


class Progress:
    """Thread-safe: the worker reports a fraction 0..1 and a line of text, and polls cancel."""

    def __init__(self, emit: Callable[[float, str], None]) -> None:
        self._emit = emit
        self._cancel = threading.Event()

    def report(self, fraction: float, text: str = "") -> None:
        self._emit(min(max(float(fraction), 0.0), 1.0), text)
        self.check()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise TaskCancelled()

    def cancel(self) -> None:
        self._cancel.set()


WorkFn = Callable[[Progress], Any]


class Task(QObject):
    """One piece of work on its own thread; results arrive as signals on the UI thread."""

    progressed = Signal(float, str)
    succeeded = Signal(object)  # the work function's result
    failed = Signal(object)  # the exception
    cancelled = Signal()
    ended = Signal()  # after any of the three above

    _running: set[Task] = set()  # keeps tasks alive until they end

    def __init__(self, work: WorkFn, title: str = "Working\u2026", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.work = work
        self.title = title
        self.progress = Progress(self.progressed.emit)
        self._thread: threading.Thread | None = None
        self.done = threading.Event()

    def start(self) -> Task:
        Task._running.add(self)
        self.ended.connect(lambda: Task._running.discard(self))
        self._thread = threading.Thread(target=self._run, name=f"task: {self.title}", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.progress.cancel()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work ends (for tests and shutdown); signals still need the loop."""
        return self.done.wait(timeout)

    def _run(self) -> None:
        try:
            result = self.work(self.progress)
        except TaskCancelled:
            self.done.set()
            self.cancelled.emit()
        except Exception as exc:  # reported to the UI as a dialog, never lost
            log.exception("task %r failed", self.title)
            self.done.set()
            self.failed.emit(exc)
        else:
            self.done.set()
            if self.progress.cancelled:
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)
        self.ended.emit()


def run_task(
    work: WorkFn,
    on_success: Callable[[Any], None],
    on_error: Callable[[Exception], None] | None = None,
    title: str = "Working\u2026",
    parent: QWidget | None = None,
    show_after_ms: int = 400,
    on_end: Callable[[Task], None] | None = None,
) -> Task:
    """Start ``work`` on a thread; a progress dialog with Cancel appears over ``parent`` if
    it takes longer than ``show_after_ms``. Callbacks run on the UI thread; ``on_end`` gets the
    task after any outcome (connected before the thread starts: a fast failure cannot end the
    task before anyone listens)."""
    task = Task(work, title)
    if on_end is not None:
        task.ended.connect(lambda: on_end(task), Qt.ConnectionType.QueuedConnection)
    task.succeeded.connect(on_success, Qt.ConnectionType.QueuedConnection)
    if on_error is not None:
        task.failed.connect(on_error, Qt.ConnectionType.QueuedConnection)
    if parent is not None:
        dialog = QProgressDialog(title, "Cancel", 0, 1000, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(show_after_ms)
        dialog.setAutoReset(False)
        dialog.setAutoClose(False)
        dialog.setValue(0)
        dialog.canceled.connect(task.cancel)

        def show_progress(fraction: float, text: str) -> None:
            dialog.setValue(round(fraction * 1000))
            if text:
                dialog.setLabelText(text)

        task.progressed.connect(show_progress, Qt.ConnectionType.QueuedConnection)
        task.ended.connect(dialog.close, Qt.ConnectionType.QueuedConnection)
        task.ended.connect(dialog.deleteLater, Qt.ConnectionType.QueuedConnection)
    return task.start()
