"""Tracking from the app: ``track_annotation`` on a worker thread (``ui/tasks.py``) with progress
and cancel, its result pushed as ONE undoable command.

The worker tracks a copy of the annotation, so edits made meanwhile cannot race with it; when
the annotation changed (or the case was closed) before tracking ended, the result is dropped
rather than written over the newer edit. Cancel writes nothing.
"""

from __future__ import annotations

import copy
import html
import logging
import time
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Qt, Signal

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation
from annotator.dynamics.tracking import APP_OPTIONS, TrackOptions, TrackResult, track_annotation
from annotator.media.base import MediaError
from annotator.ui.controller import AppController
from annotator.ui.tasks import Progress, Task, run_task

log = logging.getLogger(__name__)

#: seconds between progress reports from the worker (the UI need not see every frame)
PROGRESS_INTERVAL_S = 0.05


@dataclass(frozen=True)
class TrackRequest:
    annotation_id: str
    start: int
    end: int

    @property
    def direction(self) -> int:
        return 1 if self.end >= self.start else -1

    def describe(self) -> str:
        arrow = "forward" if self.direction > 0 else "backward"
        return f"frames {self.start}\u2192{self.end} ({arrow})"


@dataclass(frozen=True)
class TrackOutcome:
    """How a tracking run ended: ``applied`` when its keyframes went into the case."""

    request: TrackRequest
    result: TrackResult | None = None
    applied: bool = False
    cancelled: bool = False
    error: str = ""
    message: str = ""
    case_closed: bool = False  # the case it was for is no longer open


def plan_tracking(annotation: Annotation, frame_count: int, current: int, how: str,
                  target: int | None = None, last_direction: int = 1) -> TrackRequest | str:
    """The tracking run that ``how`` means with the playhead on ``current``, or why there is
    none. ``how``: "track_forward" (to the clip's end), "track_backward" (to frame 0),
    "track_to_frame" (to ``target``; without one, a request with no length saying a target
    may be asked for), "retrack" (from the playhead, in ``last_direction``, to the end of the
    range, or on to the clip's end when already there). Runs start on the playhead, or on the
    end of the annotation's range nearest to it."""
    a = annotation
    if frame_count < 2:
        return "this is a still image (one frame): there is nothing to track through"
    last = frame_count - 1
    nearest_end = a.frame if current < a.frame else a.last_frame
    start = current if a.on_frame(current) else nearest_end
    if how == "track_forward":
        end = last
    elif how == "track_backward":
        end = 0
    elif how == "track_to_frame":
        if target is None:
            return TrackRequest(a.id, start, start)
        end = target
    elif how == "retrack":
        if not a.is_dynamic or not a.on_frame(current):
            return "go to a frame of the annotation's range, correct it there, then re-track"
        end = a.last_frame if last_direction > 0 else a.frame
        if end == current:
            end = last if last_direction > 0 else 0
    else:
        raise ValueError(f"unknown way to track: {how!r}")
    if not 0 <= end <= last:
        return f"frame {end} is outside the clip (frames 0..{last})"
    if end == start:
        return f"it would start and end on frame {start}"
    return TrackRequest(a.id, start, end)


def outcome_report(outcome: TrackOutcome) -> str:
    """Rich text for the panel: what tracking did, with links to lost and uncertain frames."""
    if outcome.error:
        return f"<b>Could not track</b>: {html.escape(outcome.error)}"
    result = outcome.result
    if result is None:
        return html.escape(outcome.message)
    lines = [("" if outcome.applied else "<b>Not applied</b>: ") + html.escape(outcome.message)]
    if outcome.applied and result.frames_per_second:
        lines[0] += f" ({result.frames_per_second:.0f} frames/s)"
    if result.lost is not None:
        f = result.lost.frame
        lines.append(f'\u26a0 Lost at <a href="frame:{f}">frame {f}</a>: {html.escape(result.lost.reason)}. '
                     "Correct the shape on the last good frame and re-track from there.")
    uncertain = result.uncertain_frames
    if uncertain:
        links = ", ".join(f'<a href="frame:{f}">{f}</a>' for f in uncertain[:12])
        more = f" and {len(uncertain) - 12} more" if len(uncertain) > 12 else ""
        lines.append(f"\u26a0 Uncertain frame(s): {links}{more}")
    return "<br>".join(lines)


def _geometry(a: Annotation) -> tuple[int, int | None, dict[int, list[tuple[float, float]]]]:
    return a.frame, a.frame_end, {k: list(v) for k, v in a.keyframes.items()}


