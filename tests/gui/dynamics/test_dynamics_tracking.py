"""Tracking from the dynamics panel: one undo step, cancel, re-track, refusals."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from dynamics_helpers import FRAMES, MM_PER_PX, annotation, caliper_px, length_mm, track
from pytestqt.qtbot import QtBot

from annotator.case.commands import SetKeyframes, SetPoints
from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case
from annotator.ui.controller import AppController
from annotator.ui.panels import dynamics_tracking
from annotator.ui.panels.dynamics_panel import DynamicsPanel
from annotator.ui.panels.dynamics_tracking import TrackRequest, plan_tracking
from tests.synthetic import TearClip


# -- tracking -----------------------------------------------------------------------------------
def test_tracking_through_the_panel_is_one_undo_step(qtbot: QtBot, panel: DynamicsPanel,
                                                     controller: AppController, clip: TearClip) -> None:
    controller.select(["a1"])
    outcome = track(qtbot, panel, panel.track_to_end)
    assert outcome.applied and outcome.result is not None and outcome.result.complete
    a = annotation(controller, "a1")
    assert sorted(a.keyframes) == list(range(FRAMES)) and a.frame_end == FRAMES - 1
    for frame in range(FRAMES):
        assert abs(length_mm(controller, "a1", frame) - clip.gap_px(frame) * MM_PER_PX) < 0.5, frame
    assert controller.undo_stack.count() == 1
    assert panel.series is not None and len(panel.series.samples) == FRAMES
    assert panel.series.peak_frame == FRAMES - 1 and panel.series.rest_frame == 0  # the gap opens
    assert "tracked frames 0..29" in panel.tracking.report.text()
    assert not panel.tracking.progress_row.isVisible()

    controller.undo_stack.undo()
    a = annotation(controller, "a1")
    assert a.frame_end is None and list(a.keyframes) == [0] and not a.confidence
    controller.undo_stack.redo()
    assert sorted(annotation(controller, "a1").keyframes) == list(range(FRAMES))


def test_track_backward_and_to_a_frame(qtbot: QtBot, panel: DynamicsPanel, controller: AppController,
                                       clip: TearClip) -> None:
    controller.push(SetKeyframes("a1", {12: clip.truth[12]}, frame=12, frame_end=None, replace=True))
    controller.select(["a1"])
    controller.set_current_frame(12)
    outcome = track(qtbot, panel, lambda: panel.track_to_frame(20))
    assert outcome.applied and (outcome.request.start, outcome.request.end) == (12, 20)
    assert annotation(controller, "a1").last_frame == 20
    outcome = track(qtbot, panel, panel.track_backward)
    assert outcome.applied and (outcome.request.start, outcome.request.end) == (12, 0)
    a = annotation(controller, "a1")
    assert (a.frame, a.last_frame) == (0, 20)
    assert abs(length_mm(controller, "a1", 3) - clip.gap_px(3) * MM_PER_PX) < 0.5
    panel.ask_frame = lambda default, lo, hi: None  # the dialog was cancelled
    assert not panel.track_to_frame()


def test_retrack_from_a_corrected_frame_replaces_what_follows(qtbot: QtBot, panel: DynamicsPanel,
                                                              controller: AppController, clip: TearClip) -> None:
    controller.select(["a1"])
    track(qtbot, panel, panel.track_to_end)
    controller.set_current_frame(15)
    wrong = [(p[0] + 6.0, p[1]) for p in clip.truth[15]]
    controller.push(SetPoints("a1", 15, wrong))  # a "correction" that moves both ends 6 px right
    outcome = track(qtbot, panel, panel.retrack_from_here)
    assert outcome.applied and (outcome.request.start, outcome.request.end) == (15, FRAMES - 1)
    assert controller.undo_stack.count() == 3
    later = annotation(controller, "a1").points_at(20)
    assert later is not None and later[0][0] == pytest.approx(clip.truth[20][0][0] + 6.0, abs=1.0)
    before = annotation(controller, "a1").points_at(10)  # frames before the correction stay
    assert before is not None and np.ravel(before) == pytest.approx(np.ravel(clip.truth[10]), abs=1.0)
    controller.undo_stack.undo()  # the re-track, in one step
    again = annotation(controller, "a1").points_at(20)
    assert again is not None and again[0][0] == pytest.approx(clip.truth[20][0][0], abs=1.0)


class BlockingTracker:
    """Stands in for track_annotation: waits until the test lets it go (events, no sleeps)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, media: Any, ann: Annotation, start: int, end: int, options: Any,
                 progress: Any, cancel: Any, calibration: Any = None) -> Any:
        self.calibration = calibration
        self.started.set()
        assert self.release.wait(10)
        progress(1, 2)  # raises TaskCancelled once the user cancelled
        raise AssertionError("the test always cancels or edits")


@contextmanager
def tracking_held(qtbot: QtBot, panel: DynamicsPanel, fake: BlockingTracker,
                  timeout: int = 10_000) -> Iterator[Any]:
    """Start "Track to end", hold the worker inside the tracker while the block runs, then
    let it go; yields the blocker whose args hold the outcome."""
    with qtbot.waitSignal(panel.tracker.finished, timeout=timeout) as blocker:
        assert panel.track_to_end()
        assert fake.started.wait(10)
        yield blocker
        fake.release.set()


