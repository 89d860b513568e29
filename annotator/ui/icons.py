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
from annotator.render import shapes
from annotator.render.kind_looks import annotation_pen, kind_look
from annotator.render.style import Metrics

_SIZE = 32
def _tool_pixmap(name: str) -> QPixmap:
    """A tool's icon: the shape of the kind it draws (``kind_looks``), else its own sign."""
    pixmap = QPixmap(_SIZE, _SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    m = Metrics(0.8)
    look = kind_look(name)
    if look is not None and look.icon:
        ann = Annotation.single("icon", "icon", name, 0, look.icon)
        look.painter(painter, look.icon, QTransform(), annotation_pen(ann, m, False), m, False)
    elif name == "trace":
        pts = [(16 + (10 + 2.5 * math.sin(5 * t)) * math.cos(t), 16 + (9 + 2 * math.cos(3 * t)) * math.sin(t))
               for t in (i * 2 * math.pi / 40 for i in range(40))]
        ann = Annotation.single("icon", "icon", "polygon", 0, pts)
        shapes.paint_polygon(painter, pts, QTransform(), annotation_pen(ann, m, False), m, False)
    elif name == "select":
        arrow = QPolygonF([QPointF(x, y) for x, y in [(9, 4), (9, 26), (14, 21), (18, 29), (22, 27), (18, 19), (25, 19)]])
        path = QPainterPath()
        path.addPolygon(arrow)
        path.closeSubpath()
        painter.strokePath(path, QPen(QColor(20, 20, 20), 2.5))
        painter.fillPath(path, QColor("#f4f4f4"))
    elif name == "text":
        font = QFont()
        font.setPixelSize(24)
        font.setBold(True)
        letter = QPainterPath()
        letter.addText(QPointF(8, 25), font, "T")
        painter.strokePath(letter, QPen(QColor(20, 20, 20), 3))  # readable on light and dark bars
        painter.fillPath(letter, QColor("#f4f4f4"))
    elif name == "window_level":  # a disc half dark, half light: the usual window/level sign
        painter.setPen(QPen(QColor(20, 20, 20), 2))
        painter.setBrush(QColor("#f4f4f4"))
        painter.drawEllipse(QPointF(16, 16), 11, 11)
        painter.setBrush(QColor(40, 40, 40))
        painter.drawPie(5, 5, 22, 22, 90 * 16, 180 * 16)
    elif name == "redact":  # a black box over lines of text
        painter.setPen(QPen(QColor("#d0d0d0"), 2))
        for y in (8, 14, 20, 26):
            painter.drawLine(QPointF(4, y), QPointF(28, y))
        painter.fillRect(QRectF(9, 11, 16, 12), QColor(0, 0, 0))
        painter.setPen(QPen(QColor("#f4f4f4"), 1.5))
        painter.drawRect(QRectF(9, 11, 16, 12))
    elif name == "calibrate":
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
