"""The measurement-over-time plot on screen: ``render.plot`` paints it (the same painter as the
figure export), this widget adds the playhead cursor, click or drag to go to a frame, a hover
tooltip per sample, and a context menu to set rest or peak at the clicked frame.

Clicks map to frames through ``render.plot.plot_geometry``, the layout the painter itself
uses; a test checks the painted cursor lands where the geometry says.
"""

from __future__ import annotations

import bisect

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolTip, QWidget

from annotator.dynamics.series import TRUSTED_CONFIDENCE, Series
from annotator.render.plot import PlotGeometry, PlotOptions, paint_series_plot, plot_geometry


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
        x = geometry.x(self.series.sample(frame).time_s)
        return QPoint(round(x), round(geometry.area.center().y()))
