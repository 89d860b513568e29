"""Linked zoom and pan between comparison panels.

Panels share one coordinate system: each panel's image pixels map to it through an
``ImageFrame`` (an origin and units per pixel). Frames of one clip use image pixels as they
are, so a zoom or pan in one panel shows exactly the same pixels in the others. Two media use
millimetres from the top centre of their main calibrated region when both are calibrated
(left and right at the same physical scale, aligned at the skin under the probe's middle),
else image widths from the top centre of each image (each relative to its own size).

A linked view has the same scale (screen pixels per shared unit across) and the same shared point at
the centre of every panel; a panel fitted to its window makes the others fit theirs, each at
its own scale (``fit_together`` puts them at one scale instead).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QPointF

from annotator.media.calibration import Calibration
from annotator.render.transform import ImageTransform, true_size
from annotator.ui.compare.panel import CompareViewer
from annotator.ui.display import DisplayLut
from annotator.ui.view_transform import MAX_ZOOM, MIN_ZOOM, ViewTransform


@dataclass(frozen=True)
class ImageFrame:
    """Shared coordinates of an image pixel: ((x - origin_x) * units_per_px_x, ...)."""

    origin_x: float = 0.0
    origin_y: float = 0.0
    units_per_px_x: float = 1.0
    units_per_px_y: float = 1.0
    unit: str = "px"

    def to_shared(self, x: float, y: float) -> tuple[float, float]:
        return ((x - self.origin_x) * self.units_per_px_x, (y - self.origin_y) * self.units_per_px_y)

    def to_image(self, u: float, v: float) -> tuple[float, float]:
        return (u / self.units_per_px_x + self.origin_x, v / self.units_per_px_y + self.origin_y)


@dataclass(frozen=True)
class SharedView:
    scale: float  # screen pixels per shared unit
    centre_x: float  # shared coordinates shown at the centre of the panel
    centre_y: float


def relative_frame(width: int, height: int) -> ImageFrame:
    """Image widths from the top centre of the image: two media without a common physical
    scale zoom and pan together relative to their own size (a small image is not left tiny)."""
    per_px = 1.0 / max(width, 1)
    return ImageFrame((width - 1) / 2.0, -0.5, per_px, per_px, "relative")


def physical_frame(calibration: Calibration) -> ImageFrame | None:
    """Millimetres from the top centre of the largest spatial region; None if uncalibrated."""
    regions = calibration.spatial_regions
    if not regions:
        return None
    region = max(regions, key=lambda r: (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1))
    assert region.mm_per_px_x is not None and region.mm_per_px_y is not None
    return ImageFrame((region.x0 + region.x1) / 2.0, region.y0 - 0.5,
                      region.mm_per_px_x, region.mm_per_px_y, "mm")


def media_frames(calibrations: list[Calibration], sizes: list[tuple[int, int]]) -> list[ImageFrame]:
    """Frames for two (or more) media: millimetres when every one is calibrated, else each
    relative to its own width."""
    physical = [physical_frame(c) for c in calibrations]
    if all(f is not None for f in physical):
        return [f for f in physical if f is not None]
    return [relative_frame(w, h) for w, h in sizes]


def shared_view(view: ViewTransform, widget_w: float, widget_h: float, frame: ImageFrame) -> SharedView:
    ix, iy = view.widget_to_image(widget_w / 2.0, widget_h / 2.0)
    cx, cy = frame.to_shared(ix, iy)
    return SharedView(view.scale_x / frame.units_per_px_x, cx, cy)


def apply_shared(view: ViewTransform, widget_w: float, widget_h: float, frame: ImageFrame,
                 shared: SharedView) -> None:
    """Set ``view`` so the panel shows ``shared`` (zoom limits permitting)."""
    zoom = min(max(shared.scale * frame.units_per_px_x / view.aspect_x, MIN_ZOOM), MAX_ZOOM)
    centre = frame.to_image(shared.centre_x, shared.centre_y)
    xf = ImageTransform.anchored(zoom, centre, QPointF(widget_w / 2.0, widget_h / 2.0),
                                 (view.aspect_x, view.aspect_y))
    view.zoom, view.offset_x, view.offset_y = zoom, xf.left, xf.top
    view.fit = False


class ViewSync(QObject):
    """Keeps linked viewers on one view: the one the user moved leads, the others follow."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._viewers: list[CompareViewer] = []
        self._frames: list[ImageFrame] = []
        self._following = False
        self._leader: CompareViewer | None = None
        self.enabled = True

    @property
    def viewers(self) -> list[CompareViewer]:
        return list(self._viewers)

    def add(self, viewer: CompareViewer, frame: ImageFrame | None = None) -> None:
        self._viewers.append(viewer)
        self._frames.append(frame or ImageFrame())
        viewer.view_changed.connect(lambda v=viewer: self.follow(v))

    def set_frames(self, frames: list[ImageFrame]) -> None:
        if len(frames) != len(self._viewers):
            raise ValueError(f"{len(frames)} image frames for {len(self._viewers)} viewers")
        self._frames = list(frames)

    def frame_of(self, viewer: CompareViewer) -> ImageFrame:
        return self._frames[self._viewers.index(viewer)]

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        leader = self._leader or (self._viewers[0] if self._viewers else None)
        if enabled and leader is not None:
            self.follow(leader)

    def fit_together(self) -> None:
        """Every image whole in its panel, all at one shared scale (the smallest fit), so two
        media calibrated in mm show at the same physical size."""
        placed = [(v, f) for v, f in zip(self._viewers, self._frames, strict=True)
                  if v.image_size() != (0, 0) and v.width() > 0 and v.height() > 0]
        if not placed:
            return
        scale = fit_scale([(v.image_size(), (v.width(), v.height()), f, (v.view.aspect_x, v.view.aspect_y))
                           for v, f in placed])
        for viewer, frame in placed:
            centre_at_scale(viewer.view, viewer.image_size(), (viewer.width(), viewer.height()), frame, scale)
            viewer.zoom_changed.emit(viewer.view.zoom)
            viewer.update()

    def follow(self, leader: CompareViewer) -> None:
        """Bring every other linked viewer to ``leader``'s view."""
        if self._following or leader not in self._viewers:
            return
        self._leader = leader
        if not self.enabled:
            return
        self._following = True
        try:
            if leader.view.fit:  # each side fits its own panel: Fit works per side
                for other in self._viewers:
                    if other is not leader and other.image_size() != (0, 0):
                        other.fit()
                return
            shared = shared_view(leader.view, leader.width(), leader.height(), self.frame_of(leader))
            for other in self._viewers:
                if other is leader:
                    continue
                apply_shared(other.view, other.width(), other.height(), self.frame_of(other), shared)
                other.zoom_changed.emit(other.view.zoom)
                other.update()
        finally:
            self._following = False


