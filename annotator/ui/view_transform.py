"""Where the image sits in the viewer: zoom and pan, fit-to-window, 1:1, zoom at a point.

This is the viewer's state; the transform itself (painting, and clicks mapped back) is the
``render.transform.ImageTransform`` every export uses too (``image_transform()``).
Image coordinates have pixel centres at integers (a pixel covers i-0.5..i+0.5); widget
coordinates are device-independent pixels. At 1:1 the image lands on whole widget pixels, so
the screen shows the stored pixels exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTransform

from annotator.render.transform import ImageTransform, true_size

MIN_ZOOM, MAX_ZOOM = 0.05, 40.0


@dataclass
class ViewTransform:
    zoom: float = 1.0
    offset_x: float = 0.0  # widget position of the image's top-left edge (-0.5, -0.5)
    offset_y: float = 0.0
    fit: bool = True  # follow the widget size until the user zooms or pans
    #: widget units per image pixel at zoom 1, per axis: non-square pixels are shown at their
    #: true physical shape (e.g. (1.25, 1.0) for 0.286 x 0.229 mm pixels); 1:1 by default
    aspect_x: float = 1.0
    aspect_y: float = 1.0

    @property
    def scale_x(self) -> float:
        """Widget units per image pixel across."""
        return self.zoom * self.aspect_x

    @property
    def scale_y(self) -> float:
        """Widget units per image pixel down."""
        return self.zoom * self.aspect_y

    @property
    def min_scale(self) -> float:
        """Widget units per image pixel along the finer axis (for tolerances in image pixels)."""
        return min(self.scale_x, self.scale_y)

    def set_aspect(self, aspect_x: float, aspect_y: float, centre: QPointF | None = None) -> None:
        """Change the pixel shape keeping the image point at ``centre`` (widget) where it is."""
        keep = self.widget_to_image(centre.x(), centre.y()) if centre is not None else None
        self.aspect_x, self.aspect_y = aspect_x, aspect_y
        if centre is not None and keep is not None:
            self._place(ImageTransform.anchored(self.zoom, keep, centre, (aspect_x, aspect_y)))

    def _place(self, xf: ImageTransform) -> None:
        self.offset_x, self.offset_y = xf.left, xf.top

    def image_transform(self) -> ImageTransform:
        """Image -> widget: the one transform (``render.transform``), pixel shape included."""
        return ImageTransform.view(self.zoom, self.offset_x, self.offset_y, (self.aspect_x, self.aspect_y))

    def to_widget(self) -> QTransform:
        return self.image_transform().to_device()

    def widget_to_image(self, x: float, y: float) -> tuple[float, float]:
        return self.image_transform().to_image(x, y)

    def image_rect_in_widget(self, width: int, height: int) -> QRectF:
        return self.image_transform().device_rect((0, 0, width, height))

    def fit_to(self, image_w: int, image_h: int, widget_w: float, widget_h: float, margin: float = 8.0) -> None:
        if image_w <= 0 or image_h <= 0 or widget_w <= 0 or widget_h <= 0:
            return
        true_w, true_h = true_size(image_w, image_h, (self.aspect_x, self.aspect_y))
        zoom = min((widget_w - 2 * margin) / true_w, (widget_h - 2 * margin) / true_h)
        self.zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self._centre(image_w, image_h, widget_w, widget_h)
        self.fit = True

    def actual_size(self, image_w: int, image_h: int, widget_w: float, widget_h: float) -> None:
        self.zoom = 1.0
        self._centre(image_w, image_h, widget_w, widget_h)
        self.fit = False

    def _centre(self, image_w: int, image_h: int, widget_w: float, widget_h: float) -> None:
        true_w, true_h = true_size(image_w, image_h, (self.aspect_x, self.aspect_y), self.zoom)
        ox, oy = (widget_w - true_w) / 2, (widget_h - true_h) / 2
        if self.zoom >= 1.0 and float(self.zoom).is_integer():
            ox, oy = math.floor(ox), math.floor(oy)  # whole pixels: an exact 1:1 (or 2:1) picture
        self.offset_x, self.offset_y = ox, oy

    def zoom_at(self, factor: float, at: QPointF) -> None:
        """Zoom by ``factor`` keeping the image point under ``at`` (widget) where it is."""
        new_zoom = min(max(self.zoom * factor, MIN_ZOOM), MAX_ZOOM)
        if new_zoom == self.zoom:
            return
        keep = self.widget_to_image(at.x(), at.y())
        self.zoom = new_zoom
        self._place(ImageTransform.anchored(new_zoom, keep, at, (self.aspect_x, self.aspect_y)))
        self.fit = False

    def pan(self, dx: float, dy: float) -> None:
        self.offset_x += dx
        self.offset_y += dy
        self.fit = False