def test_cancel_writes_nothing(qtbot: QtBot, panel: DynamicsPanel, controller: AppController,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    fake = BlockingTracker()
    monkeypatch.setattr(dynamics_tracking, "track_annotation", fake)
    controller.select(["a1"])
    with tracking_held(qtbot, panel, fake) as blocker:
        assert panel.tracking.progress_row.isVisible()
        assert not panel.tracking.buttons["track_forward"].isEnabled()
        panel.tracking.cancel_button.click()
    assert blocker.args[0].cancelled and not blocker.args[0].applied
    # the case's calibration goes with it (a manual one: what sets a structure's search sizes)
    a1 = annotation(controller, "a1")
    assert controller.document is not None
    assert fake.calibration == controller.document.calibration(a1.media, a1.frame)
    assert controller.undo_stack.count() == 0
    assert annotation(controller, "a1").frame_end is None
    assert panel.tracking.buttons["track_forward"].isEnabled()
    assert "cancelled" in panel.tracking.report.text()


def test_closing_the_case_while_tracking_stops_it(qtbot: QtBot, panel: DynamicsPanel, controller: AppController,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fake = BlockingTracker()
    monkeypatch.setattr(dynamics_tracking, "track_annotation", fake)
    controller.select(["a1"])
    with tracking_held(qtbot, panel, fake) as blocker:
        controller.set_document(CaseDocument(Case(title="Another")))  # cancels the run
    outcome = blocker.args[0]
    assert outcome.case_closed and outcome.cancelled and not outcome.applied
    assert panel.reports == {} and panel.tracking.report.text() == ""
    assert not panel.tracking.progress_row.isVisible()


def test_a_result_for_an_annotation_edited_meanwhile_is_dropped(
        qtbot: QtBot, panel: DynamicsPanel, controller: AppController, monkeypatch: pytest.MonkeyPatch,
        clip: TearClip) -> None:
    fake = BlockingTracker()
    real = dynamics_tracking.track_annotation

    def tracked_after_release(media: Any, ann: Annotation, start: int, end: int, options: Any,
                              progress: Any, cancel: Any, calibration: Any = None) -> Any:
        fake.started.set()
        assert fake.release.wait(10)
        return real(media, ann, start, end, options, calibration=calibration)

    monkeypatch.setattr(dynamics_tracking, "track_annotation", tracked_after_release)
    controller.select(["a1"])
    with tracking_held(qtbot, panel, fake, timeout=20_000) as blocker:
        controller.push(SetPoints("a1", 0, [(p[0] - 1.0, p[1]) for p in clip.truth[0]]))
    outcome = blocker.args[0]
    assert not outcome.applied and "edited while tracking" in outcome.message
    assert controller.undo_stack.count() == 1  # only the edit
    assert annotation(controller, "a1").frame_end is None


def test_bad_requests_are_refused_with_a_reason(panel: DynamicsPanel, controller: AppController,
                                                errors: list[tuple[str, str]]) -> None:
    controller.select(["a1"])
    assert not panel.track_to_frame(FRAMES + 5)
    assert "outside the clip" in errors[-1][1]
    assert not panel.track_backward()  # it is on frame 0 already
    assert "frame 0" in errors[-1][1]
    assert not panel.retrack_from_here()  # a single-frame caliper has nothing to re-track
    assert controller.undo_stack.count() == 0


def test_tracking_that_cannot_start_or_loses_the_tissue_says_so(
        qtbot: QtBot, panel: DynamicsPanel, controller: AppController, errors: list[tuple[str, str]]) -> None:
    controller.select(["a5"])
    outcome = track(qtbot, panel, panel.track_to_end)
    assert not outcome.applied and "outside the image" in outcome.error
    assert errors[-1][0] == "Cannot track" and "outside the image" in errors[-1][1]
    assert "Could not track" in panel.tracking.report.text()
    assert controller.undo_stack.count() == 0

    controller.select(["a6"])
    outcome = track(qtbot, panel, panel.track_to_end)
    assert outcome.applied and outcome.result is not None and outcome.result.lost is not None
    lost = outcome.result.lost.frame
    assert 0 < lost < FRAMES - 1 and annotation(controller, "a6").last_frame < lost
    report = panel.tracking.report.text()
    assert f'href="frame:{lost}"' in report and "left the image" in report
    panel.follow_link(f"frame:{lost}")
    assert controller.current_frame == lost


def test_plan_tracking_starts_from_the_playhead_or_the_nearest_end() -> None:
    a = Annotation("a", "m", "line", 10, {10: caliper_px(5), 20: caliper_px(8)}, frame_end=20)
    assert plan_tracking(a, 50, 15, "track_forward") == TrackRequest("a", 15, 49)
    assert plan_tracking(a, 50, 30, "track_forward") == TrackRequest("a", 20, 49)  # off the range
    assert plan_tracking(a, 50, 3, "track_backward") == TrackRequest("a", 10, 0)
    assert plan_tracking(a, 50, 12, "retrack") == TrackRequest("a", 12, 20)
    assert plan_tracking(a, 50, 20, "retrack") == TrackRequest("a", 20, 49)
    assert plan_tracking(a, 50, 12, "retrack", last_direction=-1) == TrackRequest("a", 12, 10)
    assert "outside the clip" in str(plan_tracking(a, 50, 12, "track_to_frame", 60))
    assert "still image" in str(plan_tracking(a, 1, 0, "track_forward"))

