"""The measurement-over-time plot on screen: ``render.plot`` paints it (the same painter as the
figure export), this widget adds the playhead cursor, click or drag to go to a frame, a hover
tooltip per sample, and a context menu to set rest or peak at the clicked frame.

Clicks map to frames through ``PlotGeometry``, which follows the layout rules of
``render.plot`` for a plot without title and caption (the panel shows those itself); a test
checks the painted cursor lands where the geometry says.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolTip, QWidget

from annotator.dynamics.series import TRUSTED_CONFIDENCE, Series
from annotator.render.plot import (
    FONT_PX,
    PlotOptions,
    _font,
    _tick_text,
    _time_range,
    _value_range,
    nice_ticks,
    paint_series_plot,
)

#: the plot on screen: the panel shows the title and the statistics as widgets
SCREEN_OPTIONS = PlotOptions(title="", caption=False, fill_background=True)


@dataclass(frozen=True)
class PlotGeometry:
    """Where time runs inside a painted plot: the axes' rectangle and its time span."""

    area: QRectF
    t0: float
    t1: float

    def x_of_time(self, t: float) -> float:
        return self.area.left() + (t - self.t0) / (self.t1 - self.t0) * self.area.width()

    def time_at(self, x: float) -> float:
        return self.t0 + (x - self.area.left()) / max(self.area.width(), 1e-9) * (self.t1 - self.t0)


def plot_geometry(rect: QRectF, series: Series, options: PlotOptions = SCREEN_OPTIONS) -> PlotGeometry:
    """The axes of ``paint_series_plot(painter, rect, series, options)`` for a plot with no
    title and no caption (as ``render.plot._draw_axes`` lays them out)."""
    if options.title != "" or (options.caption and series.valid):
        raise ValueError("plot_geometry follows plots without title and caption only")
    k = max(options.symbol_scale, 0.1)
    pad = 6.0 * k
    body = rect.adjusted(pad, pad, -pad, -pad)
    t0, t1 = _time_range(series)
    if not series.valid:
        return PlotGeometry(body, t0, t1)
    fm = QFontMetricsF(_font(FONT_PX * 0.95 * k))
    v_range = _value_range(series)
    v_ticks = [v for v in nice_ticks(*v_range, target=6) if v_range[0] <= v <= v_range[1]]
    widest = max((fm.horizontalAdvance(_tick_text(v, v_ticks)) for v in v_ticks), default=0.0)
    tick = 4.0 * k
    left = fm.height() * 1.3 + widest + tick * 2
    bottom = fm.height() * 2.4 + tick
    area = body.adjusted(left, fm.height() * 0.5, -fm.horizontalAdvance("00") * 0.6, -bottom)
    if area.width() < 10 or area.height() < 10:
        area = body
    return PlotGeometry(area, t0, t1)


def nearest_frame(series: Series, time_s: float) -> int:
    """The frame of the sample nearest in time (samples are in time order)."""
    times = [s.time_s for s in series.samples]
    i = bisect.bisect_left(times, time_s)
    if i <= 0:
        return series.samples[0].frame
    if i >= len(times):
        return series.samples[-1].frame
    before, after = series.samples[i - 1], series.samples[i]
    return before.frame if time_s - before.time_s <= after.time_s - time_s else after.frame


class SeriesPlotWidget(QWidget):
    """Shows one series; says which frame the user clicked, dragged to, or picked as rest/peak."""

    frame_picked = Signal(int)  # click or drag on the plot
    rest_requested = Signal(int)
    peak_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: Series | None = None
        self.current_frame: int | None = None
        self.placeholder = "Select a caliper or trace on a clip to see its measurement over time."
        self._dragging = False
        self.setObjectName("dynamics_plot")
        self.setMouseTracking(True)
        self.setMinimumSize(220, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(380, 220)

    # -- content ---------------------------------------------------------------------------
    def set_series(self, series: Series | None, placeholder: str = "") -> None:
        self.series = series
        if placeholder:
            self.placeholder = placeholder
        self.update()

    def set_current_frame(self, frame: int | None) -> None:
        if frame != self.current_frame:
            self.current_frame = frame
            self.update()

    @property
    def dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Window).lightness() < 128

    def options(self) -> PlotOptions:
        return PlotOptions(title="", caption=False, current_frame=self.current_frame, dark=self.dark)

    def geometry_for_series(self) -> PlotGeometry | None:
        if self.series is None or not self.series.samples:
            return None
        return plot_geometry(QRectF(self.rect()), self.series, self.options())

    def frame_at(self, x: float) -> int | None:
        """The frame under the widget x coordinate (clamped to the series), or None."""
        geometry = self.geometry_for_series()
        if geometry is None or self.series is None:
            return None
        return nearest_frame(self.series, geometry.time_at(x))

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        try:
            if self.series is None or not self.series.samples:
                painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
                painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
                painter.drawText(QRectF(self.rect()).adjusted(12, 12, -12, -12),
                                 int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), self.placeholder)
                return
            paint_series_plot(painter, QRectF(self.rect()), self.series, self.options())
        finally:
            painter.end()

    # -- input -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton:
            return
        frame = self.frame_at(event.position().x())
        if frame is not None:
            self._dragging = True
            self.frame_picked.emit(frame)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        frame = self.frame_at(event.position().x())
        if frame is None:
            return
        if self._dragging:
            self.frame_picked.emit(frame)
        QToolTip.showText(event.globalPosition().toPoint(), self.sample_text(frame), self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._dragging = False

    def sample_text(self, frame: int) -> str:
        """One line for the tooltip: frame, time, value and how trustworthy it is."""
        if self.series is None:
            return ""
        s = self.series.sample(frame)
        value = "no value" if s.value is None else f"{s.value:.2f} {self.series.unit_text}"
        if s.confidence is None:
            source = "placed by hand or interpolated"
        elif s.confidence < TRUSTED_CONFIDENCE:
            source = f"low tracking confidence {s.confidence:.2f}"
        else:
            source = f"tracked, confidence {s.confidence:.2f}"
        return f"frame {frame} · {s.time_s:.3f} s · {value} · {source}"

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        frame = self.frame_at(event.pos().x())
        if frame is None:
            return
        self.context_menu(frame).exec(event.globalPos())

    def context_menu(self, frame: int) -> QMenu:
        menu = QMenu(self)
        menu.addAction(f"Go to frame {frame}", lambda: self.frame_picked.emit(frame))
        has_value = self.series is not None and self.series.sample(frame).value is not None
        rest = menu.addAction(f"Set rest at frame {frame}", lambda: self.rest_requested.emit(frame))
        peak = menu.addAction(f"Set peak at frame {frame}", lambda: self.peak_requested.emit(frame))
        rest.setEnabled(has_value)
        peak.setEnabled(has_value)
        return menu

    def click_position(self, frame: int) -> QPoint:
        """Where a click lands on ``frame`` (tests and keyboard access)."""
        geometry = self.geometry_for_series()
        if geometry is None or self.series is None:
            raise ValueError("there is no plot to click")
        x = geometry.x_of_time(self.series.sample(frame).time_s)
        return QPoint(round(x), round(geometry.area.center().y()))
