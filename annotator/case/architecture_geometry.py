"""Geometry of the structure-aware kinds: thickness, pennation and fascicle (no Qt).

Each boundary or fascicle is a segment of two points standing for its whole (infinite) line,
as a sonographer marks an aponeurosis by a stretch of it. Callers scale the points to mm
first (``geometry.scale_points``), so non-square pixels give exact distances and angles;
line intersections are affine-invariant, so they may be found in pixels and then scaled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Pt = Sequence[float]


def _direction(p: Pt, q: Pt) -> tuple[float, float] | None:
    dx, dy = float(q[0]) - float(p[0]), float(q[1]) - float(p[1])
    n = math.hypot(dx, dy)
    return None if n == 0.0 else (dx / n, dy / n)


def line_intersection(p: Pt, u: tuple[float, float], a: Pt, b: Pt) -> tuple[float, float] | None:
    """Where the line through ``p`` along ``u`` meets the line through ``a`` and ``b``;
    None when they are parallel (or a-b is empty)."""
    vx, vy = float(b[0]) - float(a[0]), float(b[1]) - float(a[1])
    den = u[0] * vy - u[1] * vx
    if abs(den) < 1e-12 * max(1.0, math.hypot(vx, vy)):
        return None
    wx, wy = float(a[0]) - float(p[0]), float(a[1]) - float(p[1])
    t = (wx * vy - wy * vx) / den
    return (float(p[0]) + t * u[0], float(p[1]) + t * u[1])


def marked_position(points: Sequence[Pt]) -> tuple[float, float]:
    """The position a thickness is measured at: the mean of its points."""
    return (sum(float(p[0]) for p in points) / len(points), sum(float(p[1]) for p in points) / len(points))


def thickness_feet(points: Sequence[Pt]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The two ends of a thickness [s0, s1, d0, d1]: where the normal of the deep line through
    the marked position meets the superficial and the deep line. None when degenerate."""
    s0, s1, d0, d1 = points[:4]
    u = _direction(d0, d1)
    if u is None:
        return None
    normal = (-u[1], u[0])
    p = marked_position(points[:4])
    on_superficial = line_intersection(p, normal, s0, s1)
    on_deep = line_intersection(p, normal, d0, d1)
    if on_superficial is None or on_deep is None:
        return None
    return on_superficial, on_deep


def thickness(points: Sequence[Pt]) -> float | None:
    """Distance between the superficial and the deep boundary lines, along the deep line's
    normal through the marked position (for parallel lines: their perpendicular distance)."""
    feet = thickness_feet(points)
    return None if feet is None else math.dist(*feet)


def line_angle_deg(p: Pt, q: Pt) -> float | None:
    """The line's angle to the image horizontal, in (-90, 90]; positive when it rises to the
    right on screen (y decreases as x grows)."""
    if _direction(p, q) is None:
        return None
    a = math.degrees(math.atan2(-(float(q[1]) - float(p[1])), float(q[0]) - float(p[0])))
    while a <= -90.0:
        a += 180.0
    while a > 90.0:
        a -= 180.0
    return a


def acute_angle_deg(p0: Pt, p1: Pt, q0: Pt, q1: Pt) -> float | None:
    """The angle between two lines, 0..90 degrees."""
    u, v = _direction(p0, p1), _direction(q0, q1)
    if u is None or v is None:
        return None
    cross = abs(u[0] * v[1] - u[1] * v[0])
    dot = abs(u[0] * v[0] + u[1] * v[1])
    return math.degrees(math.atan2(cross, dot))


def pennation(points: Sequence[Pt]) -> tuple[float, float, float] | None:
    """(pennation, fascicle angle, aponeurosis angle) in degrees of [f0, f1, a0, a1]."""
    f0, f1, a0, a1 = points[:4]
    pen = acute_angle_deg(f0, f1, a0, a1)
    fa, aa = line_angle_deg(f0, f1), line_angle_deg(a0, a1)
    if pen is None or fa is None or aa is None:
        return None
    return pen, fa, aa


def fascicle_ends(points: Sequence[Pt]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Where the fascicle line [f0, f1, ...] meets the superficial (s0 s1) and deep (d0 d1)
    lines; None when it is parallel to either (or a segment is empty)."""
    f0, f1, s0, s1, d0, d1 = points[:6]
    u = _direction(f0, f1)
    if u is None:
        return None
    top = line_intersection(f0, u, s0, s1)
    bottom = line_intersection(f0, u, d0, d1)
    if top is None or bottom is None:
        return None
    return top, bottom


def share_outside(p: Pt, q: Pt, x0: float, y0: float, x1: float, y1: float) -> float:
    """The share (0..1) of the segment p-q lying outside the rectangle [x0, x1] x [y0, y1]:
    how much of an extrapolated fascicle length was not seen (TimTrack reports the same as
    ``extrapolated_fraction``). Liang-Barsky clipping; an empty segment is 0 inside, 1 out."""
    px, py = float(p[0]), float(p[1])
    dx, dy = float(q[0]) - px, float(q[1]) - py
    lo, hi = 0.0, 1.0
    for step, room in ((-dx, px - x0), (dx, x1 - px), (-dy, py - y0), (dy, y1 - py)):
        if step == 0.0:
            if room < 0.0:
                return 1.0  # parallel to this side and beyond it
            continue
        t = room / step
        if step < 0.0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
    if dx == 0.0 and dy == 0.0:
        return 0.0
    return 1.0 - max(0.0, hi - lo)
