"""Non-square pixels (e.g. 0.286 x 0.229 mm, or a declared 4:3 pixel) shown at their true
physical shape: the image is stretched along its coarser axis, so what looks like 135 degrees
measures 135 degrees."""

from __future__ import annotations

from PySide6.QtCore import QRectF

from annotator.media.calibration import SOURCE_MANUAL, Calibration
from annotator.render.overlays import scale_bar_region

#: pixels closer to square than this are drawn square (no resampling for a rounding error)
SQUARE_TOLERANCE = 0.01


def pixel_aspect(calibration: Calibration, width: int, height: int) -> tuple[float, float]:
    """(x, y) stretch of each image pixel for a true-aspect picture, the smaller being 1: from
    the spatial region under the image's centre, else the largest (their x and y mm per
    pixel); else from the shape the file declares (DICOM Pixel Aspect Ratio, a video's sample
    aspect ratio), which also wins over a manual calibration; (1, 1) otherwise. This is the one
    place that reads the pixels' shape; ``render.transform`` is the one place that applies it."""
    region = scale_bar_region(calibration, QRectF(-0.5, -0.5, width, height))
    declared = calibration.pixel_shape
    if (region is not None and region.mm_per_px_x is not None and region.mm_per_px_y is not None
            and (declared is None or region.source != SOURCE_MANUAL)):
        sx, sy = region.mm_per_px_x, region.mm_per_px_y
    elif declared is not None:
        sx, sy = declared
    else:
        return 1.0, 1.0
    if abs(sx - sy) <= SQUARE_TOLERANCE * max(sx, sy):
        return 1.0, 1.0
    finer = min(sx, sy)
    return sx / finer, sy / finer
