"""Turning a decoded Pillow image into display RGB uint8, keeping the stored values reachable."""

from __future__ import annotations

import numpy as np
from PIL import Image

#: Pillow modes holding more than 8 bits per sample (grey)
HIGH_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I", "F"})


def stored_values(img: Image.Image) -> np.ndarray:
    """The pixel values as stored: 2-D for grey, (h, w, c) for colour; uint16/int32/float kept."""
    if img.mode in HIGH_BIT_MODES:
        arr = np.asarray(img)
        return arr.astype(arr.dtype.newbyteorder("=")) if arr.dtype.byteorder == ">" else arr
    if img.mode == "1":
        return np.asarray(img.convert("L"))
    return np.asarray(img)


def to_display_rgb(img: Image.Image) -> np.ndarray:
    """RGB uint8 (h, w, 3): grey expanded, palette applied, alpha composited on black.

    More than 8 bits are scaled by the bit depth the values use (12-bit data by 4095), not by
    a per-image window, so grey levels stay proportional to the stored values.
    """
    mode = img.mode
    if mode in HIGH_BIT_MODES:
        return _grey_to_rgb(scale_to_uint8(stored_values(img)))
    if mode in ("1", "L"):
        return _grey_to_rgb(np.asarray(img.convert("L")))
    if mode == "LA":
        la = np.asarray(img)
        return _grey_to_rgb(_composite_on_black(la[..., :1], la[..., 1])[..., 0])
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in img.info
        img = img.convert("RGBA" if has_alpha else "RGB")
        mode = img.mode
    if mode in ("RGBA", "RGBa"):
        rgba = np.asarray(img.convert("RGBA"))
        return _composite_on_black(rgba[..., :3], rgba[..., 3])
    if mode != "RGB":  # CMYK, YCbCr, LAB, HSV, RGBX
        img = img.convert("RGB")
    return np.asarray(img)


def scale_to_uint8(values: np.ndarray) -> np.ndarray:
    """Map grey values to 0..255 by the bit depth they use (at least 8 bits)."""
    if values.dtype.kind == "f":
        finite = values[np.isfinite(values)]
        lo = float(finite.min()) if finite.size else 0.0
        hi = float(finite.max()) if finite.size else 1.0
        span = hi - lo if hi > lo else 1.0
        scaled = (np.nan_to_num(values, nan=lo) - lo) * (255.0 / span)
        return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    ints = np.clip(values.astype(np.int64), 0, None)
    top = int(ints.max()) if ints.size else 0
    bits = max(8, top.bit_length())
    full = (1 << bits) - 1
    # Integer rounding: (v * 255 + full // 2) // full is exact for every depth up to 32 bits.
    return ((ints * 255 + full // 2) // full).astype(np.uint8)


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    return np.repeat(grey[..., None], 3, axis=2)


def _composite_on_black(colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    if alpha.min() == 255:  # opaque screenshots: the common case, no arithmetic
        return np.ascontiguousarray(colour)
    out = (colour.astype(np.uint16) * alpha[..., None].astype(np.uint16) + 127) // 255
    return out.astype(np.uint8)
