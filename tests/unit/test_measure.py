"""Measurements against hand-computed values: square and non-square pixels, several regions,
Doppler regions, no calibration, manual calibration, dynamic annotations, derived values."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from annotator.case.measure import (
    Measurement,
    find_measurement,
    measure_annotation,
    percent_change,
    primary_measurement,
    ratio,
    side_to_side_ratio,
    swelling_ratio,
)
from annotator.case.model import Annotation
from annotator.media.calibration import (
    SOURCE_MANUAL,
    SOURCE_US_REGION,
    UNCALIBRATED_NO_CALIBRATION,
    UNIT_CM,
    UNIT_CM_PER_S,
    UNIT_SECONDS,
    Calibration,
    ManualCalibration,
    Region,
)

# Issue16.dcm's 2D region: 0.02857 cm x 0.02286 cm per pixel.
SX, SY = 0.2857, 0.2286


def tissue(x0: int, y0: int, x1: int, y1: int, dx_cm: float, dy_cm: float) -> Region:
    return Region(x0, y0, x1, y1, UNIT_CM, UNIT_CM, dx_cm, dy_cm)


NON_SQUARE = Calibration((tissue(0, 0, 399, 299, SX / 10, SY / 10),))
SQUARE = Calibration((tissue(0, 0, 399, 299, 0.01, 0.01),))  # 0.1 mm per pixel
UNCALIBRATED = Calibration(())


def ann(kind: str, points: Sequence[tuple[float, float]], frame: int = 0) -> Annotation:
    return Annotation.single("a1", "m1", kind, frame, points)


def values(ms: list[Measurement]) -> dict[str, float]:
    return {m.quantity: m.value for m in ms}


def test_line_square_pixels() -> None:
    (m,) = measure_annotation(ann("line", [(0, 0), (30, 40)]), 0, SQUARE)
    assert (m.quantity, m.unit, m.source) == ("length", "mm", SOURCE_US_REGION)
    assert m.value == pytest.approx(5.0)
    assert m.display() == "5.0 mm"
    assert m.calibrated


def test_line_non_square_pixels_scales_each_axis() -> None:
    horizontal = measure_annotation(ann("line", [(0, 0), (100, 0)]), 0, NON_SQUARE)[0]
    vertical = measure_annotation(ann("line", [(0, 0), (0, 100)]), 0, NON_SQUARE)[0]
    diagonal = measure_annotation(ann("line", [(0, 0), (30, 40)]), 0, NON_SQUARE)[0]
    assert horizontal.value == pytest.approx(28.57)
    assert vertical.value == pytest.approx(22.86)
    # sqrt((30 * 0.2857)^2 + (40 * 0.2286)^2) = sqrt(8.571^2 + 9.144^2)
    assert diagonal.value == pytest.approx(12.53295, abs=1e-5)
    # One factor times the pixel length would be wrong either way.
    assert diagonal.value != pytest.approx(50 * SX, rel=1e-3)
    assert diagonal.value != pytest.approx(50 * SY, rel=1e-3)


def test_polyline_sums_segments_in_mm() -> None:
    ms = measure_annotation(ann("polyline", [(0, 0), (10, 0), (10, 10), (0, 10)]), 0, NON_SQUARE)
    assert values(ms) == {"length": pytest.approx(2.857 + 2.286 + 2.857)}


def test_polygon_area_and_perimeter_non_square() -> None:
    rect = [(10, 10), (20, 10), (20, 30), (10, 30)]  # 10 x 20 px
    ms = measure_annotation(ann("polygon", rect), 0, NON_SQUARE)
    v = values(ms)
    assert v["area"] == pytest.approx(2.857 * 4.572)  # 13.062 mm²
    assert v["perimeter"] == pytest.approx(2 * (2.857 + 4.572))
    area = find_measurement(ms, "area")
    assert area is not None and area.unit == "mm2" and area.display() == "13.1 mm²"


def test_triangle_area() -> None:
    ms = measure_annotation(ann("polygon", [(0, 0), (40, 0), (0, 30)]), 0, SQUARE)
    v = values(ms)
    assert v["area"] == pytest.approx(0.5 * 4.0 * 3.0)
    assert v["perimeter"] == pytest.approx(4.0 + 3.0 + 5.0)


def test_ellipse_axis_aligned_non_square() -> None:
    # centre (100, 100), semi-axis 10 px along x, 5 px along y
    ms = measure_annotation(ann("ellipse", [(100, 100), (110, 100), (100, 105)]), 0, NON_SQUARE)
    v = values(ms)
    a, b = 10 * SX, 5 * SY  # 2.857 mm and 1.143 mm
    assert v["area"] == pytest.approx(math.pi * a * b)
    # Ramanujan's second approximation is within 1e-9 relative for this eccentricity.
    h = ((a - b) / (a + b)) ** 2
    ramanujan = math.pi * (a + b) * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h)))
    assert v["perimeter"] == pytest.approx(ramanujan, rel=1e-7)
    assert v["major_axis"] == pytest.approx(2 * a)
    assert v["minor_axis"] == pytest.approx(2 * b)


def test_ellipse_rotated_non_square_area_scales_by_determinant() -> None:
    c = math.cos(math.radians(30))
    s = math.sin(math.radians(30))
    pts = [(200, 150), (200 + 40 * c, 150 + 40 * s), (200 - 15 * s, 150 + 15 * c)]
    ms = measure_annotation(ann("ellipse", pts), 0, NON_SQUARE)
    v = values(ms)
    assert v["area"] == pytest.approx(math.pi * 40 * 15 * SX * SY)
    # Perimeter: the same ellipse sampled densely, each point scaled to mm.
    n = 20000
    outline = [
        (
            (200 + 40 * c * math.cos(t) - 15 * s * math.sin(t)) * SX,
            (150 + 40 * s * math.cos(t) + 15 * c * math.sin(t)) * SY,
        )
        for t in (2 * math.pi * i / n for i in range(n))
    ]
    dense = sum(math.dist(outline[i], outline[(i + 1) % n]) for i in range(n))
    assert v["perimeter"] == pytest.approx(dense, rel=1e-6)


def test_ellipse_third_point_gives_length_not_direction() -> None:
    exact = measure_annotation(ann("ellipse", [(50, 50), (70, 50), (50, 60)]), 0, SQUARE)
    sloppy = measure_annotation(ann("ellipse", [(50, 50), (70, 50), (56, 58)]), 0, SQUARE)  # |(6, 8)| = 10
    assert values(exact)["area"] == pytest.approx(values(sloppy)["area"])
    assert values(exact)["area"] == pytest.approx(math.pi * 2.0 * 1.0)


def test_angle_square_and_non_square() -> None:
    right = measure_annotation(ann("angle", [(10, 0), (0, 0), (0, 10)]), 0, NON_SQUARE)[0]
    assert right.value == pytest.approx(90.0) and right.unit == "deg"
    assert right.display() == "90.0°"
    diag_sq = measure_annotation(ann("angle", [(10, 0), (0, 0), (10, 10)]), 0, SQUARE)[0]
    assert diag_sq.value == pytest.approx(45.0)
    # In mm the diagonal leans atan(10 * 0.2286 / (10 * 0.2857)) = 38.665 degrees.
    diag = measure_annotation(ann("angle", [(10, 0), (0, 0), (10, 10)]), 0, NON_SQUARE)[0]
    assert diag.value == pytest.approx(38.6647, abs=1e-4)


def test_angle_is_between_0_and_180_and_degenerate_gives_nothing() -> None:
    straight = measure_annotation(ann("angle", [(0, 0), (10, 0), (20, 0)]), 0, SQUARE)[0]
    assert straight.value == pytest.approx(180.0)
    obtuse = measure_annotation(ann("angle", [(0, 10), (10, 10), (20, 0)]), 0, SQUARE)[0]
    assert obtuse.value == pytest.approx(135.0)
    assert measure_annotation(ann("angle", [(5, 5), (5, 5), (20, 0)]), 0, SQUARE) == []


@pytest.mark.parametrize("kind,points", [("point", [(1, 1)]), ("arrow", [(1, 1), (9, 9)]), ("text", [(3, 3)])])
def test_kinds_without_measurements(kind: str, points: list[tuple[float, float]]) -> None:
    assert measure_annotation(ann(kind, points), 0, SQUARE) == []


def test_uncalibrated_gives_labelled_pixels() -> None:
    ms = measure_annotation(ann("polygon", [(0, 0), (10, 0), (10, 10), (0, 10)]), 0, UNCALIBRATED)
    area = find_measurement(ms, "area")
    perim = find_measurement(ms, "perimeter")
    assert area is not None and perim is not None
    assert (area.value, area.unit, area.source) == (100.0, "px2", None)
    assert (perim.value, perim.unit) == (40.0, "px")
    assert area.note == UNCALIBRATED_NO_CALIBRATION
    assert area.display() == "100.0 px²" and perim.display() == "40.0 px"
    assert not area.calibrated


def test_uncalibrated_angle_is_flagged() -> None:
    (m,) = measure_annotation(ann("angle", [(10, 0), (0, 0), (0, 10)]), 0, UNCALIBRATED)
    assert m.value == pytest.approx(90.0)
    assert not m.calibrated
    assert "square pixels assumed" in m.note


TWO_REGIONS = Calibration(
    (
        tissue(0, 0, 199, 299, 0.01, 0.01),  # left image, 0.1 mm/px
        tissue(200, 0, 399, 299, 0.02, 0.02),  # right image, 0.2 mm/px
    )
)


def test_each_region_uses_its_own_scale() -> None:
    left = measure_annotation(ann("line", [(10, 10), (110, 10)]), 0, TWO_REGIONS)[0]
    right = measure_annotation(ann("line", [(210, 10), (310, 10)]), 0, TWO_REGIONS)[0]
    assert (left.value, left.unit) == (pytest.approx(10.0), "mm")
    assert (right.value, right.unit) == (pytest.approx(20.0), "mm")


def test_points_in_different_regions_give_pixels() -> None:
    (m,) = measure_annotation(ann("line", [(150, 10), (250, 10)]), 0, TWO_REGIONS)
    assert (m.value, m.unit, m.source) == (100.0, "px", None)
    assert "different regions" in m.note


def test_points_in_a_doppler_region_give_pixels() -> None:
    doppler = Region(0, 200, 399, 299, UNIT_SECONDS, UNIT_CM_PER_S, 0.01, 0.5, spatial_format=3, data_type=3)
    cal = Calibration((tissue(0, 0, 399, 199, 0.01, 0.01), doppler))
    (m,) = measure_annotation(ann("line", [(10, 220), (110, 220)]), 0, cal)
    assert (m.value, m.unit) == (100.0, "px")
    assert "PW doppler" in m.note
    (tissue_m,) = measure_annotation(ann("line", [(10, 20), (110, 20)]), 0, cal)
    assert (tissue_m.value, tissue_m.unit) == (pytest.approx(10.0), "mm")


def test_point_outside_every_region_gives_pixels() -> None:
    cal = Calibration((tissue(0, 0, 99, 99, 0.01, 0.01),))
    (m,) = measure_annotation(ann("line", [(10, 10), (150, 10)]), 0, cal)
    assert m.unit == "px" and "outside" in m.note


def test_manual_calibration() -> None:
    manual = ManualCalibration.from_line((0, 0), (200, 0), 10.0)  # 0.05 mm/px
    cal = UNCALIBRATED.with_manual(manual, 400, 300)
    (m,) = measure_annotation(ann("line", [(0, 0), (0, 100)]), 0, cal)
    assert (m.value, m.unit, m.source) == (pytest.approx(5.0), "mm", SOURCE_MANUAL)


def test_manual_calibration_never_overrides_a_region() -> None:
    manual = ManualCalibration(0.5)
    cal = Calibration((tissue(0, 0, 199, 299, 0.01, 0.01),)).with_manual(manual, 400, 300)
    inside = measure_annotation(ann("line", [(10, 10), (110, 10)]), 0, cal)[0]
    outside = measure_annotation(ann("line", [(210, 10), (310, 10)]), 0, cal)[0]
    assert (inside.value, inside.source) == (pytest.approx(10.0), SOURCE_US_REGION)
    assert (outside.value, outside.source) == (pytest.approx(50.0), SOURCE_MANUAL)


def test_dynamic_annotation_is_measured_per_frame() -> None:
    a = Annotation("a1", "m1", "line", 10, {10: [(0, 0), (100, 0)], 20: [(0, 0), (200, 0)]}, frame_end=30)
    assert measure_annotation(a, 10, SQUARE)[0].value == pytest.approx(10.0)
    assert measure_annotation(a, 15, SQUARE)[0].value == pytest.approx(15.0)  # interpolated
    assert measure_annotation(a, 25, SQUARE)[0].value == pytest.approx(20.0)  # held
    assert measure_annotation(a, 15, SQUARE)[0].frame == 15
    assert measure_annotation(a, 9, SQUARE) == []
    assert measure_annotation(a, 31, SQUARE) == []


def test_display_rounding_keeps_full_precision() -> None:
    m = Measurement("a", "m", 0, "line", "length", 12.3456, "mm", "us-region")
    assert m.display() == "12.3 mm" and m.value == 12.3456
    assert Measurement("a", "m", 0, "polygon", "area", 45.65, "mm2").display() == "45.6 mm²"
    assert Measurement("a", "m", 0, "angle", "angle", 23.44, "deg", "manual").display() == "23.4°"
    assert Measurement("a", "m", 0, "polygon", "mean_intensity", 87.25, "grey").display() == "87.2"
    assert Measurement("a", "m", 0, "line", "length", 123.44, "px").display() == "123.4 px"
    assert Measurement("a", "m", 0, "polygon", "area", 99.96, "px2").display() == "100.0 px²"
    assert Measurement("a", "m", 0, "polygon", "pixel_count", 1234.0, "count").display() == "1234"


def test_json_row_has_the_documented_keys() -> None:
    (m,) = measure_annotation(ann("line", [(0, 0), (30, 40)]), 0, SQUARE)
    row = m.to_json()
    assert list(row) == ["annotation", "media", "frame", "kind", "quantity", "value", "unit", "source", "note"]
    assert row["value"] == pytest.approx(5.0) and row["unit"] == "mm"


def test_primary_measurement() -> None:
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]
    assert primary_measurement(measure_annotation(ann("polygon", square), 0, SQUARE)).quantity == "area"  # type: ignore[union-attr]
    ellipse = [(50, 50), (60, 50), (50, 55)]
    assert primary_measurement(measure_annotation(ann("ellipse", ellipse), 0, SQUARE)).quantity == "area"  # type: ignore[union-attr]
    line = measure_annotation(ann("polyline", [(0, 0), (5, 5)]), 0, SQUARE)
    assert primary_measurement(line).quantity == "length"  # type: ignore[union-attr]
    assert primary_measurement([]) is None


def test_ratios_and_percent_change() -> None:
    rest = Measurement("a", "m", 3, "line", "length", 5.0, "mm", "us-region")
    peak = Measurement("a", "m", 40, "line", "length", 11.0, "mm", "us-region")
    assert percent_change(rest, peak) == pytest.approx(120.0)
    assert percent_change(10.0, 7.5) == pytest.approx(-25.0)
    assert ratio(peak, rest) == pytest.approx(2.2)
    assert swelling_ratio(15.0, 7.5) == pytest.approx(2.0)
    assert side_to_side_ratio(12.0, 8.0) == pytest.approx(1.5)


def test_ratio_refuses_mixed_units_and_zero() -> None:
    mm = Measurement("a", "m", 0, "line", "length", 5.0, "mm", "us-region")
    px = Measurement("b", "m", 0, "line", "length", 50.0, "px")
    with pytest.raises(ValueError, match="mm with px"):
        ratio(mm, px)
    with pytest.raises(ValueError, match="zero"):
        percent_change(0.0, 3.0)
