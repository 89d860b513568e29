"""Plane geometry of annotation points (pure functions, no calibration knowledge).

Coordinates are image pixels: x to the right, y down, pixel centres at integer coordinates.
Callers that want millimetres scale the points first (``scale_points``): with non-square
pixels a length or an angle is only right when each axis is scaled before computing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Pt = Sequence[float]


def scale_points(points: Sequence[Pt], sx: float, sy: float) -> list[tuple[float, float]]:
    """Points with x multiplied by ``sx`` and y by ``sy`` (e.g. mm per pixel in x and y)."""
    return [(float(p[0]) * sx, float(p[1]) * sy) for p in points]


def path_length(points: Sequence[Pt], closed: bool = False) -> float:
    """Length of the open path through ``points`` (or of the closed ring when ``closed``)."""
    if len(points) < 2:
        return 0.0
    total = sum(math.dist(points[i], points[i + 1]) for i in range(len(points) - 1))
    if closed and len(points) > 2:
        total += math.dist(points[-1], points[0])
    return total


def polygon_area(points: Sequence[Pt]) -> float:
    """Unsigned area of a simple polygon (shoelace formula; any start point or orientation).

    Computed about the first vertex so that far-from-origin coordinates keep their precision.
    A self-intersecting trace gives the net signed area of its loops, as every viewer does.
    """
    if len(points) < 3:
        return 0.0
    x0, y0 = float(points[0][0]), float(points[0][1])
    xs = np.array([float(p[0]) - x0 for p in points])
    ys = np.array([float(p[1]) - y0 for p in points])
    twice = float(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1)))
    return abs(twice) / 2.0


def angle_deg(arm1: Pt, vertex: Pt, arm2: Pt) -> float | None:
    """The angle at ``vertex`` between the two arms, 0..180 degrees; None if an arm is empty."""
    ux, uy = arm1[0] - vertex[0], arm1[1] - vertex[1]
    vx, vy = arm2[0] - vertex[0], arm2[1] - vertex[1]
    if math.hypot(ux, uy) == 0.0 or math.hypot(vx, vy) == 0.0:
        return None
    # atan2 of cross and dot is accurate near 0 and 180 degrees, unlike acos.
    return math.degrees(math.atan2(abs(ux * vy - uy * vx), ux * vx + uy * vy))


@dataclass(frozen=True)
class EllipseAxes:
    """An ellipse as a centre and two perpendicular semi-axis vectors (in pixels)."""

    cx: float
    cy: float
    ux: float  # first semi-axis: centre -> the second annotation point
    uy: float
    vx: float  # second semi-axis: perpendicular to the first, length from the third point
    vy: float

    @property
    def a(self) -> float:
        return math.hypot(self.ux, self.uy)

    @property
    def b(self) -> float:
        return math.hypot(self.vx, self.vy)

    @property
    def rotation_deg(self) -> float:
        """Direction of the first semi-axis, degrees clockwise from +x (y points down)."""
        return math.degrees(math.atan2(self.uy, self.ux))

    def matrix(self) -> np.ndarray:
        """2x2 matrix whose columns are the semi-axis vectors."""
        return np.array([[self.ux, self.vx], [self.uy, self.vy]], dtype=np.float64)


def ellipse_axes(points: Sequence[Pt]) -> EllipseAxes:
    """The ellipse of an annotation's three points.

    Points are the centre, the end of one semi-axis, and a point whose distance from the
    centre is the other semi-axis length (the other axis is perpendicular to the first,
    whatever direction the third point lies in, so a slightly misplaced handle still gives
    the length the user dragged).
    """
    (cx, cy), (px, py), (qx, qy) = ((float(p[0]), float(p[1])) for p in points[:3])
    ux, uy = px - cx, py - cy
    a = math.hypot(ux, uy)
    b = math.hypot(qx - cx, qy - cy)
    if a == 0.0:
        # No direction from the first axis: take the second point's direction for the other.
        return EllipseAxes(cx, cy, 0.0, 0.0, qx - cx, qy - cy)
    # Perpendicular to u, on the side of the third point (for stable handle drawing).
    nx, ny = -uy / a, ux / a
    if (qx - cx) * nx + (qy - cy) * ny < 0:
        nx, ny = -nx, -ny
    return EllipseAxes(cx, cy, ux, uy, nx * b, ny * b)


def ellipse_outline(axes: EllipseAxes, n: int = 128) -> list[tuple[float, float]]:
    """``n`` points on the ellipse (for drawing, and for tests)."""
    t = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    xs = axes.cx + axes.ux * np.cos(t) + axes.vx * np.sin(t)
    ys = axes.cy + axes.uy * np.cos(t) + axes.vy * np.sin(t)
    return list(zip(xs.tolist(), ys.tolist(), strict=True))


def scaled_semi_axes(axes: EllipseAxes, sx: float, sy: float) -> tuple[float, float]:
    """Semi-axis lengths (major, minor) of the ellipse after scaling x by sx and y by sy.

    A linear map takes an ellipse to an ellipse whose semi-axes are the singular values of
    the mapped axis matrix; with non-square pixels their directions change too.
    """
    mapped = np.diag([sx, sy]) @ axes.matrix()
    s = np.linalg.svd(mapped, compute_uv=False)
    return float(s[0]), float(s[1])


def ellipse_perimeter(a: float, b: float) -> float:
    """Exact perimeter of an ellipse with semi-axes a and b (arithmetic-geometric mean)."""
    a, b = abs(a), abs(b)
    if a < b:
        a, b = b, a
    if a == 0.0:
        return 0.0
    if b <= a * 1e-12:  # flat (the AGM below would underflow): a segment there and back
        return 4.0 * a
    # C = 2*pi/AGM(a, b) * (a^2 - sum 2^(n-1) c_n^2), c_0^2 = a^2 - b^2 (Gauss-Kummer/AGM).
    an, bn = a, b
    total = (a * a - b * b) / 2.0
    power = 1.0
    for _ in range(64):
        cn = (an - bn) / 2.0
        an, bn = (an + bn) / 2.0, math.sqrt(an * bn)
        total += power * cn * cn
        power *= 2.0
        if cn <= 1e-16 * a:
            break
    return 2.0 * math.pi * (a * a - total) / an
