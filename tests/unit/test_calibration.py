"""Regions, point lookup and per-measurement scales (annotator.media.calibration)."""

from __future__ import annotations

import math

import pytest

from annotator.media.calibration import (
    SOURCE_MANUAL,
    SOURCE_PIXEL_SPACING,
    UNIT_CM,
    UNIT_CM_PER_S,
    UNIT_NAMES,
    UNIT_SECONDS,
    Calibration,
    ManualCalibration,
    Region,
)


def tissue(x0: int, y0: int, x1: int, y1: int, dx: float = 0.01, dy: float = 0.01) -> Region:
    return Region(x0, y0, x1, y1, UNIT_CM, UNIT_CM, dx, dy, 1, 1)


def doppler(x0: int, y0: int, x1: int, y1: int) -> Region:
    return Region(x0, y0, x1, y1, UNIT_SECONDS, UNIT_CM_PER_S, 0.005, 2.0, 3, 3)


def test_spatial_only_with_cm_on_both_axes_and_a_usable_delta() -> None:
    assert tissue(0, 0, 9, 9).is_spatial
    assert not doppler(0, 0, 9, 9).is_spatial
    assert not tissue(0, 0, 9, 9, dx=0.0).is_spatial
    assert not tissue(0, 0, 9, 9, dy=math.nan).is_spatial
    assert not tissue(0, 0, 9, 9, dx=math.inf).is_spatial
    region = tissue(0, 0, 9, 9, dx=0.02857, dy=0.02286)
    assert region.mm_per_px_x == pytest.approx(0.2857) and region.mm_per_px_y == pytest.approx(0.2286)
    assert doppler(0, 0, 9, 9).mm_per_px_x is None


def test_contains_covers_whole_pixels() -> None:
    region = tissue(10, 20, 19, 29)
    assert region.contains(9.5, 19.5) and region.contains(19.5, 29.5)
    assert not region.contains(9.49, 25) and not region.contains(15, 29.51)


def test_json_shapes() -> None:
    assert tissue(1, 2, 3, 4).to_json() == {
        "x0": 1, "y0": 2, "x1": 3, "y1": 4, "mm_per_px_x": pytest.approx(0.1),
        "mm_per_px_y": pytest.approx(0.1), "source": "us-region",
    }
    other = doppler(0, 0, 5, 5).to_json_other()
    assert other["units_x"] == "s" and other["units_y"] == "cm/s" and other["spatial_format"] == "spectral"


def test_unit_names_follow_the_standard() -> None:
    # PS3.3 C.8.5.5.1.15: 8 cm2, 9 cm2/s, 0x0A cm3, 0x0B cm3/s, 0x0C degrees
    assert [UNIT_NAMES[u] for u in (3, 4, 7, 8, 9, 0x0A, 0x0B, 0x0C)] == ["cm", "s", "cm/s", "cm2", "cm2/s", "cm3", "cm3/s", "deg"]


def test_lookup_prefers_spatial_then_the_smallest_region() -> None:
    bmode, colour_box, strip = tissue(0, 0, 99, 99), tissue(40, 40, 59, 59), doppler(0, 100, 99, 149)
    overlay = doppler(0, 0, 99, 99)  # a non-spatial region drawn over the image
    cal = Calibration((bmode, colour_box, strip, overlay))
    assert cal.region_index_at(10, 10) == 0
    assert cal.region_index_at(50, 50) == 1
    assert cal.region_index_at(50, 120) == 2
    assert cal.region_index_at(50, 160) is None
    assert cal.region_at(50, 120) is strip


def test_scale_within_one_region_with_non_square_pixels() -> None:
    cal = Calibration((tissue(0, 0, 99, 99, dx=0.02, dy=0.01),))
    scale = cal.scale_for([(10, 10), (13, 14)])
    assert scale.calibrated and scale.source == "us-region" and scale.region_index == 0
    assert scale.length_mm((10, 10), (13, 14)) == pytest.approx(math.hypot(3 * 0.2, 4 * 0.1))


def test_uncalibrated_cases_say_why() -> None:
    assert "no calibration" in Calibration().scale_for([(0, 0), (1, 1)]).reason
    only_doppler = Calibration((doppler(0, 0, 99, 99),)).scale_for([(1, 1), (5, 5)])
    assert not only_doppler.calibrated and "no spatial calibration" in only_doppler.reason
    dual = Calibration((tissue(0, 0, 49, 99), tissue(50, 0, 99, 99, 0.02, 0.02), doppler(0, 100, 99, 149)))
    assert "different regions" in dual.scale_for([(10, 10), (60, 10)]).reason
    assert "outside" in dual.scale_for([(10, 10), (10, 200)]).reason
    assert "different regions with different scales" in dual.scale_for([(10, 10), (60, 10)]).reason
    in_strip = dual.scale_for([(10, 110), (20, 120)])
    assert not in_strip.calibrated and in_strip.region_index == 2 and "spectral" in in_strip.reason
    assert dual.scale_for([]).reason == "no points"


