"""Cine playback of one view or several in step: one timer drives the Qt-free clock
(``media.playback_clock``), and every view shows the frame due at the clock's phase.

A tick shows its frames only when every view's frame is already decoded (the read-ahead
works ahead of the playhead), so views never drift apart and nothing is decoded on the UI
thread. A single view is the one-view case: the main window plays the current clip with one
side, a comparison plays its two sides with the same class.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from annotator.media import Media
from annotator.media.playback_clock import (
    SPEEDS,
    PlaybackClock,
    clip_frame_at,
    frame_at_phase,
    phase_of_frame,
    read_ahead,
    skipped_frames,
)

__all__ = ["SPEEDS", "FunctionSide", "Playback", "PlaybackSide", "clip_frame_at"]

READ_AHEAD = 12  # frames queued ahead of the playhead, per view


class PlaybackSide(Protocol):
    """One view that playback drives."""

    @property
    def current_frame(self) -> int: ...

    def current_media(self) -> Media | None: ...

    def set_frame(self, frame: int) -> None: ...


class FunctionSide:
    """A view given as three functions (the main window: the controller's current clip)."""

    def __init__(self, media: Callable[[], Media | None], current: Callable[[], int],
                 show: Callable[[int], None]) -> None:
        self._media, self._current, self._show = media, current, show

    @property
    def current_frame(self) -> int:
        return self._current()

    def current_media(self) -> Media | None:
        return self._media()

    def set_frame(self, frame: int) -> None:
        self._show(frame)


class Playback(QObject):
    """Plays any number of views in step; ``current_frame`` of a view tells where the user
    is (they may scrub while playing, and the clock then continues from there)."""

    playing_changed = Signal(bool)
    speed_changed = Signal(float)
    bounce_changed = Signal(bool)
    phase_changed = Signal(float)  # the phase on screen

    def __init__(self, sides: Sequence[PlaybackSide], parent: QObject | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(parent)
        self.sides = list(sides)
        self._clock = PlaybackClock(clock)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.tick)
        self._last: list[int] = [0] * len(self.sides)  # the frames playback last put up
        self.shown = 0  # ticks that put new frames on screen
        self.dropped = 0  # frames of the finest clip that were due but never shown
        self.late = 0  # ticks that waited for a decode

    @classmethod
    def single(cls, media: Callable[[], Media | None], current: Callable[[], int],
               show: Callable[[int], None], parent: QObject | None = None,
               clock: Callable[[], float] = time.perf_counter) -> Playback:
        return cls([FunctionSide(media, current, show)], parent, clock)

    # -- state -----------------------------------------------------------------------------
    def medias(self) -> list[Media | None]:
        return [s.current_media() for s in self.sides]

    @property
    def cycle_ms(self) -> float:
        """Wall time of one pass at 1x: the longest clip's duration."""
        return max((m.duration_ms for m in self.medias() if m is not None), default=0.0)

    @property
    def can_play(self) -> bool:
        return any(m is not None and m.frame_count > 1 for m in self.medias()) and self.cycle_ms > 0

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def phase(self) -> float:
        return self._clock.phase

    @property
    def speed(self) -> float:
        return self._clock.speed

    @property
    def bounce(self) -> bool:
        return self._clock.bounce

    def frames_at(self, phase: float, direction: int = 1) -> list[int]:
        return [0 if m is None else frame_at_phase(m, phase, direction) for m in self.medias()]

    def reset_stats(self) -> None:
        self.shown = self.dropped = self.late = 0

    def set_speed(self, speed: float) -> None:
        if self.playing:
            self._clock.anchor()
        before = self._clock.speed
        if self._clock.set_speed(speed) != before:
            self._timer.setInterval(self._clock.interval_ms(self.medias(), self.cycle_ms))
            self.speed_changed.emit(self._clock.speed)

    def faster(self) -> None:
        self.set_speed(self.speed * 2)

    def slower(self) -> None:
        self.set_speed(self.speed / 2)

    def set_bounce(self, bounce: bool) -> None:
        if bounce == self._clock.bounce:
            return
        self._clock.bounce = bool(bounce)
        self._clock.direction = 1
        if self.playing:
            self._clock.anchor()
        self.bounce_changed.emit(bool(bounce))

    # -- transport -------------------------------------------------------------------------
    def play(self) -> None:
        if self.playing or not self.can_play:
            return
        self._follow_views(force=True)
        if self._clock.phase >= 1.0 and not self._clock.bounce:
            self._clock.phase = 0.0
        self._clock.anchor()
        self._last = [s.current_frame for s in self.sides]
        self._timer.setInterval(self._clock.interval_ms(self.medias(), self.cycle_ms))
        self._prefetch(self._last, self._clock.direction)
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self._timer.stop()
            self.playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def seek(self, phase: float) -> None:
        """Show every view at ``phase`` (a scrub; playing goes on from there)."""
        self._clock.anchor(phase)
        targets = self.frames_at(self._clock.phase)
        for side, frame in zip(self.sides, targets, strict=True):
            if side.current_frame != frame:
                side.set_frame(frame)
        self._last = targets
        self.phase_changed.emit(self._clock.phase)

    def step(self, delta: int) -> None:
        """Pause and move by ``delta`` frames of the clip with the most frames."""
        self.pause()
        k = self._finest()
        media = self.sides[k].current_media() if k is not None else None
        if k is None or media is None:
            return
        frame = min(max(self.sides[k].current_frame + delta, 0), media.frame_count - 1)
        self.seek(phase_of_frame(media, frame))

    def first(self) -> None:
        self.pause()
        self.seek(0.0)

    def last(self) -> None:
        self.pause()
        self.seek(1.0)

    # -- the timer -------------------------------------------------------------------------
    def tick(self) -> None:
        cycle = self.cycle_ms
        if cycle <= 0:
            self.pause()
            return
        self._follow_views(force=False)
        phase, direction = self._clock.advance(cycle)
        targets = self.frames_at(phase, direction)
        self._prefetch(targets, direction)
        medias = self.medias()
        missing = [(m, f) for m, f in zip(medias, targets, strict=True)
                   if m is not None and m.cached_frame(f) is None]
        if missing:
            for m, f in missing:
                m.frame_future(f)  # keep the frames on screen until every one is decoded
            self.late += 1
            return
        self._clock.settle(phase, direction)
        if targets == self._last:
            return
        k = self._finest()
        finest = medias[k] if k is not None else None
        if k is not None and finest is not None and targets[k] != self._last[k]:
            self.dropped += skipped_frames(finest.frame_count, self._last[k], targets[k], direction)
        for side, frame in zip(self.sides, targets, strict=True):
            if side.current_frame != frame:
                side.set_frame(frame)
        self._last = targets
        self.shown += 1
        self.phase_changed.emit(phase)

    def _follow_views(self, force: bool) -> None:
        """Continue from a view the user moved (a scrub or a step while playing)."""
        for k, side in enumerate(self.sides):
            media = side.current_media()
            if media is None or media.frame_count < 2:
                continue
            moved = side.current_frame != self._last[k] if k < len(self._last) else True
            on_phase = frame_at_phase(media, self._clock.phase, self._clock.direction) == side.current_frame
            if moved or (force and not on_phase):
                self._clock.anchor(phase_of_frame(media, side.current_frame))
                self._last = [s.current_frame for s in self.sides]
                return

    def _finest(self) -> int | None:
        clips = [(m.frame_count, k) for k, m in enumerate(self.medias()) if m is not None and m.frame_count > 1]
        return max(clips)[1] if clips else None

    def _prefetch(self, frames: Sequence[int], direction: int) -> None:
        for media, frame in zip(self.medias(), frames, strict=True):
            if media is not None and media.frame_count > 1:
                media.prefetch(read_ahead(media, frame, direction, self._clock.bounce, READ_AHEAD))
