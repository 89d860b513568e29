"""Text over images: words in a dark box so they read on any grey, placed without overlap."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

from annotator.render.style import LABEL_BOX_COLOR, Metrics


class LabelLayout:
    """Places text boxes near their anchors: inside ``bounds`` (the visible crop) and off the
    boxes placed before and the ``obstacles`` (scale bar, time stamp) when it can, flipping to
    the other side of the anchor or sliding along before it gives up and overlaps."""

    def __init__(self, bounds: QRectF | None, obstacles: Sequence[QRectF] = ()) -> None:
        self.bounds = bounds
        self.placed: list[QRectF] = []
        self.obstacles = [r for r in obstacles if not r.isEmpty()]

    def place(self, size: QRectF, anchor: QPointF, direction: QPointF, gap: float) -> QRectF:
        w, h = size.width(), size.height()
        best: tuple[int, float, QRectF] | None = None
        for wanted, cost in self._candidates(w, h, anchor, direction, gap):
            rect = self._inside(wanted)
            slid = abs(rect.left() - wanted.left()) + abs(rect.top() - wanted.top())
            clashes = sum(rect.intersects(r) for r in (*self.placed, *self.obstacles))
            score = (clashes, cost + slid)
            if best is None or score < best[:2]:
                best = (clashes, cost + slid, rect)
            if clashes == 0 and slid == 0 and cost == 0:
                break  # where it wanted to be, and free
        assert best is not None
        self.placed.append(best[2])
        return best[2]

    @staticmethod
    def _candidates(w: float, h: float, anchor: QPointF, direction: QPointF,
                    gap: float) -> list[tuple[QRectF, float]]:
        """Boxes around the anchor, each with what it costs to move there (device pixels):
        the preferred side, nudged up or down, the mirrored sides, straight above or below."""

        def box(dx: float, dy: float) -> QRectF:
            x = anchor.x() + (gap if dx >= 0 else -gap - w)
            if abs(dx) < 0.3:
                x = anchor.x() - w / 2
            y = anchor.y() - h / 2 + dy * (h / 2 + gap)
            return QRectF(x, y, w, h)

        dx, dy = direction.x(), direction.y()
        out = [(box(dx, dy), 0.0)]
        step = h + gap / 2
        for k in (1, 2, 3, 4):
            out.append((box(dx, dy).translated(0, -step * k), step * k))
            out.append((box(dx, dy).translated(0, step * k), step * k))
        out.append((box(-dx, dy), w * 0.75))
        out.append((box(dx, -dy), h * 1.5))
        out.append((box(-dx, -dy), w * 0.75 + h * 1.5))
        out.append((box(0.0, -1.0), w * 0.5 + h))
        out.append((box(0.0, 1.0), w * 0.5 + h))
        return out

    def _inside(self, rect: QRectF) -> QRectF:
        """Slid into the bounds; a box wider (taller) than them keeps its start visible."""
        if self.bounds is None or self.bounds.isEmpty():
            return rect
        b = self.bounds
        x = min(max(rect.left(), b.left()), b.right() - rect.width())
        y = min(max(rect.top(), b.top()), b.bottom() - rect.height())
        return QRectF(max(x, b.left()), max(y, b.top()), rect.width(), rect.height())


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
