"""A tracked caliper that turns more than 15 degrees says so (issue 9): on the series (notes,
turned frames, caption) and in the measurements, frame by frame."""

from __future__ import annotations

import math

import numpy as np

from annotator.case.model import Annotation
from annotator.dynamics.caliper_turn import caliper_turn_deg, caliper_turned, turn_note
from annotator.dynamics.series import measurement_series
from annotator.media import ArrayMedia


def turning_caliper(degrees_at_end: float, frames: int = 11) -> Annotation:
    """A 100-px vertical caliper turning steadily to ``degrees_at_end`` over the clip."""
    r = math.radians(degrees_at_end)
    end = [(100.0, 50.0), (100.0 + 100 * math.sin(r), 50.0 + 100 * math.cos(r))]
    return Annotation("c1", "m1", "line", 0, {0: [(100.0, 50.0), (100.0, 150.0)], frames - 1: end},
                      frame_end=frames - 1, label="caliper")


def test_turn_is_measured_from_the_starting_direction() -> None:
    a = turning_caliper(40.0)
    assert caliper_turn_deg(a, 0) == 0.0
    assert 38.0 < (caliper_turn_deg(a, 10) or 0.0) <= 40.0 + 1e-9
    assert not caliper_turned(a, 2) and caliper_turned(a, 10)
    assert "turned 40°" in turn_note(a, 10) and turn_note(a, 1) == ""
    still = Annotation.single("c2", "m1", "line", 0, [(0, 0), (10, 10)])
    assert caliper_turn_deg(still, 0) is None  # one frame: nothing to turn from
    assert caliper_turn_deg(Annotation.single("t", "m1", "thickness", 0, [(0, 0)] * 4), 0) is None


def test_the_series_lists_the_turned_frames_and_says_why() -> None:
    media = ArrayMedia(np.zeros((11, 200, 300), np.uint8))
    series = measurement_series(media, turning_caliper(40.0))
    assert series.turned_frames and series.turned_frames[-1] == 10
    assert all(caliper_turned(turning_caliper(40.0), f) for f in series.turned_frames)
    assert 0 not in series.turned_frames
    assert any("turned more than 15°" in n for n in series.notes)
    assert "caliper turned > 15°" in series.caption()
    calm = measurement_series(media, turning_caliper(10.0))
    assert calm.turned_frames == () and not calm.notes


def test_a_series_of_an_extrapolated_fascicle_says_so() -> None:
    media = ArrayMedia(np.zeros((3, 300, 250), np.uint8))
    # the fascicle meets the superficial line at x = 200, 250 and 300 on frames 0, 1, 2 (image 250 px wide)
    fas = Annotation("f1", "m1", "fascicle", 0,
                     {0: [(120, 230), (140, 210), (0, 150), (300, 150), (0, 250), (300, 250)],
                      2: [(120, 230), (140, 210), (0, 50), (300, 50), (0, 250), (300, 250)]}, frame_end=2)
    series = measurement_series(media, fas)
    assert any("extrapolated beyond the image on frame(s) 1, 2 " in n for n in series.notes)
