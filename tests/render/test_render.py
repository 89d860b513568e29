"""The one renderer: pixels, crops, scale bar, labels and text kept as text in vector output."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QImage, QPainter, QTransform
from PySide6.QtSvg import QSvgGenerator

from annotator.case.model import Annotation
from annotator.media.calibration import Calibration
from annotator.render import (
    FrameScene,
    ImageTransform,
    RenderOptions,
    numpy_to_qimage,
    paint_scene,
    qimage_to_numpy,
    render_scene,
    scale_bar_length_mm,
)
from annotator.render.scene import MeasureFn

pytestmark = pytest.mark.usefixtures("qapp")

BARE = RenderOptions(scale_bar=False, show_values=False, show_labels=False)


def caliper(id: str = "a1", frame: int = 0, label: str = "") -> Annotation:
    return Annotation.single(id, "m1", "line", frame, [(20, 60), (140, 60)], label=label)


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a.astype(int) != b.astype(int), axis=2)


def test_numpy_qimage_round_trip_keeps_pixels(grey_frame: np.ndarray) -> None:
    rgb = grey_frame.copy()
    rgb[5, 7] = (255, 0, 10)
    image = numpy_to_qimage(rgb)
    assert (image.width(), image.height()) == (160, 120)
    rgb[5, 7] = 0  # the QImage is a copy
    back = qimage_to_numpy(image)
    assert tuple(back[5, 7]) == (255, 0, 10)
    assert back.shape == (120, 160, 3) and back.dtype == np.uint8


def test_qimage_to_numpy_handles_padded_rows() -> None:
    image = QImage(5, 3, QImage.Format.Format_RGB888)  # 15 bytes a row, padded to 16
    image.fill(0x204060)
    back = qimage_to_numpy(image)
    assert back.shape == (3, 5, 3)
    assert (back == (0x20, 0x40, 0x60)).all()


def test_bare_frame_renders_its_pixels_unchanged(grey_frame: np.ndarray, calibration: Calibration) -> None:
    scene = FrameScene(grey_frame, 0, 0.0, [], calibration)
    out = qimage_to_numpy(render_scene(scene, BARE))
    assert np.array_equal(out, grey_frame)


def test_caliper_is_drawn_in_its_colour_only_on_its_frame(
    grey_frame: np.ndarray, calibration: Calibration
) -> None:
    ann = caliper(frame=2)
    on = qimage_to_numpy(render_scene(FrameScene(grey_frame, 2, 0.0, [ann], calibration), BARE))
    off = qimage_to_numpy(render_scene(FrameScene(grey_frame, 3, 0.0, [ann], calibration), BARE))
    assert np.array_equal(off, grey_frame)
    r, g, b = on[60, 80].astype(int)
    assert r > 200 and g > 170 and b < 80  # caliper yellow on the line
    assert not changed(on, grey_frame)[20:40, 20:140].any()  # nothing far from it


def test_hidden_annotation_is_not_drawn(grey_frame: np.ndarray, calibration: Calibration) -> None:
    scene = FrameScene(grey_frame, 0, 0.0, [caliper()], calibration)
    out = qimage_to_numpy(render_scene(scene, RenderOptions(scale_bar=False, hidden=frozenset({"a1"}))))
    assert np.array_equal(out, grey_frame)


def test_every_kind_paints_something(grey_frame: np.ndarray, calibration: Calibration) -> None:
    shapes: dict[str, list[tuple[float, float]]] = {
        "point": [(80, 60)], "line": [(20, 60), (140, 60)],
        "polyline": [(20, 20), (60, 40), (100, 20)], "polygon": [(30, 30), (90, 30), (60, 90)],
        "ellipse": [(80, 60), (120, 60), (80, 85)], "angle": [(130, 20), (80, 60), (130, 100)],
        "arrow": [(20, 100), (70, 70)], "text": [(30, 50)],
    }
    for kind, points in shapes.items():
        ann = Annotation.single("a", "m1", kind, 0, points, text="Note")
        out = qimage_to_numpy(render_scene(FrameScene(grey_frame, 0, 0.0, [ann], calibration), BARE))
        assert changed(out, grey_frame).sum() > 40, kind


def test_value_label_is_drawn_next_to_the_caliper(grey_frame: np.ndarray, calibration: Calibration, measure: MeasureFn) -> None:
    scene = FrameScene(grey_frame, 0, 0.0, [caliper()], calibration, measure)
    with_value = qimage_to_numpy(render_scene(scene, RenderOptions(scale_bar=False)))
    without = qimage_to_numpy(render_scene(scene, BARE))
    diff = changed(with_value, without)
    ys = np.nonzero(diff)[0]
    assert diff.sum() > 100
    assert ys.max() < 60  # the label sits above the horizontal line, off the measured span


def test_failing_measure_still_paints_the_shape(grey_frame: np.ndarray, calibration: Calibration) -> None:
    def broken(annotation: Annotation, frame: int) -> list[object]:
        raise RuntimeError("boom")

    scene = FrameScene(grey_frame, 0, 0.0, [caliper("zz")], calibration, broken)  # type: ignore[arg-type]
    out = qimage_to_numpy(render_scene(scene, RenderOptions(scale_bar=False)))
    assert changed(out, grey_frame)[60, 30:130].all()


def test_crop_and_scale_map_pixels(grey_frame: np.ndarray, calibration: Calibration) -> None:
    frame = grey_frame.copy()
    frame[30, 40] = (255, 0, 0)
    scene = FrameScene(frame, 0, 0.0, [], calibration)
    image = render_scene(scene, BARE, crop=(40, 30, 50, 20))
    assert (image.width(), image.height()) == (50, 20)
    out = qimage_to_numpy(image)
    assert tuple(out[0, 0]) == (255, 0, 0)
    assert np.array_equal(out, frame[30:50, 40:90])
    assert render_scene(scene, BARE, crop=(0, 0, 160, 120), scale=2.5).size() == QSize(400, 300)
    with pytest.raises(ValueError, match="outside"):
        render_scene(scene, BARE, crop=(500, 500, 10, 10))


def test_symbol_scale_widens_strokes(grey_frame: np.ndarray, calibration: Calibration) -> None:
    scene = FrameScene(grey_frame, 0, 0.0, [caliper()], calibration)
    thin = qimage_to_numpy(render_scene(scene, BARE, scale=3.0))
    thick = qimage_to_numpy(render_scene(scene, RenderOptions(scale_bar=False, show_values=False,
                                                               symbol_scale=3.0), scale=3.0))
    base = qimage_to_numpy(render_scene(FrameScene(grey_frame, 0, 0.0, [], calibration), BARE, scale=3.0))
    column = 240  # x = 80 in the image, across the horizontal caliper
    thin_rows = changed(thin, base)[:, column].sum()
    thick_rows = changed(thick, base)[:, column].sum()
    assert thick_rows >= 2.5 * thin_rows


@pytest.mark.parametrize(
    ("mm_per_px", "width", "expected"),
    [(0.2, 160, 5.0), (0.2, 640, 20.0), (0.1, 1000, 20.0), (0.05, 1000, 10.0), (0.01, 100, 0.2)],
)
def test_scale_bar_length_is_round(mm_per_px: float, width: float, expected: float) -> None:
    assert scale_bar_length_mm(mm_per_px, width) == pytest.approx(expected)


def test_scale_bar_length_is_at_most_a_quarter_and_round() -> None:
    for mm_per_px in (0.013, 0.07, 0.26, 1.3):
        for width in (97, 640, 1111):
            length = scale_bar_length_mm(mm_per_px, width)
            quarter = 0.25 * mm_per_px * width
            assert quarter / 2.5 - 1e-9 <= length <= quarter + 1e-9
            mantissa = length / 10 ** math.floor(math.log10(length))
            assert round(mantissa, 6) in (1.0, 2.0, 5.0)
    with pytest.raises(ValueError):
        scale_bar_length_mm(0.0, 100)


def test_scale_bar_drawn_bottom_right_only_when_calibrated(
    grey_frame: np.ndarray, calibration: Calibration
) -> None:
    calibrated = qimage_to_numpy(render_scene(FrameScene(grey_frame, 0, 0.0, [], calibration), RenderOptions()))
    diff = changed(calibrated, grey_frame)
    ys, xs = np.nonzero(diff)
    assert diff.sum() > 50 and ys.min() > 60 and xs.min() > 80  # bottom right quarter
    # 5 mm at 0.2 mm/px = 25 px of white bar
    white_rows = [(calibrated[y] > 240).all(axis=1).sum() for y in range(60, 120)]
    assert max(white_rows) >= 25
    uncal = qimage_to_numpy(render_scene(FrameScene(grey_frame, 0, 0.0, [], Calibration()), RenderOptions()))
    assert max((uncal[y] > 240).all(axis=1).sum() for y in range(60, 120)) < 25  # a note, no bar


def test_paint_scene_honours_the_painters_transform(grey_frame: np.ndarray, calibration: Calibration, measure: MeasureFn) -> None:
    """Exports place panels by translating the painter; the panel must equal render_scene's."""
    scene = FrameScene(grey_frame, 0, 0.0, [caliper()], calibration, measure)
    options = RenderOptions(timestamp=True)
    alone = qimage_to_numpy(render_scene(scene, options))
    sheet = QImage(400, 300, QImage.Format.Format_RGB32)
    sheet.fill(0)
    painter = QPainter(sheet)
    painter.translate(200, 150)
    paint_scene(painter, scene, ImageTransform.scaled((0, 0, 160, 120), 1.0).to_device(), options, QRectF(-0.5, -0.5, 160, 120))
    painter.end()
    panel = qimage_to_numpy(sheet)[150:270, 200:360]
    assert np.abs(panel.astype(int) - alone.astype(int)).max() <= 2


