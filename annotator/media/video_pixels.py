"""Decoded video pictures to RGB, and the compact form a prepared clip keeps on disk.

FFmpeg's swscale (PyAV's ``to_ndarray(format="rgb24")``) spends about 1 ms on a 1148x624
picture; OpenCV's BT.601 YUV 4:2:0 converter does the same in about 0.25 ms. The two differ by
rounding only (at most 3 grey levels), so the fast converter is used wherever its arithmetic is
right: planar 4:2:0, limited ("MPEG") range, BT.601 or unspecified matrix, even sizes. Anything
else (full range, BT.709, 4:4:4, 10-bit, odd sizes) goes through swscale as before.

A picture is "packed" as the bytes the converter reads: the I420 planes (1.5 bytes a pixel)
for the fast path, or the RGB itself. Unpacking and converting a packed picture gives exactly
the pixels that converting the decoded picture gives, which is what lets a prepared clip stand
in for the decoder.
"""

from __future__ import annotations

from dataclasses import dataclass

import av
import cv2
import numpy as np

#: AVColorSpace values whose matrix is BT.601 (or unspecified, which swscale treats as BT.601)
_BT601 = {2, 5, 6}  # UNSPECIFIED, BT470BG, SMPTE170M
#: AVColorRange values for limited range (unspecified is treated as limited by swscale)
_LIMITED = {0, 1}  # UNSPECIFIED, MPEG


@dataclass(frozen=True)
class PictureLayout:
    """How one decoded picture of a stream is converted: I420 through OpenCV, or RGB."""

    width: int
    height: int
    i420: bool

    @property
    def packed_bytes(self) -> int:
        if self.i420:
            return self.width * self.height * 3 // 2
        return self.width * self.height * 3


def layout_of(frame: av.VideoFrame, size: tuple[int, int]) -> PictureLayout:
    """The conversion for ``frame`` when the clip declares ``size`` (width, height)."""
    width, height = size
    fast = (
        frame.format.name == "yuv420p"
        and frame.width == width and frame.height == height
        and width % 2 == 0 and height % 2 == 0
        and int(getattr(frame, "color_range", 0) or 0) in _LIMITED
        and int(getattr(frame, "colorspace", 2) or 2) in _BT601
    )
    return PictureLayout(width, height, fast)


def pack(frame: av.VideoFrame, layout: PictureLayout, scratch: np.ndarray | None = None) -> np.ndarray:
    """The bytes ``unpack`` converts, as a contiguous uint8 array.

    With ``scratch`` (``layout.packed_bytes`` of uint8) an I420 picture is copied there, not
    into a new array: a clip read frame after frame then reuses the same memory instead of
    faulting in a fresh megabyte per frame.
    """
    if layout.i420:
        if scratch is not None and scratch.size == layout.packed_bytes:
            return _planes_into(frame, layout, scratch)
        return np.ascontiguousarray(frame.to_ndarray())  # (h * 3 / 2, w): Y, then U, then V
    if frame.width != layout.width or frame.height != layout.height:
        # A stream that changes size midway: keep every frame at the declared size.
        rgb = frame.to_ndarray(format="rgb24", width=layout.width, height=layout.height)
    else:
        rgb = frame.to_ndarray(format="rgb24")
    return np.ascontiguousarray(rgb)


def _planes_into(frame: av.VideoFrame, layout: PictureLayout, scratch: np.ndarray) -> np.ndarray:
    """Y, U and V, each without its row padding, one after the other in ``scratch``."""
    w, h = layout.width, layout.height
    flat = scratch.reshape(-1)
    start = 0
    for plane, cols, rows in zip(frame.planes, (w, w // 2, w // 2), (h, h // 2, h // 2), strict=True):
        stride = plane.line_size
        if stride < cols or plane.buffer_size < stride * rows:
            return np.ascontiguousarray(frame.to_ndarray())  # a layout we do not expect
        rows_of = np.frombuffer(memoryview(plane), np.uint8, count=stride * rows).reshape(rows, stride)
        flat[start:start + cols * rows].reshape(rows, cols)[:] = rows_of[:, :cols]
        start += cols * rows
    return flat


def unpack(packed: np.ndarray, layout: PictureLayout, out: np.ndarray) -> np.ndarray:
    """Convert packed bytes into ``out`` (height, width, 3) and return it."""
    if layout.i420:
        planes = packed.reshape(layout.height * 3 // 2, layout.width)
        cv2.cvtColor(planes, cv2.COLOR_YUV2RGB_I420, dst=out)
    else:
        np.copyto(out, packed.reshape(layout.height, layout.width, 3))
    return out


def to_rgb(frame: av.VideoFrame, size: tuple[int, int], out: np.ndarray,
           scratch: np.ndarray | None = None) -> np.ndarray:
    """Convert a decoded picture to RGB in ``out``, by the same arithmetic as a prepared clip
    (``scratch``: as for ``pack``)."""
    layout = layout_of(frame, size)
    return unpack(pack(frame, layout, scratch), layout, out)
