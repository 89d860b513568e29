"""Thickness, pennation and fascicle length against hand-computed values (issue 9):
square and non-square pixels, uncalibrated images, and the extrapolated fascicle flag."""

from __future__ import annotations

import math

import pytest

from annotator.case.measure import find_measurement, measure_annotation, primary_measurement
from annotator.case.model import Annotation
from annotator.media.calibration import UNIT_CM, Calibration, Region

SX, SY = 0.2857, 0.2286  # mm per px, non-square (Issue16.dcm)
NON_SQUARE = Calibration((Region(0, 0, 399, 299, UNIT_CM, UNIT_CM, SX / 10, SY / 10),))
SQUARE = Calibration((Region(0, 0, 399, 299, UNIT_CM, UNIT_CM, 0.01, 0.01),))  # 0.1 mm/px
UNCALIBRATED = Calibration(())


def ann(kind: str, points: list[tuple[float, float]]) -> Annotation:
    return Annotation.single("a1", "m1", kind, 0, points)


def test_thickness_is_the_distance_between_parallel_boundaries_not_between_points() -> None:
    # superficial at y=50, deep at y=150, the marked segments offset along x: a caliper
    # between s0 and d1 would be longer; the thickness is the perpendicular 100 px = 10 mm
    (m,) = measure_annotation(ann("thickness", [(10, 50), (110, 50), (200, 150), (300, 150)]), 0, SQUARE)
    assert (m.quantity, m.unit) == ("thickness", "mm")
    assert m.value == pytest.approx(10.0)
    assert m.display() == "10.0 mm"


def test_thickness_is_measured_along_the_deep_normal_at_the_marked_position() -> None:
    # deep horizontal at y=200; superficial rises 0.1 per px: y = 100 - 0.1 (x - 100)
    pts = [(100, 100), (200, 90), (100, 200), (200, 200)]
    (m,) = measure_annotation(ann("thickness", pts), 0, UNCALIBRATED)
    x = 150.0  # the mean x of the four points; the normal of a horizontal deep line is vertical
    assert m.value == pytest.approx(200 - (100 - 0.1 * (x - 100)))
    assert m.unit == "px" and m.note  # says why it is not in mm


def test_thickness_with_non_square_pixels_scales_each_axis() -> None:
    pts = [(0, 10), (100, 10), (0, 110), (100, 110)]  # 100 px apart vertically
    (m,) = measure_annotation(ann("thickness", pts), 0, NON_SQUARE)
    assert m.value == pytest.approx(100 * SY)


def test_pennation_and_line_angles() -> None:
    # fascicle rises to the right at 30 degrees (y down), aponeurosis rises at 10 degrees
    def seg(x: float, y: float, deg: float, n: float = 80) -> list[tuple[float, float]]:
        r = math.radians(deg)
        return [(x, y), (x + n * math.cos(r), y - n * math.sin(r))]

    pts = seg(50, 200, 30) + seg(50, 250, 10)
    ms = measure_annotation(ann("pennation", pts), 0, SQUARE)
    got = {m.quantity: m.value for m in ms}
    assert got["pennation"] == pytest.approx(20.0)
    assert got["fascicle_angle"] == pytest.approx(30.0)
    assert got["aponeurosis_angle"] == pytest.approx(10.0)
    assert primary_measurement(ms) is not None and primary_measurement(ms).quantity == "pennation"  # type: ignore[union-attr]
    # a line falling to the right has a negative angle; the pennation stays in 0..90
    pts2 = seg(50, 100, -40) + seg(50, 250, 70)
    got2 = {m.quantity: m.value for m in measure_annotation(ann("pennation", pts2), 0, SQUARE)}
    assert got2["fascicle_angle"] == pytest.approx(-40.0)
    assert got2["pennation"] == pytest.approx(70.0)  # 110 degrees apart: the acute angle


def test_pennation_with_non_square_pixels_is_computed_in_mm() -> None:
    # 45 degrees in pixels is atan(SY/SX) in mm
    pts = [(0, 100), (100, 0), (0, 200), (100, 200)]
    m = find_measurement(measure_annotation(ann("pennation", pts), 0, NON_SQUARE), "pennation")
    assert m is not None and m.value == pytest.approx(math.degrees(math.atan2(SY, SX)))
    u = find_measurement(measure_annotation(ann("pennation", pts), 0, UNCALIBRATED), "pennation")
    assert u is not None and u.value == pytest.approx(45.0) and not u.calibrated and "pixel space" in u.note


def test_fascicle_length_between_the_aponeuroses_and_the_extrapolated_flag() -> None:
    # fascicle from (100, 250) rising at 45 degrees; superficial y=50, deep y=250
    pts = [(120, 230), (140, 210), (0, 50), (300, 50), (0, 250), (300, 250)]
    a = ann("fascicle", pts)
    inside = measure_annotation(a, 0, SQUARE, image_size=(400, 300))
    m = find_measurement(inside, "fascicle_length")
    assert m is not None and m.value == pytest.approx(200 * math.sqrt(2) * 0.1)
    assert not m.extrapolated and "extrapolated" not in m.display()
    pen = find_measurement(inside, "pennation")
    assert pen is not None and pen.value == pytest.approx(45.0)
    # the same geometry on an image 250 px wide: the top end (x=300) lies outside
    outside = find_measurement(measure_annotation(a, 0, SQUARE, image_size=(250, 300)), "fascicle_length")
    assert outside is not None and outside.extrapolated
    assert outside.value == pytest.approx(m.value)
    assert outside.display().endswith("(extrapolated)")
    assert "extrapolated" in outside.note and outside.to_json()["extrapolated"] is True
    # x 249..300 of the fascicle's 100..300 lie beyond the image: a quarter of its length
    assert "(26% of its length)" in outside.note