def test_reasons_name_the_region_a_point_strays_into() -> None:
    # the layout of a scanner screen: the 2D image with an ECG strip under it, nothing around
    ecg = Region(0, 110, 99, 129, UNIT_SECONDS, 0, 0.005, 0.0, spatial_format=4, data_type=0x0A)
    cal = Calibration((tissue(0, 0, 99, 99), ecg))
    into_ecg = cal.scale_for([(50, 50), (50, 120)])
    assert not into_ecg.calibrated
    assert into_ecg.reason == "a point lies in a waveform ECG region, not in the 2D tissue region"
    outside = cal.scale_for([(50, 50), (50, 105)])  # the gap between image and strip
    assert outside.reason == "a point lies outside the calibrated 2D tissue region"
    assert cal.scale_for([(50, 50), (50, 120), (50, 140)]).reason.startswith("a point lies in a waveform ECG")
    assert "outside every region" in cal.scale_for([(50, 120), (50, 140)]).reason
    assert cal.scale_for([(50, 140), (60, 150)]).reason == "the points lie outside every calibrated region"
    strips = Calibration((tissue(0, 0, 99, 99), ecg, doppler(0, 130, 99, 149)))
    both = strips.scale_for([(10, 120), (10, 140)])
    assert "waveform ECG region" in both.reason and "spectral PW doppler region" in both.reason
    assert "none of them a 2D length region" in both.reason
    still_in_ecg = cal.scale_for([(10, 115), (20, 125)])
    assert still_in_ecg.region_index == 1 and "ECG" in still_in_ecg.reason


def test_nested_region_with_the_same_scale_measures_through_the_outer_one() -> None:
    bmode, colour_box = tissue(0, 0, 99, 99), tissue(40, 40, 59, 59)
    scale = Calibration((bmode, colour_box)).scale_for([(50, 50), (80, 50)])
    assert scale.calibrated and scale.region_index == 0
    assert scale.length_mm((50, 50), (80, 50)) == pytest.approx(3.0)


def test_nested_inset_with_another_scale_does_not_mix() -> None:
    bmode, zoom_inset = tissue(0, 0, 99, 99), tissue(70, 0, 99, 29, 0.005, 0.005)
    cal = Calibration((bmode, zoom_inset))
    assert "different regions" in cal.scale_for([(80, 10), (20, 60)]).reason
    inside = cal.scale_for([(75, 5), (90, 5)])
    assert inside.region_index == 1 and inside.mm_per_px_x == pytest.approx(0.05)


def test_manual_calibration_from_a_line() -> None:
    manual = ManualCalibration.from_line((0, 0), (30, 40), 10.0)
    assert manual.mm_per_px == pytest.approx(0.2) and manual.distance_mm == 10.0
    region = manual.as_region(200, 100)
    assert (region.x0, region.y0, region.x1, region.y1) == (0, 0, 199, 99)
    assert region.source == SOURCE_MANUAL and region.mm_per_px_y == pytest.approx(0.2)
    with pytest.raises(ValueError):
        ManualCalibration.from_line((0, 0), (0.5, 0), 5.0)
    with pytest.raises(ValueError):
        ManualCalibration.from_line((0, 0), (10, 0), -1.0)
    with pytest.raises(ValueError):
        ManualCalibration.from_line((0, 0), (10, 0), math.nan)


def test_manual_calibration_applies_only_where_no_region_does() -> None:
    manual = ManualCalibration(0.5)
    assert Calibration().with_manual(None, 10, 10) == Calibration()
    plain = Calibration().with_manual(manual, 200, 100)
    scale = plain.scale_for([(0, 0), (10, 0)])
    assert scale.source == SOURCE_MANUAL and scale.length_mm((0, 0), (10, 0)) == pytest.approx(5.0)
    cal = Calibration((tissue(0, 0, 99, 49), doppler(0, 50, 99, 99))).with_manual(manual, 200, 100)
    assert cal.scale_for([(10, 10), (20, 10)]).source == "us-region"
    assert cal.scale_for([(150, 10), (160, 10)]).source == SOURCE_MANUAL
    assert not cal.scale_for([(10, 60), (20, 70)]).calibrated  # inside the Doppler strip
    assert "different regions" in cal.scale_for([(10, 10), (150, 10)]).reason


def test_source_of_the_whole_image() -> None:
    assert Calibration().source is None
    spacing = Region(0, 0, 9, 9, UNIT_CM, UNIT_CM, 0.01, 0.01, source=SOURCE_PIXEL_SPACING)
    assert Calibration((spacing,)).source == SOURCE_PIXEL_SPACING
    assert Calibration((doppler(0, 0, 9, 9), tissue(0, 0, 9, 9))).source == "us-region"
