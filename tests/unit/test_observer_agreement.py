"""The observers' agreement the architecture benchmark prints beside its figures: each observer
against the mean of the others."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks.observers import Observed, each_against_the_others


def test_one_observer_against_the_others_mean() -> None:
    # three observers: pennations 10, 12, 14 deg (beta 0); heights 100, 100, 130 px
    item = Observed(Path("a.png"), "1", alpha=[10.0, 12.0, 14.0], beta=[0.0, 0.0, 0.0], height=[100.0, 100.0, 130.0])
    pen, thick = each_against_the_others([item])
    # pennation: 10 - 13, 12 - 12, 14 - 11 -> -3, 0, +3
    assert pen == pytest.approx(math.sqrt((9 + 0 + 9) / 3))
    # thickness: 100 against 115 (twice), 130 against 100
    expected = [100 * (100 - 115) / 115] * 2 + [30.0]
    assert thick == pytest.approx(math.sqrt(sum(e * e for e in expected) / 3))


def test_an_image_with_one_observer_says_nothing_and_two_compare_with_each_other() -> None:
    alone = Observed(Path("a.png"), "1", alpha=[20.0], beta=[0.0], height=[100.0])
    assert all(math.isnan(v) for v in each_against_the_others([alone]))
    pair = Observed(Path("b.png"), "1", alpha=[20.0, 22.0], beta=[-1.0, -1.0], height=[200.0, 200.0])
    pen, thick = each_against_the_others([alone, pair])
    assert pen == pytest.approx(2.0) and thick == pytest.approx(0.0)


def test_rms_is_one_helper_for_lists_and_arrays() -> None:
    import numpy as np

    from benchmarks.observers import rms

    assert rms([3.0, -4.0]) == pytest.approx(math.sqrt(12.5))
    assert rms(np.array([3.0, -4.0])) == pytest.approx(math.sqrt(12.5))
    assert math.isnan(rms([])) and math.isnan(rms(np.array([])))