def test_the_share_of_a_segment_outside_a_rectangle() -> None:
    from annotator.case.architecture_geometry import share_outside

    box = (0.0, 0.0, 100.0, 50.0)
    assert share_outside((10, 10), (90, 40), *box) == 0.0  # inside
    assert share_outside((50, 25), (150, 25), *box) == pytest.approx(0.5)  # leaves on the right
    assert share_outside((-50, 25), (150, 25), *box) == pytest.approx(0.5)  # out on both sides
    assert share_outside((0, 60), (100, 60), *box) == 1.0  # parallel to a side, beyond it
    assert share_outside((120, -10), (200, 80), *box) == 1.0  # beyond a corner
    assert share_outside((0, 0), (200, 100), *box) == pytest.approx(0.5)  # diagonal out through a corner
    assert share_outside((30, 30), (30, 30), *box) == 0.0 and share_outside((130, 30), (130, 30), *box) == 1.0
    inf = math.inf
    assert share_outside((-5, 0), (5, 0), -inf, -inf, inf, inf) == 0.0  # no bounds: all seen


def test_degenerate_marks_give_no_value() -> None:
    # parallel fascicle and aponeurosis: no intersection, no length
    pts = [(0, 100), (100, 100), (0, 50), (100, 50), (0, 200), (100, 200)]
    assert find_measurement(measure_annotation(ann("fascicle", pts), 0, SQUARE), "fascicle_length") is None
    assert measure_annotation(ann("thickness", [(0, 0), (0, 0), (5, 5), (5, 5)]), 0, SQUARE) == []


def test_a_fascicle_leaving_the_scanners_region_is_extrapolated_where_the_frame_goes_on() -> None:
    """A DICOM's B-mode image (its ultrasound region) is often smaller than the frame (black
    margins, text): a fascicle whose end lies past the region is extrapolated there, as the
    ``architecture`` rows say, though the frame goes on; a manual calibration declares no image."""
    from annotator.media.calibration import SOURCE_MANUAL

    pts = [(120, 230), (140, 210), (0, 50), (240, 50), (0, 250), (240, 250)]  # ends x = 100 and 300
    a = ann("fascicle", pts)
    narrow = Calibration((Region(0, 0, 249, 299, UNIT_CM, UNIT_CM, 0.01, 0.01),))
    m = find_measurement(measure_annotation(a, 0, narrow, image_size=(400, 300)), "fascicle_length")
    assert m is not None and m.extrapolated and m.display().endswith("(extrapolated)")
    assert m.value == pytest.approx(200 * math.sqrt(2) * 0.1)
    assert "(25% of its length)" in m.note  # past the region's edge pixel (x 249.5), not the frame's
    wide = Calibration((Region(0, 0, 300, 299, UNIT_CM, UNIT_CM, 0.01, 0.01),))
    m = find_measurement(measure_annotation(a, 0, wide, image_size=(400, 300)), "fascicle_length")
    assert m is not None and not m.extrapolated
    manual = Calibration((Region(0, 0, 249, 299, UNIT_CM, UNIT_CM, 0.01, 0.01, source=SOURCE_MANUAL),))
    m = find_measurement(measure_annotation(a, 0, manual, image_size=(400, 300)), "fascicle_length")
    assert m is not None and not m.extrapolated


def test_a_fascicle_leaving_the_image_found_on_a_screen_is_extrapolated() -> None:
    """Without a declared ultrasound region (a screen saved as a video or a still, a manual
    calibration), the B-mode image found in the pixels is where the fascicle is judged, as the
    analysis judges it; a declared region outranks it."""
    from annotator.media.bmode_area import SOURCE_FOUND
    from annotator.media.calibration import SOURCE_MANUAL

    pts = [(120, 230), (140, 210), (0, 50), (240, 50), (0, 250), (240, 250)]  # ends x = 100 and 300
    a = ann("fascicle", pts)
    found = Region(120, 0, 399, 299, source=SOURCE_FOUND)  # the image starts right of x = 100
    for calibration in (UNCALIBRATED, Calibration((Region(0, 0, 399, 299, UNIT_CM, UNIT_CM, 0.01, 0.01,
                                                          source=SOURCE_MANUAL),))):
        m = find_measurement(measure_annotation(a, 0, calibration, image_size=(400, 300), found_image=lambda: found),
                             "fascicle_length")
        assert m is not None and m.extrapolated, calibration
        m = find_measurement(measure_annotation(a, 0, calibration, image_size=(400, 300)), "fascicle_length")
        assert m is not None and not m.extrapolated  # the frame alone: inside
    # the scanner declared its image (the whole frame): the found one does not count
    m = find_measurement(measure_annotation(a, 0, SQUARE, image_size=(400, 300), found_image=lambda: found), "fascicle_length")
    assert m is not None and not m.extrapolated


def test_the_found_image_is_asked_only_where_it_counts() -> None:
    """Finding the image decodes a frame: not for a file that declares its image, nor for a
    kind that is never extrapolated."""
    def never() -> Region | None:
        raise AssertionError("the image was looked for")

    pts = [(120, 230), (140, 210), (0, 50), (240, 50), (0, 250), (240, 250)]
    assert measure_annotation(ann("fascicle", pts), 0, SQUARE, image_size=(400, 300), found_image=never)
    assert measure_annotation(ann("line", [(0, 0), (30, 40)]), 0, UNCALIBRATED, found_image=never)
