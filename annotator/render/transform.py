"""The one image-to-device transform: how image pixels land on a screen, a figure panel, a clip
frame or a preview, non-square pixels included.

Image coordinates have pixel centres at integers (pixel i covers i - 0.5 .. i + 0.5). Every
picture of an image is a scale per axis and an offset, and every place that draws or hit-tests
an image builds it here: the viewer (zoom and pan), the compare panels, each export and the
export dialog's previews. Non-square pixels enter only as ``pixel_aspect`` (from
``render.aspect.pixel_aspect``): the (x, y) stretch that shows them at their true shape.
Clicks go back through ``to_image``, the exact inverse.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTransform

#: (x, y) stretch of each image pixel, the finer axis being 1 (``render.aspect.pixel_aspect``)
PixelAspect = tuple[float, float]
SQUARE: PixelAspect = (1.0, 1.0)
#: (x, y, w, h) in image pixels: pixel x is the first column shown
Crop = tuple[float, float, float, float]


def true_size(width: float, height: float, pixel_aspect: PixelAspect = SQUARE, scale: float = 1.0) -> tuple[float, float]:
    """Device size of ``width`` x ``height`` image pixels shown at their true shape, ``scale``
    device units per image pixel along the finer axis."""
    return width * scale * pixel_aspect[0], height * scale * pixel_aspect[1]


@dataclass(frozen=True)
class ImageTransform:
    """Image -> device, per axis: ``device = (image + 0.5) * scale + edge``."""

    scale_x: float  # device units per image pixel across
    scale_y: float  # device units per image pixel down
    left: float = 0.0  # device x of the image's left edge (image x = -0.5)
    top: float = 0.0  # device y of the image's top edge (image y = -0.5)

    @classmethod
    def view(cls, zoom: float, left: float, top: float, pixel_aspect: PixelAspect = SQUARE) -> ImageTransform:
        """A viewer's: ``zoom`` device units per image pixel along the finer axis, the image's
        top-left edge at (left, top)."""
        return cls(zoom * pixel_aspect[0], zoom * pixel_aspect[1], left, top)

    @classmethod
    def anchored(cls, zoom: float, image_point: tuple[float, float], at: QPointF,
                 pixel_aspect: PixelAspect = SQUARE) -> ImageTransform:
        """A viewer's at ``zoom``, with ``image_point`` under the device point ``at`` (zoom
        about the cursor, a pixel-shape change about the centre, a linked panel following)."""
        sx, sy = zoom * pixel_aspect[0], zoom * pixel_aspect[1]
        return cls(sx, sy, at.x() - (image_point[0] + 0.5) * sx, at.y() - (image_point[1] + 0.5) * sy)

    @classmethod
    def onto(cls, crop: Crop, target: QRectF) -> ImageTransform:
        """The image pixels ``crop`` filling ``target`` exactly (an export's panel or frame,
        whose size was chosen with ``true_size``)."""
        x, y, w, h = crop
        if w <= 0 or h <= 0:
            raise ValueError(f"empty crop {crop}")
        sx, sy = target.width() / w, target.height() / h
        return cls(sx, sy, target.x() - x * sx, target.y() - y * sy)

    @classmethod
    def scaled(cls, crop: Crop, scale: float, pixel_aspect: PixelAspect = SQUARE,
               origin: QPointF | None = None) -> ImageTransform:
        """The image pixels ``crop`` at their true shape, ``scale`` device units per image pixel
        along the finer axis, pixel (x, y)'s top-left corner at ``origin`` (default 0, 0)."""
        w, h = true_size(crop[2], crop[3], pixel_aspect, scale)
        at = origin if origin is not None else QPointF(0.0, 0.0)
        return cls.onto(crop, QRectF(at.x(), at.y(), w, h))

    @property
    def min_scale(self) -> float:
        """Device units per image pixel along the finer axis (tolerances in image pixels)."""
        return min(self.scale_x, self.scale_y)

    def to_device(self) -> QTransform:
        """For ``QPainter`` and ``paint_scene``."""
        sx, sy = self.scale_x, self.scale_y
        return QTransform(sx, 0.0, 0.0, sy, self.left + 0.5 * sx, self.top + 0.5 * sy)

    def map(self, x: float, y: float) -> tuple[float, float]:
        """Image point -> device point."""
        return (x + 0.5) * self.scale_x + self.left, (y + 0.5) * self.scale_y + self.top

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """Device point -> image point (clicks, the cursor read-out): the exact inverse of ``map``."""
        return (x - self.left) / self.scale_x - 0.5, (y - self.top) / self.scale_y - 0.5

    def device_rect(self, crop: Crop) -> QRectF:
        """Where the image pixels ``crop`` land."""
        x, y, w, h = crop
        return QRectF(self.left + x * self.scale_x, self.top + y * self.scale_y, w * self.scale_x, h * self.scale_y)

    def image_rect(self, device: QRectF) -> QRectF:
        """The image region (pixel-edge coordinates, centre convention) under a device rectangle."""
        x0, y0 = self.to_image(device.left(), device.top())
        x1, y1 = self.to_image(device.right(), device.bottom())
        return QRectF(QPointF(x0, y0), QPointF(x1, y1)).normalized()


def source_rect(crop: Crop) -> QRectF:
    """The crop as ``paint_scene``'s ``source_rect``: its pixels' outer edges, image coordinates."""
    x, y, w, h = crop
    return QRectF(x - 0.5, y - 0.5, w, h)