def fit_scale(panels: list[tuple[tuple[int, int], tuple[float, float], ImageFrame, tuple[float, float]]]) -> float:
    """The largest shared scale at which every image fits its panel, from (image size,
    widget size, frame, pixel aspect) per panel."""
    scales = []
    for (iw, ih), (ww, wh), frame, (ax, ay) in panels:
        probe = ViewTransform(aspect_x=ax, aspect_y=ay)
        probe.fit_to(iw, ih, ww, wh)
        scales.append(probe.scale_x / frame.units_per_px_x)
    return min(scales)


def centre_at_scale(view: ViewTransform, image_size: tuple[int, int], widget_size: tuple[float, float],
                    frame: ImageFrame, scale: float) -> None:
    """The whole image centred in its panel at ``scale``; the view stays "fitted" (it follows
    the window's size)."""
    (iw, ih), (ww, wh) = image_size, widget_size
    view.zoom = min(max(scale * frame.units_per_px_x / view.aspect_x, MIN_ZOOM), MAX_ZOOM)
    true_w, true_h = true_size(iw, ih, (view.aspect_x, view.aspect_y), view.zoom)
    view.offset_x, view.offset_y = (ww - true_w) / 2.0, (wh - true_h) / 2.0
    view.fit = True


def link_display(viewers: list[CompareViewer]) -> None:
    """Brightness, contrast and gamma changed in one viewer apply to all (a fair comparison)."""

    def spread(lut: DisplayLut) -> None:
        for v in viewers:
            if v.lut != lut:
                v.set_display(lut)

    for viewer in viewers:
        viewer.display_changed.connect(spread)
