"""Renderer fixes from QA: a value that could not be calibrated says why on the image; labels
stay inside the visible crop and off the scale bar; non-square pixels drawn at true aspect."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QTransform
from PySide6.QtSvg import QSvgGenerator

from annotator.case.measure import measure_annotation
from annotator.case.model import Annotation
from annotator.media.calibration import UNIT_CM, UNIT_NONE, Calibration, Region
from annotator.render import (
    FrameScene,
    ImageTransform,
    RenderOptions,
    paint_scene,
    pixel_aspect,
    render_scene,
)
from annotator.render.labels import LabelLayout

pytestmark = pytest.mark.usefixtures("qapp")

W, H = 200, 160
#: B-mode image above an ECG strip (a waveform region, no lengths), like Issue16 or Issue164
BMODE = Region(0, 0, W - 1, 119, UNIT_CM, UNIT_CM, 0.02, 0.02)
ECG = Region(0, 120, W - 1, H - 1, 4, UNIT_NONE, 0.01, 1.0, spatial_format=4, data_type=0x0A)
TWO_REGIONS = Calibration((BMODE, ECG))


def frame() -> np.ndarray:
    grey = np.tile(np.linspace(40, 160, W, dtype=np.uint8)[None, :], (H, 1))
    return np.repeat(grey[..., None], 3, axis=2)


def real_measure(calibration: Calibration):  # noqa: ANN201 (a MeasureFn)
    return lambda ann, f: measure_annotation(ann, f, calibration)


def svg_text(scene: FrameScene, options: RenderOptions | None = None) -> str:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(W, H))
    generator.setViewBox(QRectF(0, 0, W, H))
    painter = QPainter(generator)
    paint_scene(painter, scene, QTransform().translate(0.5, 0.5), options or RenderOptions())
    painter.end()
    return bytes(data.data()).decode()


def test_a_caliper_into_the_ecg_strip_says_why_it_is_in_px() -> None:
    crossing = Annotation.single("a1", "m1", "line", 0, [(100, 60), (100, 150)], label="gap")
    inside = Annotation.single("a2", "m1", "line", 0, [(20, 20), (80, 20)], label="ok")
    svg = svg_text(FrameScene(frame(), 0, 0.0, [crossing, inside], TWO_REGIONS, real_measure(TWO_REGIONS)))
    assert "90.0 px \u26a0" in svg
    assert "crosses into the ECG region" in svg
    assert "ok  12.0 mm" in svg and "12.0 mm \u26a0" not in svg


def test_an_angle_with_an_arm_outside_the_region_is_flagged() -> None:
    angle = Annotation.single("g1", "m1", "angle", 0, [(40, 40), (100, 100), (160, 150)])
    svg = svg_text(FrameScene(frame(), 0, 0.0, [angle], TWO_REGIONS, real_measure(TWO_REGIONS)))
    assert "\u00b0 \u26a0" in svg and "crosses into the ECG region" in svg


def test_an_uncalibrated_image_has_no_warning_per_value() -> None:
    plain = Calibration()
    line = Annotation.single("a1", "m1", "line", 0, [(10, 10), (100, 10)])
    svg = svg_text(FrameScene(frame(), 0, 0.0, [line], plain, real_measure(plain)))
    assert "90.0 px" in svg and "\u26a0" not in svg
    assert "uncalibrated" in svg  # the corner note says it once


def test_a_value_read_with_low_confidence_says_so_on_the_image() -> None:
    """A still's automatic thickness (one frame, the analysis' confidence) below 0.5 carries
    "(low confidence)" beside its value; a sure one and a hand-placed one do not."""
    points = [(20.0, 20.0), (180.0, 20.0), (20.0, 90.0), (180.0, 90.0)]
    unsure = Annotation.single("t1", "m1", "thickness", 0, points, label="unsure")
    unsure.confidence = {0: 0.2}
    sure = Annotation.single("t2", "m1", "thickness", 0, [(x, y + 5) for x, y in points], label="sure")
    sure.confidence = {0: 0.9}
    placed = Annotation.single("t3", "m1", "thickness", 0, [(x, y + 10) for x, y in points], label="placed")
    svg = svg_text(FrameScene(frame(), 0, 0.0, [unsure, sure, placed], TWO_REGIONS, real_measure(TWO_REGIONS)))
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert "unsure  14.0 mm (low confidence)" in texts
    assert "sure  14.0 mm" in texts and "placed  14.0 mm" in texts


def _label_rect(scene: FrameScene, crop: tuple[int, int, int, int], options: RenderOptions) -> QRectF:
    image = QImage(crop[2], crop[3], QImage.Format.Format_RGB32)
    painter = QPainter(image)
    source = QRectF(crop[0] - 0.5, crop[1] - 0.5, crop[2], crop[3])
    boxes = paint_scene(painter, scene, ImageTransform.scaled(crop, 1.0).to_device(), options, source)
    painter.end()
    (_ident, rect), = boxes
    return rect


@pytest.mark.parametrize("where", ["left", "right"])
def test_labels_stay_inside_the_crop(where: str) -> None:
    """A polygon cut by the crop's edge: its label must not hang outside the visible part."""
    x = 35 if where == "left" else 165
    shape = Annotation.single("p1", "m1", "polygon", 0, [(x - 20, 40), (x + 20, 40), (x, 90)],
                              label="hematoma")
    calibration = Calibration((Region(0, 0, W - 1, H - 1, UNIT_CM, UNIT_CM, 0.02, 0.02),))
    scene = FrameScene(frame(), 0, 0.0, [shape], calibration, real_measure(calibration))
    crop = (30, 20, 170, 110) if where == "left" else (0, 20, 170, 110)
    rect = _label_rect(scene, crop, RenderOptions(scale_bar=False))
    assert rect.left() >= -0.01 and rect.right() <= crop[2] + 0.01
    assert rect.top() >= -0.01 and rect.bottom() <= crop[3] + 0.01


