"""Cine playback against a fake clock: the clip's own (varying) frame times, speed, loop and
bounce, frames shown only once decoded, and dropped frames counted."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from annotator.media import ArrayMedia
from annotator.ui.playback import Playback, clip_frame_at

pytestmark = pytest.mark.usefixtures("qapp")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance_ms(self, ms: float) -> None:
        self.now += ms / 1000.0


_HARNESSES: list[Harness] = []


@pytest.fixture(autouse=True)
def stop_playbacks() -> Iterator[None]:
    """Stop every harness's timer after its test: a Harness and its Playback form a reference
    cycle that only the garbage collector frees, at a random later moment, possibly while
    that very timer's timeout is being delivered (a segfault in a later test)."""
    yield
    for harness in _HARNESSES:
        harness.playback.pause()
        harness.playback.deleteLater()
    _HARNESSES.clear()


class Harness:
    def __init__(self, media: ArrayMedia) -> None:
        _HARNESSES.append(self)
        self.media = media
        self.frame = 0
        self.shown: list[int] = []
        self.clock = Clock()
        self.playback = Playback.single(lambda: self.media, lambda: self.frame, self.show, clock=self.clock)

    def show(self, frame: int) -> None:
        self.frame = frame
        self.shown.append(frame)

    def warm(self) -> None:
        for i in range(self.media.frame_count):
            self.media.frame(i)

    def at(self, ms: float) -> int:
        """Advance the clock by ``ms`` and let playback tick."""
        self.clock.advance_ms(ms)
        self.playback.tick()
        return self.frame


def clip(times: list[float]) -> ArrayMedia:
    frames = np.zeros((len(times), 4, 4, 3), np.uint8)
    return ArrayMedia(frames, np.array(times, dtype=np.float64), kind="video")


def test_varying_frame_times_are_honoured() -> None:
    h = Harness(clip([0, 10, 50, 60, 200]))
    h.warm()
    h.playback.play()
    assert h.at(5) == 0
    assert h.at(10) == 1  # t = 15 ms
    assert h.at(50) == 3  # t = 65: frame 2 (50..60) came and went between ticks: dropped
    assert h.playback.dropped == 1
    assert h.at(100) == 3  # t = 165: frame 3 lasts until 200
    assert h.at(50) == 4
    h.playback.pause()


def test_speed_scales_the_clock_and_loop_wraps() -> None:
    h = Harness(clip([0, 40, 80, 120]))  # 160 ms long
    h.warm()
    h.playback.set_speed(2.0)
    h.playback.play()
    assert h.at(20) == 1  # 40 ms of clip time
    assert h.at(40) == 3  # 120 ms; frame 2 dropped
    assert h.at(25) == 0  # 170 ms -> wrapped to 10 ms
    assert h.playback.dropped == 1
    h.playback.set_speed(100)
    assert h.playback.speed == 4.0
    h.playback.set_speed(0.01)
    assert h.playback.speed == 0.25


def test_bounce_plays_back_and_forth() -> None:
    h = Harness(clip([0, 40, 80, 120]))
    h.warm()
    h.playback.set_bounce(True)
    h.playback.play()
    frames = [h.at(40) for _ in range(7)]
    assert frames == [1, 2, 3, 3, 2, 1, 0]


def test_clip_frame_at_bounce_direction() -> None:
    media = clip([0, 40, 80, 120])
    assert clip_frame_at(media, 130, bounce=True) == (3, 1)
    assert clip_frame_at(media, 250, bounce=True) == (1, -1)
    assert clip_frame_at(media, 250, bounce=False) == (2, 1)


class SlowMedia(ArrayMedia):
    """Decodes only when the test lets it (a read-ahead that falls behind)."""

    def __init__(self, frames: np.ndarray) -> None:
        super().__init__(frames, kind="video")
        self.release = threading.Event()

    def _decode(self, index: int) -> np.ndarray:
        self.release.wait(5)
        return super()._decode(index)


def test_undecoded_frames_are_not_shown_and_never_decoded_on_the_caller() -> None:
    media = SlowMedia(np.zeros((5, 4, 4, 3), np.uint8))
    h = Harness(media)  # type: ignore[arg-type]
    h.playback.play()
    assert h.at(40) == 0  # frame 1 is due but not decoded: the old frame stays up
    assert h.shown == []
    media.release.set()
    future = media.frame_future(2)
    future.result(timeout=5)
    media.frame_future(1).result(timeout=5)
    assert h.at(40) == 2  # decoded now; frame 1 was never shown in time
    assert h.playback.dropped == 1
    h.playback.pause()
    media.close()


def test_scrubbing_while_playing_restarts_the_clock_there() -> None:
    h = Harness(clip([float(t) for t in range(0, 400, 40)]))
    h.warm()
    h.playback.play()
    h.at(40)
    h.frame = 7  # the user dragged the timeline
    assert h.at(1) == 7
    assert h.at(40) == 8


def test_step_first_last_pause_playback() -> None:
    h = Harness(clip([0, 40, 80, 120]))
    h.playback.play()
    assert h.playback.playing
    h.playback.step(1)
    assert not h.playback.playing and h.frame == 1
    h.playback.step(10)
    assert h.frame == 3
    h.playback.first()
    assert h.frame == 0
    h.playback.last()
    assert h.frame == 3
    h.playback.step(-1)
    assert h.frame == 2


def test_a_still_does_not_play() -> None:
    h = Harness(clip([0]))
    h.playback.play()
    assert not h.playback.playing
