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
