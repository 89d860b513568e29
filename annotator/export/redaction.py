"""Redaction boxes applied to the pixels an export reads (the painter paints them too, so the
screen and thumbnails show them; blacking the pixels first means no smoothed edge of a
magnified image can carry any of what a box hides)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def black_out(pixels: np.ndarray, boxes: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """``pixels`` with each (x, y, w, h) box black; a copy when anything changes."""
    if not boxes:
        return pixels
    out = pixels.copy()
    h, w = out.shape[:2]
    for x, y, bw, bh in boxes:
        x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + bw), min(h, y + bh)
        if x0 < x1 and y0 < y1:
            out[y0:y1, x0:x1] = 0
    return out
