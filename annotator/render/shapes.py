"""Paint one annotation's shape in device coordinates (so strokes keep their screen size).

Each painter returns where its label goes: an anchor point in device coordinates and the
direction to push the label away from the shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF, QTransform

from annotator.render.geometry import ellipse_geometry
from annotator.render.style import ARC_PX, ARROW_HEAD_PX, MARKER_PX, TICK_PX, Metrics, outline_pen

LabelAnchor = tuple[QPointF, QPointF]  # (anchor, unit direction away from the shape)
ShapePainter = Callable[
    [QPainter, Sequence[tuple[float, float]], QTransform, QPen, Metrics, bool], LabelAnchor
]


def _device(points: Sequence[tuple[float, float]], xf: QTransform) -> list[QPointF]:
    return [xf.map(QPointF(x, y)) for x, y in points]


def _draw(painter: QPainter, path: QPainterPath, pen: QPen) -> None:
    # drawPath with a pen uses the raster engine's fast stroker (strokePath is ~5x slower),
    # and stays a stroked path (not an outline) in SVG and PDF
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)


def _stroke(painter: QPainter, path: QPainterPath, pen: QPen, fill: QColor | None = None) -> None:
    if fill is not None:
        # the opaque outline drawn next covers the fill's edge (at least a pixel either side),
        # so an aliased fill looks the same; a translucent antialiased one is ~10x slower
        smooth = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillPath(path, QBrush(fill))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, smooth)
    _draw(painter, path, outline_pen(pen))
    _draw(painter, path, pen)


def _right_of(rect: QRectF) -> LabelAnchor:
    return QPointF(rect.right(), rect.top()), QPointF(1.0, -0.3)


def paint_point(painter: QPainter, pts: Sequence[tuple[float, float]], xf: QTransform,
                pen: QPen, m: Metrics, emphasised: bool) -> LabelAnchor:
    (c,) = _device(pts[:1], xf)
    r = m.px(MARKER_PX)
    path = QPainterPath()
    path.addEllipse(c, r * 0.55, r * 0.55)
    path.moveTo(c.x() - r, c.y())
    path.lineTo(c.x() + r, c.y())
    path.moveTo(c.x(), c.y() - r)
    path.lineTo(c.x(), c.y() + r)
    _stroke(painter, path, pen)
    return QPointF(c.x() + r, c.y() - r), QPointF(1.0, -1.0)


def paint_line(painter: QPainter, pts: Sequence[tuple[float, float]], xf: QTransform,
               pen: QPen, m: Metrics, emphasised: bool) -> LabelAnchor:
    """A caliper: the measured segment with a tick across each end."""
    a, b = _device(pts[:2], xf)
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length  # unit normal
    t = m.px(TICK_PX)
    path = QPainterPath(a)
    path.lineTo(b)
    for end in (a, b):
        path.moveTo(end.x() - nx * t, end.y() - ny * t)
        path.lineTo(end.x() + nx * t, end.y() + ny * t)
    _stroke(painter, path, pen)
    # label beside the middle, on the upper side of the line
    if ny > 0 or (ny == 0 and nx > 0):
        nx, ny = -nx, -ny
    mid = QPointF((a.x() + b.x()) / 2 + nx * t * 1.6, (a.y() + b.y()) / 2 + ny * t * 1.6)
    return mid, QPointF(nx, ny)


def paint_polyline(painter: QPainter, pts: Sequence[tuple[float, float]], xf: QTransform,
                   pen: QPen, m: Metrics, emphasised: bool) -> LabelAnchor:
    dev = _device(pts, xf)
    path = QPainterPath(dev[0])
    for p in dev[1:]:
        path.lineTo(p)
    _stroke(painter, path, pen)
    _end_markers(painter, [dev[0], dev[-1]], pen, m)
    return _right_of(path.boundingRect())


def paint_polygon(painter: QPainter, pts: Sequence[tuple[float, float]], xf: QTransform,
                  pen: QPen, m: Metrics, emphasised: bool) -> LabelAnchor:
    path = QPainterPath()
    path.addPolygon(QPolygonF(_device(pts, xf)))
    path.closeSubpath()
    fill = QColor(pen.color())
    fill.setAlpha(70 if emphasised else 45)
    _stroke(painter, path, pen, fill)
    return _right_of(path.boundingRect())


def paint_ellipse(painter: QPainter, pts: Sequence[tuple[float, float]], xf: QTransform,
                  pen: QPen, m: Metrics, emphasised: bool) -> LabelAnchor:
    e = ellipse_geometry(pts)
    local = QPainterPath()
    local.addEllipse(QPointF(0, 0), e.rx, e.ry)
    placed = QTransform().translate(e.cx, e.cy).rotate(e.angle_deg)
    path = (placed * xf).map(local)
    fill = QColor(pen.color())
    fill.setAlpha(40 if emphasised else 22)
    _stroke(painter, path, pen, fill)
    (c,) = _device([(e.cx, e.cy)], xf)
    r = m.px(MARKER_PX) * 0.6
    cross = QPainterPath()
    cross.moveTo(c.x() - r, c.y())
    cross.lineTo(c.x() + r, c.y())
    cross.moveTo(c.x(), c.y() - r)
    cross.lineTo(c.x(), c.y() + r)
    solid = QPen(pen)
    solid.setStyle(Qt.PenStyle.SolidLine)
    _stroke(painter, cross, solid)
    return _right_of(path.boundingRect())


def paint_angle(painter: QPainter, pts: Sequence[tuple[float, float]], xf: QTransform,
                pen: QPen, m: Metrics, emphasised: bool) -> LabelAnchor:
    p0, v, p2 = _device(pts[:3], xf)
    path = QPainterPath(p0)
    path.lineTo(v)
    path.lineTo(p2)
    a1 = math.atan2(-(p0.y() - v.y()), p0.x() - v.x())  # Qt arcs: degrees counter-clockwise
    a2 = math.atan2(-(p2.y() - v.y()), p2.x() - v.x())
    sweep = math.degrees(a2 - a1)
    sweep = (sweep + 180.0) % 360.0 - 180.0  # the inner angle, signed
    arm = min(math.hypot(p0.x() - v.x(), p0.y() - v.y()), math.hypot(p2.x() - v.x(), p2.y() - v.y()))
    r = min(m.px(ARC_PX), 0.6 * arm) if arm > 0 else m.px(ARC_PX)
    arc_rect = QRectF(v.x() - r, v.y() - r, 2 * r, 2 * r)
    path.arcMoveTo(arc_rect, math.degrees(a1))
    path.arcTo(arc_rect, math.degrees(a1), sweep)
    _stroke(painter, path, pen)
    mid = math.radians(math.degrees(a1) + sweep / 2)
    direction = QPointF(math.cos(mid), -math.sin(mid))
    anchor = QPointF(v.x() + direction.x() * (r + m.px(4)), v.y() + direction.y() * (r + m.px(4)))
    return anchor, direction


def paint_arrow(painter: QPainter, pts: Sequence[tuple[float, float]], xf: QTransform,
                pen: QPen, m: Metrics, emphasised: bool) -> LabelAnchor:
    tail, head = _device(pts[:2], xf)
    dx, dy = head.x() - tail.x(), head.y() - tail.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    h = min(m.px(ARROW_HEAD_PX), 0.6 * length)
    base = QPointF(head.x() - ux * h, head.y() - uy * h)
    shaft = QPainterPath(tail)
    shaft.lineTo(QPointF(head.x() - ux * h * 0.6, head.y() - uy * h * 0.6))
    _stroke(painter, shaft, pen)
    w = h * 0.45
    head_path = QPainterPath()
    head_path.addPolygon(QPolygonF([
        head, QPointF(base.x() - uy * w, base.y() + ux * w), QPointF(base.x() + uy * w, base.y() - ux * w),
    ]))
    head_path.closeSubpath()
    _draw(painter, head_path, outline_pen(pen))
    painter.fillPath(head_path, QBrush(pen.color()))
    return tail, QPointF(-ux, -uy)


def paint_text_anchor(painter: QPainter, pts: Sequence[tuple[float, float]], xf: QTransform,
                      pen: QPen, m: Metrics, emphasised: bool) -> LabelAnchor:
    """A text annotation is its words (drawn by the label code) at the anchor point."""
    (c,) = _device(pts[:1], xf)
    return c, QPointF(1.0, 0.0)


def _end_markers(painter: QPainter, ends: Sequence[QPointF], pen: QPen, m: Metrics) -> None:
    r = m.px(2.5)
    dot = QPainterPath()
    for p in ends:
        dot.addEllipse(p, r, r)
    _draw(painter, dot, outline_pen(QPen(pen.color(), m.px(1.0))))
    painter.fillPath(dot, QBrush(pen.color()))
