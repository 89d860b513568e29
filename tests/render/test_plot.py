"""The measurement-over-time plot: axes, line, rest and peak marks, low-confidence shading,
cursor, themes, print scale, vector output, and a plot of a real tracked clip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator

from annotator.dynamics.series import Series, SeriesSample
from annotator.render import qimage_to_numpy
from annotator.render.plot import (
    DARK,
    LIGHT,
    PlotOptions,
    fitting_ticks,
    nice_ticks,
    paint_series_plot,
    plot_geometry,
    render_series_plot,
    rest_peak_box,
)

pytestmark = pytest.mark.usefixtures("qapp")


def series(values: list[float | None], confidence: list[float | None] | None = None,
           unit: str = "mm") -> Series:
    conf = confidence or [None] * len(values)
    samples = tuple(SeriesSample(i, i * 40.0, v, c) for i, (v, c) in enumerate(zip(values, conf, strict=True)))
    return Series("a1", "m1", "line", "length", unit, samples, label="gap")


def contraction(n: int = 41) -> list[float | None]:
    return [float(4.0 + 3.0 * (1 - np.cos(2 * np.pi * i / (n - 1)))) for i in range(n)]


def pixels(image: QImage) -> np.ndarray:
    return qimage_to_numpy(image.convertToFormat(QImage.Format.Format_RGB32))


def has_colour(rgb: np.ndarray, colour: QColor, tol: int = 12) -> int:
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return int((np.abs(rgb.astype(int) - target).max(axis=2) <= tol).sum())


def test_nice_ticks() -> None:
    assert nice_ticks(0.0, 1.0) == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert nice_ticks(3.7, 10.2) == pytest.approx([4.0, 6.0, 8.0, 10.0])
    assert nice_ticks(-0.013, 0.012) == pytest.approx([-0.01, -0.005, 0.0, 0.005, 0.01])
    assert nice_ticks(5.0, 5.0) == [5.0]


def test_tick_labels_never_run_together() -> None:
    """In a narrow figure panel the time labels ran together ("0.00.20.40.6"): fewer ticks,
    further apart, until each label and a gap fit between two ticks."""
    width = lambda text: 9.0 * len(text)  # noqa: E731  (a label 9 px a character)
    wide = fitting_ticks(0.0, 0.95, 600.0, width, 9.0)
    assert wide == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])  # room: as before
    for length in (200.0, 120.0, 60.0, 30.0):
        ticks = fitting_ticks(0.0, 0.95, length, width, 9.0)
        assert len(ticks) >= 1
        if len(ticks) > 1:
            spacing = length * (ticks[1] - ticks[0]) / 0.95
            assert spacing >= max(width(f"{t:.1f}") for t in ticks) + 9.0, (length, ticks)
    assert len(fitting_ticks(0.0, 0.95, 120.0, width, 9.0)) < len(wide)


def test_rest_and_peak_words_never_overlap() -> None:
    """Rest and peak close together in a short plot: the second words go the other side of
    their marker or stack against the first, inside the plot; where nothing is free they are
    left out (the caption gives the values), never written over the first."""
    area = QRectF(0, 0, 180, 60)
    peak = rest_peak_box(area, QPointF(120, 4), 100, 14, 5, [])
    assert peak is not None and area.contains(peak)
    rest = rest_peak_box(area, QPointF(10, 56), 100, 14, 5, [peak])
    assert rest is not None and area.contains(rest) and not rest.intersects(peak)
    tiny = QRectF(0, 0, 120, 20)
    first = rest_peak_box(tiny, QPointF(60, 10), 100, 14, 5, [])
    assert first is not None
    assert rest_peak_box(tiny, QPointF(60, 12), 100, 14, 5, [first]) is None


def test_the_plot_draws_the_line_and_marks_rest_and_peak() -> None:
    plain = series(contraction())
    marked = plain.with_suggested_rest_peak()
    assert (marked.rest_frame, marked.peak_frame) == (0, 20)
    a = pixels(render_series_plot(plain, 640, 360))
    b = pixels(render_series_plot(marked, 640, 360))
    assert a.shape == (360, 640, 3)
    assert has_colour(a, LIGHT.line) > 500
    assert has_colour(a, LIGHT.peak) == 0 and has_colour(a, LIGHT.rest) == 0
    assert has_colour(b, LIGHT.peak) > 50 and has_colour(b, LIGHT.rest) > 50
    # the peak mark sits in the middle of the time axis, the rest mark at its start
    peak_cols = np.nonzero((np.abs(b.astype(int) - [0x7B, 0x32, 0x94]).max(axis=2) <= 12).any(axis=0))[0]
    rest_cols = np.nonzero((np.abs(b.astype(int) - [0x1B, 0x7F, 0x3B]).max(axis=2) <= 12).any(axis=0))[0]
    assert 250 < np.median(peak_cols) < 450
    assert np.median(rest_cols) < 200


def test_low_confidence_frames_are_shaded_and_gaps_break_the_line() -> None:
    values = contraction()
    low: list[float | None] = [0.95] * 41
    low[25:28] = [0.2, 0.1, 0.3]
    shaded = pixels(render_series_plot(series(values, low), 640, 360))
    trusted = pixels(render_series_plot(series(values, [0.95] * 41), 640, 360))
    orange = np.abs(shaded.astype(int) - trusted.astype(int)).sum(axis=2) > 30
    assert orange.sum() > 1000  # a band over three frames
    cols = np.nonzero(orange.any(axis=0))[0]
    assert 380 < cols.mean() < 560  # frames 25..27 of 0..40, right of the middle
    hidden = pixels(render_series_plot(series(values, low), 640, 360,
                                       options=PlotOptions(show_confidence=False)))
    assert np.array_equal(hidden, trusted)
    gappy = values.copy()
    gappy[10:14] = [None] * 4
    assert not np.array_equal(pixels(render_series_plot(series(gappy), 640, 360)),
                              pixels(render_series_plot(series(values), 640, 360)))


def test_cursor_dark_theme_and_empty_series() -> None:
    s = series(contraction())
    plain = pixels(render_series_plot(s, 400, 260))
    cursor = pixels(render_series_plot(s, 400, 260, options=PlotOptions(current_frame=30)))
    assert (np.abs(plain.astype(int) - cursor.astype(int)).sum(axis=2) > 30).sum() > 50
    dark = pixels(render_series_plot(s, 400, 260, options=PlotOptions(dark=True)))
    assert tuple(dark[2, 2]) == (DARK.background.red(), DARK.background.green(), DARK.background.blue())
    empty = pixels(render_series_plot(series([None, None, None]), 300, 200))
    assert (empty < 128).any()  # says "no values to plot"


def test_print_scale_enlarges_everything_in_proportion() -> None:
    s = series(contraction()).with_suggested_rest_peak()
    small = pixels(render_series_plot(s, 400, 250)).astype(float)
    big = pixels(render_series_plot(s, 1200, 750, scale=3.0)).astype(float)
    shrunk = big.reshape(250, 3, 400, 3, 3).mean(axis=(1, 3))
    ink_small, ink_big = (small < 200).mean(), (shrunk < 200).mean()
    assert ink_big == pytest.approx(ink_small, rel=0.35)  # same layout at three times the size
    thin = pixels(render_series_plot(s, 1200, 750, scale=1.0)).astype(float)
    assert (thin < 200).mean() < (big < 200).mean() * 0.6  # unscaled: thin lines, small text
    with pytest.raises(ValueError, match="must be positive"):
        render_series_plot(s, 0, 100)


def test_text_stays_text_in_vector_output() -> None:
    s = series(contraction()).with_suggested_rest_peak()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(600, 300))
    painter = QPainter(generator)
    paint_series_plot(painter, QRectF(0, 0, 600, 300), s)
    painter.end()
    svg = bytes(data.data()).decode("utf-8")
    assert "time (s)" in svg and "length (mm)" in svg and "gap: length" in svg
    assert "peak 10.0 mm" in svg and "+150%" in svg


@pytest.mark.corpus
def test_a_tracked_real_clip_plots(corpus: Path, tmp_path: Path) -> None:
    from annotator.case.model import Annotation, Case, MediaRef
    from annotator.dynamics.series import measurement_series
    from annotator.dynamics.tracking import track_annotation
    from annotator.media import open_media

    clip = corpus / "joshrbaxter-ultrasound_tracking" / "p6_isometric_max_01_push_02.mp4"
    media = open_media(clip)
    try:
        annotation = Annotation.single("a1", "m1", "line", 0, [(400.0, 200.0), (600.0, 250.0)], label="fascicle")
        result = track_annotation(media, annotation, 0, 59)
        result.to_command().redo(Case(media=[MediaRef("m1", str(clip))], annotations=[annotation]))
        s = measurement_series(media, annotation).with_suggested_rest_peak()
    finally:
        media.close()
    image = render_series_plot(s, 900, 420)
    out = tmp_path / "fascicle.png"
    assert image.save(str(out))
    rgb = pixels(QImage(str(out)))
    assert rgb.shape == (420, 900, 3)
    assert has_colour(rgb, LIGHT.line) > 300 and has_colour(rgb, LIGHT.peak) > 30
    assert "px" in s.caption() and s.stats() is not None


@pytest.mark.parametrize("options", [PlotOptions(), PlotOptions(title="", caption=False), PlotOptions(symbol_scale=2.0)])
def test_plot_geometry_says_where_the_painter_put_time_and_values(options: PlotOptions) -> None:
    s = series(contraction())
    rect = QRectF(0, 0, 640, 360)
    geometry = plot_geometry(rect, s, options)
    plain = pixels(render_series_plot(s, 640, 360, options.symbol_scale, options))
    with_cursor = replace(options, current_frame=30)
    cursor = pixels(render_series_plot(s, 640, 360, options.symbol_scale, with_cursor))
    cols = np.nonzero((np.abs(plain.astype(int) - cursor.astype(int)).sum(axis=2) > 30).any(axis=0))[0]
    assert abs(float(np.median(cols)) - geometry.x(s.sample(30).time_s)) <= 1.5
    assert geometry.time_at(geometry.x(0.7)) == pytest.approx(0.7)
    peak = s.sample(20)
    assert peak.value is not None
    assert geometry.value_at(geometry.y(peak.value)) == pytest.approx(peak.value)
    assert rect.contains(geometry.area) and geometry.area.width() > 300


def _plot_texts(height: int) -> list[str]:
    import re

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(300, height))
    generator.setViewBox(QRectF(0, 0, 300, height))
    painter = QPainter(generator)
    paint_series_plot(painter, QRectF(0, 0, 300, height), series(contraction()), PlotOptions(title="", caption=False))
    painter.end()
    return [t.strip() for t in re.findall(r">([^<>]+)</text>", bytes(data.data()).decode())]


def test_a_short_plot_names_its_axis_by_the_unit_and_never_by_an_ellipsis() -> None:
    """A plot in a narrow figure panel read "thic\u2026" up its axis; the unit is what the reader
    needs there (the panel's title names the quantity), and where even it does not fit, nothing."""
    assert "length (mm)" in _plot_texts(260)
    short = _plot_texts(100)
    assert "mm" in short and not any(t.startswith("len") for t in short)
    assert not any("\u2026" in t for t in _plot_texts(62))
