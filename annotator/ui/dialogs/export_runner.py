"""One export at a time on a worker thread: progress as it goes, cancel at any step (the file is
then never created), and the outcome said once the worker has ended, so whoever hears it may
start the next export at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal

from annotator.case.document import CaseDocument
from annotator.export.context import ExportOptions
from annotator.export.imaging_area import ImagingArea
from annotator.export.output import ExportError
from annotator.export.registry import ExportResult, export
from annotator.media.base import MediaError
from annotator.ui.tasks import Progress, Task


def failure_message(exc: BaseException) -> str:
    if isinstance(exc, ExportError | MediaError | OSError):
        return str(exc)  # written for the user: names the file and the problem
    return f"Unexpected problem: {type(exc).__name__}: {exc}"


class ExportRunner(QObject):
    started = Signal(object)  # the Task
    progressed = Signal(float, str)  # fraction done, what is being done
    finished = Signal(object)  # ExportResult
    failed = Signal(str)  # a message for the user
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.task: Task | None = None
        self._outcome: Callable[[], None] | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None

    def start(self, document: CaseDocument, path: Path, options: ExportOptions,
              found_areas: dict[str, ImagingArea] | None = None) -> Task:
        if self.task is not None:
            raise RuntimeError("an export is already running")

        def work(progress: Progress) -> ExportResult:
            progress.report(0.0, "Preparing\u2026")

            def step(done: int, total: int) -> None:
                progress.report(done / max(total, 1), f"{done} of {total}")

            result = export(document, path, options, step, found_areas)
            if progress.cancelled and not options.force:  # cancelled just after the last check
                path.unlink(missing_ok=True)
            return result

        # not parented: the task outlives a closed dialog until its thread ends
        task = Task(work, f"Exporting {path.name}")
        task.progressed.connect(self.progressed, Qt.ConnectionType.QueuedConnection)
        task.succeeded.connect(self._succeeded, Qt.ConnectionType.QueuedConnection)
        task.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        task.cancelled.connect(self._cancelled, Qt.ConnectionType.QueuedConnection)
        task.ended.connect(self._ended, Qt.ConnectionType.QueuedConnection)
        self.task = task
        self.started.emit(task)
        task.start()
        return task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    @property
    def cancelling(self) -> bool:
        return self.task is not None and self.task.progress.cancelled

    def _succeeded(self, result: ExportResult) -> None:
        self._outcome = lambda: self.finished.emit(result)

    def _failed(self, exc: Exception) -> None:
        message = failure_message(exc)
        self._outcome = lambda: self.failed.emit(message)

    def _cancelled(self) -> None:
        self._outcome = self.cancelled.emit

    def _ended(self) -> None:
        self.task = None
        outcome, self._outcome = self._outcome, None
        if outcome is not None:
            outcome()
