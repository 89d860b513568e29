"""The one painter: a frame, its annotations, labels, values and scale bar, onto any QPainter.

``paint_scene`` treats the painter's current transform as the device: shapes are stroked in
device units (constant on-screen size, scaled for print by ``symbol_scale``), and the image is
drawn through ``image_to_device``. The screen, figures, clips, slides and thumbnails all call it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QTransform

from annotator.case.kinds import kind_spec
from annotator.case.measure import PRIMARY_QUANTITY
from annotator.case.model import Annotation
from annotator.dynamics.caliper_turn import TURN_LIMIT_DEG, caliper_turn_deg
from annotator.render.geometry import ellipse_geometry
from annotator.render.kind_looks import annotation_color, annotation_pen, kind_look
from annotator.render.labels import (
    ONE_LINE_SCALE,
    LabelLayout,
    draw_text_box,
    fitted_text,
    scaled_font,
    text_box_size,
)
from annotator.render.overlays import (
    paint_region_outlines,
    paint_scale_bar,
    paint_timestamp,
    scale_bar_box,
    timestamp_box,
    visible_image_rect,
)
from annotator.render.qimage import wrap_rgb
from annotator.render.scene import FrameScene, MeasurementLike, RenderOptions
from annotator.render.shapes import LabelAnchor
from annotator.render.style import (
    HANDLE_EDGE,
    HANDLE_FILL,
    HANDLE_PX,
    Metrics,
)
from annotator.render.transform import SQUARE, ImageTransform, PixelAspect, source_rect, true_size
from annotator.render.value_notes import WARNING_SIGN, flag_value, full_reason, needs_warning

log = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.5
_measure_failures: set[str] = set()


def primary_measurement(scene: FrameScene, annotation: Annotation) -> MeasurementLike | None:
    """The annotation's main measurement on this frame, if any."""
    if scene.measure is None or annotation.kind not in PRIMARY_QUANTITY:
        return None
    try:
        measurements: Sequence[MeasurementLike] = scene.measure(annotation, scene.frame)
    except Exception:  # a bad value must not stop the picture; say so once per annotation
        if annotation.id not in _measure_failures:
            _measure_failures.add(annotation.id)
            log.exception("measuring %s on frame %d failed", annotation.id, scene.frame)
        return None
    if not measurements:
        return None
    wanted = PRIMARY_QUANTITY[annotation.kind]
    return next((m for m in measurements if m.quantity == wanted), measurements[0])


def primary_value_text(scene: FrameScene, annotation: Annotation) -> str | None:
    """The display text of the annotation's main measurement on this frame, if any."""
    chosen = primary_measurement(scene, annotation)
    return None if chosen is None else chosen.display()


def value_warning(scene: FrameScene, annotation: Annotation) -> str:
    """Why the annotation's value is not in mm on this calibrated image ("" when it is, or
    when the whole image is uncalibrated): for a tooltip or the status bar."""
    chosen = primary_measurement(scene, annotation)
    if chosen is None or not needs_warning(chosen, scene.calibration):
        return ""
    return f"{chosen.display()} is not in mm: {full_reason(chosen)}"


def _label_lines(scene: FrameScene, ann: Annotation, options: RenderOptions) -> list[str]:
    words = []
    reason: str | None = None
    if options.show_labels and ann.style.show_label and ann.label:
        words.append(ann.label)
    if options.show_values and ann.style.show_value:
        chosen = primary_measurement(scene, ann)
        if chosen is not None:
            value = chosen.display()
            if options.value_warnings:
                value, reason = flag_value(value, chosen, scene.calibration, ann.points_at(scene.frame) or [])
            conf = ann.confidence.get(scene.frame)
            if conf is not None and conf < LOW_CONFIDENCE:
                value += " (low confidence)"
            turn = caliper_turn_deg(ann, scene.frame)
            if turn is not None and turn > TURN_LIMIT_DEG and options.value_warnings:
                # a tracked caliper that turned joins two tissue points, not a structure's sides
                value += f" {WARNING_SIGN}"
                reason = (reason + "; " if reason else "") + f"{WARNING_SIGN} turned {turn:.0f}° from its start"
            words.append(value)
    lines = ["  ".join(words)] if words else []
    return [*lines, reason] if reason else lines


def _label_font(ann: Annotation, m: Metrics) -> QFont:
    is_text = (spec := kind_spec(ann.kind)) is not None and spec.is_text
    return m.font(bold=not is_text, factor=1.15 if is_text else 1.0)