@pytest.mark.parametrize("width", [150, 110])
def test_a_label_wider_than_a_narrow_panel_fits_whole(width: int) -> None:
    """A label wider than the panel slid against its edge and was cut there: "fascicle length
    70" for 701.9 px in a three-panel figure. It is drawn smaller, then broken into lines
    (name above value), whole inside the panel (down to half its size)."""
    calibration = Calibration((Region(0, 0, W - 1, H - 1, UNIT_CM, UNIT_CM, 0.02, 0.02),))
    line = Annotation.single("a1", "m1", "line", 0, [(20, 60), (50, 60)], label="fascicle length of the lateral head")
    scene = FrameScene(frame(), 0, 0.0, [line], calibration, real_measure(calibration))
    crop = (0, 20, width, 110)
    rect = _label_rect(scene, crop, RenderOptions(scale_bar=False))
    assert rect.left() >= -0.01 and rect.right() <= width + 0.01, rect
    assert rect.top() >= -0.01 and rect.bottom() <= 110 + 0.01, rect


def test_fitted_text_shrinks_then_breaks_and_leaves_fitting_text_alone() -> None:
    from annotator.render.labels import ONE_LINE_SCALE, fitted_text, text_box_size
    from annotator.render.style import Metrics

    m = Metrics(1.0)
    font = m.font(bold=True)
    lines = ["muscle thickness  219.7 px"]
    full = text_box_size(font, lines, m).width()
    assert fitted_text(font, lines, m, full + 1)[1:] == (lines, text_box_size(font, lines, m))
    f, same, size = fitted_text(font, lines, m, full * 0.8)  # a little smaller, one line
    assert same == lines and size.width() <= full * 0.8 and f.pixelSize() < font.pixelSize()
    f, broken, size = fitted_text(font, lines, m, full * (ONE_LINE_SCALE - 0.1))
    assert broken == ["muscle thickness", "219.7 px"] and size.width() <= full * (ONE_LINE_SCALE - 0.1)
    note = ["uncalibrated: values in px"]
    assert fitted_text(font, note, m, text_box_size(font, note, m).width() * 0.5)[1] == ["uncalibrated:", "values in px"]


def test_layout_flips_to_the_other_side_rather_than_covering_the_anchor() -> None:
    layout = LabelLayout(QRectF(0, 0, 100, 100))
    size = QRectF(0, 0, 40, 12)
    # anchor near the right edge, pushed right: there is room on the left, so it goes there
    rect = layout.place(size, QPointF_(90, 50), QPointF_(1, 0), 4)
    assert rect.right() <= 90 - 4 + 0.01 and rect.left() >= 0


