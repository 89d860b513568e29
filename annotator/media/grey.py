"""One grey channel of a decoded frame: what tracking, the muscle architecture analysis and the
B-mode image finder read (Rec. 601 luma, as the scanner's own grey)."""

from __future__ import annotations

import cv2
import numpy as np


def to_grey(frame: np.ndarray) -> np.ndarray:
    """A grey, RGB or RGBA uint8 frame as one uint8 grey channel (a grey frame as it is)."""
    arr = np.asarray(frame)
    if arr.ndim == 3:
        arr = arr[:, :, 0] if arr.shape[2] == 1 else cv2.cvtColor(np.ascontiguousarray(arr[..., :3]),
                                                                  cv2.COLOR_RGB2GRAY)
    return arr.astype(np.uint8, copy=False)
