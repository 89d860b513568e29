"""The one playback clock (no Qt): phases, loops and bounces, read-ahead, skipped frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from annotator.media import ArrayMedia
from annotator.media.playback_clock import (
    PlaybackClock,
    clip_frame_at,
    frame_at_phase,
    phase_of_frame,
    read_ahead,
    skipped_frames,
)


def clip(times: list[float]) -> ArrayMedia:
    return ArrayMedia(np.zeros((len(times), 2, 2, 3), np.uint8), np.array(times, float), kind="video")


def test_a_clock_advances_with_the_wall_clock_times_the_speed() -> None:
    now = [10.0]
    clock = PlaybackClock(lambda: now[0])
    clock.set_speed(2.0)
    clock.anchor(0.0)
    now[0] += 0.1  # 100 ms of wall time, 200 ms of clip time
    assert clock.advance(400.0) == (pytest.approx(0.5), 1)
    assert clock.phase == 0.0  # only a shown frame moves the position
    assert clock.set_speed(100) == 4.0 and clock.set_speed(0.001) == 0.25


def test_bounce_turns_at_the_end_and_back() -> None:
    now = [0.0]
    clock = PlaybackClock(lambda: now[0])
    clock.bounce = True
    clock.anchor(0.8)
    now[0] = 0.3  # +0.3 cycles of a 1 s cycle
    phase, direction = clock.advance(1000.0)
    assert (phase, direction) == (pytest.approx(0.9), -1)
    clock.settle(phase, direction)
    clock.anchor()  # re-anchoring while going backwards keeps going backwards
    now[0] = 0.5
    assert clock.advance(1000.0) == (pytest.approx(0.7), -1)


def test_frames_and_phases_round_trip_with_varying_frame_times() -> None:
    media = clip([0, 10, 50, 60, 200])
    assert [frame_at_phase(media, phase_of_frame(media, i)) for i in range(5)] == list(range(5))
    assert [frame_at_phase(media, phase_of_frame(media, i), -1) for i in range(1, 5)] == [0, 1, 2, 3]
    assert clip_frame_at(media, 55, bounce=False) == (2, 1)


def test_read_ahead_wraps_a_loop_and_turns_a_bounce() -> None:
    media = clip([0, 40, 80, 120])
    assert read_ahead(media, 2, 1, bounce=False, count=3) == [3, 0, 1]
    assert read_ahead(media, 2, 1, bounce=True, count=3) == [3, 2, 1]
    assert skipped_frames(10, 8, 1, 1) == 2  # 9 and 0 were due, never shown


def test_there_is_one_playback_clock() -> None:
    ui = Path(__file__).resolve().parents[2] / "annotator" / "ui"
    timers = [p.relative_to(ui).as_posix() for p in ui.rglob("*.py")
              if "PreciseTimer" in p.read_text(encoding="utf-8")]
    assert timers == ["playback.py"]
