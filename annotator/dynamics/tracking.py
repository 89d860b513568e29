"""Carry an annotation's points through a clip with optical flow, frame by frame.

``track_annotation`` follows a caliper, a trace or any set of points from a start frame to an
end frame (forward or backward) with pyramidal Lucas-Kanade checked forward and backward
(``lk.track_step``), frame to frame; ``shape.TrackedShape`` decides what is followed (trace
outlines, anchors beside caliper ends on the edge of fluid). Drift correction against the start
frame (``lk.refine_against_template``) is optional (see docs/adr/0005-tracking.md). Each frame gets a
confidence (0..1) and a status; tracking stops (or, on request, carries on flagging) where a
point leaves the image or its calibrated region, or where the tissue cannot be followed for a
few frames. It reports progress and honours a cancel flag, because the app runs it on a worker
thread. ``TrackResult.to_command`` turns the result into the undoable ``SetKeyframes`` edit.

Re-tracking from a corrected frame is the same call with the corrected keyframe as the start:
the start frame's points are the annotation's points there. Thickness, pennation and fascicle
annotations are tracked as structures instead (``structure_tracking``): their lines are found
again on every frame, without accumulated drift, and every keyframe a person placed inside the
range re-anchors them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from annotator.case.commands import SetKeyframes
from annotator.case.kinds import kind_spec
from annotator.case.measure import scale_of
from annotator.case.model import ARCHITECTURE_KINDS, Annotation, Point
from annotator.dynamics import lk
from annotator.dynamics.frames import FrameReadError, GreyFrameReader
from annotator.dynamics.shape import TrackedShape
from annotator.dynamics.structure_tracking import track_structure_pieces, user_anchors
from annotator.media.base import Media
from annotator.media.calibration import Calibration

FrameStatus = Literal["start", "ok", "uncertain", "lost"]
OnLost = Literal["stop", "continue"]
ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


class TrackingError(ValueError):
    """Tracking cannot start: a still, a range outside the clip, points outside the image."""


@dataclass(frozen=True)
class TrackOptions:
    lk: lk.LKParams = field(default_factory=lk.LKParams)
    #: re-match the start frame's patches every frame (and, for thickness, pennation and
    #: fascicle, keep the structure estimate free of accumulated drift); off in this library
    #: default because on real contracting muscle the LK template pulled points off (see
    #: docs/adr/0005-tracking.md), ON in the app and in ``us-annotator track`` (APP_OPTIONS)
    drift_correction: bool = False
    predict_motion: bool = True  # start LK at the last step's displacement
    trace_spacing: float = 8.0  # px between samples along a trace's outline
    uncertain_below: float = 0.5  # frames under this confidence are flagged "uncertain"
    max_failed_frames: int = 3  # a point that fails this many frames in a row is lost
    on_lost: OnLost = "stop"  # stop at a lost point, or carry on flagging frames "lost"
    check_regions: bool = True  # a point leaving its calibrated region is lost


#: what the app and ``us-annotator track`` use: drift correction on (issue 9)
APP_OPTIONS = TrackOptions(drift_correction=True)


@dataclass
class TrackedFrame:
    frame: int
    points: list[Point]
    confidence: float  # 0..1 for the frame (its least trusted point, or a trace's mean)
    point_confidence: list[float]
    fb_error: list[float]  # median forward-backward error per point, px (inf: no estimate)
    status: FrameStatus
    reason: str = ""  # why the frame is uncertain or lost


@dataclass
class TrackResult:
    """What tracking produced. ``frames`` starts with the start frame and follows the tracking
    direction; a lost frame that stopped tracking is in ``lost``, not in ``frames``."""

    annotation_id: str
    kind: str
    start_frame: int
    end_frame: int  # as requested
    frames: list[TrackedFrame]
    lost: TrackedFrame | None = None
    cancelled: bool = False
    elapsed_s: float = 0.0
    #: the start frame was already a keyframe with these points (not rewritten by to_command)
    start_points_unchanged: bool = False

    @property
    def direction(self) -> int:
        return 1 if self.end_frame >= self.start_frame else -1

    @property
    def last_frame(self) -> int:
        """The last frame tracked (in the tracking direction)."""
        return self.frames[-1].frame

    @property
    def complete(self) -> bool:
        return self.last_frame == self.end_frame and not self.cancelled

    @property
    def points(self) -> dict[int, list[Point]]:
        return {f.frame: f.points for f in self.frames}

    @property
    def confidence(self) -> dict[int, float]:
        return {f.frame: f.confidence for f in self.frames}

    @property
    def status(self) -> dict[int, FrameStatus]:
        return {f.frame: f.status for f in self.frames}

    @property
    def frames_per_second(self) -> float:
        n = len(self.frames) - 1
        return n / self.elapsed_s if self.elapsed_s > 0 and n > 0 else 0.0

    @property
    def tracked_any(self) -> bool:
        """True when at least one frame beyond the start was tracked (something to write)."""
        return len(self.frames) > 1

    @property
    def uncertain_frames(self) -> list[int]:
        return [f.frame for f in self.frames if f.status in ("uncertain", "lost")]

    def message(self) -> str:
        """One line for a status bar or the command line."""
        first, last = self.frames[0].frame, self.last_frame
        if not self.tracked_any:  # not "tracked frames 0..0": nothing beyond the start was
            tracked = f"nothing tracked beyond frame {first}"
        elif first <= last:
            tracked = f"tracked frames {first}..{last}"
        else:
            tracked = f"tracked frames {first} down to {last}"
        if self.cancelled:
            return f"cancelled; {tracked}"
        if self.lost is not None:
            return f"stopped at frame {self.lost.frame}: {self.lost.reason}; {tracked}"
        low = self.uncertain_frames
        tail = f"; {len(low)} uncertain frame(s), first {low[0]}" if low else ""
        return tracked + tail

    def tracked_keyframes(self) -> dict[int, list[Point]]:
        """The keyframes this result writes (every tracked frame; the start frame only when it
        was not already a keyframe with the same points; no frame whose points were lost)."""
        skip_start = self.start_points_unchanged
        return {
            f.frame: list(f.points) for f in self.frames
            if f.status != "lost" and not (skip_start and f.status == "start")
        }

    def tracked_confidence(self) -> dict[int, float]:
        return {f.frame: f.confidence for f in self.frames if f.status not in ("start", "lost")}

    def to_command(self, annotation_id: str | None = None) -> SetKeyframes:
        """The undoable edit writing this result into the case: tracked frames replace the
        keyframes there, keyframes elsewhere stay, and the range grows to hold them."""
        return SetKeyframes(
            annotation_id or self.annotation_id, self.tracked_keyframes(), self.tracked_confidence()
        )


def _check_start(media: Media, annotation: Annotation, start: int, end: int) -> np.ndarray:
    name = media.path.name
    if media.frame_count < 2:
        raise TrackingError(f"{name} is a still (one frame): there is nothing to track through")
    last = media.frame_count - 1
    for what, f in (("start", start), ("end", end)):
        if not 0 <= f <= last:
            raise TrackingError(f"{what} frame {f} is outside the clip {name} (frames 0..{last})")
    if start == end:
        raise TrackingError(f"start and end frame are both {start}: choose a range to track through")
    on_frame = annotation.points_at(start)
    if on_frame is None:
        span = f"frame {annotation.frame}" if annotation.frame_end is None else \
            f"frames {annotation.frame}..{annotation.last_frame}"
        raise TrackingError(
            f"annotation {annotation.id!r} is not on frame {start} (it is on {span}): "
            "start tracking on a frame where it is drawn"
        )
    pts = np.asarray(on_frame, dtype=np.float64).reshape(-1, 2)
    if len(pts) == 0:
        raise TrackingError(f"annotation {annotation.id!r} has no points to track")
    spec = kind_spec(annotation.kind)
    for i, (x, y) in enumerate(pts, start=1):
        if spec is not None and spec.may_leave_image(i - 1):
            continue  # a fascicle's end, extrapolated to an aponeurosis past the image
        if not (-0.5 <= x <= media.width - 0.5 and -0.5 <= y <= media.height - 0.5):
            raise TrackingError(
                f"annotation {annotation.id!r}: point {i} ({x:.1f}, {y:.1f}) on frame {start} lies "
                f"outside the image ({media.width}x{media.height})"
            )
    return pts


def _regions(media: Media, frame: int, points: np.ndarray) -> list[int | None]:
    calibration = media.calibration_at(frame)
    return [calibration.region_index_at(float(x), float(y)) for x, y in points]


def _geometry_problem(media: Media, frame: int, points: np.ndarray,
                      start_regions: list[int | None], check_regions: bool) -> tuple[np.ndarray, str]:
    """Which points left the image or their region on ``frame``, and a sentence saying so."""
    x, y = points[:, 0], points[:, 1]
    outside = ~((x >= -0.5) & (x <= media.width - 0.5) & (y >= -0.5) & (y <= media.height - 0.5))
    outside |= ~np.isfinite(points).all(axis=1)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        return outside, f"point {i + 1} left the image"
    if check_regions and any(r is not None for r in start_regions):
        now = _regions(media, frame, points)
        left = np.array([s is not None and n != s for s, n in zip(start_regions, now, strict=True)])
        if left.any():
            i = int(np.flatnonzero(left)[0])
            return left, f"point {i + 1} left its calibrated region"
    return outside, ""


def track_annotation(
    media: Media,
    annotation: Annotation,
    start_frame: int | None = None,
    end_frame: int | None = None,
    options: TrackOptions | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    calibration: Calibration | None = None,
) -> TrackResult:
    """Track ``annotation`` on ``media`` from ``start_frame`` (default: its frame) to
    ``end_frame`` (default: the clip's last frame; an earlier frame tracks backward).

    Raises ``TrackingError`` when tracking cannot start. ``progress(done, total)`` is called
    after every frame; when ``cancel()`` returns True the partial result comes back with
    ``cancelled`` set. ``calibration``: the start frame's, with the case's manual one (None:
    the media's own); a structure's search sizes follow its pixel density where it lies.
    """
    opts = options or TrackOptions()
    start = annotation.frame if start_frame is None else int(start_frame)
    end = media.frame_count - 1 if end_frame is None else int(end_frame)
    vertices = _check_start(media, annotation, start, end)
    if annotation.kind in ARCHITECTURE_KINDS:
        calibration = calibration or media.calibration_at(start)
        mm_per_px = scale_of(calibration, annotation.kind, vertices.tolist()).mm_per_px_y
        return _track_as_structures(media, annotation, start, end, opts, progress, cancel, vertices, mm_per_px)
    began = time.perf_counter()
    step_dir = 1 if end > start else -1
    indices = list(range(start, end + step_dir, step_dir))
    start_regions = _regions(media, start, vertices)
    ones = [1.0] * len(vertices)
    first = TrackedFrame(start, _as_points(vertices), 1.0, ones, [0.0] * len(vertices), "start")
    result = TrackResult(annotation.id, annotation.kind, start, end, [first],
                         start_points_unchanged=_is_keyframe_with(annotation, start, vertices))
    failed_run = 0
    run_start = start
    with GreyFrameReader(media, indices) as reader:
        frames = iter(reader)
        try:
            _, template = next(frames)
        except FrameReadError as exc:
            raise TrackingError(f"{media.path.name}: {exc}") from exc
        shape = TrackedShape(annotation.kind, vertices, opts.trace_spacing, template)
        template_samples = shape.samples(vertices)
        prev = template
        velocity = np.zeros_like(template_samples)
        for done in range(1, len(indices)):
            if cancel is not None and cancel():
                result.cancelled = True
                break
            try:
                index, grey = next(frames)
            except FrameReadError as exc:  # a damaged frame: keep what was tracked before it
                result.lost = TrackedFrame(exc.index, _as_points(vertices), 0.0, [0.0] * len(vertices),
                                           [math.inf] * len(vertices), "lost", str(exc))
                break
            samples = shape.samples(vertices)
            step, params = shape.track(prev, grey, vertices, samples, opts.lk,
                                       velocity if opts.predict_motion else None)
            moved = step.points
            if opts.drift_correction:
                moved, _ = lk.refine_against_template(template, template_samples, grey, moved, params)
            # only trusted steps teach the motion a failed point coasts on
            trusted = ~step.failed & (step.confidence >= opts.uncertain_below)
            velocity = np.where(trusted[:, None], moved - samples, velocity)
            settled = shape.settle(vertices, samples, step, moved, opts.uncertain_below)
            new_vertices, v_conf, v_failed = settled.vertices, settled.confidence, settled.failed
            frame_conf, fb = settled.frame_confidence, settled.fb_error
            off, problem = _geometry_problem(media, index, new_vertices, start_regions, opts.check_regions)
            failed_run = failed_run + 1 if v_failed.any() else 0
            if failed_run == 1:
                run_start = index
            status: FrameStatus = "ok" if frame_conf >= opts.uncertain_below else "uncertain"
            reason = "" if status == "ok" else "low confidence: the tissue changed or moved fast"
            if problem:
                status, reason, frame_conf = "lost", problem, 0.0
            elif failed_run >= opts.max_failed_frames:
                i = int(np.flatnonzero(v_failed)[0])
                status, frame_conf = "lost", 0.0
                reason = f"point {i + 1} could not be followed for {failed_run} frames"
            if status == "lost" and opts.on_lost == "stop":
                where = new_vertices  # where the points went (off the image, into another region)
                if not problem:  # drop the run of failed frames that led here
                    result.frames = [f for f in result.frames if (f.frame - run_start) * step_dir < 0]
                    index, where = run_start, np.asarray(result.frames[-1].points)
                result.lost = TrackedFrame(index, _as_points(where), 0.0, [0.0] * len(v_conf),
                                           fb.tolist(), "lost", reason)
                break
            if status == "lost":  # carry on: lost points hold their last position
                new_vertices = np.where(off[:, None], vertices, new_vertices)
                v_conf = np.where(off | v_failed, 0.0, v_conf)
            result.frames.append(TrackedFrame(index, _as_points(new_vertices), frame_conf,
                                              [float(c) for c in v_conf], fb.tolist(), status, reason))
            vertices, prev = new_vertices, grey
            if progress is not None:
                progress(done, len(indices) - 1)
    result.elapsed_s = time.perf_counter() - began
    return result


def _track_as_structures(
    media: Media, annotation: Annotation, start: int, end: int, opts: TrackOptions,
    progress: ProgressFn | None, cancel: CancelFn | None, vertices: np.ndarray,
    mm_per_px: float | None = None,
) -> TrackResult:
    """Thickness, pennation and fascicle: lines re-detected every frame (structure_tracking),
    re-anchored at the user's keyframes; their frames keep no confidence (a person put them)."""
    try:
        points, confidence, cancelled, elapsed = track_structure_pieces(
            media, annotation, start, end, opts.drift_correction, progress, cancel, mm_per_px)
    except FrameReadError as exc:
        raise TrackingError(f"{media.path.name}: {exc}") from exc
    anchors = set(user_anchors(annotation, start, end))
    step = 1 if end >= start else -1
    result = TrackResult(annotation.id, annotation.kind, start, end, [],
                         start_points_unchanged=_is_keyframe_with(annotation, start, vertices))
    for frame in range(start, end + step, step):
        if frame in anchors:
            pts = annotation.points_at(frame) or _as_points(vertices)
            result.frames.append(TrackedFrame(frame, list(pts), 1.0, [1.0] * len(pts), [0.0] * len(pts), "start"))
            continue
        if frame not in points:
            break  # cancelled, or the structures could not be followed further
        conf = float(confidence.get(frame, 0.0))
        ok = conf >= opts.uncertain_below
        result.frames.append(TrackedFrame(
            frame, points[frame], conf, [conf] * len(points[frame]), [0.0] * len(points[frame]),
            "ok" if ok else "uncertain", "" if ok else "low confidence: the structures are faint or disagree",
        ))
    result.cancelled = cancelled
    result.elapsed_s = elapsed
    return result


def _as_points(points: np.ndarray) -> list[Point]:
    return [(float(x), float(y)) for x, y in points]


def _is_keyframe_with(annotation: Annotation, frame: int, points: np.ndarray) -> bool:
    key = annotation.keyframes.get(frame)
    return key is not None and np.allclose(np.asarray(key, dtype=np.float64), points)
