"""Where the ultrasound image is, so exports leave out the scanner's header text and menus.

DICOM regions say it exactly; without them (video, stills) the imaging area is found: in a clip,
the pixels that change over time (a scanner's header, menus and depth ruler do not); in a still,
the largest densely textured area (speckle), with text lines opened away. The result is a
rectangle that a user may adjust (``ImagingArea.adjusted``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from annotator.media.base import Media
from annotator.media.calibration import Region

Rect = tuple[int, int, int, int]  # x, y, width, height in image pixels

#: Region Spatial Format values that hold image data (2D, M-mode, spectral, waveform); 0 none and
#: 5 graphics are left out, since a scanner puts text in graphics regions.
IMAGE_SPATIAL_FORMATS = frozenset({1, 2, 3, 4})
MOTION_SAMPLE_FRAMES = 24
MIN_AREA_FRACTION = 0.04


@dataclass(frozen=True)
class ImagingArea:
    """The part of a frame an export keeps: ``rect`` is cropped to, and inside it anything
    outside ``keep`` (the calibrated regions, when known) is blacked out."""

    rect: Rect
    source: str  # "regions", "motion", "texture", "full" or "user"
    keep: tuple[Rect, ...] = ()

    def adjusted(self, rect: Rect, width: int, height: int) -> ImagingArea:
        """The user's rectangle instead of the found one (clamped to the image)."""
        return replace(self, rect=clamp_rect(rect, width, height), source="user")

    @property
    def masks(self) -> bool:
        return bool(self.keep)


def clamp_rect(rect: Rect, width: int, height: int) -> Rect:
    x, y, w, h = (int(round(v)) for v in rect)
    x0, y0 = min(max(x, 0), width - 1), min(max(y, 0), height - 1)
    x1, y1 = min(max(x + w, x0 + 1), width), min(max(y + h, y0 + 1), height)
    return (x0, y0, x1 - x0, y1 - y0)


def region_rect(region: Region) -> Rect:
    return (region.x0, region.y0, region.x1 - region.x0 + 1, region.y1 - region.y0 + 1)


def union_rect(rects: Iterable[Rect]) -> Rect:
    rs = list(rects)
    x0 = min(r[0] for r in rs)
    y0 = min(r[1] for r in rs)
    x1 = max(r[0] + r[2] for r in rs)
    y1 = max(r[1] + r[3] for r in rs)
    return (x0, y0, x1 - x0, y1 - y0)


def area_from_regions(regions: Sequence[Region], width: int, height: int) -> ImagingArea | None:
    """The bounding box of the image-data regions, masking what lies between them."""
    rects = [
        clamp_rect(region_rect(r), width, height)
        for r in regions
        if r.spatial_format in IMAGE_SPATIAL_FORMATS or r.is_spatial
    ]
    if not rects:
        return None
    return ImagingArea(union_rect(rects), "regions", tuple(rects))


def _grey_small(image: np.ndarray, factor: int) -> np.ndarray:
    grey = image[..., 1] if image.ndim == 3 else image  # green carries the B-mode grey well
    return np.ascontiguousarray(grey[::factor, ::factor]).astype(np.float32)


def _largest_component_rect(mask: np.ndarray, min_fraction: float) -> Rect | None:
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[best])
    if area < min_fraction * mask.size:
        return None
    return (x, y, w, h)


def _scaled(rect: Rect, factor: int, width: int, height: int) -> Rect:
    x, y, w, h = rect
    return clamp_rect((x * factor, y * factor, w * factor, h * factor), width, height)


