"""Paint the structure-aware kinds: thickness, pennation and fascicle (device coordinates).

Each boundary is drawn as the segment the user marked, with a thin dashed extension where the
measurement reaches beyond it (the lines are infinite); the measured part is drawn solid:
the perpendicular between the boundaries for a thickness, the arc between the two lines for a
pennation, the fascicle between the aponeuroses, dashed where it is extended beyond the marked
fascicle (and so beyond the image when the length is extrapolated).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen, QTransform

from annotator.case import architecture_geometry as arch
from annotator.render.style import ARC_PX, TICK_PX, Metrics, outline_pen

Pts = Sequence[tuple[float, float]]
LabelAnchor = tuple[QPointF, QPointF]


#: below this, a pennation's label goes across the aponeurosis, not into the angle
NARROW_WEDGE_DEG = 35.0


def _dev(p: Sequence[float], xf: QTransform) -> QPointF:
    return xf.map(QPointF(float(p[0]), float(p[1])))


def _stroke(painter: QPainter, path: QPainterPath, pen: QPen) -> None:
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(outline_pen(pen))
    painter.drawPath(path)
    painter.setPen(pen)
    painter.drawPath(path)


def _dashed(pen: QPen, m: Metrics) -> QPen:
    thin = QPen(pen)
    thin.setWidthF(max(m.px(1.0), pen.widthF() * 0.6))
    thin.setDashPattern([3.0, 3.0])
    return thin


def _segment_with_extension(solid: QPainterPath, dashed: QPainterPath, a: QPointF, b: QPointF,
                            reach: Sequence[QPointF]) -> None:
    """Segment a-b solid; dashed from its nearer end to each point of ``reach`` off it."""
    solid.moveTo(a)
    solid.lineTo(b)
    dx, dy = b.x() - a.x(), b.y() - a.y()
    n2 = dx * dx + dy * dy
    if n2 == 0.0:
        return
    for p in reach:
        t = ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / n2
        if t < 0.0:
            dashed.moveTo(a)
            dashed.lineTo(p)
        elif t > 1.0:
            dashed.moveTo(b)
            dashed.lineTo(p)


def _upper_normal(a: QPointF, b: QPointF) -> QPointF:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    n = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / n, dx / n
    return QPointF(-nx, -ny) if ny > 0 else QPointF(nx, ny)


def paint_thickness(painter: QPainter, pts: Pts, xf: QTransform, pen: QPen, m: Metrics,
                    emphasised: bool) -> LabelAnchor:
    s0, s1, d0, d1 = (_dev(p, xf) for p in pts[:4])
    feet = arch.thickness_feet(pts)
    solid, dashed = QPainterPath(), QPainterPath()
    top = bottom = None
    if feet is not None:
        top, bottom = _dev(feet[0], xf), _dev(feet[1], xf)
    _segment_with_extension(solid, dashed, s0, s1, [top] if top is not None else [])
    _segment_with_extension(solid, dashed, d0, d1, [bottom] if bottom is not None else [])
    _stroke(painter, dashed, _dashed(pen, m))
    _stroke(painter, solid, pen)
    if top is None or bottom is None:
        return s1, QPointF(1.0, -0.3)
    # the measured distance: a double-headed perpendicular with end ticks
    caliper = QPainterPath(top)
    caliper.lineTo(bottom)
    dx, dy = bottom.x() - top.x(), bottom.y() - top.y()
    n = math.hypot(dx, dy) or 1.0
    tx, ty = -dy / n * m.px(TICK_PX), dx / n * m.px(TICK_PX)
    for end in (top, bottom):
        caliper.moveTo(end.x() - tx, end.y() - ty)
        caliper.lineTo(end.x() + tx, end.y() + ty)
    _stroke(painter, caliper, pen)
    mid = QPointF((top.x() + bottom.x()) / 2 + m.px(TICK_PX) * 1.6, (top.y() + bottom.y()) / 2)
    return mid, QPointF(1.0, 0.0)


def paint_pennation(painter: QPainter, pts: Pts, xf: QTransform, pen: QPen, m: Metrics,
                    emphasised: bool) -> LabelAnchor:
    f0, f1, a0, a1 = (_dev(p, xf) for p in pts[:4])
    solid, dashed = QPainterPath(), QPainterPath()
    u = (f1.x() - f0.x(), f1.y() - f0.y())
    norm = math.hypot(*u)
    vertex = None
    if norm > 0:
        hit = arch.line_intersection((f0.x(), f0.y()), (u[0] / norm, u[1] / norm),
                                     (a0.x(), a0.y()), (a1.x(), a1.y()))
        vertex = None if hit is None else QPointF(*hit)
    near = vertex is not None and _within(vertex, [f0, f1, a0, a1], 3.0)
    reach = [vertex] if near and vertex is not None else []
    _segment_with_extension(solid, dashed, f0, f1, reach)
    _segment_with_extension(solid, dashed, a0, a1, reach)
    _stroke(painter, dashed, _dashed(pen, m))
    _stroke(painter, solid, pen)
    if not near or vertex is None:
        return QPointF((f0.x() + f1.x()) / 2, (f0.y() + f1.y()) / 2), _upper_normal(f0, f1)
    # the arc between the rays from the vertex towards each marked segment
    fa = _away(vertex, f0, f1)
    aa = _away(vertex, a0, a1)
    a1_deg = math.degrees(math.atan2(-fa[1], fa[0]))
    a2_deg = math.degrees(math.atan2(-aa[1], aa[0]))
    sweep = (a2_deg - a1_deg + 180.0) % 360.0 - 180.0
    if abs(sweep) > 90.0:  # the acute angle is the one measured: mirror the aponeurosis ray
        a2_deg += 180.0
        sweep = (a2_deg - a1_deg + 180.0) % 360.0 - 180.0
    r = m.px(ARC_PX)
    rect = QRectF(vertex.x() - r, vertex.y() - r, 2 * r, 2 * r)
    arc = QPainterPath()
    arc.arcMoveTo(rect, a1_deg)
    arc.arcTo(rect, a1_deg, sweep)
    _stroke(painter, arc, pen)
    if abs(sweep) < NARROW_WEDGE_DEG:
        # a label in a narrow wedge covers the fascicle where it inserts (a typical 15-25 deg
        # pennation): it goes across the aponeurosis instead, just under the vertex
        nx, ny = -aa[1], aa[0]
        if nx * fa[0] + ny * fa[1] > 0:
            nx, ny = -nx, -ny
        return QPointF(vertex.x() + nx * m.px(4), vertex.y() + ny * m.px(4)), QPointF(nx, ny)
    mid = math.radians(a1_deg + sweep / 2)
    direction = QPointF(math.cos(mid), -math.sin(mid))
    anchor = QPointF(vertex.x() + direction.x() * (r + m.px(4)), vertex.y() + direction.y() * (r + m.px(4)))
    return anchor, direction


def _away(vertex: QPointF, p: QPointF, q: QPointF) -> tuple[float, float]:
    """Unit direction from the vertex towards the farther end of segment p-q."""
    far = p if math.dist((p.x(), p.y()), (vertex.x(), vertex.y())) > math.dist((q.x(), q.y()), (vertex.x(), vertex.y())) else q
    dx, dy = far.x() - vertex.x(), far.y() - vertex.y()
    n = math.hypot(dx, dy) or 1.0
    return dx / n, dy / n


def _within(p: QPointF, pts: Sequence[QPointF], factor: float) -> bool:
    """Whether ``p`` lies within ``factor`` times the points' extent of them (an intersection
    far off screen would draw a useless arc)."""
    xs, ys = [q.x() for q in pts], [q.y() for q in pts]
    extent = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
    cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    return math.hypot(p.x() - cx, p.y() - cy) <= factor * extent


def paint_fascicle(painter: QPainter, pts: Pts, xf: QTransform, pen: QPen, m: Metrics,
                   emphasised: bool) -> LabelAnchor:
    f0, f1, s0, s1, d0, d1 = (_dev(p, xf) for p in pts[:6])
    ends = arch.fascicle_ends(pts)
    thin = QPen(pen)
    thin.setWidthF(pen.widthF() * 0.6)
    boundaries = QPainterPath()
    boundary_ext = QPainterPath()
    top = bottom = None
    if ends is not None:
        top, bottom = _dev(ends[0], xf), _dev(ends[1], xf)
    _segment_with_extension(boundaries, boundary_ext, s0, s1, [top] if top is not None else [])
    _segment_with_extension(boundaries, boundary_ext, d0, d1, [bottom] if bottom is not None else [])
    _stroke(painter, boundary_ext, _dashed(thin, m))
    _stroke(painter, boundaries, thin)
    solid, dashed = QPainterPath(), QPainterPath()
    _segment_with_extension(solid, dashed, f0, f1, [p for p in (top, bottom) if p is not None])
    _stroke(painter, dashed, _dashed(pen, m))
    _stroke(painter, solid, pen)
    a, b = (top, bottom) if top is not None and bottom is not None else (f0, f1)
    mid = QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
    direction = _upper_normal(a, b)
    return QPointF(mid.x() + direction.x() * m.px(8), mid.y() + direction.y() * m.px(8)), direction
