"""Scale bar, time stamp and calibrated-region outlines: what frames the annotations."""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QTransform

from annotator.media.calibration import Calibration, Region
from annotator.render.labels import draw_text_box, fitted_text, text_box_size
from annotator.render.style import OUTLINE_COLOR, Metrics

_NICE_STEPS = (1.0, 2.0, 5.0)


def scale_bar_length_mm(mm_per_px: float, image_width_px: float) -> float:
    """A round length (..., 1, 2, 5, 10, 20, 50 mm, ...) no longer than a quarter of the width."""
    if not (mm_per_px > 0 and image_width_px > 0) or not math.isfinite(mm_per_px * image_width_px):
        raise ValueError("scale bar needs a positive mm per pixel and image width")
    target = 0.25 * mm_per_px * image_width_px
    exponent = math.floor(math.log10(target))
    best = 10.0**exponent
    for step in _NICE_STEPS:
        candidate = step * 10.0**exponent
        if candidate <= target * (1 + 1e-9):
            best = candidate
    return round(best, 6)


def _region_rect(r: Region) -> QRectF:
    # inclusive pixel bounds; pixel centres at integers, so edges sit half a pixel out
    return QRectF(r.x0 - 0.5, r.y0 - 0.5, r.x1 - r.x0 + 1, r.y1 - r.y0 + 1)


def scale_bar_region(calibration: Calibration, visible: QRectF) -> Region | None:
    """The spatial region under the centre of the visible image, else the largest visible one."""
    c = visible.center()
    under = calibration.region_at(c.x(), c.y())
    if under is not None and under.is_spatial:
        return under
    best, best_area = None, 0.0
    for r in calibration.spatial_regions:
        part = _region_rect(r).intersected(visible)
        area = part.width() * part.height()
        if area > best_area:
            best, best_area = r, area
    return best


def format_mm(value: float) -> str:
    return f"{value:g} mm"


@dataclass(frozen=True)
class ScaleBarGeometry:
    """Where the scale bar goes (device coordinates): shared by painting and label layout."""

    length_mm: float
    right: float
    bottom: float
    bar_w: float
    bar_h: float | None  # the vertical bar for non-square pixels
    tick: float
    text_box: QRectF

    def box(self, m: Metrics) -> QRectF:
        """Everything the bar covers, with its dark edge."""
        top = self.bottom - (self.bar_h or 0.0)
        pad = m.px(3.0)
        bar = QRectF(self.right - self.bar_w - pad, min(top, self.bottom - self.tick) - pad,
                     self.bar_w + 2 * pad, self.bottom - min(top, self.bottom - self.tick) + self.tick + 2 * pad)
        return bar.united(self.text_box)


def scale_bar_geometry(calibration: Calibration, visible_image: QRectF, xf: QTransform,
                       m: Metrics) -> ScaleBarGeometry | None:
    region = scale_bar_region(calibration, visible_image)
    if region is None:
        return None
    sx, sy = region.mm_per_px_x, region.mm_per_px_y
    assert sx is not None and sy is not None
    part = _region_rect(region).intersected(visible_image)
    if part.isEmpty():
        return None
    length_mm = scale_bar_length_mm(sx, part.width())
    area = xf.mapRect(part)
    dev_per_px_x = math.hypot(xf.m11(), xf.m12())
    dev_per_px_y = math.hypot(xf.m21(), xf.m22())
    bar_w = length_mm / sx * dev_per_px_x
    margin = m.px(12.0)
    right = area.right() - margin
    bottom = area.bottom() - margin
    tick = m.px(5.0)
    anisotropic = abs(sx - sy) > 0.01 * max(sx, sy)
    bar_h = length_mm / sy * dev_per_px_y if anisotropic else None
    size = text_box_size(m.font(bold=True), [format_mm(length_mm)], m)
    box = QRectF(right - bar_w / 2 - size.width() / 2, bottom - tick - m.px(3) - size.height(),
                 size.width(), size.height())
    return ScaleBarGeometry(length_mm, right, bottom, bar_w, bar_h, tick, box)


def scale_bar_box(calibration: Calibration, visible_image: QRectF, xf: QTransform, m: Metrics) -> QRectF | None:
    """The device rectangle the scale bar (or the uncalibrated note) covers: labels keep off it."""
    geometry = scale_bar_geometry(calibration, visible_image, xf, m)
    if geometry is not None:
        return geometry.box(m)
    if scale_bar_region(calibration, visible_image) is None:
        return _corner_note_box(xf.mapRect(visible_image), UNCALIBRATED_NOTE, m)
    return None


UNCALIBRATED_NOTE = "uncalibrated: values in px"


