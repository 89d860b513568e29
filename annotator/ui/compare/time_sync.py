"""Playback of two (or more) media in step by normalised time.

The phase is the fraction of each clip's duration (0 at the first frame's start, 1 at the
last frame's end), so clips of different lengths and frame rates stay in phase: a
contraction filmed in 1 s at 30 fps and one filmed in 2 s at 61 fps both reach their middle
together. One clock drives the phase; the longest clip plays at its own speed (times the
chosen speed) and shorter ones are slowed to match. A pair of frames is shown only when both
are decoded, so the sides never drift apart while the read-ahead catches up.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from annotator.media import Media

READ_AHEAD = 12  # frames queued ahead on each side
_EPS_MS = 1e-6  # a phase computed from a frame's own start time lands on that frame


class PlaybackSide(Protocol):
    """One side of a synchronised playback (a ``FrameSource``)."""

    current_frame: int

    def current_media(self) -> Media | None: ...

    def set_frame(self, frame: int) -> None: ...


def frame_at_phase(media: Media, phase: float) -> int:
    """The frame shown at ``phase`` (0..1) of the clip's duration; 0 for a still."""
    duration = media.duration_ms
    if media.frame_count < 2 or duration <= 0:
        return 0
    t = min(max(phase, 0.0), 1.0) * duration
    i = int(np.searchsorted(media.frame_times_ms, t + _EPS_MS, side="right")) - 1
    return min(max(i, 0), media.frame_count - 1)


def phase_of_frame(media: Media, frame: int) -> float:
    """Where ``frame`` starts, as a fraction of the clip's duration (0 for a still)."""
    duration = media.duration_ms
    if media.frame_count < 2 or duration <= 0:
        return 0.0
    return media.time_ms(frame) / duration


def wrap_phase(clock: float, bounce: bool) -> tuple[float, int]:
    """(phase, direction) after ``clock`` cycles: looping, or forwards then backwards."""
    if not bounce:
        return math.fmod(clock, 1.0), 1
    p = math.fmod(clock, 2.0)
    return (p, 1) if p < 1.0 else (2.0 - p, -1)


class SyncedPlayback(QObject):
    phase_changed = Signal(float)  # the phase on screen
    playing_changed = Signal(bool)

    def __init__(self, sides: Sequence[PlaybackSide], parent: QObject | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(parent)
        self.sides = list(sides)
        self._clock = clock
        self.phase = 0.0
        self.speed = 1.0
        self.bounce = False
        self._direction = 1
        self._anchor_wall = 0.0
        self._anchor_cycles = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.tick)
        self.shown = 0  # frame pairs put on screen while playing
        self.late = 0  # ticks that waited for a decode

    # -- state -----------------------------------------------------------------------------
    def medias(self) -> list[Media | None]:
        return [s.current_media() for s in self.sides]

    @property
    def cycle_ms(self) -> float:
        """Wall time of one pass at 1x: the longest clip's duration."""
        return max((m.duration_ms for m in self.medias() if m is not None), default=0.0)

    @property
    def can_play(self) -> bool:
        return self.cycle_ms > 0

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def frames_at(self, phase: float) -> list[int]:
        return [0 if m is None else frame_at_phase(m, phase) for m in self.medias()]

    def set_speed(self, speed: float) -> None:
        if self.playing:
            self._reanchor()
        self.speed = float(speed)
        self._tune_timer()

    def set_bounce(self, bounce: bool) -> None:
        self.bounce = bounce
        self._direction = 1
        if self.playing:
            self._reanchor()

    # -- transport -------------------------------------------------------------------------
    def play(self) -> None:
        if self.playing or not self.can_play:
            return
        if self.phase >= 1.0 and not self.bounce:
            self.phase = 0.0
        self._reanchor()
        self._tune_timer()
        self._prefetch(self.frames_at(self.phase))
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self._timer.stop()
            self.playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def seek(self, phase: float) -> None:
        """Show both sides at ``phase`` (a scrub; playing goes on from there)."""
        self.phase = min(max(float(phase), 0.0), 1.0)
        if self.playing:
            self._reanchor()
        for side, frame in zip(self.sides, self.frames_at(self.phase), strict=True):
            side.set_frame(frame)
        self.phase_changed.emit(self.phase)

    def step(self, delta: int) -> None:
        """Pause and move by ``delta`` frames of the clip with the most frames."""
        self.pause()
        medias = [m for m in self.medias() if m is not None and m.frame_count > 1]
        if not medias:
            return
        finest = max(medias, key=lambda m: m.frame_count)
        frame = min(max(frame_at_phase(finest, self.phase) + delta, 0), finest.frame_count - 1)
        self.seek(phase_of_frame(finest, frame))

    # -- the clock -------------------------------------------------------------------------
    def _reanchor(self) -> None:
        self._anchor_wall = self._clock()
        self._anchor_cycles = self.phase if self._direction > 0 else 2.0 - self.phase

    def _tune_timer(self) -> None:
        cycle = self.cycle_ms
        steps = []
        for m in self.medias():
            if m is None or m.frame_count < 2 or m.duration_ms <= 0:
                continue
            gaps = np.diff(m.frame_times_ms)
            shortest = float(gaps[gaps > 0].min()) if (gaps > 0).any() else m.duration_ms
            steps.append(shortest * cycle / m.duration_ms)  # wall ms between this side's frames
        if steps:
            # tick twice per frame so a frame is never late by more than half its time
            self._timer.setInterval(int(min(max(min(steps) / self.speed / 2, 2.0), 15.0)))

    def tick(self) -> None:
        cycle = self.cycle_ms
        if cycle <= 0:
            self.pause()
            return
        cycles = self._anchor_cycles + (self._clock() - self._anchor_wall) * 1000.0 * self.speed / cycle
        phase, direction = wrap_phase(cycles, self.bounce)
        self._direction = direction
        targets = self.frames_at(phase)
        self._prefetch(targets)
        medias = self.medias()
        missing = [(m, f) for m, f in zip(medias, targets, strict=True)
                   if m is not None and m.cached_frame(f) is None]
        if missing:
            for m, f in missing:
                m.frame_future(f)  # keep the pair on screen until both are decoded
            self.late += 1
            return
        changed = [s.current_frame != f for s, f in zip(self.sides, targets, strict=True)]
        for side, frame in zip(self.sides, targets, strict=True):
            side.set_frame(frame)
        if any(changed):
            self.shown += 1
        self.phase = phase
        self.phase_changed.emit(phase)

    def _prefetch(self, frames: list[int]) -> None:
        for media, frame in zip(self.medias(), frames, strict=True):
            if media is None or media.frame_count < 2:
                continue
            n = media.frame_count
            media.prefetch([(frame + self._direction * k) % n for k in range(1, min(READ_AHEAD, n - 1) + 1)])
