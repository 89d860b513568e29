"""A measurement over time as a plot panel, painted with QPainter onto any paint device.

Used by the app's plot panel and by figure export: ``paint_series_plot`` draws into a rectangle
of any painter (screen, QImage, SVG, PDF), ``render_series_plot`` returns a QImage. Time runs
in seconds along x, the value in its unit (mm, mm², px, °) up y. Rest and peak are marked
with shapes and words (a hollow circle "rest", a filled triangle "peak"), never by colour
alone; frames tracked with low confidence are shaded and drawn with hollow dots; gaps (frames
without a value) break the line. A caption gives min, max, range and the change from rest to
peak.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from annotator.dynamics.series import TRUSTED_CONFIDENCE, Series, SeriesSample

FONT_PX = 12.0
LINE_PX = 1.6
MARKER_PX = 4.0


@dataclass(frozen=True)
class PlotColors:
    background: QColor
    text: QColor
    axis: QColor
    grid: QColor
    line: QColor
    low_confidence: QColor
    rest: QColor
    peak: QColor
    cursor: QColor


# peak purple, rest green: a pair colour-blind readers tell apart, and nothing like the pure-red
# burned-in header text the de-identification tests look for
LIGHT = PlotColors(QColor("#ffffff"), QColor("#1a1a1a"), QColor("#404040"), QColor("#e3e3e3"),
                   QColor("#1f5fa8"), QColor(230, 140, 20, 60), QColor("#1b7f3b"),
                   QColor("#7b3294"), QColor("#808080"))
DARK = PlotColors(QColor("#1e1e1e"), QColor("#eeeeee"), QColor("#bdbdbd"), QColor("#3a3a3a"),
                  QColor("#6fb1ff"), QColor(255, 170, 60, 60), QColor("#5fd38a"),
                  QColor("#ff7a70"), QColor("#9e9e9e"))


@dataclass(frozen=True)
class PlotOptions:
    title: str | None = None  # None: the series' own ("gap: length"); "": no title
    caption: bool = True  # min, max, range, rest -> peak under the plot
    show_confidence: bool = True  # shade frames tracked with low confidence
    current_frame: int | None = None  # a cursor at this frame (the app's playhead)
    symbol_scale: float = 1.0  # multiplies fonts, lines and markers (print: > 1)
    dark: bool = False
    fill_background: bool = True
    #: a key under the axes saying what the rest and peak marks and the shaded band mean
    key: bool = False

    @property
    def colors(self) -> PlotColors:
        return DARK if self.dark else LIGHT


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    raw = (hi - lo) / max(target, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def fitting_ticks(lo: float, hi: float, length: float, size: Callable[[str], float], gap: float,
                  target: int = 6) -> list[float]:
    """``nice_ticks`` over [lo, hi] whose labels fit along an axis ``length`` long: each label's
    ``size`` along the axis plus ``gap`` within the spacing, fewer ticks until they do (a plot
    in a narrow figure panel ran its time labels together: "0.00.20.40.6")."""
    ticks = [lo]
    for want in range(target, 0, -1):
        ticks = [t for t in nice_ticks(lo, hi, target=want) if lo <= t <= hi]
        if len(ticks) < 2 or hi <= lo:
            return ticks
        spacing = length * (ticks[1] - ticks[0]) / (hi - lo)
        if spacing >= max(size(_tick_text(t, ticks)) for t in ticks) + gap:
            return ticks
    return ticks[:1] + ticks[-1:] if len(ticks) > 2 else ticks


def _tick_text(value: float, ticks: list[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    return f"{value:.{decimals}f}"


def _font(px: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPixelSize(max(1, round(px)))
    font.setBold(bold)
    return font


def _value_range(series: Series) -> tuple[float, float]:
    values = [s.value for s in series.valid if s.value is not None]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.1 if hi > lo else max(abs(hi) * 0.05, 1.0)
    return lo - pad, hi + 2.5 * pad  # headroom for the rest and peak words


def _time_range(series: Series) -> tuple[float, float]:
    times = [s.time_s for s in series.samples]
    lo, hi = min(times), max(times)
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


@dataclass(frozen=True)
class PlotGeometry:
    """Where data lands in a painted plot: the axes' rectangle (device coordinates), the time
    span across it (seconds) and the value span up it. For clicks and hover on screen."""

    area: QRectF
    t0: float
    t1: float
    v0: float
    v1: float

    def x(self, t: float) -> float:
        return self.area.left() + (t - self.t0) / (self.t1 - self.t0) * self.area.width()

    def y(self, v: float) -> float:
        return self.area.bottom() - (v - self.v0) / (self.v1 - self.v0) * self.area.height()

    def point(self, s: SeriesSample) -> QPointF:
        assert s.value is not None
        return QPointF(self.x(s.time_s), self.y(s.value))

    def time_at(self, x: float) -> float:
        return self.t0 + (x - self.area.left()) / max(self.area.width(), 1e-9) * (self.t1 - self.t0)

    def value_at(self, y: float) -> float:
        return self.v0 + (self.area.bottom() - y) / max(self.area.height(), 1e-9) * (self.v1 - self.v0)


def plot_geometry(rect: QRectF, series: Series, options: PlotOptions | None = None) -> PlotGeometry:
    """The geometry ``paint_series_plot(painter, rect, series, options)`` paints with (the same
    layout code), e.g. to turn a click into a time."""
    opts = options or PlotOptions()
    k = max(opts.symbol_scale, 0.1)
    _title, body, _caption = _layout(rect, series, opts, k)
    if not series.valid:
        t0, t1 = _time_range(series) if series.samples else (0.0, 1.0)
        return PlotGeometry(body, t0, t1, 0.0, 1.0)
    return _axes_layout(body, series, k)[0]


def paint_series_plot(painter: QPainter, rect: QRectF, series: Series,
                      options: PlotOptions | None = None) -> None:
    """Paint ``series`` into ``rect`` of ``painter``'s device."""
    opts = options or PlotOptions()
    c, k = opts.colors, max(opts.symbol_scale, 0.1)
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setClipRect(rect)
        if opts.fill_background:
            painter.fillRect(rect, c.background)
        title_rect, body, caption_rect = _layout(rect, series, opts, k)
        key_rect = None
        if opts.key and series.valid:
            key_h = QFontMetricsF(_font(FONT_PX * 0.95 * k)).height() * 1.3
            key_rect = QRectF(body.left(), body.bottom() - key_h, body.width(), key_h)
            body = body.adjusted(0, 0, 0, -key_h)
        if title_rect is not None:
            painter.setFont(_font(FONT_PX * 1.15 * k, bold=True))
            painter.setPen(c.text)
            painter.drawText(title_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             _title(series, opts))
        if not series.valid:
            painter.setPen(c.text)
            painter.setFont(_font(FONT_PX * k))
            painter.drawText(body, Qt.AlignmentFlag.AlignCenter, "no values to plot")
            return
        axes = _draw_axes(painter, body, series, opts, k)
        if opts.show_confidence:
            _shade_low_confidence(painter, axes, series, c)
        _draw_cursor(painter, axes, series, opts, k)
        _draw_line(painter, axes, series, c, k, opts.show_confidence)
        _draw_rest_peak(painter, axes, series, c, k)
        _draw_turned(painter, axes, series, c, k)
        if key_rect is not None:
            _draw_key(painter, key_rect, series, c, k)
        if caption_rect is not None:
            painter.setPen(c.text)
            painter.setFont(_font(FONT_PX * k))
            painter.drawText(caption_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap),
                             series.caption())
    finally:
        painter.restore()