def paint_scale_bar(painter: QPainter, calibration: Calibration, visible_image: QRectF,
                    xf: QTransform, m: Metrics) -> None:
    """A horizontal bar of a round length at the bottom right of the calibrated area (and a
    vertical one too when the region's pixels are not square); a px note when uncalibrated."""
    if scale_bar_region(calibration, visible_image) is None:
        _corner_note(painter, xf.mapRect(visible_image), UNCALIBRATED_NOTE, m)
        return
    g = scale_bar_geometry(calibration, visible_image, xf, m)
    if g is None:
        return
    right, bottom, bar_w, tick = g.right, g.bottom, g.bar_w, g.tick
    bar = QPainterPath()
    bar.moveTo(right - bar_w, bottom)
    bar.lineTo(right, bottom)
    for x in (right - bar_w, right):
        bar.moveTo(x, bottom - tick)
        bar.lineTo(x, bottom + tick * 0.4)
    if g.bar_h is not None:  # the same length upwards, in the y scale
        bar.moveTo(right, bottom)
        bar.lineTo(right, bottom - g.bar_h)
    thick = m.px(3.0)
    pen = QPen(QColor("#ffffff"), thick)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    dark = QPen(OUTLINE_COLOR, thick + m.px(2.5))
    dark.setCapStyle(Qt.PenCapStyle.SquareCap)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for stroke in (dark, pen):
        painter.setPen(stroke)
        painter.drawPath(bar)
    draw_text_box(painter, g.text_box, [format_mm(g.length_mm)], m.font(bold=True), QColor("#ffffff"), m)


def _corner_note_layout(area: QRectF, text: str, m: Metrics) -> tuple[QFont, list[str], QRectF]:
    """The note's font, lines and device box at the bottom right of ``area``, fitted to it."""
    margin = m.px(8.0)
    font, lines, size = fitted_text(m.font(factor=0.85), [text], m, area.width() - 2 * margin)
    return font, lines, QRectF(area.right() - margin - size.width(), area.bottom() - margin - size.height(),
                               size.width(), size.height())


def _corner_note_box(area: QRectF, text: str, m: Metrics) -> QRectF:
    return _corner_note_layout(area, text, m)[2]


def _corner_note(painter: QPainter, area: QRectF, text: str, m: Metrics) -> None:
    font, lines, box = _corner_note_layout(area, text, m)
    draw_text_box(painter, box, lines, font, QColor("#ffd9a0"), m)


def format_time(time_ms: float) -> str:
    return f"{time_ms / 1000.0:.3f} s"


def timestamp_box(time_ms: float, frame: int, area: QRectF, m: Metrics) -> QRectF:
    """Where the time stamp goes (top left of ``area``, device coordinates)."""
    size = text_box_size(m.font(bold=True), [_timestamp_text(time_ms, frame)], m)
    margin = m.px(8.0)
    return QRectF(area.left() + margin, area.top() + margin, size.width(), size.height())


def _timestamp_text(time_ms: float, frame: int) -> str:
    return f"{format_time(time_ms)}   frame {frame}"


def paint_timestamp(painter: QPainter, time_ms: float, frame: int, area: QRectF, m: Metrics) -> None:
    draw_text_box(painter, timestamp_box(time_ms, frame, area, m), [_timestamp_text(time_ms, frame)],
                  m.font(bold=True), QColor("#ffffff"), m)


def paint_region_outlines(painter: QPainter, calibration: Calibration, xf: QTransform, m: Metrics,
                          found: Region | None = None) -> None:
    """Each region's rectangle: spatial (mm) regions green dashed, the others grey dotted; and
    ``found``, the B-mode image found in a frame that declares none, blue dash-dotted (where a
    fascicle's length turns extrapolated)."""
    font = m.font(factor=0.8)
    outlined = [*calibration.regions, *([found] if found is not None else [])]
    for r in outlined:
        rect = xf.mapRect(_region_rect(r))
        color = QColor("#50e070") if r.is_spatial else QColor("#6ab4ff") if r is found else QColor("#b0b0b0")
        pen = QPen(color, m.px(1.5))
        pen.setStyle(Qt.PenStyle.DashLine if r.is_spatial else Qt.PenStyle.DashDotLine if r is found
                     else Qt.PenStyle.DotLine)
        painter.setBrush(QBrush())
        painter.setPen(QPen(OUTLINE_COLOR, m.px(3.0)))
        painter.drawRect(rect)
        painter.setPen(pen)
        painter.drawRect(rect)
        if r.is_spatial:
            assert r.mm_per_px_x is not None and r.mm_per_px_y is not None
            text = f"{r.source}: {r.mm_per_px_x:.4g} x {r.mm_per_px_y:.4g} mm/px"
        elif r is found:
            text = "image (found; no region declared)"
        else:
            text = r.description
        size = text_box_size(font, [text], m)
        # bottom left, out of the way of the time stamp and of the scale bar
        box = QRectF(rect.left() + m.px(3), rect.bottom() - m.px(3) - size.height(),
                     size.width(), size.height())
        draw_text_box(painter, box, [text], font, color, m)


def visible_image_rect(width: int, height: int, source_rect: QRectF | None) -> QRectF:
    full = QRectF(-0.5, -0.5, width, height)
    return full if source_rect is None else full.intersected(source_rect)

