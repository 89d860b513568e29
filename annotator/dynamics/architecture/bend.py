"""The deep aponeurosis' bend: where the fascicles insert it often rises or falls by a few
millimetres across the image, and thickness is taken there (as observers and a still take it).

A clip follows straight lines, steady from frame to frame; the bend is measured on every frame
as the band's crest around the straight line (``curvature``: offset, tilt and curvature), fused
over time like the lines themselves, and put back on the straight line (``bent``); the tangent
where the fascicle inserts is ``estimate.tangent_at_insertion``."""

from __future__ import annotations

import math

import numpy as np

from annotator.dynamics.architecture.detect import Work, _work_y, crest_curve
from annotator.dynamics.architecture.types import Line

MAX_BEND = 0.25  # of the thickness: a crest further from the straight line is another structure


def curvature(work: Work, deep: Line, gap: float) -> tuple[float, float, float]:
    """The deep band's crest around the straight line ``deep``, as the quadratic
    ``row + slope (x - xc) + a (x - xc)^2`` added to it (working px, xc the centre column):
    (row, slope, a), or nans when the crest cannot be followed or strays more than
    ``MAX_BEND`` of the thickness ``gap`` (working px) from the line. A robust straight fit of
    a strongly bent band runs along its longer part, so the crest's offset and tilt from it
    count as much as its curvature."""
    coef = crest_curve(work, deep)
    nan = (math.nan, math.nan, math.nan)
    if coef is None:
        return nan
    w = work.ridges.shape[1]
    xs = np.arange(w, dtype=np.float64)
    dev = np.polyval(coef, xs) - _work_y(work, deep, xs.astype(np.float32))
    if np.max(np.abs(dev)) > MAX_BEND * gap:
        return nan
    a, b, c = np.polyfit(xs - (w - 1) / 2.0, dev, 2)  # the deviation is a quadratic too
    return float(c), float(b), float(a)


def bent(work: Work, deep: Line, bend: tuple[float, float, float]) -> np.ndarray:
    """Working-image quadratic coefficients (highest power first) of ``deep`` with the
    deviation ``bend`` (``curvature``'s (row, slope, a)) added."""
    w = work.ridges.shape[1]
    xc = (w - 1) / 2.0
    y0, y1 = (float(v) for v in _work_y(work, deep, np.array([0.0, float(w - 1)], np.float32)))
    row, slope = 0.5 * (y0 + y1) + bend[0], (y1 - y0) / max(w - 1, 1) + bend[1]
    a = bend[2]
    # a (x - xc)^2 + slope (x - xc) + row, in powers of x
    return np.array([a, slope - 2.0 * a * xc, a * xc * xc - slope * xc + row])
