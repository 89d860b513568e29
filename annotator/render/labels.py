"""Text over images: words in a dark box so they read on any grey, placed without overlap."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

from annotator.render.style import LABEL_BOX_COLOR, Metrics

Box = tuple[float, float, float, float]  # left, top, right, bottom


class LabelLayout:
    """Places text boxes near their anchors: inside ``bounds`` (the visible crop) and off the
    boxes placed before and the ``obstacles`` (scale bar, time stamp) when it can, flipping to
    the other side of the anchor or sliding along before it gives up and overlaps. Boxes are
    plain floats while they are tried: a clip export places every label on every frame, and
    QRectF calls were a quarter of its painting (``benchmarks/bench_export.py``)."""

    def __init__(self, bounds: QRectF | None, obstacles: Sequence[QRectF] = ()) -> None:
        self.bounds = None if bounds is None or bounds.isEmpty() else _box(bounds)
        self._taken = [_box(r) for r in obstacles if not r.isEmpty()]

    def place(self, size: QRectF, anchor: QPointF, direction: QPointF, gap: float) -> QRectF:
        w, h = size.width(), size.height()
        best: tuple[int, float, float, float] | None = None
        taken = self._taken
        for x, y, cost in _candidates(w, h, anchor.x(), anchor.y(), direction.x(), direction.y(), gap):
            left, top = self._inside(x, y, w, h)
            slid = abs(left - x) + abs(top - y)
            right, bottom = left + w, top + h
            # QRectF.intersects: overlapping with a positive area (touching edges do not clash)
            clashes = sum(1 for l2, t2, r2, b2 in taken if left < r2 and l2 < right and top < b2 and t2 < bottom)
            if best is None or (clashes, cost + slid) < best[:2]:
                best = (clashes, cost + slid, left, top)
            if clashes == 0 and slid == 0 and cost == 0:
                break  # where it wanted to be, and free
        assert best is not None
        rect = QRectF(best[2], best[3], w, h)
        taken.append((best[2], best[3], best[2] + w, best[3] + h))
        return rect

    def _inside(self, x: float, y: float, w: float, h: float) -> tuple[float, float]:
        """Slid into the bounds; a box wider (taller) than them keeps its start visible."""
        if self.bounds is None:
            return x, y
        left, top, right, bottom = self.bounds
        x = min(max(x, left), right - w)
        y = min(max(y, top), bottom - h)
        return max(x, left), max(y, top)


def _box(r: QRectF) -> Box:
    return r.left(), r.top(), r.left() + r.width(), r.top() + r.height()


def _candidates(w: float, h: float, ax: float, ay: float, dx: float, dy: float,
                gap: float) -> list[tuple[float, float, float]]:
    """Boxes around the anchor (their top-left corners), each with what it costs to move there
    (device pixels): the preferred side, nudged up or down, the mirrored sides, straight above
    or below."""

    def corner(sx: float, sy: float) -> tuple[float, float]:
        x = ax - w / 2 if abs(sx) < 0.3 else ax + (gap if sx >= 0 else -gap - w)
        return x, ay - h / 2 + sy * (h / 2 + gap)

    x0, y0 = corner(dx, dy)
    out = [(x0, y0, 0.0)]
    step = h + gap / 2
    for k in (1, 2, 3, 4):
        out.append((x0, y0 - step * k, step * k))
        out.append((x0, y0 + step * k, step * k))
    for (sx, sy), cost in (((-dx, dy), w * 0.75), ((dx, -dy), h * 1.5), ((-dx, -dy), w * 0.75 + h * 1.5),
                           ((0.0, -1.0), w * 0.5 + h), ((0.0, 1.0), w * 0.5 + h)):
        out.append((*corner(sx, sy), cost))
    return out


MIN_FIT_SCALE = 0.5  # text shrinks to fit a narrow panel down to this share of its size
ONE_LINE_SCALE = 0.65  # ... and keeps to one line (a taller label crowds the others) down to this


def fitted_text(font: QFont, lines: list[str], m: Metrics,
                width: float | None) -> tuple[QFont, list[str], QRectF]:
    """``lines`` in ``font`` as they fit ``width`` device pixels (None: any width), with
    their box size: as they are; else a little smaller (to ``ONE_LINE_SCALE``); else each
    line broken where it joins words (a label's name above its value, a note after its colon),
    smaller again if it must be (to ``MIN_FIT_SCALE``). Text slid against a narrow figure
    panel's edge was cut there: "fascicle length 70" for 701.9 px, and "calibrated: values in
    px" for an uncalibrated image."""
    size = text_box_size(font, lines, m)
    if width is None or size.width() <= width:
        return font, lines, size
    pad = 2 * m.px(3.0)  # the box's margins do not shrink with the words
    need = (width - pad) / max(size.width() - pad, 1e-6)
    if need >= ONE_LINE_SCALE:
        smaller = scaled_font(font, need)
        return smaller, lines, text_box_size(smaller, lines, m)
    broken = [part for line in lines for part in _broken(line)]
    size = text_box_size(font, broken, m)
    if size.width() <= width:
        return font, broken, size
    smaller = scaled_font(font, max(MIN_FIT_SCALE, (width - pad) / max(size.width() - pad, 1e-6)))
    return smaller, broken, text_box_size(smaller, broken, m)


def scaled_font(font: QFont, scale: float) -> QFont:
    """``font`` ``scale`` times the size, rounded down (the text must fit, not overflow)."""
    smaller = QFont(font)
    if font.pixelSize() > 0:
        smaller.setPixelSize(max(1, int(font.pixelSize() * scale)))
    else:
        smaller.setPointSizeF(font.pointSizeF() * scale)
    return smaller


def _broken(line: str) -> list[str]:
    if "  " in line:
        return [part for part in line.split("  ") if part]
    head, sep, tail = line.partition(": ")
    return [head + ":", tail] if sep and tail else [line]


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
