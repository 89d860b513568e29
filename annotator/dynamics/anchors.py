"""Where to follow a caliper end that sits on the edge of fluid.

A caliper across a tear gap or a hematoma has its ends on the tissue's edge, with dark fluid on
one side. Fluid has little speckle of its own, and what it has (debris, noise) does not move
with the stumps, so an LK window centred on the end is half fluid and drags the end toward the
gap (measured on the demo's torn gastrocnemius: up to 0.6 mm short at the peak). When one side
of an end is much darker than the other, the end is followed by an anchor a little way into the
bright side, with a small window (tissue far from a tear moves less than its edge), and moves
as the anchor moves. Ends with tissue on both sides (a fascicle, a thickness across muscle)
are followed where they are.
"""

from __future__ import annotations

import cv2
import numpy as np

#: one side is "fluid" when its mean grey is below this share of the other side's
DARK_SHARE = 0.5
#: the window used for anchors, px (a small one: strain is largest next to a tear)
ANCHOR_WINDOW = 15
#: how far beyond the half window the anchor sits, px
ANCHOR_CLEARANCE = 4.0
_PATCH = 7
_DISTANCES = (4.0, 8.0, 12.0, 16.0)


def outward_directions(points: np.ndarray) -> np.ndarray:
    """For each end of a two-point caliper, the unit vector pointing away from the other end."""
    d = np.array([points[0] - points[1], points[1] - points[0]], dtype=np.float64)
    norm = np.linalg.norm(d, axis=1, keepdims=True)
    return np.divide(d, norm, out=np.zeros_like(d), where=norm > 0)


def _side_mean(grey: np.ndarray, p: np.ndarray, u: np.ndarray) -> float:
    values = [
        float(cv2.getRectSubPix(grey, (_PATCH, _PATCH), (float(p[0] + u[0] * r), float(p[1] + u[1] * r))).mean())
        for r in _DISTANCES
    ]
    return float(np.mean(values))


def edge_sides(grey: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Per caliper end: +1 to follow it from outside (the inside is fluid), -1 from inside
    (the outside is fluid), 0 where it is (tissue on both sides, or not a two-point caliper)."""
    sides = np.zeros(len(points), dtype=int)
    if len(points) != 2:
        return sides
    for i, (p, u) in enumerate(zip(points, outward_directions(points), strict=True)):
        if not u.any():
            continue
        outside, inside = _side_mean(grey, p, u), _side_mean(grey, p, -u)
        if inside < DARK_SHARE * outside:
            sides[i] = 1
        elif outside < DARK_SHARE * inside:
            sides[i] = -1
    return sides


def anchor_offsets(points: np.ndarray, sides: np.ndarray) -> np.ndarray:
    """Offsets (n, 2) from each end to where it is followed (zero where ``sides`` is 0)."""
    if not sides.any():
        return np.zeros_like(points, dtype=np.float64)
    reach = ANCHOR_WINDOW / 2.0 + ANCHOR_CLEARANCE
    return outward_directions(points) * (sides[:, None] * reach)