def _has_enough_points(ann: Annotation, points: Sequence[tuple[float, float]]) -> bool:
    spec = kind_spec(ann.kind)
    return len(points) >= (spec.min_points if spec is not None else 1)


def _shape_reach(ann: Annotation, points: Sequence[tuple[float, float]], xf: QTransform,
                 m: Metrics) -> QRectF:
    """A device rectangle the shape lies in (loosely, for deciding whether it is in view)."""
    pts = list(points)
    spec = kind_spec(ann.kind)
    if spec is not None and spec.geometry == "ellipse":
        e = ellipse_geometry(points)
        r = max(e.rx, e.ry)
        pts = [(e.cx - r, e.cy - r), (e.cx + r, e.cy + r)]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    rect = xf.mapRect(QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
    pad = m.px(4.0)
    return rect.adjusted(-pad, -pad, pad, pad)


def _paint_handles(painter: QPainter, points: list[QPointF], keyframe: bool, m: Metrics) -> None:
    """Constant-size squares: filled on a keyframe, hollow where the points are interpolated."""
    half = m.px(HANDLE_PX) / 2
    painter.setPen(QPen(HANDLE_EDGE, m.px(1.2)))
    painter.setBrush(HANDLE_FILL if keyframe else QColor(30, 30, 30, 200))
    for p in points:
        painter.drawRect(QRectF(p.x() - half, p.y() - half, 2 * half, 2 * half))
    if not keyframe:
        painter.setPen(QPen(HANDLE_FILL, m.px(1.2)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for p in points:
            painter.drawRect(QRectF(p.x() - half + 1, p.y() - half + 1, 2 * half - 2, 2 * half - 2))


#: where a label (or a text annotation's words) was drawn: (annotation id, device rectangle)
LabelBox = tuple[str, QRectF]


def paint_annotations(painter: QPainter, scene: FrameScene, xf: QTransform, options: RenderOptions,
                      bounds: QRectF | None, m: Metrics, obstacles: Sequence[QRectF] = ()) -> list[LabelBox]:
    """Shapes first, then every label on top (so no stroke crosses text), then handles.
    Returns the label boxes, for clicks on labels."""
    labels: list[tuple[Annotation, list[str], LabelAnchor]] = []
    handles: list[tuple[list[QPointF], bool]] = []
    for ann in scene.annotations:
        if ann.id in options.hidden or not ann.on_frame(scene.frame):
            continue
        points = ann.points_at(scene.frame)
        if points is None or not _has_enough_points(ann, points):
            continue
        emphasised = ann.id in options.selected or ann.id == options.hover
        look, spec = kind_look(ann.kind), kind_spec(ann.kind)
        if look is None or spec is None:
            continue
        anchor = look.painter(painter, points, xf, annotation_pen(ann, m, emphasised), m, emphasised)
        if bounds is not None and not _shape_reach(ann, points, xf, m).intersects(bounds):
            continue  # cropped away: a label with nothing to point at would mislead
        if spec.is_text:
            words = (ann.text or ann.label).splitlines() or [""]
            labels.append((ann, words, anchor))
        else:
            lines = _label_lines(scene, ann, options)
            if lines:
                labels.append((ann, lines, anchor))
        if options.show_handles and ann.id in options.selected:
            handles.append(([xf.map(QPointF(x, y)) for x, y in points], ann.is_keyframe(scene.frame)))
    layout = LabelLayout(bounds, obstacles)
    boxes: list[LabelBox] = []
    fonts = [_label_font(ann, m) for ann, _, _ in labels]
    sizes = [text_box_size(f, lines, m) for f, (_, lines, _) in zip(fonts, labels, strict=True)]
    # a label wider than a narrow panel: all of them a little smaller alike, then that one
    # broken into lines if it must be (fitted_text), never cut at the panel's edge
    widest = max((size.width() for size in sizes), default=0.0)
    shrink = 1.0 if bounds is None or widest <= bounds.width() else max(ONE_LINE_SCALE, bounds.width() / widest)
    for font, size, (ann, lines, (where, direction)) in zip(fonts, sizes, labels, strict=True):
        is_text = (spec := kind_spec(ann.kind)) is not None and spec.is_text
        if shrink < 1.0:  # (the common case, everything fits, measures each label once)
            font, lines, size = fitted_text(scaled_font(font, shrink), lines, m,
                                            None if bounds is None else bounds.width())
        gap = 0.0 if is_text else m.px(4.0)
        rect = layout.place(size, where, direction, gap)
        draw_text_box(painter, rect, lines, font, annotation_color(ann), m)
        boxes.append((ann.id, rect))
    for device_points, keyframe in handles:
        _paint_handles(painter, device_points, keyframe, m)
    return boxes


def paint_redactions(painter: QPainter, boxes: Sequence[tuple[int, int, int, int]]) -> None:
    """Black boxes over the image (image coordinates: pixel i covers [i - 0.5, i + 0.5]), no
    antialiasing, so no pixel of the box keeps any of what it hides."""
    if not boxes:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for x, y, w, h in boxes:
        painter.fillRect(QRectF(x - 0.5, y - 0.5, w, h), QColor(0, 0, 0))
    painter.restore()


def paint_scene(painter: QPainter, scene: FrameScene, image_to_device: QTransform,
                options: RenderOptions, source_rect: QRectF | None = None) -> list[LabelBox]:
    """Paint the frame and its overlays. ``source_rect`` (image coordinates) limits what is
    shown, e.g. an export's crop; overlays are clipped to it and placed inside it. Returns where
    the annotations' labels went (device coordinates of the painter as it was passed in)."""
    painter.save()
    try:
        base = painter.worldTransform()
        visible = visible_image_rect(scene.width, scene.height, source_rect)
        if visible.isEmpty():
            return []
        device_rect = image_to_device.mapRect(visible)
        painter.setClipRect(device_rect, Qt.ClipOperation.IntersectClip if painter.hasClipping()
                            else Qt.ClipOperation.ReplaceClip)
        bounds = device_rect.intersected(painter.clipBoundingRect()) if painter.hasClipping() else device_rect

        painter.setWorldTransform(image_to_device * base)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not options.pixelated)
        image = wrap_rgb(scene.image)
        # pixel i covers [i - 0.5, i + 0.5] in image coordinates; the QImage starts at 0
        painter.drawImage(visible, image, visible.translated(0.5, 0.5))
        paint_redactions(painter, scene.redactions)

        painter.setWorldTransform(base)
        # smooth image scaling slows the raster engine's fills and strokes 1.5-2x: images only
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, not options.draft)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        m = Metrics(options.symbol_scale)
        if options.region_outlines:
            paint_region_outlines(painter, scene.calibration, image_to_device, m, scene.found_image)
        obstacles = []  # what labels keep off: the scale bar and the time stamp
        if options.scale_bar:
            bar = scale_bar_box(scene.calibration, visible, image_to_device, m)
            if bar is not None:
                obstacles.append(bar)
        if options.timestamp:
            obstacles.append(timestamp_box(scene.time_ms, scene.frame, bounds, m))
        boxes = paint_annotations(painter, scene, image_to_device, options, bounds, m, obstacles)
        if options.scale_bar:
            paint_scale_bar(painter, scene.calibration, visible, image_to_device, m)
        if options.timestamp:
            paint_timestamp(painter, scene.time_ms, scene.frame, bounds, m)
        return boxes
    finally:
        painter.restore()


def render_scene(scene: FrameScene, options: RenderOptions,
                 crop: tuple[int, int, int, int] | None = None, scale: float = 1.0,
                 pixel_aspect: PixelAspect = SQUARE) -> QImage:
    """The scene as a new opaque QImage (Format_RGB32) of the crop (x, y, w, h) at ``scale``
    output pixels per image pixel along the finer axis, each axis stretched by ``pixel_aspect``
    (``render.aspect.pixel_aspect``: non-square pixels at their true shape)."""
    if not scale > 0:
        raise ValueError(f"render scale must be positive, not {scale}")
    if crop is None:
        crop = (0, 0, scene.width, scene.height)
    x, y, w, h = crop
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(scene.width, x + w), min(scene.height, y + h)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"crop {crop} lies outside the {scene.width}x{scene.height} image")
    crop = (x0, y0, x1 - x0, y1 - y0)
    out_w, out_h = true_size(crop[2], crop[3], pixel_aspect, scale)
    image = QImage(max(1, round(out_w)), max(1, round(out_h)), QImage.Format.Format_RGB32)
    image.fill(QColor(0, 0, 0))
    painter = QPainter(image)
    try:
        # the crop fills the whole image, rounding included (as a clip frame does)
        xf = ImageTransform.onto(crop, QRectF(0, 0, image.width(), image.height()))
        paint_scene(painter, scene, xf.to_device(), options, source_rect(crop))
    finally:
        painter.end()
    return image
