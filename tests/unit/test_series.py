"""Measurement series: values per frame in the frame's calibration, statistics, the rest/peak
rule, hand-picked rest and peak, and the CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, MediaRef
from annotator.dynamics.series import Series, SeriesSample, measurement_series, suggest_rest_peak
from annotator.media.base import ArrayMedia
from annotator.media.calibration import UNIT_CM, ManualCalibration, Region
from tests.synthetic import mm_region


def clip(frames: int = 10, regions: tuple[Region, ...] | None = None, frame_ms: float = 40.0) -> ArrayMedia:
    pixels = np.zeros((frames, 60, 200), np.uint8)
    times = np.arange(frames) * frame_ms
    return ArrayMedia(pixels, times, regions if regions is not None else [mm_region(200, 60, 0.2)],
                      kind="video")


def dynamic_caliper(gaps_px: list[float], kind: str = "line", y: float = 30.0) -> Annotation:
    keyframes = {i: [(100.0 - g / 2, y), (100.0 + g / 2, y)] for i, g in enumerate(gaps_px)}
    return Annotation("a1", "m1", kind, 0, keyframes, frame_end=len(gaps_px) - 1, label="gap",
                      confidence={i: 0.9 for i in range(1, len(gaps_px))})


def series_of(values: Sequence[float | None], confidence: Sequence[float | None] | None = None) -> Series:
    conf = confidence or [None] * len(values)
    samples = tuple(SeriesSample(i, i * 50.0, v, c) for i, (v, c) in enumerate(zip(values, conf, strict=True)))
    return Series("a1", "m1", "line", "length", "mm", samples)


def test_a_caliper_series_in_mm_with_times_and_confidence() -> None:
    gaps = [20.0, 20.0, 25.0, 35.0, 50.0, 50.0, 40.0, 30.0]
    series = measurement_series(clip(8), dynamic_caliper(gaps))
    assert series.quantity == "length" and series.unit == "mm" and series.title == "gap: length"
    assert list(series.frames) == list(range(8))
    np.testing.assert_allclose(series.values, [g * 0.2 for g in gaps])
    np.testing.assert_allclose(series.times_s, np.arange(8) * 0.04)
    assert series.samples[0].confidence is None and series.samples[3].confidence == 0.9


def test_statistics_and_percent_change_from_rest_to_peak() -> None:
    series = series_of([4.0, 4.1, 5.0, 8.0, 10.0, 9.0, 4.05]).with_suggested_rest_peak()
    st = series.stats()
    assert st is not None
    assert (st.minimum.frame, st.maximum.frame) == (0, 4)
    assert st.range == pytest.approx(6.0)
    assert (series.rest_frame, series.peak_frame) == (0, 4)
    assert st.percent_change == pytest.approx(150.0)
    caption = series.caption()
    assert "min 4.0 mm" in caption and "max 10.0 mm" in caption and "range 6.0 mm" in caption
    assert "+150%" in caption and "peak 10.0 mm at 0.20 s" in caption


def test_rest_is_where_the_clip_starts_and_peak_the_largest_change_either_way() -> None:
    opening = series_of([3.0, 3.1, 3.0, 6.0, 9.0, 9.5, 7.0])  # a gap opening on contraction
    assert suggest_rest_peak(opening) == (0, 5)
    flattening = series_of([20.0, 19.8, 20.0, 15.0, 12.0, 12.5, 18.0])  # a nerve under pressure
    assert suggest_rest_peak(flattening) == (0, 4)
    # back to rest at the end, a hair lower than at the start: rest stays at the start
    relaxing = series_of([4.0, 6.0, 9.0, 6.0, 3.99])
    assert suggest_rest_peak(relaxing) == (0, 2)
    # a measure that falls (a muscle thinning): the peak is its minimum, rest the start
    falling = series_of([9.0, 9.2, 8.8, 6.0, 3.0, 3.5])
    assert suggest_rest_peak(falling) == (0, 4)
    # a small rise before a large fall: rest stays at the start, not on the rise (issue 9)
    dip = series_of([10.0, 10.0, 11.0, 8.0, 5.0, 6.0, 10.0])
    assert suggest_rest_peak(dip) == (0, 4)
    # a small fall before a large rise: the peak is the maximum
    rise = series_of([10.0, 9.0, 12.0, 16.0, 11.0])
    assert suggest_rest_peak(rise) == (0, 3)


def test_low_confidence_frames_are_not_suggested() -> None:
    values = [3.0, 3.0, 3.2, 14.0, 8.0, 7.5]  # frame 3 is a tracking glitch
    conf: list[float | None] = [None, 0.95, 0.95, 0.1, 0.9, 0.9]
    assert suggest_rest_peak(series_of(values, conf)) == (0, 4)
    assert suggest_rest_peak(series_of([None, None])) == (None, None)


def test_rest_and_peak_picked_by_hand() -> None:
    series = series_of([4.0, 5.0, None, 8.0]).with_rest_peak(1, 3)
    st = series.stats()
    assert st is not None and st.rest is not None and st.peak is not None
    assert (st.rest.value, st.peak.value) == (5.0, 8.0)
    assert st.percent_change == pytest.approx(60.0)
    with pytest.raises(ValueError, match="frame 2 has no length"):
        series.with_rest_peak(2, 3)
    with pytest.raises(KeyError, match="frame 9 is not in the series"):
        series.with_rest_peak(9, 3)
    assert series_of([0.0, 2.0]).with_rest_peak(0, 1).stats().percent_change is None  # type: ignore[union-attr]


def test_csv_rows_frame_time_value_unit_confidence(tmp_path: Path) -> None:
    gaps = [20.0, 30.0, 45.0]
    series = measurement_series(clip(3), dynamic_caliper(gaps))
    path = series.save_csv(tmp_path / "gap.csv")
    rows = list(csv.reader(io.StringIO(path.read_text())))
    assert rows[0] == ["frame", "time_s", "value", "unit", "confidence"]
    assert rows[1] == ["0", "0.0000", "4.0000", "mm", ""]
    assert rows[3] == ["2", "0.0800", "9.0000", "mm", "0.900"]
    assert series.to_csv() == path.read_text()


def test_a_trace_series_follows_its_area() -> None:
    square = lambda s: [(50.0, 10.0), (50.0 + s, 10.0), (50.0 + s, 10.0 + s), (50.0, 10.0 + s)]  # noqa: E731
    trace = Annotation("t1", "m1", "polygon", 0, {0: square(10), 4: square(20)}, frame_end=4)
    series = measurement_series(clip(5), trace)
    assert series.quantity == "area" and series.unit == "mm2"
    assert series.values[0] == pytest.approx(100 * 0.04)
    assert series.values[4] == pytest.approx(400 * 0.04)
    assert series.values[2] == pytest.approx(225 * 0.04)  # interpolated keyframes: side 15


def test_frames_in_another_unit_get_no_value_and_a_note() -> None:
    region = Region(0, 0, 119, 59, UNIT_CM, UNIT_CM, 0.02, 0.02)  # the right part is uncalibrated
    gaps = [20.0, 30.0, 80.0, 30.0]  # at 80 px the right end lies at x = 140, outside the region
    series = measurement_series(clip(4, (region,)), dynamic_caliper(gaps))
    assert series.unit == "mm"
    assert series.samples[2].value is None and series.samples[3].value == pytest.approx(6.0)
    assert series.notes and "frame(s) 2" in series.notes[0] and "px" in series.notes[0]
    assert math.isnan(series.values[2])


def test_a_document_applies_the_manual_calibration(tmp_path: Path) -> None:
    doc = CaseDocument.new()
    manual = ManualCalibration(mm_per_px=0.5)
    doc.case.media = [MediaRef("m1", "clip", calibration=manual)]
    doc.set_media("m1", clip(3, regions=()))
    series = measurement_series(doc, dynamic_caliper([10.0, 20.0, 30.0]))
    assert series.unit == "mm"
    np.testing.assert_allclose(series.values, [5.0, 10.0, 15.0])
    only_media = measurement_series(doc.media("m1"), dynamic_caliper([10.0, 20.0, 30.0]))
    assert only_media.unit == "px"


def test_kinds_without_a_measurement_and_chosen_frames() -> None:
    arrow = Annotation.single("x", "m1", "arrow", 0, [(1.0, 1.0), (5.0, 5.0)])
    with pytest.raises(ValueError, match="arrow annotation has no measurement"):
        measurement_series(clip(3), arrow)
    series = measurement_series(clip(8), dynamic_caliper([20.0] * 8), frames=[1, 5])
    assert list(series.frames) == [1, 5]
    series_by_conf = measurement_series(clip(3), dynamic_caliper([20.0] * 3), confidence={0: 1.0, 1: 0.2})
    assert [s.confidence for s in series_by_conf.samples] == [1.0, 0.2, None]
