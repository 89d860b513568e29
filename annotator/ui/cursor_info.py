"""What the status bar says about the point under the cursor: pixel, mm in the region under
it, grey value, frame and time, and where the calibration comes from."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from annotator.media.calibration import SOURCE_US_REGION, Calibration


@dataclass(frozen=True)
class CursorInfo:
    x: float  # image pixels
    y: float
    inside: bool
    #: (across from the left edge, depth from the top) of the scanner's region under the cursor
    mm: tuple[float, float] | None
    value: str  # grey level, or R G B
    frame: int
    time_ms: float
    calibration: str  # e.g. "us-region 0.259 x 0.259 mm/px", "uncalibrated"
    #: depth below the skin line or the ruler's zero; None when nobody knows where that is
    depth_mm: float | None = None

    def text(self) -> str:
        parts = [f"x {self.x:.0f}  y {self.y:.0f} px"]
        if self.mm is not None:
            parts.append(f"x {self.mm[0]:.1f} mm  depth {self.mm[1]:.1f} mm")
        elif self.depth_mm is not None:
            parts.append(f"depth {self.depth_mm:.1f} mm")
        if self.value:
            parts.append(self.value)
        parts.append(f"frame {self.frame}  {self.time_ms / 1000:.3f} s")
        parts.append(self.calibration)
        return "   |   ".join(parts)


def pixel_value(frame: np.ndarray, x: int, y: int) -> str:
    r, g, b = (int(v) for v in frame[y, x, :3])
    return f"grey {r}" if r == g == b else f"RGB {r} {g} {b}"


def calibration_text(calibration: Calibration, x: float, y: float) -> str:
    region = calibration.region_at(x, y)
    if region is not None and region.is_spatial:
        sx, sy = region.mm_per_px_x, region.mm_per_px_y
        assert sx is not None and sy is not None
        scale = f"{sx:.3f} mm/px" if abs(sx - sy) <= 1e-9 else f"{sx:.3f} x {sy:.3f} mm/px"
        return f"{region.source} {scale}"
    if region is not None:
        return f"no length here ({region.description})"
    return "uncalibrated (px)" if not calibration.spatial_regions else "outside the calibrated regions"


def cursor_info(frame: np.ndarray | None, calibration: Calibration, x: float, y: float,
                frame_index: int, time_ms: float) -> CursorInfo:
    h, w = (frame.shape[0], frame.shape[1]) if frame is not None else (0, 0)
    ix, iy = math.floor(x + 0.5), math.floor(y + 0.5)  # the pixel whose centre is nearest
    inside = 0 <= ix < w and 0 <= iy < h
    value = pixel_value(frame, ix, iy) if inside and frame is not None else ""
    region = calibration.region_at(x, y)
    mm, depth = None, None
    if region is not None and region.is_spatial:
        sx, sy = region.mm_per_px_x, region.mm_per_px_y
        assert sx is not None and sy is not None
        if region.source == SOURCE_US_REGION:
            # edges, not the reference pixel (which may lie far outside, e.g. a sector's apex):
            # depth is measured from the top of the scanner's region, where the skin is
            mm = ((x - (region.x0 - 0.5)) * sx, (y - (region.y0 - 0.5)) * sy)
            depth = mm[1]
        elif region.depth_zero_y is not None:  # a manual calibration that knows the ruler's zero
            depth = (y - region.depth_zero_y) * sy
        # otherwise (Pixel Spacing, a manual scale without a zero) the top of the frame is not
        # the skin: a depth from it would be wrong, so none is shown
    return CursorInfo(x, y, inside, mm, value, frame_index, time_ms, calibration_text(calibration, x, y), depth)