def _title(series: Series, opts: PlotOptions) -> str:
    return series.title if opts.title is None else opts.title


def _layout(rect: QRectF, series: Series, opts: PlotOptions,
            k: float) -> tuple[QRectF | None, QRectF, QRectF | None]:
    """The title's rectangle, the rectangle left for the axes, and the caption's rectangle."""
    pad = 6.0 * k
    inner = rect.adjusted(pad, pad, -pad, -pad)
    title_rect = None
    if _title(series, opts):
        height = QFontMetricsF(_font(FONT_PX * 1.15 * k, bold=True)).height()
        title_rect = QRectF(inner.left(), inner.top(), inner.width(), height)
        inner.setTop(inner.top() + height + pad * 0.5)
    caption_rect = None
    if opts.caption and series.valid:
        metrics = QFontMetricsF(_font(FONT_PX * k))
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        bound = metrics.boundingRect(QRectF(0, 0, inner.width(), 1e6), flags, series.caption())
        height = min(bound.height(), inner.height() * 0.4)
        caption_rect = QRectF(inner.left(), inner.bottom() - height, inner.width(), height)
        inner.setBottom(caption_rect.top() - pad)
    return title_rect, inner, caption_rect


def _axes_layout(body: QRectF, series: Series,
                 k: float) -> tuple[PlotGeometry, list[float], list[str], list[float]]:
    """The axes' geometry, the value ticks with their labels, and the time ticks."""
    fm = QFontMetricsF(_font(FONT_PX * 0.95 * k))
    v_range, t_range = _value_range(series), _time_range(series)
    tick = 4.0 * k
    bottom = fm.height() * 2.4 + tick
    height = body.height() - fm.height() * 0.5 - bottom
    v_ticks = fitting_ticks(*v_range, height, lambda _t: fm.height(), fm.height() * 0.4)
    v_texts = [_tick_text(v, v_ticks) for v in v_ticks]
    left = fm.height() * 1.3 + max((fm.horizontalAdvance(t) for t in v_texts), default=0.0) + tick * 2
    area = body.adjusted(left, fm.height() * 0.5, -fm.horizontalAdvance("00") * 0.6, -bottom)
    if area.width() < 10 or area.height() < 10:
        area = body
    t_ticks = fitting_ticks(*t_range, area.width(), fm.horizontalAdvance, fm.horizontalAdvance("0"))
    return PlotGeometry(area, *t_range, *v_range), v_ticks, v_texts, t_ticks