def _factor(width: int, height: int) -> int:
    return max(1, int(max(width, height) // 400))


def motion_rect(frames: Sequence[np.ndarray]) -> Rect | None:
    """The bounding box of the largest area whose pixels change between the frames."""
    if len(frames) < 3:
        return None
    height, width = frames[0].shape[:2]
    factor = _factor(width, height)
    stack = np.stack([_grey_small(f, factor) for f in frames])
    spread = stack.std(axis=0)
    threshold = max(1.5, float(np.percentile(spread, 50)) * 0.5)
    mask = (spread > threshold).astype(np.uint8)
    k = max(3, int(min(mask.shape) * 0.03) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    rect = _largest_component_rect(mask, MIN_AREA_FRACTION)
    return None if rect is None else _scaled(rect, factor, width, height)


def texture_rect(image: np.ndarray) -> Rect | None:
    """The bounding box of the largest densely textured (speckled) area of a still.

    Speckle makes nearly every pixel differ from its neighbours; text and menus are thin strokes
    on a flat background, so only part of their neighbourhood is busy: a density test and an
    opening larger than a text line leave them out (tuned on real scanner screens).
    """
    height, width = image.shape[:2]
    factor = _factor(width, height)
    grey = _grey_small(image, factor)
    mean = cv2.blur(grey, (3, 3))
    sq_mean = cv2.blur(grey * grey, (3, 3))
    busy = (np.sqrt(np.maximum(sq_mean - mean * mean, 0.0)) > 3.0).astype(np.float32)
    win = max(9, int(min(grey.shape) * 0.06) | 1)
    mask = (cv2.blur(busy, (win, win)) > 0.75).astype(np.uint8)
    k = max(5, int(min(mask.shape) * 0.05) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    rect = _largest_component_rect(mask, MIN_AREA_FRACTION)
    return None if rect is None else _scaled(rect, factor, width, height)


def sample_indices(frame_count: int, n: int = MOTION_SAMPLE_FRAMES) -> list[int]:
    if frame_count <= n:
        return list(range(frame_count))
    return sorted({int(round(i)) for i in np.linspace(0, frame_count - 1, n)})


def find_imaging_area(media: Media, frame: int = 0) -> ImagingArea:
    """Regions if the file has them; else motion (clips) or texture (stills); else everything."""
    width, height = media.width, media.height
    regions = media.calibration_at(frame).regions if media.frame_count else ()
    found = area_from_regions(regions, width, height)
    if found is not None:
        return found
    rect: Rect | None = None
    source = "full"
    if media.frame_count >= 3:
        frames = [media.frame(i) for i in sample_indices(media.frame_count)]
        rect = motion_rect(frames)
        source = "motion"
    if rect is None:
        rect = texture_rect(media.frame(frame))
        source = "texture"
    if rect is None:
        return ImagingArea((0, 0, width, height), "full")
    return ImagingArea(rect, source)


@functools.lru_cache(maxsize=16)
def _keep_mask(area: ImagingArea) -> np.ndarray | None:
    """Inside the area's rectangle, the pixels of a kept region (None: all of them)."""
    x, y, w, h = area.rect
    if not area.keep:
        return None
    keep = np.zeros((h, w), dtype=bool)
    for rx, ry, rw, rh in area.keep:
        x0, y0 = max(rx - x, 0), max(ry - y, 0)
        x1, y1 = min(rx + rw - x, w), min(ry + rh - y, h)
        if x1 > x0 and y1 > y0:
            keep[y0:y1, x0:x1] = True
    return None if keep.all() else keep


def needs_mask(area: ImagingArea, width: int, height: int) -> bool:
    """False when the area is the whole frame with nothing inside it to black out."""
    return area.rect != (0, 0, width, height) or _keep_mask(area) is not None


def mask_outside(image: np.ndarray, area: ImagingArea) -> np.ndarray:
    """A copy of ``image`` (full size), black outside the area's rectangle and kept regions.

    Black borders also stop a smoothly scaled crop from sampling the pixels just outside it.
    """
    x, y, w, h = area.rect
    out = np.array(image, copy=True)
    out[:y] = 0
    out[y + h :] = 0
    out[:, :x] = 0
    out[:, x + w :] = 0
    keep = _keep_mask(area)
    if keep is not None:
        inside = out[y : y + h, x : x + w]
        inside[~keep] = 0
    return out


def clean_image(image: np.ndarray, area: ImagingArea) -> np.ndarray:
    """The area's pixels only: cropped to its rectangle, masked outside its regions."""
    x, y, w, h = area.rect
    return np.ascontiguousarray(mask_outside(image, area)[y : y + h, x : x + w])
