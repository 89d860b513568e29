"""Text over images: words in a dark box so they read on any grey, placed without overlap."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

from annotator.render.style import LABEL_BOX_COLOR, Metrics


class LabelLayout:
    """Places text boxes near their anchors, nudging each off the ones placed before it."""

    def __init__(self, bounds: QRectF | None) -> None:
        self.bounds = bounds
        self.placed: list[QRectF] = []

    def place(self, size: QRectF, anchor: QPointF, direction: QPointF, gap: float) -> QRectF:
        # put the box on the side the direction points to, touching the anchor
        x = anchor.x() + (gap if direction.x() >= 0 else -gap - size.width())
        if abs(direction.x()) < 0.3:
            x = anchor.x() - size.width() / 2
        y = anchor.y() - size.height() / 2 + direction.y() * (size.height() / 2 + gap)
        rect = QRectF(x, y, size.width(), size.height())
        rect = self._inside(rect)
        step = size.height() + gap / 2
        for attempt in range(8):
            if not any(rect.intersects(r) for r in self.placed):
                break
            shift = step * (attempt // 2 + 1) * (1 if attempt % 2 == 0 else -1)
            rect = self._inside(QRectF(x, y + shift, size.width(), size.height()))
        self.placed.append(rect)
        return rect

    def _inside(self, rect: QRectF) -> QRectF:
        if self.bounds is None or self.bounds.isEmpty():
            return rect
        b = self.bounds
        dx = max(b.left() - rect.left(), 0.0) + min(b.right() - rect.right(), 0.0)
        dy = max(b.top() - rect.top(), 0.0) + min(b.bottom() - rect.bottom(), 0.0)
        return rect.translated(dx, dy)


def text_box_size(font: QFont, lines: list[str], m: Metrics) -> QRectF:
    fm = QFontMetricsF(font)
    pad = m.px(3.0)
    width = max(fm.horizontalAdvance(line) for line in lines) + 2 * pad
    height = fm.height() * len(lines) + 2 * pad * 0.6
    return QRectF(0, 0, width, height)


def draw_text_box(painter: QPainter, rect: QRectF, lines: list[str], font: QFont, color: QColor,
                  m: Metrics, box: QColor = LABEL_BOX_COLOR) -> None:
    """Draw ``lines`` as text (kept as text in SVG/PDF) on a rounded dark box."""
    radius = m.px(3.0)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(box)
    painter.drawRoundedRect(rect, radius, radius)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setFont(font)
    painter.setPen(color)
    fm = QFontMetricsF(font)
    pad = m.px(3.0)
    y = rect.top() + pad * 0.6 + fm.ascent()
    for line in lines:
        painter.drawText(QPointF(rect.left() + pad, y), line)
        y += fm.height()
