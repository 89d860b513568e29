"""Where the B-mode image lies within a frame that declares none: a scanner's screen, saved as
a video or a still, carries a header, rulers, menus and black margins around it.

``imaging_area`` finds it in one grey frame (the largest textured region that is not a flat
panel); the muscle architecture analysis searches it, and a fascicle that leaves it is
extrapolated. ``found_image_region`` is the same area of a media's first frame as a ``Region``,
found once per media: the case measures a fascicle against it as the analysis does, so an
annotation made from an ``architecture`` row says "extrapolated" where the row does.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import cv2
import numpy as np

from annotator.media.base import Media, MediaError
from annotator.media.calibration import Region
from annotator.media.grey import to_grey

#: a ``Region`` found in the pixels (never a calibration: it gives no lengths)
SOURCE_FOUND = "found"


@dataclass(frozen=True)
class Area:
    """The imaging area (x0, y0, x1, y1), exclusive end, in image pixels."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def centre_x(self) -> float:
        """The centre column, in image pixels."""
        return (self.x0 + self.x1 - 1) / 2.0


def imaging_area(grey: np.ndarray, roi: tuple[int, int, int, int] | None = None) -> Area:
    """The B-mode image within a frame: the largest textured region that is not a flat panel
    (scanner screens carry a header, rulers and text around it), over the rows and columns it
    fills (``_filled_span``), or ``roi`` clipped to the frame."""
    h, w = grey.shape
    if roi is not None:
        x0, y0, x1, y1 = roi
        x0, x1 = sorted((max(0, min(w, int(x0))), max(0, min(w, int(x1)))))
        y0, y1 = sorted((max(0, min(h, int(y0))), max(0, min(h, int(y1)))))
        if x1 - x0 < 16 or y1 - y0 < 16:
            raise ValueError(f"the region {roi} is too small or outside the {w}x{h} image")
        return Area(x0, y0, x1, y1)
    f = max(1, round(max(w, h) / 400))
    small = cv2.resize(grey, (w // f, h // f), interpolation=cv2.INTER_AREA).astype(np.float32)
    mean = cv2.blur(small, (7, 7))
    sd = np.sqrt(np.maximum(cv2.blur(small * small, (7, 7)) - mean * mean, 0))
    raw = ((sd > 4.0) & (mean > 6.0) & ~_flat_panel(grey, small.shape)).astype(np.uint8)
    closed = cv2.morphologyEx(raw, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    mask = np.asarray(cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8)), np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    if count < 2:
        return Area(0, 0, w, h)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh = (int(v) for v in stats[best, :4])
    if bw * bh < 0.1 * (w // f) * (h // f):
        return Area(0, 0, w, h)
    cols, rows = _filled_span(labels == best, (x, y, bw, bh))
    top, bottom = _with_parts_across(labels, stats, best, cols, (int(rows[0]), int(rows[-1])))
    margin = 2
    return Area(min(w, int(cols[0] + margin) * f), min(h, int(top + margin) * f),
                max(0, int(cols[-1] + 1 - margin) * f), max(0, int(bottom + 1 - margin) * f))


#: another textured part across this share of the image's columns, and this large against the
#: largest, is the same image beyond a dark band (``_with_parts_across``)
ACROSS, PART_SHARE = 0.4, 0.03


def _with_parts_across(labels: np.ndarray, stats: np.ndarray, best: int, cols: np.ndarray,
                       rows: tuple[int, int]) -> tuple[int, int]:
    """The image's first and last rows: the largest textured part's (``rows``), widened to the
    rows another part fills more than half of (over ``cols``, as ``_filled_span`` counts), when
    that part reaches across ``ACROSS`` of the columns and is not a speck (``PART_SHARE``). A
    hypoechoic muscle at a low gain is too dark to count as texture, and splits the image in
    two: a vastus lateralis (TimTrack data set 1) with its grey levels darkened (gamma 1.6)
    kept only the rows above its muscle, and its deep aponeurosis was lost (thickness read 93 %
    short at confidence 0.67). On the 239 observer images and 80 clip frames as recorded, no
    area changes."""
    top, bottom = rows
    for k in range(1, len(stats)):
        if k == best or stats[k, cv2.CC_STAT_AREA] < PART_SHARE * stats[best, cv2.CC_STAT_AREA]:
            continue
        part = labels[:, cols] == k
        if part.any(axis=0).mean() < ACROSS:
            continue
        filled = np.flatnonzero(part.mean(axis=1) > 0.5)
        if len(filled):
            top, bottom = min(top, int(filled[0])), max(bottom, int(filled[-1]))
    return top, bottom


def _flat_panel(grey: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Where most pixels equal their neighbours: a screen's flat panels and margins, grey or
    black, with their text (closed into blobs, text joined the panels to the image: on data
    set 3's figures of a Telemed screen the area took the panels' rows and half the image's
    columns). Speckle almost never repeats a pixel; black deep tissue does, but was never
    texture (the mean > 6 test)."""
    g = grey.astype(np.int16)
    flat = np.zeros(grey.shape, np.float32)
    flat[:-1, :-1] = ((g[:-1, :-1] == g[1:, :-1]) & (g[:-1, :-1] == g[:-1, 1:]))
    small = cv2.resize(flat, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.blur(small, (7, 7)) > 0.5)


def _filled_span(inside: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The columns and rows the component fills more than half of, each counted over the
    other's span (a bounding box can include a stray corner, and a header's text can join a
    side panel to the image). Counted over the whole frame instead, the columns of a screen
    whose deep half is black held 0.43 of its height and were lost, leaving half the image."""
    x, y, bw, bh = box
    cols, rows = np.arange(x, x + bw), np.arange(y, y + bh)
    for _ in range(3):
        new_rows = np.flatnonzero(inside[:, cols].mean(axis=1) > 0.5)
        if len(new_rows) < 8:
            break
        new_cols = np.flatnonzero(inside[new_rows, :].mean(axis=0) > 0.5)
        if len(new_cols) < 8:
            break
        if np.array_equal(new_rows, rows) and np.array_equal(new_cols, cols):
            break
        rows, cols = new_rows, new_cols
    return cols, rows


_found: weakref.WeakKeyDictionary[Media, Region | None] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def found_image_region(media: Media) -> Region | None:
    """The B-mode image found on ``media``'s first frame (``imaging_area``), as a region in
    inclusive pixel bounds, or None when it is the whole frame or the frame cannot be read
    (then the frame's own edges are the image's). Found once per media: measuring a fascicle
    asks for it on every frame of a series."""
    with _lock:
        if media in _found:
            return _found[media]
    region: Region | None = None
    try:
        if media.frame_count > 0:
            grey = to_grey(media.frame(0))
            area = imaging_area(grey)
            h, w = grey.shape[:2]
            if (area.x0, area.y0, area.x1, area.y1) != (0, 0, w, h) and area.width > 0 and area.height > 0:
                region = Region(area.x0, area.y0, area.x1 - 1, area.y1 - 1, source=SOURCE_FOUND)
    except (MediaError, IndexError, ValueError, cv2.error):
        region = None  # unreadable: the frame's edges stand (measuring reports its own errors)
    with _lock:
        _found[media] = region
    return region
