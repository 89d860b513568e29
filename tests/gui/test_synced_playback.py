"""Playback of several views in step, by normalised time: phases map frames of clips of
different lengths and rates, loops and bounces, and a pair is shown only when both frames are
decoded."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from test_compare import clip

from annotator.media import Media
from annotator.media.playback_clock import frame_at_phase, phase_of_frame, wrap_phase
from annotator.ui.playback import Playback


@pytest.mark.parametrize(("a", "b"), [((30, 30.0), (61, 61.0)), ((30, 30.0), (90, 45.0)), ((17, 25.0), (64, 50.0))])
def test_normalised_time_maps_frames_at_the_same_fraction(a: tuple[int, float], b: tuple[int, float]) -> None:
    ma, mb = clip(a[0], a[1]), clip(b[0], b[1])
    for m in (ma, mb):
        assert [frame_at_phase(m, phase_of_frame(m, i)) for i in range(m.frame_count)] == list(range(m.frame_count))
    for i in range(ma.frame_count):
        phase = phase_of_frame(ma, i)
        j = frame_at_phase(mb, phase)
        # frame j of b is the one on screen at that fraction of b's length
        assert mb.time_ms(j) / mb.duration_ms <= phase + 1e-9
        assert j == mb.frame_count - 1 or phase < mb.time_ms(j + 1) / mb.duration_ms
    if a == (30, 30.0) and b == (61, 61.0):  # both 1 s long: frame i of 30 is at i/30 of 61 frames
        assert [frame_at_phase(mb, phase_of_frame(ma, i)) for i in range(30)] == [(i * 61) // 30 for i in range(30)]
    assert frame_at_phase(ma, 1.0) == ma.frame_count - 1 and frame_at_phase(mb, 0.0) == 0


def test_wrap_phase_loops_and_bounces() -> None:
    assert wrap_phase(1.25, False) == (pytest.approx(0.25), 1)
    assert wrap_phase(1.25, True) == (pytest.approx(0.75), -1)
    assert wrap_phase(2.5, True) == (pytest.approx(0.5), 1)


class FakeSide:
    def __init__(self, media: Media) -> None:
        self.media = media
        self.current_frame = 0
        self.frames: list[int] = []

    def current_media(self) -> Media | None:
        return self.media

    def set_frame(self, frame: int) -> None:
        if frame != self.current_frame:
            self.frames.append(frame)
        self.current_frame = frame


def test_synced_playback_advances_both_sides_by_phase(qtbot: QtBot) -> None:
    now = [100.0]
    sides = [FakeSide(clip(30, 30.0)), FakeSide(clip(61, 61.0, mm_per_px=0.05))]
    for side in sides:
        for i in range(side.media.frame_count):
            side.media.frame(i)  # decoded: every tick can show its pair
    playback = Playback(sides, clock=lambda: now[0])
    assert playback.cycle_ms == pytest.approx(1000.0)
    playback.play()
    try:
        for wall, phase in ((0.25, 0.25), (0.5, 0.5), (0.9, 0.9), (1.1, 0.1)):
            now[0] = 100.0 + wall
            playback.tick()
            assert playback.phase == pytest.approx(phase)
            assert [s.current_frame for s in sides] == [frame_at_phase(s.media, phase) for s in sides]
        assert sides[0].frames[:3] == [7, 15, 27] and sides[1].frames[:3] == [15, 30, 54]
        playback.set_speed(0.5)
        now[0] += 0.2  # half speed: a tenth of the cycle
        playback.tick()
        assert playback.phase == pytest.approx(0.2)
    finally:
        playback.pause()
        for side in sides:
            side.media.close()


def test_synced_playback_waits_for_both_frames(qtbot: QtBot) -> None:
    now = [0.0]
    sides = [FakeSide(clip(30, 30.0)), FakeSide(clip(61, 61.0))]
    playback = Playback(sides, clock=lambda: now[0])
    playback.play()
    try:
        now[0] = 0.5
        sides[0].media.frame(15)  # only one side decoded: the pair stays where it was
        playback.tick()
        assert [s.current_frame for s in sides] == [0, 0] and playback.late == 1
        sides[1].media.frame(30)
        playback.tick()
        assert [s.current_frame for s in sides] == [15, 30]
    finally:
        playback.pause()
        for side in sides:
            side.media.close()


# -- two media --------------------------------------------------------------------------------
