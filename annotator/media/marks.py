"""Coloured graphics a scanner or an exporting program burned into a grey B-mode image
(calipers and their dotted lines, a marker's track, icons, coloured labels), found so that an
analysis of the tissue can leave them out.

A B-mode image is grey: its tissue has no colour. A pixel whose channels differ strongly is
drawn on it (corpus: the MotorEndplate GIF's dotted magenta track over the muscle, a Philips
screen's magenta icon). Where much of a frame is coloured it is no grey image with marks but
colour Doppler, a tinted grey map or a colour screen: nothing is left out (data set images
and the corpus clips' screens: 0-0.3 % of the frame; colour Doppler and echo DICOMs 5-9 %).

Marked pixels are filled from the unmarked tissue around them (a normalised convolution), so
a line search sees speckle there, not a bright dotted line or a label's strokes. Only the marks
over the B-mode image itself are (``image_marks``): a scanner screen's coloured icons and
labels around it hide no tissue, and filling them cost every frame of a clip 2.5 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from annotator.media.bmode_area import Area, imaging_area
from annotator.media.grey import to_grey

MIN_SPREAD = 60  # grey levels between a pixel's strongest and weakest channel: drawn colour
MIN_VALUE = 96  # ... on a pixel this bright (dark coloured pixels are compression noise)
MAX_SHARE = 0.02  # of the frame: more coloured than this is a colour image, not a grey one with marks
# the marks' anti-aliased and compressed edges: faintly coloured pixels this near a mark. Only
# those: every hidden pixel takes texture from the image, and a band grown around a dotted
# caliper turned a data set 1 fascicle by 4.8 deg where the caliper itself moved nothing
EDGE_SPREAD, EDGE_REACH = 16, 2
FILL_SIGMA = 3.0  # px: how far around the marks the tissue they hide is estimated from
MAX_PIECES = 400  # separate pieces filled box by box; more (a page of text) in one box


@dataclass(frozen=True)
class Marks:
    """Where a frame's coloured marks lie: a mask of the frame's size and the boxes
    (x0, y0, x1, y1) around its pieces, with room for the fill."""

    mask: np.ndarray  # bool, the frame's height x width
    boxes: tuple[tuple[int, int, int, int], ...]

    @property
    def pixels(self) -> int:
        return int(np.count_nonzero(self.mask))

    def fill(self, grey: np.ndarray) -> np.ndarray:
        """``grey`` (a frame's grey channel, the size of the mask) with the marked pixels
        replaced by the mean of the unmarked pixels near them; ``grey`` itself is not changed.
        A frame of another size is returned as it is."""
        if grey.shape[:2] != self.mask.shape:
            return grey
        out = grey.copy()
        for x0, y0, x1, y1 in self.boxes:
            keep = (~self.mask[y0:y1, x0:x1]).astype(np.float32)
            part = grey[y0:y1, x0:x1].astype(np.float32)
            weight = cv2.GaussianBlur(keep, (0, 0), FILL_SIGMA)
            mean = cv2.GaussianBlur(part * keep, (0, 0), FILL_SIGMA) / np.maximum(weight, 1e-3)
            hidden = self.mask[y0:y1, x0:x1]
            out[y0:y1, x0:x1][hidden] = np.clip(mean[hidden], 0, 255).astype(out.dtype)
        return out

    def within(self, area: Area) -> Marks | None:
        """Only the pieces with marked pixels inside ``area``, or None when none has."""
        keep = tuple(b for b in self.boxes if self.mask[max(b[1], area.y0):min(b[3], area.y1),
                                                        max(b[0], area.x0):min(b[2], area.x1)].any())
        if not keep:
            return None
        if len(keep) == len(self.boxes):
            return self
        inside = np.zeros_like(self.mask)
        for x0, y0, x1, y1 in keep:
            inside[y0:y1, x0:x1] = True
        return Marks(self.mask & inside, keep)


def image_marks(frame: np.ndarray, roi: tuple[int, int, int, int] | None = None) -> Marks | None:
    """The coloured marks over the B-mode image of ``frame`` (``bmode_area.imaging_area`` of
    the frame with every mark filled, or ``roi``), or None: the ones an analysis of the tissue
    must leave out."""
    marks = colour_marks(frame)
    if marks is None:
        return None
    return marks.within(imaging_area(marks.fill(to_grey(frame)), roi))


def coloured(image: np.ndarray, max_share: float) -> np.ndarray | None:
    """Where ``image`` (RGB or RGBA uint8, a frame or a part of one) has marks drawn in colour:
    the strongly coloured pixels and the faintly coloured ones beside them; None when there are
    none, or when more than ``max_share`` of the image is strongly coloured (no grey image)."""
    r, g, b = cv2.split(np.ascontiguousarray(image[..., :3]))  # OpenCV: 20x numpy's axis=2 max
    high = cv2.max(cv2.max(r, g), b)
    spread = cv2.subtract(high, cv2.min(cv2.min(r, g), b))
    core = (spread >= MIN_SPREAD) & (high >= MIN_VALUE)
    count = int(np.count_nonzero(core))
    if count == 0 or count > max_share * core.size:
        return None
    size = 2 * EDGE_REACH + 1
    near = cv2.dilate(core.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))) > 0
    return core | (near & (spread >= EDGE_SPREAD))


def colour_marks(frame: np.ndarray) -> Marks | None:
    """The coloured marks drawn on a grey B-mode ``frame`` (RGB or RGBA uint8), or None: a
    grey frame, no marks, or so much colour that the frame is no grey image (``MAX_SHARE``)."""
    arr = np.asarray(frame)
    if arr.ndim != 3 or arr.shape[2] < 3 or arr.dtype != np.uint8:
        return None
    mask = coloured(arr, MAX_SHARE)
    if mask is None:
        return None
    h, w = mask.shape
    pad = int(3 * FILL_SIGMA) + 1  # the tissue a piece is filled from
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    pieces = stats[1:n]
    if len(pieces) > MAX_PIECES:  # one box around them all
        x0, y0 = pieces[:, 0].min(), pieces[:, 1].min()
        x1, y1 = (pieces[:, 0] + pieces[:, 2]).max(), (pieces[:, 1] + pieces[:, 3]).max()
        pieces = np.array([[x0, y0, x1 - x0, y1 - y0, 0]])
    boxes = tuple((max(0, int(x) - pad), max(0, int(y) - pad), min(w, int(x + bw) + pad), min(h, int(y + bh) + pad))
                  for x, y, bw, bh, _area in pieces)
    return Marks(mask, boxes)
