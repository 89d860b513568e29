"""Shape geometry used by both the painter and the editing tools."""

from __future__ import annotations

import math

import pytest

from annotator.render.geometry import (
    angle_degrees,
    distance_to_polyline,
    ellipse_geometry,
    ellipse_minor_point,
    inside_ellipse,
    point_in_polygon,
    simplify_polyline,
)


def test_ellipse_second_semi_axis_is_the_third_points_distance_from_the_centre() -> None:
    e = ellipse_geometry([(10, 10), (30, 10), (13, 14)])  # 3rd point 5 px from the centre
    assert (e.cx, e.cy) == (10, 10)
    assert e.rx == pytest.approx(20)
    assert e.ry == pytest.approx(5)
    assert e.angle_deg == pytest.approx(0)


def test_ellipse_rotated_axis_and_minor_point_round_trip() -> None:
    centre, end = (50.0, 50.0), (50.0 + 30 * math.cos(0.5), 50.0 + 30 * math.sin(0.5))
    minor = ellipse_minor_point(centre, end, 12.0)
    e = ellipse_geometry([centre, end, minor])
    assert e.rx == pytest.approx(30)
    assert e.ry == pytest.approx(12)
    assert e.angle_deg == pytest.approx(math.degrees(0.5))
    assert inside_ellipse((50 + 25 * math.cos(0.5), 50 + 25 * math.sin(0.5)), e)
    assert not inside_ellipse((50, 70), e)


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        ([(10, 0), (0, 0), (0, 10)], 90.0),
        ([(10, 0), (0, 0), (-10, 0)], 180.0),
        ([(10, 0), (0, 0), (10, 10)], 45.0),
        ([(10, 10), (0, 0), (10, 0)], 45.0),
    ],
)
def test_angle_at_vertex(points: list[tuple[float, float]], expected: float) -> None:
    assert angle_degrees(points) == pytest.approx(expected)


def test_polygon_and_polyline_distances() -> None:
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
    assert point_in_polygon((5, 5), square)
    assert not point_in_polygon((15, 5), square)
    assert distance_to_polyline((5, -3), square) == pytest.approx(3)
    # the closing edge counts only for a closed outline
    assert distance_to_polyline((-2, 5), square, closed=True) == pytest.approx(2)
    assert distance_to_polyline((-2, 5), square, closed=False) > 2


def test_simplify_keeps_corners_and_drops_collinear_points() -> None:
    line = [(float(x), 0.0) for x in range(11)] + [(10.0, float(y)) for y in range(1, 11)]
    simplified = simplify_polyline(line, tolerance=0.5)
    assert simplified == [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)]
