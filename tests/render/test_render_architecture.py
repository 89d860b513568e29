"""Painting the structure-aware kinds: the two boundaries and the perpendicular for a
thickness, the two lines and the arc for a pennation, the fascicle with dashed extensions."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.case.model import Annotation
from annotator.media.calibration import Calibration
from annotator.render import FrameScene, RenderOptions, qimage_to_numpy, render_scene

pytestmark = pytest.mark.usefixtures("qapp")

BARE = RenderOptions(scale_bar=False, show_values=False, show_labels=False)


def drawn(grey: np.ndarray, ann: Annotation, calibration: Calibration) -> np.ndarray:
    out = qimage_to_numpy(render_scene(FrameScene(grey, 0, 0.0, [ann], calibration), BARE))
    return np.any(out.astype(int) != grey.astype(int), axis=2)


def test_thickness_draws_both_boundaries_and_the_perpendicular_at_the_marked_position(
    grey_frame: np.ndarray, calibration: Calibration
) -> None:
    # boundaries at y=20 (x 10..60) and y=100 (x 100..150): the marked position is x=80
    ann = Annotation.single("a1", "m1", "thickness", 0, [(10, 20), (60, 20), (100, 100), (150, 100)])
    mask = drawn(grey_frame, ann, calibration)
    assert mask[20, 35] and mask[100, 125]  # the marked boundary segments
    assert mask[60, 80]  # the perpendicular between them at x = 80
    assert not mask[60, 40] and not mask[60, 130]  # no caliper between the segments' ends
    # dashed extensions reach the foot of the perpendicular on both boundaries
    assert mask[19:22, 62:80].any() and mask[99:102, 80:98].any()


def test_pennation_draws_the_two_lines_and_an_arc_at_their_meeting(
    grey_frame: np.ndarray, calibration: Calibration
) -> None:
    # aponeurosis along y=100 from x=40 to 150, fascicle from the vertex (40,100) up-right
    ann = Annotation.single("a1", "m1", "pennation", 0, [(40, 100), (120, 20), (40, 100), (150, 100)])
    mask = drawn(grey_frame, ann, calibration)
    assert mask[100, 100] and mask[60, 80]
    # the arc (radius ~22 px) crosses the bisector of the 45-degree angle
    ring = [mask[int(round(100 - r * np.sin(np.radians(22.5)))), int(round(40 + r * np.cos(np.radians(22.5))))]
            for r in (20, 21, 22, 23, 24)]
    assert any(ring)
    plain = Annotation.single("a1", "m1", "line", 0, [(40, 100), (120, 20)])
    assert not drawn(grey_frame, plain, calibration)[91, 61]  # a caliper has no arc there


def test_fascicle_is_solid_where_marked_and_dashed_where_extended(
    grey_frame: np.ndarray, calibration: Calibration
) -> None:
    # aponeuroses y=10 and y=110; the fascicle is marked only in its middle (vertical x=80)
    ann = Annotation.single("a1", "m1", "fascicle", 0,
                            [(80, 50), (80, 70), (20, 10), (140, 10), (20, 110), (140, 110)])
    out = qimage_to_numpy(render_scene(FrameScene(grey_frame, 0, 0.0, [ann], calibration), BARE))
    coloured = (out[:, 79:82, 1] > 200).any(axis=1)  # the fascicle's light green, not the outline
    assert coloured[50:71].all()  # solid where marked
    extension = coloured[16:45]
    assert extension.mean() > 0.2 and not extension.all()  # dashed up to the superficial line
    assert drawn(grey_frame, ann, calibration)[16:45, 79:82].all(axis=1).all()  # dark outline under it


def test_a_turned_caliper_says_so_on_the_frame(grey_frame: np.ndarray, calibration: Calibration) -> None:
    from annotator.render.painter import _label_lines
    from tests.scene_fixtures import fake_measure

    caliper = Annotation("c1", "m1", "line", 0, {0: [(80, 10), (80, 110)], 4: [(30, 20), (130, 100)]}, frame_end=4)
    options = RenderOptions(scale_bar=False)
    turned = _label_lines(FrameScene(grey_frame, 4, 0.0, [caliper], calibration, fake_measure), caliper, options)
    assert any("turned 51°" in line for line in turned)
    early = _label_lines(FrameScene(grey_frame, 1, 0.0, [caliper], calibration, fake_measure), caliper, options)
    assert not any("turned" in line for line in early)
    # and the plot marks those frames with a cross (drawn in the peak colour)
    from annotator.dynamics.series import measurement_series
    from annotator.media import ArrayMedia
    from annotator.render.plot import render_series_plot

    series = measurement_series(ArrayMedia(np.zeros((5, 120, 160), np.uint8)), caliper)
    assert series.turned_frames == (2, 3, 4)  # frame 1 is 14.7° off the start, frame 2 29°
    from dataclasses import replace

    a = qimage_to_numpy(render_series_plot(series, 400, 240))
    b = qimage_to_numpy(render_series_plot(replace(series, turned_frames=()), 400, 240))
    assert (a != b).any()


def _pennation_label(grey: np.ndarray, calibration: Calibration, deg: float) -> tuple[object, tuple[float, float]]:
    """The label box of a pennation with its vertex at (60, 100) on a flat aponeurosis, and
    the fascicle's far end."""
    import math

    from PySide6.QtGui import QImage, QPainter, QTransform

    from annotator.render import paint_scene
    from tests.scene_fixtures import fake_measure

    tip = (60 + 90 * math.cos(math.radians(deg)), 100 - 90 * math.sin(math.radians(deg)))
    ann = Annotation.single("p1", "m1", "pennation", 0, [(60, 100), tip, (20, 100), (180, 100)], label="pennation")
    image = QImage(grey.shape[1], grey.shape[0], QImage.Format.Format_RGB32)
    painter = QPainter(image)
    boxes = paint_scene(painter, FrameScene(grey, 0, 0.0, [ann], calibration, fake_measure), QTransform(),
                        RenderOptions(scale_bar=False))
    painter.end()
    ((_ident, rect),) = boxes
    return rect, tip


def _crosses(rect: object, a: tuple[float, float], b: tuple[float, float]) -> bool:
    return any(rect.contains(a[0] + (b[0] - a[0]) * t / 50, a[1] + (b[1] - a[1]) * t / 50)  # type: ignore[attr-defined]
               for t in range(51))


def test_a_narrow_pennations_label_goes_across_the_aponeurosis_off_the_fascicle(
    grey_frame: np.ndarray, calibration: Calibration
) -> None:
    """At a typical 15-25 degrees the wedge is too narrow for the words: in it they covered the
    fascicle where it inserts, the very part a reader checks. A wide angle keeps its label in
    the wedge."""
    grey = np.full((240, 400, 3), 60, np.uint8)  # room for the words on either side
    rect, tip = _pennation_label(grey, calibration, 18.0)
    assert not _crosses(rect, (60, 100), tip)
    assert rect.top() >= 100  # under the aponeurosis, away from the muscle
    assert abs(rect.center().x() - 60) < rect.width()  # beside the vertex it names
    wide, wide_tip = _pennation_label(grey, calibration, 60.0)
    assert wide.bottom() <= 100 and wide.left() > 60  # in the wedge, right of the vertex
    assert not _crosses(wide, (60, 100), wide_tip)
