"""Sizes, fonts and outline pens shared by every painter (each kind's colour and line pattern
are in ``kind_looks``)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPen

SELECTED_COLOR = "#ffffff"
OUTLINE_COLOR = QColor(12, 12, 12)  # dark edge under every stroke (opaque: translucent strokes are 4x slower)
LABEL_BOX_COLOR = QColor(0, 0, 0, 165)
HANDLE_FILL = QColor("#ffffff")
HANDLE_EDGE = QColor("#1a1a1a")

#: base sizes in device pixels at 96 dpi, before symbol_scale
LINE_WIDTH = 2.0
FONT_PX = 13.0
HANDLE_PX = 8.0
TICK_PX = 7.0
ARROW_HEAD_PX = 13.0
ARC_PX = 22.0
MARKER_PX = 7.0


@dataclass(frozen=True)
class Metrics:
    """Sizes for one paint, already multiplied by symbol_scale."""

    scale: float

    def px(self, base: float) -> float:
        return base * self.scale

    def font(self, bold: bool = False, factor: float = 1.0) -> QFont:
        font = QFont()
        font.setStyleHint(QFont.StyleHint.SansSerif)
        font.setPixelSize(max(1, round(FONT_PX * factor * self.scale)))
        font.setBold(bold)
        return font


def outline_pen(pen: QPen) -> QPen:
    """A wider dark pen drawn first, so the coloured stroke reads on bright tissue."""
    dark = QPen(pen)
    dark.setColor(OUTLINE_COLOR)
    dark.setWidthF(pen.widthF() + max(2.0, pen.widthF()))
    dark.setStyle(Qt.PenStyle.SolidLine)
    return dark