def _draw_axes(painter: QPainter, body: QRectF, series: Series, opts: PlotOptions,
               k: float) -> PlotGeometry:
    c = opts.colors
    font = _font(FONT_PX * 0.95 * k)
    fm = QFontMetricsF(font)
    axes, v_ticks, v_texts, t_ticks = _axes_layout(body, series, k)
    area, tick = axes.area, 4.0 * k
    painter.setFont(font)
    grid_pen = QPen(c.grid, max(1.0, 0.8 * k))
    axis_pen = QPen(c.axis, LINE_PX * 0.7 * k)
    for v, text in zip(v_ticks, v_texts, strict=True):
        y = axes.y(v)
        painter.setPen(grid_pen)
        painter.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
        painter.setPen(axis_pen)
        painter.drawLine(QPointF(area.left() - tick, y), QPointF(area.left(), y))
        painter.setPen(c.text)
        painter.drawText(QRectF(body.left(), y - fm.height() / 2, area.left() - tick * 2 - body.left(),
                                fm.height()), int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)
    for t in t_ticks:
        x = axes.x(t)
        painter.setPen(axis_pen)
        painter.drawLine(QPointF(x, area.bottom()), QPointF(x, area.bottom() + tick))
        painter.setPen(c.text)
        label = _tick_text(t, t_ticks)
        w = fm.horizontalAdvance(label) + 2
        painter.drawText(QRectF(x - w / 2, area.bottom() + tick, w, fm.height()),
                         int(Qt.AlignmentFlag.AlignCenter), label)
    painter.setPen(axis_pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawLine(area.bottomLeft(), area.bottomRight())
    painter.drawLine(area.bottomLeft(), area.topLeft())
    painter.setPen(c.text)
    painter.drawText(QRectF(area.left(), area.bottom() + tick + fm.height(), area.width(), fm.height() * 1.3),
                     int(Qt.AlignmentFlag.AlignCenter), "time (s)")
    painter.save()
    painter.translate(body.left() + fm.height() * 0.6, area.center().y())
    painter.rotate(-90)
    # where the plot is short (a narrow figure panel) the unit alone, which the reader needs
    # (the title names the quantity), rather than "thic…" or a name cut at both ends
    y_label = f"{series.quantity.replace('_', ' ')} ({series.unit_text})"
    if fm.horizontalAdvance(y_label) > area.height():
        fits = fm.horizontalAdvance(series.unit_text) <= area.height()
        y_label = series.unit_text if fits else ""  # an ellipsis alone says nothing
    painter.drawText(QRectF(-area.height() / 2, -fm.height() / 2, area.height(), fm.height()),
                     int(Qt.AlignmentFlag.AlignCenter), y_label)
    painter.restore()
    return axes


def _is_low(s: SeriesSample) -> bool:
    return s.confidence is not None and s.confidence < TRUSTED_CONFIDENCE


def _half_step(series: Series, i: int) -> tuple[float, float]:
    times = [s.time_s for s in series.samples]
    before = (times[i] - times[i - 1]) / 2 if i > 0 else 0.0
    after = (times[i + 1] - times[i]) / 2 if i + 1 < len(times) else 0.0
    return before or after, after or before


def _shade_low_confidence(painter: QPainter, axes: PlotGeometry, series: Series, c: PlotColors) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(c.low_confidence)
    for i, s in enumerate(series.samples):
        if _is_low(s):
            before, after = _half_step(series, i)
            x0, x1 = axes.x(s.time_s - before), axes.x(s.time_s + after)
            painter.drawRect(QRectF(x0, axes.area.top(), max(x1 - x0, 1.0), axes.area.height()))


def _draw_cursor(painter: QPainter, axes: PlotGeometry, series: Series, opts: PlotOptions, k: float) -> None:
    if opts.current_frame is None:
        return
    try:
        sample = series.sample(opts.current_frame)
    except KeyError:
        return
    pen = QPen(opts.colors.cursor, LINE_PX * k, Qt.PenStyle.DashLine)
    painter.setPen(pen)
    x = axes.x(sample.time_s)
    painter.drawLine(QPointF(x, axes.area.top()), QPointF(x, axes.area.bottom()))


def _draw_line(painter: QPainter, axes: PlotGeometry, series: Series, c: PlotColors, k: float,
               hollow_low: bool) -> None:
    path = QPainterPath()
    pen_down = False
    for s in series.samples:
        if s.value is None:
            pen_down = False
            continue
        p = axes.point(s)
        if pen_down:
            path.lineTo(p)
        else:
            path.moveTo(p)
            pen_down = True
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(c.line, LINE_PX * k, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                        Qt.PenJoinStyle.RoundJoin))
    painter.drawPath(path)
    if len(series.valid) > 150:
        return  # dots would merge into the line
    radius = MARKER_PX * 0.55 * k
    for s in series.valid:
        painter.setBrush(c.background if hollow_low and _is_low(s) else c.line)
        painter.drawEllipse(axes.point(s), radius, radius)


