"""Fascicles curve: steeper in the deep half of the muscle, where they insert, than in the
brighter superficial half. A still and a clip both read the angle part of the way from the
whole band's dominant streak to the deep half's (``profile.TOWARDS_DEEP``, a third: the
observers' pennation lay there; the whole band alone read about 1 degree low on data sets 2
and 3)."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.dynamics.architecture import analyse_image, analyse_sequence
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
