"""One renderer for the screen and every export (QtGui only, never widgets).

``paint_scene`` paints a frame with its annotations, labels, values and scale bar onto any
QPainter through an ``ImageTransform`` (``render.transform``, the one image-to-device
transform); ``render_scene`` returns it as a QImage for exports and thumbnails.
"""

from annotator.render.aspect import pixel_aspect
from annotator.render.geometry import EllipseGeometry, angle_degrees, ellipse_geometry
from annotator.render.overlays import scale_bar_length_mm
from annotator.render.painter import (
    LabelBox,
    paint_scene,
    primary_value_text,
    render_scene,
)
from annotator.render.qimage import numpy_to_qimage, qimage_to_numpy
from annotator.render.scene import FrameScene, MeasureFn, MeasurementLike, RenderOptions
from annotator.render.transform import SQUARE, ImageTransform, PixelAspect, source_rect, true_size

__all__ = [
    "EllipseGeometry",
    "FrameScene",
    "ImageTransform",
    "LabelBox",
    "MeasureFn",
    "MeasurementLike",
    "PixelAspect",
    "RenderOptions",
    "SQUARE",
    "angle_degrees",
    "ellipse_geometry",
    "numpy_to_qimage",
    "paint_scene",
    "pixel_aspect",
    "primary_value_text",
    "qimage_to_numpy",
    "render_scene",
    "scale_bar_length_mm",
    "source_rect",
    "true_size",
]
