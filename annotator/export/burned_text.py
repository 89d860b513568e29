"""Likely burned-in text inside the pixels an export keeps (no network model).

Scanners write labels, measurement results and sometimes a name inside the image area itself,
where cropping to the calibrated regions cannot remove them. Text is drawn as thin strokes of
high contrast (near white, or a saturated colour) in glyph-sized pieces set side by side on a
line; speckle is grey, soft and irregular, and bone or fascia are long bright lines. So:

1. candidate pixels: bright thin strokes (a white top-hat far above the local background, on a
   pixel near the top of the grey range) or saturated colours (graphics, not grey tissue);
2. connected components of glyph size and fill (a few pixels to ~1/10 of the frame high,
   not long lines, not blobs);
3. glyphs joined along a line (horizontal closing); a line with three glyphs or more, wider
   than high, is a text area.

A colour Doppler box is saturated too: it is reported, which is the safe side.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

Rect = tuple[int, int, int, int]

MIN_GLYPH_H, MAX_GLYPH_FRACTION = 5, 0.12
MIN_GLYPHS_PER_LINE = 3


@dataclass(frozen=True)
class TextArea:
    rect: Rect  # x, y, w, h in image pixels
    glyphs: int
    coloured: bool


def candidate_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels that look like parts of drawn text: bright thin strokes or saturated colour."""
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    rgb = rgb[..., :3]
    if rgb.dtype != np.uint8:
        rgb = cv2.normalize(rgb, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    grey = rgb.max(axis=2)
    spread = (rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)).astype(np.uint8)
    tophat = cv2.morphologyEx(grey, cv2.MORPH_TOPHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    bright = (grey >= 190) & (tophat >= 90)
    coloured = (spread >= 90) & (grey >= 120)
    return ((bright | coloured).astype(np.uint8)) * 255


def _glyphs(mask: np.ndarray) -> list[Rect]:
    h = mask.shape[0]
    max_h = max(MIN_GLYPH_H + 1, int(h * MAX_GLYPH_FRACTION))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found = []
    for i in range(1, count):
        x, y, w, hh, area = (int(v) for v in stats[i])
        if not (MIN_GLYPH_H <= hh <= max_h) or w > 2 * max_h or w * hh == 0:
            continue
        fill = area / float(w * hh)
        stroke = w * 3 <= hh  # an l, i or 1: a solid thin bar
        if (0.08 <= fill <= 0.85 or stroke) and area >= 6:
            found.append((x, y, w, hh))
    return found


def find_text_areas(rgb: np.ndarray, within: Rect | None = None) -> list[TextArea]:
    """Likely text areas of ``rgb`` (inside ``within`` = x, y, w, h, when given), in image pixels."""
    ox, oy = 0, 0
    if within is not None:
        x, y, w, h = within
        ox, oy = max(0, x), max(0, y)
        rgb = rgb[oy : y + h, ox : x + w]
    if rgb.size == 0:
        return []
    mask = candidate_mask(np.asarray(rgb))
    glyphs = _glyphs(mask)
    if len(glyphs) < MIN_GLYPHS_PER_LINE:
        return []
    glyph_mask = np.zeros(mask.shape, np.uint8)
    heights = []
    for x, y, w, h in glyphs:
        glyph_mask[y : y + h, x : x + w] = 255
        heights.append(h)
    gap = int(np.median(heights) * 1.6) + 1
    lines = cv2.morphologyEx(glyph_mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    spread = rgb[..., :3].max(axis=2).astype(np.int16) - rgb[..., :3].min(axis=2) if rgb.ndim == 3 else None
    areas = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i][:4])
        inside = [g for g in glyphs if x <= g[0] and g[0] + g[2] <= x + w and y <= g[1] and g[1] + g[3] <= y + h]
        if len(inside) < MIN_GLYPHS_PER_LINE or w < 1.5 * h:
            continue
        coloured = bool(spread is not None and (spread[y : y + h, x : x + w] >= 90).mean() > 0.02)
        pad = 2  # the strokes' anti-aliased edges
        areas.append(TextArea((ox + x - pad, oy + y - pad, w + 2 * pad, h + 2 * pad), len(inside), coloured))
    return areas


def uncovered(areas: Iterable[TextArea], boxes: Iterable[Rect]) -> list[TextArea]:
    """The text areas that no redaction box (x, y, w, h) hides whole."""
    boxes = list(boxes)

    def hidden(r: Rect) -> bool:
        x, y, w, h = r
        return any(bx <= x and by <= y and x + w <= bx + bw and y + h <= by + bh for bx, by, bw, bh in boxes)

    return [a for a in areas if not hidden(a.rect)]
