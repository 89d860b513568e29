"""Detection near a known position (``architecture.local``) on generated muscle images of
known geometry: a line found again near its prediction as the still detector finds it, the
fascicle angle found near its prediction, and the follower that leaves a lesser peak for a
stronger angle that lasts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from annotator.dynamics.architecture import analyse_image
from annotator.dynamics.architecture.detect import FASCICLE_MAX_DEG, prepare, refine
from annotator.dynamics.architecture.local import (
    FascicleFollower,
    fascicle_near,
    line_near,
    line_stats,
    muscle,
    sweep,
)
from annotator.media.bmode_area import imaging_area
from tests.architecture_images import muscle_image


def _muscle_at(fascicle_deg: float, seed: int = 1):  # type: ignore[no-untyped-def]
    image = muscle_image(seed=seed, fascicle_deg=fascicle_deg)
    est = analyse_image(image, mm_per_px=None)
    assert est.superficial is not None and est.deep is not None
    work = prepare(image, imaging_area(image))
    m = muscle(work, est.superficial, est.deep)
    assert m is not None
    return work, est, m


def _screen_deg(slope: float) -> float:
    return math.degrees(math.atan(slope))


def test_a_line_is_found_again_near_its_prediction() -> None:
    work, est, _m = _muscle_at(22.0)
    assert est.deep is not None
    h, w = work.ridges.shape
    xc = (w - 1) / 2.0
    true_row = float(((est.deep.y_at(work.area.x0 + (xc + 0.5) / work.scale - 0.5) - work.area.y0 + 0.5) * work.scale) - 0.5)
    stats = line_stats(work)
    for miss in (-9.0, 0.0, 7.0):  # predicted a few rows off, and a little turned
        cand = line_near(work, stats, true_row + miss, est.deep.slope + 0.02, band=12.0)
        assert cand is not None and cand.row == pytest.approx(true_row, abs=1.0)
        assert cand.contrast > 1.6 and cand.coverage > 0.5
        line, rms = refine(work, cand)
        assert line.angle_deg() == pytest.approx(est.deep.angle_deg(), abs=0.3) and rms < 1.5


def test_the_fascicle_angle_is_found_near_its_prediction_even_when_it_turned() -> None:
    _work, _est, m = _muscle_at(30.0)
    for around in (-30.0, -24.0, -37.0):  # screen angle: the fascicles descend to the left
        slope, clarity, _value = fascicle_near(m, around, 3.0, 1.0)
        assert _screen_deg(slope) == pytest.approx(-30.0, abs=1.0)
        assert clarity > 0.5


def test_the_follower_leaves_a_lesser_peak_within_a_sweep_and_its_confirmation() -> None:
    """Locked 25 degrees away from the fascicles (there is always some lesser peak), it is back
    on them within one sweep and its confirmation; after a transient (two frames of other
    fascicles, which the widening search may follow) the same holds."""
    follower = FascicleFollower()
    _w, _e, clear = _muscle_at(20.0)
    _w, _e, other = _muscle_at(40.0, seed=2)
    recover = FascicleFollower.SWEEP_EVERY + FascicleFollower.CONFIRM_AFTER + 2
    around = -45.0
    for m in [clear] * recover + [other, other] + [clear] * recover:
        slope, _clarity, followed = follower.step(m, around)
        around = _screen_deg(followed)  # the next search starts from the followed angle
    assert around == pytest.approx(-20.0, abs=1.0)
    assert _screen_deg(slope) == pytest.approx(-20.0, abs=1.0)  # straight fascicles: read as followed


def test_a_finer_sweep_looks_between_the_angles_and_keeps_the_coarse_background() -> None:
    """After a jump the follower sweeps 2 degrees apart (``finer``): the best angle may lie
    between the 4-degree grid's angles, while the background and the peak ratio the
    follower's clarity and part choice use are the 4-degree grid's, unchanged."""
    _work, _est, m = _muscle_at(22.0)
    best, value, median, ratio = sweep(m)
    fine_best, fine_value, fine_median, fine_ratio = sweep(m, finer=True)
    assert (fine_value, fine_median, fine_ratio) == (value, median, ratio)
    assert abs(fine_best - (-22.0)) <= 1.0 + 1e-9  # the 2-degree grid's nearest angle
    assert abs(fine_best - (-22.0)) <= abs(best - (-22.0))
    offset = (fine_best - (m.apo_deg - FASCICLE_MAX_DEG)) / 2.0  # on the finer grid
    assert offset == pytest.approx(round(offset), abs=1e-6)


def test_the_closed_form_line_fit_is_polyfits() -> None:
    """``detect.weighted_line`` replaces ``np.polyfit(xs, ys, 1, w=sqrt(weight))`` in the crest
    fit of every line on every frame: the same line, and None where too few columns weigh."""
    from annotator.dynamics.architecture.detect import weighted_line

    rng = np.random.default_rng(3)
    xs = np.arange(320, dtype=np.float64)
    for _ in range(20):
        ys = rng.normal(100.0, 30.0) + rng.normal(0.0, 0.2) * xs + rng.normal(0.0, 2.0, xs.size)
        weight = rng.random(xs.size) * (rng.random(xs.size) > 0.4)
        fit = weighted_line(xs, ys, weight)
        assert fit is not None
        assert np.allclose(fit, np.polyfit(xs, ys, 1, w=np.sqrt(weight)), rtol=0, atol=1e-9)
    one = np.zeros(xs.size)
    one[5] = 1.0
    assert weighted_line(xs, xs, one) is None and weighted_line(xs, xs, np.zeros(xs.size)) is None