def test_svg_output_keeps_values_as_text(grey_frame: np.ndarray, calibration: Calibration, measure: MeasureFn) -> None:
    scene = FrameScene(grey_frame, 0, 0.0, [caliper(label="gap")], calibration, measure)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(160, 120))
    generator.setViewBox(QRectF(0, 0, 160, 120))
    painter = QPainter(generator)
    paint_scene(painter, scene, QTransform().translate(0.5, 0.5), RenderOptions())
    painter.end()
    svg = bytes(data.data()).decode()
    assert "gap  24.0 mm" in svg  # 120 px at 0.2 mm/px, as text, not outlines
    assert "5 mm" in svg


def test_paint_scene_says_where_each_label_went(grey_frame: np.ndarray, calibration: Calibration,
                                               measure: MeasureFn) -> None:
    """The boxes it returns (for clicks on labels) cover exactly the label pixels it painted."""
    text = Annotation.single("t1", "m1", "text", 0, [(30, 20)], text="VL")
    hidden = caliper("a2", label="hidden")
    scene = FrameScene(grey_frame, 0, 0.0, [caliper(label="gap"), text, hidden], calibration, measure)
    options = RenderOptions(scale_bar=False, hidden=frozenset({"a2"}))
    image = QImage(160, 120, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    boxes = paint_scene(painter, scene, ImageTransform.scaled((0, 0, 160, 120), 1.0).to_device(), options)
    painter.end()
    assert [ident for ident, _ in boxes] == ["a1", "t1"]  # painting order; nothing for a hidden one
    # a text annotation is nothing but its box: leave it out too
    shapes_only = qimage_to_numpy(render_scene(scene, RenderOptions(scale_bar=False, show_labels=False,
                                                                    show_values=False, hidden=frozenset({"a2", "t1"}))))
    label_pixels = changed(qimage_to_numpy(image), shapes_only)
    inside = np.zeros_like(label_pixels)
    for _ident, rect in boxes:
        x0, y0 = math.floor(rect.left()), math.floor(rect.top())
        inside[max(y0, 0):math.ceil(rect.bottom()) + 1, max(x0, 0):math.ceil(rect.right()) + 1] = True
        assert label_pixels[max(y0, 0):math.ceil(rect.bottom()), max(x0, 0):math.ceil(rect.right())].mean() > 0.5
    assert not (label_pixels & ~inside).any()  # no label pixel outside the boxes
    # without labels and values a caliper has no box; a text annotation keeps its words
    bare = QImage(160, 120, QImage.Format.Format_RGB32)
    painter = QPainter(bare)
    boxes = paint_scene(painter, scene, ImageTransform.scaled((0, 0, 160, 120), 1.0).to_device(), BARE)
    painter.end()
    assert [ident for ident, _ in boxes] == ["t1"]


def test_a_playing_clips_draft_draws_shapes_without_blending_their_edges(calibration: Calibration) -> None:
    """``RenderOptions.draft`` (the screen while a clip plays): a slanted caliper is drawn in
    its colour and its dark outline only; the full paint (a paused frame, every export)
    blends its edges into the image."""
    flat = np.full((120, 160, 3), 90, np.uint8)
    slanted = Annotation.single("a1", "m1", "line", 0, [(20, 20), (140, 100)])
    scene = FrameScene(flat, 0, 0.0, [slanted], calibration)

    def shades(options: RenderOptions) -> set[tuple[int, ...]]:
        out = qimage_to_numpy(render_scene(scene, options))
        return {tuple(int(v) for v in p) for p in out[changed(out, flat)]}

    draft = shades(RenderOptions(scale_bar=False, show_values=False, show_labels=False, draft=True))
    full = shades(BARE)
    assert 1 <= len(draft) <= 2  # the caliper's yellow and the outline's near-black
    assert len(full) > 10
    assert not RenderOptions().draft  # exports build their options without it