def _draw_turned(painter: QPainter, axes: PlotGeometry, series: Series, c: PlotColors, k: float) -> None:
    """A cross over each frame where a tracked caliper turned too far (its value is suspect)."""
    turned = set(series.turned_frames)
    if not turned:
        return
    painter.setPen(QPen(c.peak, LINE_PX * k))
    r = MARKER_PX * 1.3 * k
    for s in series.samples:
        if s.frame in turned and s.value is not None:
            p = axes.point(s)
            painter.drawLine(QPointF(p.x() - r, p.y() - r), QPointF(p.x() + r, p.y() + r))
            painter.drawLine(QPointF(p.x() - r, p.y() + r), QPointF(p.x() + r, p.y() - r))


def _draw_rest_peak(painter: QPainter, axes: PlotGeometry, series: Series, c: PlotColors, k: float) -> None:
    st = series.stats()
    if st is None:
        return
    font = _font(FONT_PX * 0.95 * k, bold=True)
    fm = QFontMetricsF(font)
    painter.setFont(font)
    r = MARKER_PX * 1.3 * k
    marks = [(s, word, color) for s, word, color in ((st.peak, "peak", c.peak), (st.rest, "rest", c.rest))
             if s is not None and s.value is not None]  # the peak first: it is the finding
    for sample, word, color in marks:  # every line and marker, then the words over them all
        p = axes.point(sample)
        painter.setPen(QPen(color, LINE_PX * 0.8 * k, Qt.PenStyle.DotLine))
        painter.drawLine(QPointF(p.x(), axes.area.top()), QPointF(p.x(), axes.area.bottom()))
        painter.setPen(QPen(color, LINE_PX * 1.2 * k))
        if word == "rest":
            painter.setBrush(c.background)
            painter.drawEllipse(p, r, r)
        else:
            painter.setBrush(color)
            painter.drawPolygon(QPolygonF([QPointF(p.x(), p.y() - r * 1.2), QPointF(p.x() - r, p.y() + r * 0.8),
                                           QPointF(p.x() + r, p.y() + r * 0.8)]))
    placed: list[QRectF] = []
    for sample, word, color in marks:
        text = f"{word} {sample.value:.1f} {series.unit_text}"
        w, h = fm.horizontalAdvance(text) + 4, fm.height()
        box = rest_peak_box(axes.area, axes.point(sample), w, h, r, placed)
        if box is None:
            continue
        placed.append(box)
        # a background under the words, so the line and the dots never run through them
        painter.fillRect(box, QColor(c.background.red(), c.background.green(), c.background.blue(), 210))
        painter.setPen(color)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), text)


