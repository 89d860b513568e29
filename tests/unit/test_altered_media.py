"""The altered copies ``make bench architecture`` reads real clips and stills as (benchmarks/altered.py):
each alteration does what its name says, and keeps a frame the analysis can read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annotator.media.bmode_area import imaging_area
from benchmarks.altered import STILL_ALTERATIONS, alterations
from tests.architecture_images import muscle_image


def _screen() -> np.ndarray:
    """A muscle image on a black screen with margins, as a scanner exports it."""
    screen = np.zeros((480, 640), np.uint8)
    screen[40:400, 80:560] = muscle_image(2)
    return screen


def test_each_alteration_keeps_a_grey_frame_of_its_scale() -> None:
    screen = _screen()
    for name, (alter, scale) in alterations().items():
        out = alter(screen, 0)
        assert out.dtype == np.uint8 and out.ndim == 2, name
        assert out.shape == (round(480 * scale), round(640 * scale)), name


def test_noise_inside_the_image_leaves_its_margins_black_and_its_area() -> None:
    screen = _screen()
    table = alterations()
    inside = next(alter for name, (alter, _s) in table.items() if "inside the image" in name)
    whole = next(alter for name, (alter, _s) in table.items() if "whole screen" in name)
    out = inside(screen, 1)
    assert not out[:30].any() and not out[:, :70].any()  # the margins, as recorded
    assert np.abs(out[40:400, 80:560].astype(int) - screen[40:400, 80:560]).mean() > 5
    assert imaging_area(out) == imaging_area(screen)
    assert out.tobytes() == inside(screen, 1).tobytes()  # each frame's own noise, the same every run
    assert whole(screen, 1)[:30].mean() > 3  # the other one textures the margins too


def test_mirrored_and_rescaled_are_what_they_say() -> None:
    screen = _screen()
    table = alterations()
    assert np.array_equal(table["mirrored"][0](screen, 0), screen[:, ::-1])
    darker, brighter = table["darker (gamma 1.6)"][0](screen, 0), table["brighter (x1.4 + 10)"][0](screen, 0)
    lighter = table["lighter (gamma 0.7)"][0](screen, 0)
    assert darker.mean() < screen.mean() < lighter.mean() and screen.mean() < brighter.mean()
    assert set(STILL_ALTERATIONS) <= set(table)


def test_a_tally_names_what_it_read_wrong_while_sure() -> None:
    """The bench lists the images and frames read more than 5 deg or 15 % off while sure, to be
    looked at; unsure or right ones are counted, not named."""
    from annotator.dynamics.architecture.types import FrameArchitecture
    from benchmarks.altered import _named, _Tally
    from benchmarks.observers import Observed

    item = Observed(Path("x.png"), "1", [20.0], [0.0], [200.0])  # pennation 20 deg, 200 px

    def read(pen: float, thick: float, conf: float) -> FrameArchitecture:
        return FrameArchitecture(0, None, None, None, None, None, pen, 0.0, thick, None, None, "px", conf, None, 0.0)

    t = _Tally()
    t.add(read(20.5, 201.0, 0.9), item, 1.0, name="right")
    t.add(read(27.0, 200.0, 0.9), item, 1.0, name="sure and wrong")
    t.add(read(27.0, 200.0, 0.3), item, 1.0, name="unsure")
    t.add(read(20.0, 240.0, 0.6), item, 1.0, name="too thick")
    assert (t.wrong, t.low) == (2, 1)
    assert _named(t.wrong_names) == " (sure and wrong, too thick)" and _named([]) == ""