def test_layout_keeps_labels_apart_and_inside_and_lets_edges_touch() -> None:
    """The layout's rules: a box goes where it wants when free, a later box never covers an
    earlier one or an obstacle while a free place is near, boxes that only touch do not clash
    (as QRectF.intersects), and a box wider than the bounds keeps its start visible."""
    bounds = QRectF(0, 0, 300, 200)
    obstacle = QRectF(160, 90, 60, 20)
    layout = LabelLayout(bounds, [obstacle])
    size = QRectF(0, 0, 50, 10)
    first = layout.place(size, QPointF_(100, 100), QPointF_(1, 0), 4)
    assert (first.left(), first.top()) == (104, 95)  # right of the anchor, centred on it
    second = layout.place(size, QPointF_(100, 100), QPointF_(1, 0), 4)
    assert not second.intersects(first) and not second.intersects(obstacle)
    assert second.left() == 104 and abs(second.top() - 95) == 12  # nudged one step up or down
    # right of this anchor, the box ends at x = 160: touching the obstacle, free
    touching = layout.place(size, QPointF_(106, 100), QPointF_(1, 0), 4)
    assert (touching.left(), touching.right()) == (110, 160)
    assert not touching.intersects(first) and not touching.intersects(second)
    assert touching.top() < obstacle.bottom() and obstacle.top() < touching.bottom()  # beside it
    wide = LabelLayout(QRectF(10, 10, 100, 100)).place(QRectF(0, 0, 160, 10), QPointF_(50, 50), QPointF_(1, 0), 4)
    assert wide.left() == 10 and wide.width() == 160
    for rect in (first, second, touching):
        assert bounds.contains(rect)


def QPointF_(x: float, y: float):  # noqa: ANN201, N802 (a short helper)
    from PySide6.QtCore import QPointF

    return QPointF(x, y)


def test_a_label_near_the_scale_bar_moves_off_it() -> None:
    """A caliper ending bottom right: its label would sit on the scale bar's "10 mm" text."""
    calibration = Calibration((Region(0, 0, W - 1, H - 1, UNIT_CM, UNIT_CM, 0.02, 0.02),))
    line = Annotation.single("a1", "m1", "line", 0, [(150, 150), (190, 150)], label="tear")
    scene = FrameScene(frame(), 0, 0.0, [line], calibration, real_measure(calibration))
    with_bar = _label_rect(scene, (0, 0, W, H), RenderOptions(scale_bar=True, timestamp=True))
    from annotator.render.overlays import scale_bar_box, timestamp_box
    from annotator.render.style import Metrics

    bar = scale_bar_box(calibration, QRectF(-0.5, -0.5, W, H), ImageTransform.scaled((0, 0, W, H), 1.0).to_device(), Metrics(1.0))
    assert bar is not None and not bar.isEmpty()
    assert not with_bar.intersects(bar)
    stamp = timestamp_box(0.0, 0, QRectF(0, 0, W, H), Metrics(1.0))
    assert not with_bar.intersects(stamp)


def test_non_square_pixels_are_drawn_at_true_aspect() -> None:
    """0.2 x 0.4 mm per px: each image row is twice as tall as a column is wide."""
    tall = Region(0, 0, W - 1, H - 1, UNIT_CM, UNIT_CM, 0.02, 0.04)
    calibration = Calibration((tall,))
    assert pixel_aspect(calibration, W, H) == (1.0, 2.0)
    assert pixel_aspect(Calibration(), W, H) == (1.0, 1.0)
    scene = FrameScene(frame(), 0, 0.0, [], calibration, None)
    square = render_scene(scene, RenderOptions(scale_bar=False))
    true = render_scene(scene, RenderOptions(scale_bar=False), pixel_aspect=pixel_aspect(calibration, W, H))
    assert (square.width(), square.height()) == (W, H)
    assert (true.width(), true.height()) == (W, 2 * H)
    wide = Region(0, 0, W - 1, H - 1, UNIT_CM, UNIT_CM, 0.04, 0.02)
    assert pixel_aspect(Calibration((wide,)), W, H) == (2.0, 1.0)
