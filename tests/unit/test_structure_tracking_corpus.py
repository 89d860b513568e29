"""The issue-9 scenario on a real maximal push (medial gastrocnemius, ../shared/corpus): a
caliper between the aponeuroses went 18.8 -> 25.5 mm at the peak while they stayed ~19 mm
apart. A tracked ``thickness`` must stay close to the aponeurosis distance, measured here
independently on every frame by fitting the two brightest ridges of the column profiles."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.case import architecture_geometry as arch
from annotator.case.model import Annotation
from annotator.dynamics.tracking import APP_OPTIONS, track_annotation
from annotator.media import open_media

pytestmark = pytest.mark.corpus

CLIP = "joshrbaxter-ultrasound_tracking/p6_isometric_max_01_push_02.mp4"
MM_PER_PX = 50.0 / (592 - 48)  # the depth ruler: 0 at row 48, 50 mm at row 592
X0, X1 = 480.0, 680.0  # where the thickness is marked, in the muscle belly
PEAK = 112  # the frame the issue names


def reference_lines(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(superficial, deep) as y = a x + b: least-squares lines through the brightest row of
    each column band, the superficial aponeurosis in rows 55..140, the deep in 230..400."""
    g = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 3)
    xs = np.arange(300, 860, 10)
    sup = [55 + int(np.argmax(g[55:140, x - 4:x + 5].mean(axis=1))) for x in xs]
    deep = [230 + int(np.argmax(g[230:400, x - 4:x + 5].mean(axis=1))) for x in xs]
    return np.polyfit(xs, sup, 1), np.polyfit(xs, deep, 1)


def line_points(sup: np.ndarray, deep: np.ndarray) -> list[tuple[float, float]]:
    return [(X0, float(np.polyval(sup, X0))), (X1, float(np.polyval(sup, X1))),
            (X0, float(np.polyval(deep, X0))), (X1, float(np.polyval(deep, X1)))]


def test_a_tracked_thickness_stays_on_the_aponeurosis_distance(corpus: Path) -> None:
    media = open_media(corpus / CLIP)
    try:
        grey = [cv2.cvtColor(np.ascontiguousarray(media.frame(i)), cv2.COLOR_RGB2GRAY)
                for i in range(media.frame_count)]
        start = Annotation.single("t1", "m1", "thickness", 0, line_points(*reference_lines(grey[0])))
        result = track_annotation(media, start, 0, media.frame_count - 1, APP_OPTIONS)
        assert result.complete, result.message()
        errors_mm = []
        for frame in range(0, media.frame_count, 4):
            reference = arch.thickness(line_points(*reference_lines(grey[frame])))
            tracked = arch.thickness(result.points[frame])
            assert reference is not None and tracked is not None
            errors_mm.append(abs(tracked - reference) * MM_PER_PX)
        rest = arch.thickness(result.points[0]) or 0.0
        peak = arch.thickness(result.points[PEAK]) or 0.0
        reference_peak = arch.thickness(line_points(*reference_lines(grey[PEAK]))) or 0.0
    finally:
        media.close()
    assert max(errors_mm) < 1.0, f"worst {max(errors_mm):.2f} mm, median {np.median(errors_mm):.2f} mm"
    assert abs(peak - reference_peak) * MM_PER_PX < 1.0
    assert peak < rest * 1.05  # the muscle does not "thicken" by a third as the caliper did


def test_a_fascicle_tracked_through_a_push_reads_in_mm_on_every_frame(corpus: Path) -> None:
    """The fascicle the analysis draws on the isokinetic push's first frame, tracked with the
    clip calibrated on its ruler: every frame's fascicle length is in mm. The drawn fascicle
    kept its length as it turned from 19 to 54 degrees and reached above the image, where no
    calibration holds, and the series fell back to px (frames 0-3 had no value)."""
    from annotator.dynamics.architecture import analyse_image, architecture_points
    from annotator.dynamics.series import measurement_series
    from annotator.media.calibration import Calibration, ManualCalibration

    media = open_media(corpus / "joshrbaxter-ultrasound_tracking/p6_isokinetic500_01_push_01.mp4")
    try:
        first = cv2.cvtColor(np.ascontiguousarray(media.frame(0)), cv2.COLOR_RGB2GRAY)
        drawn = architecture_points(analyse_image(first, mm_per_px=None))["fascicle"]
        calibration = Calibration((), media.pixel_shape).with_manual(
            ManualCalibration(MM_PER_PX), media.width, media.height)
        start = Annotation.single("f1", "m1", "fascicle", 0, drawn)
        last = media.frame_count - 1
        result = track_annotation(media, start, 0, last, APP_OPTIONS, calibration=calibration)
        assert result.complete, result.message()
        tracked = Annotation("f1", "m1", "fascicle", 0, dict(result.points), frame_end=last)
        for pts in result.points.values():
            assert all(0 <= y < media.height for _x, y in pts[:2]), pts[:2]
        series = measurement_series(media, tracked, calibration=calibration)
        assert series.unit == "mm"
        values = [s.value for s in series.samples]
        assert all(v is not None for v in values), values
        assert 50.0 < values[0] < 80.0 and 15.0 < min(v for v in values if v is not None) < 35.0
    finally:
        media.close()
