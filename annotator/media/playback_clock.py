"""The playback clock: which frame of each clip is due at a wall-clock time (no Qt).

One clock serves one view or several in step. Its position is a phase: the fraction of a
cycle, where a cycle is the longest clip's duration at 1x (0 at the first frame's start, 1 at
the last frame's end). Every clip is shown at the same phase, so clips of different lengths and
frame rates stay in step; a single clip is the one-view case, where the phase is just its time
over its duration. Frame times are each clip's own, also when they vary.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from annotator.media.base import Media

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
#: a time computed from a frame's own start lands on that frame, whatever the float noise
_EPS_MS = 1e-6


def frame_at_phase(media: Media, phase: float, direction: int = 1) -> int:
    """The frame shown at ``phase`` (0..1) of the clip's duration; 0 for a still.

    The time is nudged a hair in the direction of travel, so a frame that is exactly due is
    shown, also when playing backwards in a bounce.
    """
    duration = media.duration_ms
    if media.frame_count < 2 or duration <= 0:
        return 0
    t = min(max(phase, 0.0), 1.0) * duration + _EPS_MS * (1 if direction >= 0 else -1)
    i = int(np.searchsorted(media.frame_times_ms, t, side="right")) - 1
    return min(max(i, 0), media.frame_count - 1)


def phase_of_frame(media: Media, frame: int) -> float:
    """Where ``frame`` starts, as a fraction of the clip's duration (0 for a still)."""
    duration = media.duration_ms
    if media.frame_count < 2 or duration <= 0:
        return 0.0
    return media.time_ms(frame) / duration


def wrap_phase(cycles: float, bounce: bool) -> tuple[float, int]:
    """(phase, direction) after ``cycles``: looping, or forwards then backwards."""
    if not bounce:
        return math.fmod(cycles, 1.0), 1
    p = math.fmod(cycles, 2.0)
    return (p, 1) if p < 1.0 else (2.0 - p, -1)


def clip_frame_at(media: Media, clip_ms: float, bounce: bool) -> tuple[int, int]:
    """(frame, direction) at ``clip_ms`` since the start of a looping or bouncing clip."""
    duration = media.duration_ms
    if duration <= 0:
        return 0, 1
    phase, direction = wrap_phase(clip_ms / duration, bounce)
    return frame_at_phase(media, phase, direction), direction


def read_ahead(media: Media, frame: int, direction: int, bounce: bool, count: int) -> list[int]:
    """The next ``count`` frames playback will want after ``frame``, turning or wrapping."""
    n = media.frame_count
    out: list[int] = []
    f, d = frame, direction
    for _ in range(min(count, n - 1)):
        f += d
        if f >= n:
            f, d = (n - 2, -1) if bounce else (0, d)
        elif f < 0:
            f, d = 1, 1
        out.append(f)
    return out


def skipped_frames(frame_count: int, before: int, after: int, direction: int) -> int:
    """Frames that were due between two shown ones but never shown."""
    steps = (after - before) * direction
    if steps < 0:  # wrapped around the end of a loop, or turned at the end of a bounce
        steps = (frame_count - before) + after if direction > 0 else before + after
    return max(steps - 1, 0)


class PlaybackClock:
    """Where playback is: a phase that advances with the wall clock times the speed."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self.speed = 1.0
        self.bounce = False
        self.phase = 0.0
        self.direction = 1
        self._anchor_wall = 0.0
        self._anchor_cycles = 0.0

    def set_speed(self, speed: float) -> float:
        """Clamp to the offered range; returns the speed set."""
        self.speed = min(max(float(speed), SPEEDS[0]), SPEEDS[-1])
        return self.speed

    def anchor(self, phase: float | None = None) -> None:
        """Continue from ``phase`` (default: where it is) at the current wall time."""
        if phase is not None:
            self.phase = min(max(float(phase), 0.0), 1.0)
        if not self.bounce:
            self.direction = 1
        self._anchor_wall = self._now()
        self._anchor_cycles = self.phase if self.direction > 0 else 2.0 - self.phase

    def advance(self, cycle_ms: float) -> tuple[float, int]:
        """(phase, direction) now, for a cycle of ``cycle_ms`` at 1x (not stored: a frame
        becomes the position only once it is shown, see ``settle``)."""
        if cycle_ms <= 0:
            return self.phase, self.direction
        elapsed_ms = (self._now() - self._anchor_wall) * 1000.0 * self.speed
        return wrap_phase(self._anchor_cycles + elapsed_ms / cycle_ms, self.bounce)

    def settle(self, phase: float, direction: int) -> None:
        self.phase, self.direction = phase, direction

    def interval_ms(self, medias: Sequence[Media | None], cycle_ms: float) -> int:
        """A timer interval that ticks twice per frame of the fastest clip (2..15 ms)."""
        steps = []
        for m in medias:
            if m is None or m.frame_count < 2 or m.duration_ms <= 0:
                continue
            gaps = np.diff(m.frame_times_ms)
            shortest = float(gaps[gaps > 0].min()) if (gaps > 0).any() else m.duration_ms
            steps.append(shortest * cycle_ms / m.duration_ms)  # wall ms between its frames
        if not steps:
            return 15
        return int(min(max(min(steps) / self.speed / 2, 2.0), 15.0))
