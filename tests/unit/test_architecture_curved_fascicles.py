"""Fascicles curve: steeper in the deep half of the muscle, where they insert, than in the
brighter superficial half. A still and a clip both read the angle part of the way from the
whole band's dominant streak to the deep half's (``profile.deep_share``: a third where the
fascicles lie within 30 degrees of the deep aponeurosis, where the observers' pennation lay;
all the way from 40 degrees, where contracted fascicles curve more and the whole band alone
read about 2 degrees low on data set 3; at most ``MAX_TOWARDS_DEG`` from the whole band)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from annotator.dynamics.architecture import analyse_image, analyse_sequence
from annotator.dynamics.architecture.profile import (
    MAX_TOWARDS_DEG,
    TOWARDS_DEEP,
    deep_share,
    towards_deep,
)
from tests.architecture_images import muscle_image

SPLIT = 170  # the middle row of the generated muscle (aponeuroses at rows 80 and 260)


def _curved(seed: int) -> np.ndarray:
    """Fascicles at 20 degrees in the superficial half, 26 (and 15 % darker) in the deep half."""
    top = muscle_image(seed=seed, fascicle_deg=20.0).astype(np.float32)
    low = muscle_image(seed=seed + 50, fascicle_deg=26.0).astype(np.float32)
    image = top.copy()
    image[SPLIT:] = low[SPLIT:] * 0.85
    return image.astype(np.uint8)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_still_reads_towards_the_deep_half(seed: int) -> None:
    est = analyse_image(_curved(seed), mm_per_px=None)
    assert est.confidence >= 0.5 and est.fascicle_angle_deg is not None
    # the whole band alone read 21.8-22.0 here; its deep half 26
    assert 23.0 <= est.fascicle_angle_deg <= 25.0, est.fascicle_angle_deg


def test_a_clip_follows_the_same_angle() -> None:
    frames = [_curved(0)] * 8
    res = analyse_sequence(frames.__getitem__, range(len(frames)), mm_per_px=None)
    angles = [r.fascicle_angle_deg for r in res]
    assert all(a is not None and 23.0 <= a <= 25.0 for a in angles), angles
    assert min(r.confidence for r in res) >= 0.5


def test_straight_fascicles_are_unchanged() -> None:
    est = analyse_image(muscle_image(seed=7, fascicle_deg=22.0), mm_per_px=None)
    assert est.fascicle_angle_deg == pytest.approx(22.0, abs=1.0)


def _read(whole: float, deep: float, apo: float = 0.0) -> float:
    """The angle read from a whole band at ``whole`` degrees and a deep half whose profile
    peaks at ``deep`` (the deep aponeurosis at ``apo``)."""
    return towards_deep(whole, lambda a: math.exp(-0.5 * ((a - deep) / 1.5) ** 2), apo_deg=apo)


def test_contracted_fascicles_are_read_nearer_their_deep_course() -> None:
    """At rest (20 degrees to the deep aponeurosis) a third of the way to the deep half's peak;
    contracted (45 degrees) all the way; in proportion between, without a step as a
    contraction passes through (data set 3's contracted frames read 1.5-2 degrees low at a
    third)."""
    assert _read(20.0, 21.5) == pytest.approx(20.0 + 1.5 * TOWARDS_DEEP, abs=0.05)
    assert _read(45.0, 46.5) == pytest.approx(46.5, abs=0.05)
    assert _read(35.0, 36.5) == pytest.approx(35.0 + 1.5 * deep_share(35.0), abs=0.05)
    assert TOWARDS_DEEP < deep_share(35.0) < 1.0
    # measured from the deep aponeurosis, not the image: the same muscle tilted by 8 degrees
    assert _read(53.0, 54.5, apo=8.0) == pytest.approx(54.5, abs=0.05)
    assert _read(-45.0, -46.5) == pytest.approx(-46.5, abs=0.05)  # mirrored
    whole = np.arange(25.0, 45.01, 0.25)
    readings = np.array([_read(float(w), float(w) + 1.5) - w for w in whole])
    assert np.all(np.diff(readings) >= -1e-6) and np.max(np.diff(readings)) < 0.05, readings


def test_a_deep_peak_far_from_the_whole_band_moves_the_reading_by_the_cap_only() -> None:
    """A contracted muscle's deep-half peak 5 degrees steeper (the fast pushes' plateaus: read
    fully, 2-4 degrees beyond the observers) moves the reading by ``MAX_TOWARDS_DEG`` only; at
    rest a third of 5.5 degrees stays under it."""
    assert _read(45.0, 50.0) == pytest.approx(45.0 + MAX_TOWARDS_DEG, abs=0.05)
    assert _read(45.0, 40.0) == pytest.approx(45.0 - MAX_TOWARDS_DEG, abs=0.05)
    assert _read(20.0, 25.5) == pytest.approx(20.0 + 5.5 * TOWARDS_DEEP, abs=0.05)
