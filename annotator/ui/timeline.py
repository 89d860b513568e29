"""The timeline scrubber: drag to any frame; ticks mark frames that carry annotations, bands
show dynamic annotations' ranges, diamonds their keyframes (of the selection, brighter)."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from annotator.ui.controller import AppController

_TRACK = QColor(70, 70, 76)
_PLAYED = QColor(110, 150, 210)
_TICK = QColor("#ffd400")
_RANGE = QColor(0, 229, 255, 80)
_KEY = QColor("#00e5ff")
_KEY_SELECTED = QColor("#ffffff")
_HEAD = QColor("#ffffff")


@dataclass
class TimelineMarks:
    annotated: set[int] = field(default_factory=set)  # frames with a single-frame annotation
    ranges: list[tuple[int, int]] = field(default_factory=list)  # dynamic annotations
    keyframes: set[int] = field(default_factory=set)
    selected_keyframes: set[int] = field(default_factory=set)


def collect_marks(controller: AppController) -> TimelineMarks:
    marks = TimelineMarks()
    selected = set(controller.selection)
    for a in controller.annotations():
        if a.is_dynamic:
            marks.ranges.append((a.frame, a.last_frame))
            marks.keyframes.update(a.keyframes)
            if a.id in selected:
                marks.selected_keyframes.update(a.keyframes)
        else:
            marks.annotated.add(a.frame)
    return marks


class Timeline(QWidget):
    MARGIN = 10.0

    def __init__(self, controller: AppController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.frame_count = 0
        self.marks = TimelineMarks()
        self._dragging = False
        self.setObjectName("timeline")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip("Drag to scrub; ticks: annotated frames; diamonds: keyframes")
        controller.current_media_changed.connect(self.refresh)
        controller.document_changed.connect(self.refresh)
        controller.case_event.connect(self.refresh)
        controller.selection_changed.connect(self.refresh)
        controller.current_frame_changed.connect(lambda _f: self.update())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(400, 34)

    def refresh(self, *_args: object) -> None:
        media = self.controller.current_media() if self.controller.current_media_id else None
        self.frame_count = media.frame_count if media is not None else 0
        self.marks = collect_marks(self.controller)
        self.setEnabled(self.frame_count > 1)
        self.update()

    # -- geometry --------------------------------------------------------------------------
    def _x(self, frame: float) -> float:
        span = max(self.frame_count - 1, 1)
        return self.MARGIN + (self.width() - 2 * self.MARGIN) * frame / span

    def frame_at(self, x: float) -> int:
        span = max(self.frame_count - 1, 1)
        t = (x - self.MARGIN) / max(self.width() - 2 * self.MARGIN, 1.0)
        return min(max(round(t * span), 0), max(self.frame_count - 1, 0))

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        mid = self.height() / 2
        track = QRectF(self.MARGIN, mid - 3, self.width() - 2 * self.MARGIN, 6)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(_TRACK)
        p.drawRoundedRect(track, 3, 3)
        if self.frame_count < 2:
            p.end()
            return
        current = self.controller.current_frame
        p.setBrush(_PLAYED)
        p.drawRoundedRect(QRectF(track.left(), track.top(), self._x(current) - track.left(), 6), 3, 3)
        p.setBrush(_RANGE)
        for start, end in self.marks.ranges:
            p.drawRect(QRectF(self._x(start), mid - 7, max(self._x(end) - self._x(start), 2), 14))
        p.setPen(QPen(_TICK, 2))
        for f in self.marks.annotated:
            x = self._x(f)
            p.drawLine(QPointF(x, mid - 11), QPointF(x, mid - 4))
        p.setPen(QPen(QColor(0, 0, 0, 160), 1))
        for f in self.marks.keyframes:
            p.setBrush(_KEY_SELECTED if f in self.marks.selected_keyframes else _KEY)
            x = self._x(f)
            p.drawPolygon(QPolygonF([QPointF(x, mid + 4), QPointF(x + 4, mid + 8), QPointF(x, mid + 12),
                                     QPointF(x - 4, mid + 8)]))
        x = self._x(current)
        p.setPen(QPen(QColor(0, 0, 0, 180), 1))
        p.setBrush(_HEAD)
        p.drawRoundedRect(QRectF(x - 3, mid - 12, 6, 24), 2, 2)
        p.end()

    # -- input -----------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.frame_count > 1:
            self._dragging = True
            self.controller.set_current_frame(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.frame_count < 2:
            return
        frame = self.frame_at(event.position().x())
        if self._dragging:
            self.controller.set_current_frame(frame)
        media = self.controller.current_media()
        if media is not None:
            QToolTip.showText(event.globalPosition().toPoint(),
                              f"frame {frame}  {media.time_ms(frame) / 1000:.3f} s", self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._dragging = False

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = round(event.angleDelta().y() / 120)
        if steps:
            self.controller.set_current_frame(self.controller.current_frame - steps)
        event.accept()
