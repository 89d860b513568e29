"""Tracking on generated clips whose tissue moves by a known amount: a torn muscle whose stumps
retract, whole-texture shifts, a swelling cross-section, noise bursts, points leaving the
image or their region, re-tracking from a corrected frame, cancelling, and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from annotator.case.commands import CommandStack, SetKeyframes
from annotator.case.measure import measure_annotation
from annotator.case.model import Annotation, Case, MediaRef
from annotator.dynamics.tracking import TrackingError, TrackOptions, TrackResult, track_annotation
from annotator.media.base import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region
from tests.synthetic import (
    affine_clip,
    apply_affine,
    mm_region,
    scaling,
    shifted_clip,
    tear_clip,
    translation,
)

MM_PER_PX = 0.1


def caliper(points: list[tuple[float, float]], frame: int = 0, id: str = "a1") -> Annotation:
    return Annotation.single(id, "m1", "line", frame, points)


def case_with(annotation: Annotation) -> Case:
    case = Case(title="tracking")
    case.media = [MediaRef("m1", "clip")]
    case.annotations = [annotation]
    return case


def tracked_length_mm(result: TrackResult, frame: int) -> float:
    (x0, y0), (x1, y1) = result.points[frame]
    return math.hypot(x1 - x0, y1 - y0) * MM_PER_PX


def test_caliper_on_a_retracting_tear_follows_the_true_gap_every_frame() -> None:
    clip = tear_clip(frames=40, gap_px=30.0, mm_per_px=MM_PER_PX)  # opens 1.2 px per frame
    result = track_annotation(clip.media, caliper(clip.truth[0]))
    assert result.complete and result.lost is None
    assert sorted(result.points) == list(range(40))
    for frame in range(40):
        truth_mm = clip.gap_px(frame) * MM_PER_PX
        assert abs(tracked_length_mm(result, frame) - truth_mm) < 0.5, frame
        for got, want in zip(result.points[frame], clip.truth[frame], strict=True):
            assert math.dist(got, want) < 1.0, (frame, got, want)
    assert min(result.confidence.values()) > 0.8


def test_the_case_measurement_of_the_tracked_caliper_matches_the_truth() -> None:
    clip = tear_clip(frames=30, gap_px=40.0, mm_per_px=MM_PER_PX)
    annotation = caliper(clip.truth[0])
    case = case_with(annotation)
    CommandStack(case).push(track_annotation(clip.media, annotation).to_command())
    assert (annotation.frame, annotation.frame_end) == (0, 29)
    for frame in (0, 10, 29):
        (m,) = measure_annotation(annotation, frame, clip.media.calibration_at(frame))
        assert m.unit == "mm" and m.quantity == "length"
        assert m.value == pytest.approx(clip.gap_px(frame) * MM_PER_PX, abs=0.5)


def test_a_narrow_gap_is_not_blurred_by_the_opposite_stump() -> None:
    clip = tear_clip(frames=30, gap_px=10.0, retraction_px=np.arange(30) * 1.0)  # 1 mm gap
    result = track_annotation(clip.media, caliper(clip.truth[0]))
    errors = [abs(tracked_length_mm(result, f) - clip.gap_px(f) * MM_PER_PX) for f in range(30)]
    assert max(errors) < 0.1  # far inside 0.5 mm: the window shrinks to the gap


def test_contraction_and_relaxation_at_varying_speed() -> None:
    retraction = 25.0 * (1 - np.cos(np.linspace(0, 2 * np.pi, 45))) / 2  # up to 2.6 px per frame
    clip = tear_clip(frames=45, gap_px=24.0, retraction_px=retraction)
    result = track_annotation(clip.media, caliper(clip.truth[0]))
    assert result.complete
    worst = max(abs(tracked_length_mm(result, f) - clip.gap_px(f) * MM_PER_PX) for f in range(45))
    assert worst < 0.5


def test_tracking_backward_from_the_last_frame() -> None:
    clip = tear_clip(frames=30, gap_px=30.0)
    annotation = caliper(clip.truth[29], frame=29)
    result = track_annotation(clip.media, annotation, end_frame=0)
    assert result.direction == -1 and result.complete
    assert [f.frame for f in result.frames] == list(range(29, -1, -1))
    for frame in (28, 15, 0):
        assert abs(tracked_length_mm(result, frame) - clip.gap_px(frame) * MM_PER_PX) < 0.5
    case = case_with(annotation)
    result.to_command().redo(case)
    assert (annotation.frame, annotation.frame_end) == (0, 29)


def test_a_trace_on_a_swelling_cross_section_keeps_its_shape_and_area() -> None:
    centre = (160.0, 120.0)
    matrices = [scaling(1.0 + 0.006 * i, centre) for i in range(30)]
    # a fluid hole under one vertex: that vertex has no speckle of its own to follow
    media = affine_clip(matrices, hole=(200.0, 120.0, 9.0))
    outline = [(160 + 40 * math.cos(a), 120 + 30 * math.sin(a)) for a in np.linspace(0, 2 * np.pi, 12, endpoint=False)]
    trace = Annotation.single("t1", "m1", "polygon", 0, outline)
    result = track_annotation(media, trace)
    assert result.complete
    for frame in (10, 29):
        truth = apply_affine(matrices[frame], outline)
        for got, want in zip(result.points[frame], truth, strict=True):
            assert math.dist(got, want) < 1.5, (frame, got, want)
    area0 = _area(outline)
    area_end = _area(result.points[29])
    assert area_end / area0 == pytest.approx((1 + 0.006 * 29) ** 2, rel=0.03)


def _area(points: list[tuple[float, float]]) -> float:
    xs, ys = np.array(points).T
    return float(abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))) / 2)


def test_confidence_drops_where_the_picture_is_replaced_by_noise() -> None:
    clip = tear_clip(frames=30, gap_px=30.0)
    frames = np.array([clip.media.frame(i) for i in range(30)])
    rng = np.random.default_rng(5)
    frames[15:18] = rng.integers(0, 256, frames[15:18].shape, dtype=np.uint8)  # probe lifted
    media = ArrayMedia(frames, clip.media.frame_times_ms, clip.media.regions, kind="video")
    result = track_annotation(media, caliper(clip.truth[0]), options=TrackOptions(on_lost="continue"))
    assert min(result.confidence[f] for f in range(1, 15)) > 0.9
    assert result.confidence[15] < 0.2
    assert result.status[15] in ("uncertain", "lost")
    assert 15 in result.uncertain_frames


def test_tracking_stops_where_the_tissue_is_lost_and_keeps_no_guessed_frames() -> None:
    clip = tear_clip(frames=30, gap_px=30.0)
    frames = np.array([clip.media.frame(i) for i in range(30)])
    frames[12:] = np.random.default_rng(6).integers(0, 256, frames[12:].shape, dtype=np.uint8)
    media = ArrayMedia(frames, clip.media.frame_times_ms, clip.media.regions, kind="video")
    result = track_annotation(media, caliper(clip.truth[0]))
    assert result.lost is not None and result.lost.frame == 12
    assert "could not be followed" in result.lost.reason
    assert max(result.points) == 11
    assert "stopped at frame 12" in result.message()
    assert max(result.tracked_keyframes()) == 11


def test_tissue_lost_from_the_first_step_says_nothing_was_tracked() -> None:
    # found on a real file (Issue164.dcm, a caliper on black): the message read "tracked frames 0..0"
    clip = tear_clip(frames=10, gap_px=30.0)
    frames = np.array([clip.media.frame(i) for i in range(10)])
    frames[1:] = np.random.default_rng(7).integers(0, 256, frames[1:].shape, dtype=np.uint8)
    media = ArrayMedia(frames, clip.media.frame_times_ms, clip.media.regions, kind="video")
    result = track_annotation(media, caliper(clip.truth[0]))
    assert not result.tracked_any and result.lost is not None and result.lost.frame == 1
    assert result.message() == (
        "stopped at frame 1: point 1 could not be followed for 3 frames; nothing tracked beyond frame 0"
    )


def test_a_point_leaving_the_image_stops_tracking_there() -> None:
    step = 4.0
    media = shifted_clip([(step * i, 0.0) for i in range(20)])
    x0 = media.width - 30.0
    result = track_annotation(media, Annotation.single("p", "m1", "point", 0, [(x0, 100.0)]))
    first_outside = next(i for i in range(20) if x0 + step * i > media.width - 0.5)
    assert result.lost is not None
    assert result.lost.frame == first_outside
    assert result.lost.reason == "point 1 left the image"
    assert max(result.points) == first_outside - 1
    assert all(0 <= x <= media.width - 0.5 for f in result.frames for x, _ in f.points)


def test_carrying_on_past_a_lost_point_flags_those_frames() -> None:
    media = shifted_clip([(4.0 * i, 0.0) for i in range(20)])
    annotation = caliper([(media.width - 30.0, 100.0), (100.0, 100.0)])
    result = track_annotation(media, annotation, options=TrackOptions(on_lost="continue"))
    assert result.lost is None and result.complete
    lost = [f for f in result.frames if f.status == "lost"]
    assert lost and all(f.confidence == 0.0 and f.point_confidence[0] == 0.0 for f in lost)
    assert lost[0].frame == 8
    assert all(f.points[0][0] <= media.width - 0.5 for f in result.frames)
    assert all(f.frame not in result.tracked_keyframes() for f in lost)
    assert result.points[19][1][0] == pytest.approx(100.0 + 4.0 * 19, abs=0.5)  # the other end


def test_a_point_leaving_its_calibrated_region_is_flagged() -> None:
    d = MM_PER_PX / 10
    regions = [Region(0, 0, 159, 239, UNIT_CM, UNIT_CM, d, d), Region(160, 0, 319, 239, UNIT_CM, UNIT_CM, d, d)]
    media = shifted_clip([(2.0 * i, 0.0) for i in range(20)], regions=regions)
    result = track_annotation(media, caliper([(140.0, 100.0), (60.0, 100.0)]))
    assert result.lost is not None
    assert result.lost.reason == "point 1 left its calibrated region"
    assert result.lost.frame == 10  # 140 + 2 * 10 = 160 lies past the region's edge at 159.5
    unchecked = track_annotation(media, caliper([(140.0, 100.0), (60.0, 100.0)]),
                                 options=TrackOptions(check_regions=False))
    assert unchecked.complete


def test_re_tracking_from_a_corrected_frame_keeps_the_earlier_frames() -> None:
    clip = tear_clip(frames=36, gap_px=30.0)
    frames = np.array([clip.media.frame(i) for i in range(36)])
    frames[18:21] = np.random.default_rng(7).integers(0, 256, frames[18:21].shape, dtype=np.uint8)
    media = ArrayMedia(frames, clip.media.frame_times_ms, clip.media.regions, kind="video")
    annotation = caliper(clip.truth[0])
    case = case_with(annotation)
    stack = CommandStack(case)
    first = track_annotation(media, annotation)
    assert first.lost is not None and first.lost.frame == 18
    stack.push(first.to_command())
    assert max(annotation.keyframes) == 17
    # the sonographer puts the caliper back on the stumps at frame 21 and tracks on from there
    stack.push(SetKeyframes("a1", {21: clip.truth[21]}))
    again = track_annotation(media, annotation, start_frame=21)
    assert again.frames[0].points == clip.truth[21] and again.complete
    stack.push(again.to_command())
    assert set(range(0, 18)) | set(range(21, 36)) == set(annotation.keyframes)
    for frame in (5, 17, 21, 30, 35):
        pts = annotation.points_at(frame)
        assert pts is not None
        assert abs(math.dist(*pts) - clip.gap_px(frame)) < 1.0
    assert annotation.confidence[30] > 0.8 and 21 not in annotation.confidence
    stack.undo()
    assert max(annotation.keyframes) == 21


def test_progress_is_reported_and_cancel_returns_the_frames_so_far() -> None:
    clip = tear_clip(frames=30)
    calls: list[tuple[int, int]] = []

    def cancel() -> bool:
        return len(calls) >= 5

    result = track_annotation(clip.media, caliper(clip.truth[0]), progress=lambda d, t: calls.append((d, t)),
                              cancel=cancel)
    assert result.cancelled and not result.complete
    assert calls == [(i, 29) for i in range(1, 6)]
    assert sorted(result.points) == list(range(6))
    assert result.message().startswith("cancelled")


def test_drift_correction_against_the_start_frame_on_a_rigid_shift() -> None:
    path = [(0.37 * i, -0.21 * i) for i in range(60)]
    media = shifted_clip(path)
    start = [(120.0, 90.0), (200.0, 150.0)]
    result = track_annotation(media, caliper(start), options=TrackOptions(drift_correction=True))
    truth = apply_affine(translation(*path[59]), start)
    for got, want in zip(result.points[59], truth, strict=True):
        assert math.dist(got, want) < 0.2


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0, 40, "end frame 40 is outside the clip"),
        (-1, 5, "start frame -1 is outside the clip"),
        (3, 3, "start and end frame are both 3"),
        (5, 9, "is not on frame 5"),
    ],
)
def test_bad_ranges_are_refused(start: int, end: int, message: str) -> None:
    clip = tear_clip(frames=30)
    with pytest.raises(TrackingError, match=message):
        track_annotation(clip.media, caliper(clip.truth[0]), start, end)


def test_a_still_and_points_outside_the_image_are_refused() -> None:
    still = ArrayMedia(np.zeros((40, 60), np.uint8), regions=[mm_region(60, 40, 0.1)])
    with pytest.raises(TrackingError, match="is a still"):
        track_annotation(still, caliper([(5.0, 5.0), (20.0, 20.0)]))
    clip = tear_clip(frames=10)
    with pytest.raises(TrackingError, match=r"point 2 \(400.0, 20.0\) on frame 0 lies outside the image \(320x240\)"):
        track_annotation(clip.media, caliper([(10.0, 10.0), (400.0, 20.0)]))


class DamagedClip(ArrayMedia):
    """A clip whose frame ``bad`` cannot be decoded (a corrupt packet)."""

    def __init__(self, frames: np.ndarray, bad: int) -> None:
        super().__init__(frames, kind="video")
        self.bad = bad

    def _decode(self, index: int) -> np.ndarray:
        if index == self.bad:
            raise ValueError("corrupt packet")
        return super()._decode(index)


def test_a_frame_that_cannot_be_decoded_stops_tracking_and_keeps_the_frames_before() -> None:
    clip = tear_clip(frames=20)
    media = DamagedClip(np.array([clip.media.frame(i) for i in range(20)]), bad=9)
    result = track_annotation(media, caliper(clip.truth[0]))
    assert result.lost is not None and result.lost.frame == 9
    assert result.lost.reason == "frame 9 could not be read (ValueError: corrupt packet)"
    assert max(result.points) == 8 and result.tracked_any
    with pytest.raises(TrackingError, match="frame 0 could not be read"):
        track_annotation(DamagedClip(np.array([clip.media.frame(i) for i in range(20)]), bad=0),
                         caliper(clip.truth[0]))


def test_the_demo_torn_gastrocnemius_gap_is_followed_within_a_fraction_of_a_mm() -> None:
    from annotator.demo import muscle_clip as demo

    frames = demo.render_clip()
    x0, y0, x1, y1 = demo.REGION
    d = demo.MM_PER_PX / 10
    media = ArrayMedia(frames, np.arange(len(frames)) * demo.FRAME_TIME_MS,
                       [Region(x0, y0, x1, y1, UNIT_CM, UNIT_CM, d, d)], kind="video")
    # its hematoma has faint echoes that stay put while the stumps retract
    result = track_annotation(media, caliper(demo.caliper_points(0)))
    assert result.complete
    for frame, pts in result.points.items():
        length_mm = math.dist(*pts) * demo.MM_PER_PX
        assert abs(length_mm - demo.gap_mm(frame)) < 0.25, frame
