"""The export's measurement cache: measured once per (annotation, frame, points), and never
stale after an edit of the points or of the calibration."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, MediaRef
from annotator.export.context import ExportContext
from annotator.export.measure_cache import MeasurementCache
from annotator.media.base import ArrayMedia
from annotator.media.calibration import ManualCalibration
from annotator.render import RenderOptions, render_scene


@pytest.fixture(scope="module", autouse=True)
def _app() -> None:
    QApplication.instance() or QApplication([])


def _document() -> CaseDocument:
    pixels = np.random.default_rng(5).integers(0, 255, size=(6, 60, 80, 3), dtype=np.uint8)
    doc = CaseDocument.new("cache")
    doc.case.media.append(MediaRef("m1", "clip.mp4", calibration=ManualCalibration(0.1)))
    doc.set_media("m1", ArrayMedia(pixels, kind="video"))
    line = Annotation.single("a1", "m1", "line", 0, [(10, 10), (40, 10)], label="gap")
    line.frame_end = 5
    line.keyframes[5] = [(10, 10), (60, 10)]  # tracked: 30 px on frame 0, 50 px on frame 5
    box = Annotation.single("a2", "m1", "polygon", 1, [(5, 5), (25, 5), (25, 25), (5, 25)])
    doc.case.annotations += [line, box]
    return doc


def test_a_repeated_measurement_is_taken_from_the_cache() -> None:
    doc = _document()
    cache = MeasurementCache(doc)
    line = doc.case.annotation("a1")
    first = cache.measure(line, 0)
    second = cache.measure(line, 0)
    assert first == second and first[0].value == pytest.approx(3.0)
    assert (cache.misses, cache.hits) == (1, 1)
    second.clear()  # a caller's list is its own
    assert cache.measure(line, 0) == first
    assert cache.measure(line)[0].frame == 0  # no frame: the anchor frame, the same entry
    assert cache.misses == 1


def test_each_frame_of_a_tracked_shape_is_measured_on_its_own_points() -> None:
    doc = _document()
    cache = MeasurementCache(doc)
    line = doc.case.annotation("a1")
    values = [cache.measure(line, f)[0].value for f in range(6)]
    assert values == pytest.approx([3.0 + 0.4 * f for f in range(6)])  # 30..50 px at 0.1 mm/px


def test_moving_a_point_or_recalibrating_gives_a_new_value() -> None:
    doc = _document()
    cache = MeasurementCache(doc)
    line = doc.case.annotation("a1")
    assert cache.measure(line, 0)[0].value == pytest.approx(3.0)
    line.keyframes[0] = [(10, 10), (30, 10)]  # edited in place, as a command does
    assert cache.measure(line, 0)[0].value == pytest.approx(2.0)
    doc.case.media_ref("m1").calibration = ManualCalibration(0.2)
    assert cache.measure(line, 0)[0].value == pytest.approx(4.0)
    assert cache.misses == 3 and cache.hits == 0


def test_pictures_and_tables_keep_separate_entries() -> None:
    doc = _document()
    ctx = ExportContext(doc)
    box = doc.case.annotation("a2")
    shown = {m.quantity for m in ctx.measure_shown(box, 1)}
    full = {m.quantity for m in ctx.measure(box, 1)}
    assert shown == {"area", "perimeter"}
    assert full >= shown | {"mean_intensity", "pixel_count"}


def test_the_cache_is_bounded_and_keeps_no_errors() -> None:
    doc = _document()
    cache = MeasurementCache(doc, size=3)
    line = doc.case.annotation("a1")
    for f in range(6):
        cache.measure(line, f)
    assert len(cache) == 3
    cache.measure(line, 5)  # among the last three
    assert cache.hits == 1
    off_range = Annotation.single("a9", "m1", "line", 9, [(1, 1), (5, 5)])
    for _ in range(2):
        with pytest.raises(IndexError):
            cache.measure(off_range, 9)
    assert len(cache) == 3


def test_painting_a_frame_again_measures_nothing_again() -> None:
    doc = _document()
    ctx = ExportContext(doc)
    for _ in range(2):
        render_scene(ctx.scene("m1", 1), RenderOptions())
    assert ctx.measure_cache.misses == 2  # the caliper and the trace, once each
    assert ctx.measure_cache.hits >= 2