def rest_peak_box(area: QRectF, p: QPointF, w: float, h: float, r: float, placed: list[QRectF]) -> QRectF | None:
    """Where the words for the marker at ``p`` go: above it (below when there is no room),
    inside the plot and off the words already ``placed``, else stacked against them; None
    when nowhere is free (rest and peak close together in a narrow panel wrote one over the
    other: the marker and the key still say which is which, the caption gives the values)."""
    x = min(max(p.x() - w / 2, area.left()), area.right() - w)
    above, below = p.y() - r * 1.6 - h, p.y() + r * 1.6
    rows = [above, below] if above >= area.top() else [below, above]
    rows += [y for o in placed for y in (o.bottom() + 1, o.top() - h - 1)]
    for y in rows:
        box = QRectF(x, y, w, h)
        if area.top() <= y <= area.bottom() - h and not any(box.intersects(o) for o in placed):
            return box
    return None if placed else QRectF(x, min(max(rows[0], area.top()), area.bottom() - h), w, h)


def key_entries(series: Series) -> list[str]:
    """What the plot's key explains: rest and peak when marked, the shaded band when drawn."""
    st = series.stats()
    words = []
    if st is not None and st.rest is not None:
        words.append("rest")
    if st is not None and st.peak is not None:
        words.append("peak")
    if any(_is_low(s) for s in series.samples):
        words.append(f"tracking confidence < {TRUSTED_CONFIDENCE:g}")
    return words


def _draw_key(painter: QPainter, rect: QRectF, series: Series, c: PlotColors, k: float) -> None:
    font = _font(FONT_PX * 0.95 * k)
    fm = QFontMetricsF(font)
    painter.setFont(font)
    r = MARKER_PX * 1.1 * k
    x, cy = rect.left() + r, rect.center().y()
    for word in key_entries(series):
        if word == "rest":
            painter.setPen(QPen(c.rest, LINE_PX * 1.2 * k))
            painter.setBrush(c.background)
            painter.drawEllipse(QPointF(x, cy), r, r)
        elif word == "peak":
            painter.setPen(QPen(c.peak, LINE_PX * 1.2 * k))
            painter.setBrush(c.peak)
            painter.drawPolygon(QPolygonF([QPointF(x, cy - r * 1.2), QPointF(x - r, cy + r * 0.8),
                                           QPointF(x + r, cy + r * 0.8)]))
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(c.low_confidence)
            painter.drawRect(QRectF(x - r, cy - r, 2 * r, 2 * r))
        painter.setPen(c.text)
        w = fm.horizontalAdvance(word) + 2
        painter.drawText(QRectF(x + r * 1.8, rect.top(), w, rect.height()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), word)
        x += r * 1.8 + w + fm.horizontalAdvance("   ") + r


def render_series_plot(series: Series, width_px: int, height_px: int, scale: float = 1.0,
                       options: PlotOptions | None = None) -> QImage:
    """The plot as a ``width_px`` x ``height_px`` QImage; ``scale`` multiplies fonts, lines
    and markers (e.g. 300/96 for a print figure panel) and overrides ``options.symbol_scale``."""
    if width_px < 1 or height_px < 1:
        raise ValueError(f"plot size must be positive, not {width_px}x{height_px}")
    if not scale > 0:
        raise ValueError(f"plot scale must be positive, not {scale}")
    opts = options or PlotOptions()
    opts = replace(opts, symbol_scale=scale)
    image = QImage(width_px, height_px, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        paint_series_plot(painter, QRectF(0, 0, width_px, height_px), series, opts)
    finally:
        painter.end()
    return image
