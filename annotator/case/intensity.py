"""Grey-level statistics inside a region of interest (echo intensity).

A pixel belongs to the region when its centre (integer coordinates) lies inside the shape or
on its outline. Colour images are reduced to grey by Rec. 601 luma; a grey image stored as
RGB (R == G == B inside the region) uses its first channel, so no rounding creeps in.

Marks burned into a grey image in colour (a scanner's calipers or outline through the region)
are not tissue: their pixels are left out and counted (``media.marks.coloured``), unless so
much of the region is coloured that the image itself is (``MARKS_SHARE``: then luma, as above).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from annotator.case.geometry import EllipseAxes
from annotator.media.marks import coloured

LUMA_601 = (0.299, 0.587, 0.114)
MARKS_SHARE = 0.1  # of a region's box: more strongly coloured pixels than this are a colour image


@dataclass(frozen=True)
class GreyStats:
    mean: float
    sd: float  # sample standard deviation (n - 1), as ImageJ reports; 0 for one pixel
    min: float
    max: float
    count: int
    from_colour: bool  # True when the region held colour and luma was used
    clipped: bool  # True when part of the shape lies outside the image
    marks_left_out: int = 0  # pixels of coloured marks inside the shape, not counted


def polygon_mask(points: Sequence[Sequence[float]], height: int, width: int) -> tuple[np.ndarray, int, int, bool]:
    """Mask of pixel centres inside the polygon, over the polygon's bounding box in the image.

    Returns (mask, x_offset, y_offset, clipped). Scanline fill with a half-open rule on edge
    ends, so every pixel centre strictly inside is counted once and a shared vertex is never
    counted twice; centres exactly on an edge count as inside.
    """
    pts = np.asarray(points, dtype=np.float64)
    x_lo, y_lo = pts.min(axis=0)
    x_hi, y_hi = pts.max(axis=0)
    clipped = x_lo < -0.5 or y_lo < -0.5 or x_hi > width - 0.5 or y_hi > height - 0.5
    ix0, iy0 = max(math.ceil(x_lo), 0), max(math.ceil(y_lo), 0)
    ix1, iy1 = min(math.floor(x_hi), width - 1), min(math.floor(y_hi), height - 1)
    if ix1 < ix0 or iy1 < iy0:
        return np.zeros((0, 0), dtype=bool), ix0, iy0, clipped
    mask = np.zeros((iy1 - iy0 + 1, ix1 - ix0 + 1), dtype=bool)
    x0s, y0s = pts[:, 0], pts[:, 1]
    x1s, y1s = np.roll(x0s, -1), np.roll(y0s, -1)
    xs_grid = np.arange(ix0, ix1 + 1, dtype=np.float64)
    for row, y in enumerate(range(iy0, iy1 + 1)):
        crosses = ((y0s <= y) & (y1s > y)) | ((y1s <= y) & (y0s > y))
        if np.any(crosses):
            t = (y - y0s[crosses]) / (y1s[crosses] - y0s[crosses])
            xc = np.sort(x0s[crosses] + t * (x1s[crosses] - x0s[crosses]))
            for xa, xb in zip(xc[0::2], xc[1::2], strict=False):
                mask[row] |= (xs_grid >= xa) & (xs_grid <= xb)
        # Centres lying exactly on an edge (including horizontal edges) belong to the shape.
        mask[row] |= _on_edges(xs_grid, float(y), x0s, y0s, x1s, y1s)
    return mask, ix0, iy0, clipped


def _on_edges(
    xs: np.ndarray, y: float, x0s: np.ndarray, y0s: np.ndarray, x1s: np.ndarray, y1s: np.ndarray
) -> np.ndarray:
    hit = np.zeros(xs.shape, dtype=bool)
    in_span = (np.minimum(y0s, y1s) <= y) & (np.maximum(y0s, y1s) >= y)
    for xa, ya, xb, yb in zip(x0s[in_span], y0s[in_span], x1s[in_span], y1s[in_span], strict=True):
        if ya == yb:
            hit |= (xs >= min(xa, xb)) & (xs <= max(xa, xb))
        else:
            x_at = xa + (y - ya) / (yb - ya) * (xb - xa)
            hit |= np.abs(xs - x_at) <= 1e-9 * max(1.0, abs(x_at))
    return hit


def ellipse_mask(axes: EllipseAxes, height: int, width: int) -> tuple[np.ndarray, int, int, bool]:
    """Mask of pixel centres inside or on the ellipse, over its bounding box in the image."""
    half_w = math.hypot(axes.ux, axes.vx)
    half_h = math.hypot(axes.uy, axes.vy)
    x_lo, x_hi = axes.cx - half_w, axes.cx + half_w
    y_lo, y_hi = axes.cy - half_h, axes.cy + half_h
    clipped = x_lo < -0.5 or y_lo < -0.5 or x_hi > width - 0.5 or y_hi > height - 0.5
    ix0, iy0 = max(math.ceil(x_lo - 1e-9), 0), max(math.ceil(y_lo - 1e-9), 0)
    ix1, iy1 = min(math.floor(x_hi + 1e-9), width - 1), min(math.floor(y_hi + 1e-9), height - 1)
    a, b = axes.a, axes.b
    if ix1 < ix0 or iy1 < iy0 or a == 0.0 or b == 0.0:
        return np.zeros((0, 0), dtype=bool), ix0, iy0, clipped
    gx, gy = np.meshgrid(
        np.arange(ix0, ix1 + 1, dtype=np.float64) - axes.cx,
        np.arange(iy0, iy1 + 1, dtype=np.float64) - axes.cy,
    )
    # Coordinates along each semi-axis, in units of that semi-axis.
    s = (gx * axes.ux + gy * axes.uy) / (a * a)
    t = (gx * axes.vx + gy * axes.vy) / (b * b)
    return s * s + t * t <= 1.0 + 1e-12, ix0, iy0, clipped


def to_grey(pixels: np.ndarray) -> tuple[np.ndarray, bool]:
    """Grey values (float64) of an (n,) grey or (n, 3|4) colour sample, and whether colour."""
    if pixels.ndim == 1:
        return pixels.astype(np.float64), False
    rgb = pixels[:, :3].astype(np.float64)
    if np.array_equal(rgb[:, 0], rgb[:, 1]) and np.array_equal(rgb[:, 0], rgb[:, 2]):
        return rgb[:, 0], False
    return rgb @ np.array(LUMA_601), True


def grey_stats(image: np.ndarray, mask: np.ndarray, x0: int, y0: int, clipped: bool) -> GreyStats | None:
    """Statistics of ``image`` under ``mask`` placed at (x0, y0); None if no pixel is inside."""
    if mask.size == 0 or not mask.any():
        return None
    h, w = mask.shape
    window = image[y0 : y0 + h, x0 : x0 + w]
    left_out = 0
    if window.ndim == 3 and window.shape[2] >= 3 and window.dtype == np.uint8:
        drawn = coloured(window, MARKS_SHARE)
        tissue = mask if drawn is None else mask & ~drawn
        if tissue.any():  # (a shape wholly on a mark keeps its pixels: there is nothing else)
            left_out = int(np.count_nonzero(mask)) - int(np.count_nonzero(tissue))
            mask = tissue
    values, from_colour = to_grey(window[mask])
    n = int(values.size)
    sd = float(np.std(values, ddof=1)) if n > 1 else 0.0
    return GreyStats(
        float(values.mean()), sd, float(values.min()), float(values.max()), n, from_colour, clipped, left_out
    )
