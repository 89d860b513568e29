"""Clip mode against three human observers: data set 2's jumping and range-of-motion
sequences (../shared/corpus/timvanderzee-timtrack-observers), each read in frame order as a
clip, measured by ``analyse_sequence`` and by following a thickness and a fascicle drawn on
the first frame (skipped where the corpus is absent, never in CI). The bounds sit a little
above what was measured when they were set (``python -m benchmarks architecture``): they
catch a regression, they do not claim the issue's targets (2 degrees, 3 %)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from benchmarks.observer_clips import SEQUENCES, measure

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

# sequence: mode -> (pennation RMSE deg, thickness RMSE %) bounds; measured 1.77 / 1.8 and
# 2.16 / 3.7 (analysis), 1.92 / 4.5 and 1.68 / 1.7 (drawn)
BOUNDS = {
    "jumping": {"clip": (2.1, 2.3), "drawn": (2.3, 5.0)},
    "range-of-motion": {"clip": (2.5, 4.5), "drawn": (2.0, 2.5)},
}


@functools.cache
def _measured(name: str) -> dict[str, dict[str, float]]:
    return measure(name)


@pytest.mark.parametrize("name", SEQUENCES)
def test_clip_mode_against_the_observers(corpus: Path, name: str) -> None:
    m = _measured(name)
    assert m["observers"]["frames"] >= 20, "the sequences are in the corpus"
    for mode, (pen, thick) in BOUNDS[name].items():
        e = m[mode]
        assert e["found"] == m["observers"]["frames"], (mode, e)
        assert e["pennation_rmse"] <= pen and e["thickness_rmse"] <= thick, (mode, e)


@pytest.mark.parametrize("name", SEQUENCES)
def test_clip_mode_is_not_much_worse_than_each_frame_alone(corpus: Path, name: str) -> None:
    """Following must not lose what a still finds: frames far apart (30 frames on the range
    of motion) move more than the flow predicts, and the detections must lead."""
    m = _measured(name)
    assert m["clip"]["pennation_rmse"] <= m["still"]["pennation_rmse"] + 0.8, m
    # both measure thickness where the fascicle inserts, on the deep band's bend there (a clip
    # on its fused bend: measured 1.8 / 3.7 % against a still's 1.6 / 2.9 %)
    assert m["clip"]["thickness_rmse"] <= m["still"]["thickness_rmse"] + 2.0, m
