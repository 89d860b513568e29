"""Properties of the measurement geometry, checked with hypothesis."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.case import geometry
from annotator.case.intensity import polygon_mask
from annotator.case.measure import measure_annotation
from annotator.case.model import Annotation
from annotator.media.calibration import UNIT_CM, Calibration, Region

coord = st.floats(min_value=-500, max_value=500, allow_nan=False, allow_infinity=False)
point = st.tuples(coord, coord)
angle = st.floats(min_value=0, max_value=2 * math.pi, allow_nan=False)
scale = st.floats(min_value=0.01, max_value=100, allow_nan=False)
mm_per_px = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)

#: one huge square-pixel region (0.1 mm per pixel) so every point is calibrated
BIG = 100_000
SQUARE = Calibration((Region(-BIG, -BIG, BIG, BIG, UNIT_CM, UNIT_CM, 0.01, 0.01),))


def calibration(sx: float, sy: float) -> Calibration:
    return Calibration((Region(-BIG, -BIG, BIG, BIG, UNIT_CM, UNIT_CM, sx / 10, sy / 10),))


def rotate(points: list[tuple[float, float]], theta: float, about: tuple[float, float]) -> list[tuple[float, float]]:
    c, s = math.cos(theta), math.sin(theta)
    ox, oy = about
    return [(ox + (x - ox) * c - (y - oy) * s, oy + (x - ox) * s + (y - oy) * c) for x, y in points]


def measured(kind: str, points: list[tuple[float, float]], cal: Calibration = SQUARE) -> dict[str, float]:
    ms = measure_annotation(Annotation.single("a", "m", kind, 0, points), 0, cal)
    return {m.quantity: m.value for m in ms}


def close(a: float, b: float, scale_of: float = 1.0) -> bool:
    return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-7 * max(1.0, scale_of))


@settings(max_examples=150, deadline=None)
@given(st.lists(point, min_size=3, max_size=12), angle, point)
def test_polygon_area_and_perimeter_invariant_under_rotation(pts: list, theta: float, about: tuple) -> None:
    before = measured("polygon", pts)
    after = measured("polygon", rotate(pts, theta, about))
    size = max(abs(c) for p in pts for c in p) + 1
    assert close(before["area"], after["area"], size * size * 0.01)
    assert close(before["perimeter"], after["perimeter"], size * 0.1)


@settings(max_examples=150, deadline=None)
@given(point, st.tuples(coord, coord), st.floats(min_value=0.5, max_value=300), angle, angle)
def test_ellipse_area_and_perimeter_invariant_under_rotation(
    centre: tuple, axis: tuple, b: float, theta: float, spin: float
) -> None:
    cx, cy = centre
    pts = [centre, (cx + axis[0], cy + axis[1]), (cx + b * math.cos(spin), cy + b * math.sin(spin))]
    before = measured("ellipse", pts)
    after = measured("ellipse", rotate(pts, theta, centre))
    assert close(before["area"], after["area"], 1e4)
    assert close(before["perimeter"], after["perimeter"], 100)


@settings(max_examples=150, deadline=None)
@given(st.lists(point, min_size=3, max_size=12), scale)
def test_scaling_scales_lengths_by_k_and_areas_by_k_squared(pts: list, k: float) -> None:
    scaled = [(x * k, y * k) for x, y in pts]
    poly, poly_k = measured("polygon", pts), measured("polygon", scaled)
    line, line_k = measured("polyline", pts), measured("polyline", scaled)
    size = (max(abs(c) for p in pts for c in p) + 1) * k
    assert close(poly_k["area"], poly["area"] * k * k, size * size * 0.01)
    assert close(poly_k["perimeter"], poly["perimeter"] * k, size * 0.1)
    assert close(line_k["length"], line["length"] * k, size * 0.1)


@settings(max_examples=150, deadline=None)
@given(st.lists(point, min_size=3, max_size=12), st.integers(min_value=0, max_value=11))
def test_polygon_area_independent_of_start_point_and_orientation(pts: list, start: int) -> None:
    start %= len(pts)
    shifted = pts[start:] + pts[:start]
    reversed_pts = list(reversed(pts))
    a = geometry.polygon_area(pts)
    size = max(abs(c) for p in pts for c in p) + 1
    assert close(geometry.polygon_area(shifted), a, size * size)
    assert close(geometry.polygon_area(reversed_pts), a, size * size)
    assert close(
        geometry.path_length(shifted, closed=True), geometry.path_length(pts, closed=True), size
    )


@settings(max_examples=150, deadline=None)
@given(point, point, mm_per_px, mm_per_px)
def test_line_length_scales_each_axis(p: tuple, q: tuple, sx: float, sy: float) -> None:
    got = measured("line", [p, q], calibration(sx, sy))["length"]
    assert math.isclose(got, math.hypot((q[0] - p[0]) * sx, (q[1] - p[1]) * sy), rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=150, deadline=None)
@given(st.lists(point, min_size=3, max_size=10), mm_per_px, mm_per_px)
def test_polygon_area_with_non_square_pixels_is_pixel_area_times_both_scales(
    pts: list, sx: float, sy: float
) -> None:
    got = measured("polygon", pts, calibration(sx, sy))["area"]
    size = max(abs(c) for p in pts for c in p) + 1
    assert close(got, geometry.polygon_area(pts) * sx * sy, size * size)


@settings(max_examples=150, deadline=None)
@given(point, st.tuples(coord, coord), st.floats(min_value=0.5, max_value=300), angle, mm_per_px, mm_per_px)
def test_ellipse_area_with_non_square_pixels_scales_by_the_determinant(
    centre: tuple, axis: tuple, b: float, spin: float, sx: float, sy: float
) -> None:
    cx, cy = centre
    pts = [centre, (cx + axis[0], cy + axis[1]), (cx + b * math.cos(spin), cy + b * math.sin(spin))]
    a = math.hypot(*axis)
    got = measured("ellipse", pts, calibration(sx, sy))
    assert close(got["area"], math.pi * a * b * sx * sy, 1e4)
    # major and minor axes bound the perimeter: 4a <= P <= 2*pi*a for semi-axes a >= b
    major, minor = got["major_axis"] / 2, got["minor_axis"] / 2
    assert major >= minor
    assert 4 * major * (1 - 1e-9) <= got["perimeter"] <= 2 * math.pi * major * (1 + 1e-9)


@settings(max_examples=100, deadline=None)
@given(point, point, point, angle, point)
def test_angle_invariant_under_rotation_and_bounded(p: tuple, v: tuple, q: tuple, theta: float, about: tuple) -> None:
    if min(math.dist(p, v), math.dist(q, v)) < 1e-3:
        assert measured("angle", [v, v, q]) == {}  # an empty arm has no angle
        return
    before = measured("angle", [p, v, q])
    after = measured("angle", rotate([p, v, q], theta, about))
    assert 0.0 <= before["angle"] <= 180.0
    assert math.isclose(before["angle"], after["angle"], abs_tol=1e-6)


small = st.floats(min_value=-5, max_value=45, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(st.tuples(small, small), st.tuples(small, small), st.tuples(small, small))
def test_triangle_mask_holds_exactly_the_pixel_centres_inside(a: tuple, b: tuple, c: tuple) -> None:
    def cross(o: tuple, u: tuple, v: tuple) -> float:
        return (u[0] - o[0]) * (v[1] - o[1]) - (u[1] - o[1]) * (v[0] - o[0])

    if abs(cross(a, b, c)) < 1e-3:
        return  # degenerate triangle
    mask, x0, y0, _ = polygon_mask([a, b, c], 40, 40)
    full = np.zeros((40, 40), dtype=bool)
    full[y0 : y0 + mask.shape[0], x0 : x0 + mask.shape[1]] = mask
    for y in range(40):
        for x in range(40):
            d = (cross(a, b, (x, y)), cross(b, c, (x, y)), cross(c, a, (x, y)))
            if min(abs(v) for v in d) < 1e-6:
                continue  # on an edge: either answer is fine for random coordinates
            inside = all(v > 0 for v in d) or all(v < 0 for v in d)
            assert full[y, x] == inside, (x, y)
