"""Cine playback: a timer picks the frame for the clip's clock (its own frame times, also
when they vary, times the speed), shows it only when the read-ahead has decoded it, and
counts the frames it had to skip. Nothing is decoded on the UI thread."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from annotator.media import Media

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
READ_AHEAD = 12  # frames queued ahead of the playhead


def clip_frame_at(media: Media, clip_ms: float, bounce: bool) -> tuple[int, int]:
    """(frame, direction) at ``clip_ms`` since the start of a looping or bouncing clip."""
    duration = media.duration_ms
    if duration <= 0:
        return 0, 1
    if bounce:
        period = 2 * duration
        p = math.fmod(clip_ms, period)
        if p < duration:
            return media.frame_at_time(p), 1
        return media.frame_at_time(period - p), -1
    return media.frame_at_time(math.fmod(clip_ms, duration)), 1


class Playback(QObject):
    """Plays the current media of a frame source. ``show_frame(i)`` is called only for frames
    already decoded; ``current()`` tells where the user is (they may scrub while playing)."""

    playing_changed = Signal(bool)
    speed_changed = Signal(float)
    bounce_changed = Signal(bool)

    def __init__(self, media: Callable[[], Media | None], current: Callable[[], int],
                 show_frame: Callable[[int], None], parent: QObject | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(parent)
        self._media = media
        self._current = current
        self._show = show_frame
        self._clock = clock
        self.speed = 1.0
        self.bounce = False
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.tick)
        self._anchor_wall = 0.0
        self._anchor_clip = 0.0
        self._last_shown = -1
        self._direction = 1
        self.shown = 0
        self.dropped = 0

    # -- state -----------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def reset_stats(self) -> None:
        self.shown = self.dropped = 0

    def set_speed(self, speed: float) -> None:
        speed = min(max(float(speed), SPEEDS[0]), SPEEDS[-1])
        if speed == self.speed:
            return
        if self.playing:
            self._reanchor(self._current())
        self.speed = speed
        self._tune_timer()
        self.speed_changed.emit(speed)

    def faster(self) -> None:
        self.set_speed(self.speed * 2)

    def slower(self) -> None:
        self.set_speed(self.speed / 2)

    def set_bounce(self, bounce: bool) -> None:
        if bounce != self.bounce:
            self.bounce = bounce
            if self.playing:
                self._reanchor(self._current())
            self.bounce_changed.emit(bounce)

    # -- transport -------------------------------------------------------------------------
    def play(self) -> None:
        media = self._media()
        if media is None or media.frame_count < 2 or self.playing:
            return
        start = self._current()
        self._reanchor(start)
        self._last_shown = start
        self._tune_timer()
        media.prefetch(self._ahead(media, start))
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self._timer.stop()
            self.playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def step(self, delta: int) -> None:
        media = self._media()
        self.pause()
        if media is not None:
            self._show(min(max(self._current() + delta, 0), media.frame_count - 1))

    def first(self) -> None:
        self.pause()
        self._show(0)

    def last(self) -> None:
        media = self._media()
        self.pause()
        if media is not None:
            self._show(media.frame_count - 1)

    # -- the clock -------------------------------------------------------------------------
    def _reanchor(self, frame: int) -> None:
        """Continue the clip's clock from ``frame`` (after a seek or a change of speed)."""
        media = self._media()
        self._anchor_wall = self._clock()
        self._anchor_clip = media.time_ms(frame) if media is not None else 0.0
        if self.bounce and self._direction < 0 and media is not None:
            self._anchor_clip = 2 * media.duration_ms - self._anchor_clip
        self._last_shown = frame

    def _tune_timer(self) -> None:
        media = self._media()
        if media is None or media.frame_count < 2:
            return
        steps = media.frame_times_ms[1:] - media.frame_times_ms[:-1]
        shortest = float(steps[steps > 0].min()) if (steps > 0).any() else 33.0
        # tick twice per frame so a frame is never late by more than half its time
        self._timer.setInterval(int(min(max(shortest / self.speed / 2, 2.0), 15.0)))

    def tick(self) -> None:
        media = self._media()
        if media is None or media.frame_count < 2:
            self.pause()
            return
        current = self._current()
        if current != self._last_shown:  # the user scrubbed while playing
            self._reanchor(current)
        # a hair past the exact time, so float noise never holds back a frame that is due
        clip_ms = self._anchor_clip + (self._clock() - self._anchor_wall) * 1000.0 * self.speed + 1e-6
        target, direction = clip_frame_at(media, clip_ms, self.bounce)
        self._direction = direction
        media.prefetch(self._ahead(media, target))
        if target == self._last_shown:
            return
        if media.cached_frame(target) is None:
            media.frame_future(target)  # late: keep the old frame up until this one is ready
            return
        self.dropped += self._skipped(media, self._last_shown, target, direction)
        self.shown += 1
        self._last_shown = target
        self._show(target)

    def _ahead(self, media: Media, frame: int) -> list[int]:
        n = media.frame_count
        out = []
        f, d = frame, self._direction
        for _ in range(min(READ_AHEAD, n - 1)):
            f += d
            if f >= n:
                if self.bounce:
                    f, d = n - 2, -1
                else:
                    f = 0
            elif f < 0:
                f, d = 1, 1
            out.append(f)
        return out

    @staticmethod
    def _skipped(media: Media, before: int, after: int, direction: int) -> int:
        """Frames that were due between two shown ones but never shown."""
        n = media.frame_count
        steps = (after - before) * direction
        if steps < 0:  # wrapped around the end of a loop, or turned at the end of a bounce
            steps = (n - before) + after if direction > 0 else before + after
        return max(steps - 1, 0)
