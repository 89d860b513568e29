"""Icons: Qt's standard ones, and tool icons drawn by the renderer's own shape painters (so a
tool's button looks like the shape it draws)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QIcon,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import QApplication, QStyle

from annotator.case.model import Annotation
from annotator.render.shapes import SHAPE_PAINTERS
from annotator.render.style import Metrics, annotation_pen

_SIZE = 32
_TOOL_POINTS: dict[str, list[tuple[float, float]]] = {
    "line": [(6, 24), (26, 8)],
    "polyline": [(4, 24), (12, 10), (20, 20), (28, 6)],
    "polygon": [(6, 8), (26, 6), (22, 26), (8, 22)],
    "ellipse": [(16, 16), (28, 16), (16, 24)],
    "angle": [(28, 8), (6, 24), (28, 24)],
    "arrow": [(5, 27), (26, 6)],
    "point": [(16, 16)],
    "thickness": [(3, 7), (29, 5), (3, 26), (29, 26)],
    "pennation": [(8, 26), (26, 8), (3, 26), (29, 26)],
    "fascicle": [(12, 20), (20, 12), (2, 5), (30, 5), (2, 27), (30, 27)],
}


def _tool_pixmap(kind: str) -> QPixmap:
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    m = Metrics(0.8)
    if kind in _TOOL_POINTS:
        shape_kind = kind
        ann = Annotation.single("icon", "icon", shape_kind, 0, _TOOL_POINTS[kind])
        SHAPE_PAINTERS[shape_kind](painter, _TOOL_POINTS[kind], QTransform(), annotation_pen(ann, m, False), m, False)
    elif kind == "trace":
        pts = [(16 + (10 + 2.5 * math.sin(5 * t)) * math.cos(t), 16 + (9 + 2 * math.cos(3 * t)) * math.sin(t))
               for t in (i * 2 * math.pi / 40 for i in range(40))]
        ann = Annotation.single("icon", "icon", "polygon", 0, pts)
        SHAPE_PAINTERS["polygon"](painter, pts, QTransform(), annotation_pen(ann, m, False), m, False)
    elif kind == "select":
        arrow = QPolygonF([QPointF(x, y) for x, y in [(9, 4), (9, 26), (14, 21), (18, 29), (22, 27), (18, 19), (25, 19)]])
        path = QPainterPath()
        path.addPolygon(arrow)
        path.closeSubpath()
        painter.strokePath(path, QPen(QColor(20, 20, 20), 2.5))
        painter.fillPath(path, QColor("#f4f4f4"))
    elif kind == "text":
        font = QFont()
        font.setPixelSize(24)
        font.setBold(True)
        letter = QPainterPath()
        letter.addText(QPointF(8, 25), font, "T")
        painter.strokePath(letter, QPen(QColor(20, 20, 20), 3))  # readable on light and dark bars
        painter.fillPath(letter, QColor("#f4f4f4"))
    elif kind == "window_level":  # a disc half dark, half light: the usual window/level sign
        painter.setPen(QPen(QColor(20, 20, 20), 2))
        painter.setBrush(QColor("#f4f4f4"))
        painter.drawEllipse(QPointF(16, 16), 11, 11)
        painter.setBrush(QColor(40, 40, 40))
        painter.drawPie(5, 5, 22, 22, 90 * 16, 180 * 16)
    elif kind == "redact":  # a black box over lines of text
        painter.setPen(QPen(QColor("#d0d0d0"), 2))
        for y in (8, 14, 20, 26):
            painter.drawLine(QPointF(4, y), QPointF(28, y))
        painter.fillRect(QRectF(9, 11, 16, 12), QColor(0, 0, 0))
        painter.setPen(QPen(QColor("#f4f4f4"), 1.5))
        painter.drawRect(QRectF(9, 11, 16, 12))
    elif kind == "calibrate":
        pen = QPen(QColor("#50e070"), 2)
        painter.setPen(pen)
        painter.drawLine(QPointF(4, 20), QPointF(28, 20))
        for i in range(7):
            x = 4 + i * 4
            painter.drawLine(QPointF(x, 20), QPointF(x, 14 if i % 2 == 0 else 17))
    painter.end()
    return pixmap


def action_icon(name: str) -> QIcon | None:
    """``std:SP_...`` (a QStyle icon) or ``tool:KIND``; None when unknown or no app yet."""
    source, _, key = name.partition(":")
    if source == "std":
        app = QApplication.instance()
        pixmap = getattr(QStyle.StandardPixmap, key, None)
        if not isinstance(app, QApplication) or pixmap is None:
            return None
        return app.style().standardIcon(pixmap)
    if source == "tool":
        return QIcon(_tool_pixmap(key))
    return None
