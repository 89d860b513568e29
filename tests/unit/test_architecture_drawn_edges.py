"""A pennation or fascicle drawn with its aponeuroses on the bands' muscle-side edges (where
fascicle length and thickness are read) is followed at those edges: the lines are followed by
their crests, found on the drawn frame as on every later one, and each end keeps its offset."""

from __future__ import annotations

import math

import numpy as np
import pytest

from annotator.dynamics.architecture import track_structures
from tests.architecture_images import XC, muscle_image

S_ROW, D_ROW, INSET = 80.0, 260.0, 8.0


def _fascicle(deg: float = 22.0) -> list[tuple[float, float]]:
    """A fascicle through the muscle's middle, rising to the right at ``deg`` on screen."""
    mid = (XC, (S_ROW + D_ROW) / 2)
    dx = 60.0 * math.cos(math.radians(deg))
    dy = 60.0 * math.sin(math.radians(deg))
    return [(mid[0] - dx, mid[1] + dy), (mid[0] + dx, mid[1] - dy)]


def _edges() -> list[tuple[float, float]]:
    return [(XC - 120, S_ROW + INSET), (XC + 120, S_ROW + INSET),
            (XC - 120, D_ROW - INSET), (XC + 120, D_ROW - INSET)]


@pytest.mark.parametrize("kind", ["fascicle", "pennation"])
def test_boundaries_drawn_on_the_edges_stay_there(kind: str) -> None:
    # still tissue: nothing moves, so nothing drawn may move either
    frames = [muscle_image(seed=k, s_deg=0.0, d_deg=0.0, deep_sd=5.0) for k in range(6)]
    edges = _edges()
    drawn = _fascicle() + (edges if kind == "fascicle" else edges[2:])
    points, conf = track_structures(lambda i: frames[i], kind, 0, drawn, 0, 5)
    for k in range(1, 6):
        got = np.array(points[k][2:])
        # before: the lines crept from the edges towards the crests (4-5 px by frame 2) and the
        # first frames read as flow and detection disagreeing
        assert np.abs(got - np.array(drawn[2:])).max() < 0.7, (k, got)
        assert conf[k] >= 0.5, conf
