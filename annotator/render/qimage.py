"""numpy RGB arrays <-> QImage, without copies where the caller keeps the array alive."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def _checked_rgb(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 array of shape (h, w, 3), got {rgb.dtype} {rgb.shape}")
    return rgb if rgb.flags.c_contiguous else np.ascontiguousarray(rgb)


def wrap_rgb(rgb: np.ndarray) -> QImage:
    """A QImage that reads the array's memory: valid only while ``rgb`` lives and is unchanged."""
    rgb = _checked_rgb(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)


def numpy_to_qimage(rgb: np.ndarray) -> QImage:
    """An independent QImage (Format_RGB888) holding a copy of ``rgb``."""
    return wrap_rgb(rgb).copy()


def qimage_to_numpy(image: QImage) -> np.ndarray:
    """The image's pixels as a new RGB uint8 array (h, w, 3); alpha is dropped."""
    if image.isNull():
        raise ValueError("cannot convert a null QImage")
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    buffer = np.frombuffer(rgb.constBits(), dtype=np.uint8, count=stride * h)
    return buffer.reshape(h, stride)[:, : 3 * w].reshape(h, w, 3).copy()