class TrackingRunner(QObject):
    """Runs one tracking at a time for the panel; ``finished`` comes after the case was updated."""

    started = Signal(object)  # TrackRequest
    progressed = Signal(float, str)
    finished = Signal(object)  # TrackOutcome

    def __init__(self, controller: AppController, parent: QObject | None = None,
                 options: TrackOptions | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.options = options or APP_OPTIONS  # drift correction on in the app
        self.task: Task | None = None
        self._request: TrackRequest | None = None
        self._document: CaseDocument | None = None
        self._snapshot: tuple[int, int | None, dict[int, list[tuple[float, float]]]] | None = None
        controller.document_changed.connect(self.cancel)

    @property
    def running(self) -> bool:
        return self.task is not None

    def start(self, request: TrackRequest) -> bool:
        """Start tracking; False when it cannot start (the reason, if any, in ``finished``)."""
        if self.task is not None:
            return False
        document = self.controller.document
        if document is None:
            return False
        try:
            annotation = copy.deepcopy(document.case.annotation(request.annotation_id))
            media = document.media(annotation.media)
        except KeyError:
            self._end(TrackOutcome(request, error=f"there is no annotation {request.annotation_id!r}"))
            return False
        except MediaError as exc:
            self._end(TrackOutcome(request, error=str(exc)))
            return False
        self._request, self._document, self._snapshot = request, document, _geometry(annotation)
        options = self.options
        start, end = request.start, request.end
        calibration = document.calibration(annotation.media, start)  # with the case's manual one

        def work(progress: Progress) -> TrackResult:
            last = [0.0]

            def report(done: int, total: int) -> None:
                now = time.monotonic()
                if done == total or now - last[0] >= PROGRESS_INTERVAL_S:
                    last[0] = now
                    frame = start + request.direction * done
                    progress.report(done / max(total, 1), f"Tracking frame {frame} of {start}\u2192{end}")

            return track_annotation(media, annotation, start, end, options, report,
                                    cancel=lambda: progress.cancelled, calibration=calibration)

        self.task = run_task(work, self._succeeded, self._failed, "Tracking\u2026", None)
        self.task.progressed.connect(self.progressed, Qt.ConnectionType.QueuedConnection)
        self.task.cancelled.connect(self._cancelled, Qt.ConnectionType.QueuedConnection)
        self.started.emit(request)
        return True

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    # -- endings (on the UI thread) --------------------------------------------------------
    def _succeeded(self, result: TrackResult) -> None:
        request = self._request
        assert request is not None
        stale = self._stale_reason()
        if stale:
            self._end(TrackOutcome(request, result, message=f"Tracking not applied: {stale}. Track again."))
            return
        if not result.tracked_any:
            why = result.lost.reason if result.lost is not None else "no frame could be followed"
            self._end(TrackOutcome(request, result, error=f"nothing could be followed from frame {request.start}: {why}"))
            return
        command = result.to_command()
        command.text = f"Track {request.describe()}"
        stack = self.controller.undo_stack
        before = stack.index()
        self.controller.push(command)  # a refused edit is shown by the controller
        applied = stack.index() != before
        self._end(TrackOutcome(request, result, applied=applied, message=result.message()))

    def _failed(self, exc: Exception) -> None:
        assert self._request is not None
        if self.controller.document is not self._document:  # closing the case broke the read
            self._end(TrackOutcome(self._request, message="Tracking stopped: the case was closed."))
            return
        self._end(TrackOutcome(self._request, error=str(exc) or type(exc).__name__))

    def _cancelled(self) -> None:
        assert self._request is not None
        self._end(TrackOutcome(self._request, cancelled=True, message="Tracking cancelled: nothing changed."))

    def _stale_reason(self) -> str:
        request = self._request
        document = self.controller.document
        if request is None or document is None or document is not self._document:
            return "the case was closed"
        try:
            now = document.case.annotation(request.annotation_id)
        except KeyError:
            return "the annotation was deleted"
        if _geometry(now) != self._snapshot:
            return "the annotation was edited while tracking"
        return ""

    def _end(self, outcome: TrackOutcome) -> None:
        if self._document is not None and self.controller.document is not self._document:
            outcome = replace(outcome, case_closed=True)
        self.task = None
        self._request = self._document = self._snapshot = None
        if outcome.error:
            log.info("tracking %s: %s", outcome.request.describe(), outcome.error)
        self.finished.emit(outcome)
