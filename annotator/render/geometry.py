"""Shape geometry shared by the painter and the editing tools (plain math, image pixels)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from annotator.case.geometry import ellipse_axes

Point = tuple[float, float]


@dataclass(frozen=True)
class EllipseGeometry:
    cx: float
    cy: float
    rx: float  # semi-axis along ``angle``
    ry: float  # the perpendicular semi-axis
    angle_deg: float  # direction of the first semi-axis, degrees from +x towards +y


def ellipse_geometry(points: Sequence[Point]) -> EllipseGeometry:
    """Centre, end of one semi-axis, and a point whose distance from the centre is the other
    semi-axis (the case model's rule, ``annotator.case.geometry.ellipse_axes``, which the
    area is computed from: the painter must draw the ellipse that was measured)."""
    axes = ellipse_axes(points)
    if axes.a == 0.0:
        return EllipseGeometry(axes.cx, axes.cy, axes.b, 0.0, math.degrees(math.atan2(axes.vy, axes.vx)))
    return EllipseGeometry(axes.cx, axes.cy, axes.a, axes.b, axes.rotation_deg)


def ellipse_minor_point(centre: Point, axis_end: Point, ry: float) -> Point:
    """The point on the perpendicular axis at distance ``ry`` (where the tools put point 3)."""
    ux, uy = axis_end[0] - centre[0], axis_end[1] - centre[1]
    norm = math.hypot(ux, uy) or 1.0
    return (centre[0] - uy / norm * ry, centre[1] + ux / norm * ry)


def angle_degrees(points: Sequence[Point]) -> float:
    """The angle at the vertex (points[1]) between the two arms, 0..180 degrees."""
    (x0, y0), (vx, vy), (x2, y2) = points[0], points[1], points[2]
    a1 = math.atan2(y0 - vy, x0 - vx)
    a2 = math.atan2(y2 - vy, x2 - vx)
    d = abs(math.degrees(a1 - a2)) % 360.0
    return 360.0 - d if d > 180.0 else d


def distance_to_segment(p: Point, a: Point, b: Point) -> float:
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.dist(p, a)
    t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / length2))
    return math.dist(p, (ax + t * dx, ay + t * dy))


def distance_to_polyline(p: Point, points: Sequence[Point], closed: bool = False) -> float:
    if not points:
        return math.inf
    if len(points) == 1:
        return math.dist(p, points[0])
    segments = list(zip(points[:-1], points[1:], strict=True))
    if closed:
        segments.append((points[-1], points[0]))
    return min(distance_to_segment(p, a, b) for a, b in segments)


def point_in_polygon(p: Point, points: Sequence[Point]) -> bool:
    """Even-odd rule."""
    x, y = p
    inside = False
    n = len(points)
    for i in range(n):
        (x1, y1), (x2, y2) = points[i], points[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < x_cross:
                inside = not inside
    return inside


def distance_to_ellipse_outline(p: Point, e: EllipseGeometry) -> float:
    """Approximate distance from ``p`` to the ellipse's outline (sampled, good to a pixel)."""
    cos_a, sin_a = math.cos(math.radians(e.angle_deg)), math.sin(math.radians(e.angle_deg))
    outline = []
    for k in range(72):
        t = 2 * math.pi * k / 72
        ex, ey = e.rx * math.cos(t), e.ry * math.sin(t)
        outline.append((e.cx + ex * cos_a - ey * sin_a, e.cy + ex * sin_a + ey * cos_a))
    return distance_to_polyline(p, outline, closed=True)


def inside_ellipse(p: Point, e: EllipseGeometry) -> bool:
    if e.rx <= 0 or e.ry <= 0:
        return False
    cos_a, sin_a = math.cos(math.radians(e.angle_deg)), math.sin(math.radians(e.angle_deg))
    dx, dy = p[0] - e.cx, p[1] - e.cy
    u = dx * cos_a + dy * sin_a
    v = -dx * sin_a + dy * cos_a
    return (u / e.rx) ** 2 + (v / e.ry) ** 2 <= 1.0


def simplify_polyline(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Ramer-Douglas-Peucker: drop points closer than ``tolerance`` to the simplified line."""
    pts = list(points)
    if len(pts) < 3:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        first, last = stack.pop()
        worst, worst_d = -1, tolerance
        for i in range(first + 1, last):
            d = distance_to_segment(pts[i], pts[first], pts[last])
            if d > worst_d:
                worst, worst_d = i, d
        if worst >= 0:
            keep[worst] = True
            stack.append((first, worst))
            stack.append((worst, last))
    return [p for p, k in zip(pts, keep, strict=True) if k]
