"""Default look of annotations: colours readable on grey ultrasound, and line patterns that
tell kinds apart without relying on colour (solid caliper, dashed polyline, dash-dot ellipse)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPen

from annotator.case.model import Annotation

#: saturated, light colours: they stay visible on dark and bright grey alike
KIND_COLORS: dict[str, str] = {
    "point": "#ffd400",
    "line": "#ffd400",  # caliper: yellow, like scanner calipers
    "polyline": "#00e5ff",
    "polygon": "#00e5ff",
    "ellipse": "#7dff5a",
    "angle": "#ff6bf0",
    "arrow": "#ff9f1c",
    "text": "#ffffff",
    "thickness": "#ffb3a7",  # structure-aware kinds: their own hues, apart from the caliper's
    "pennation": "#c9a0ff",
    "fascicle": "#8cf2c8",
}
SELECTED_COLOR = "#ffffff"
OUTLINE_COLOR = QColor(12, 12, 12)  # dark edge under every stroke (opaque: translucent strokes are 4x slower)
LABEL_BOX_COLOR = QColor(0, 0, 0, 165)
HANDLE_FILL = QColor("#ffffff")
HANDLE_EDGE = QColor("#1a1a1a")

# dash patterns in units of the pen width
_DASH = [4.0, 3.0]
_DASH_DOT = [6.0, 2.5, 1.2, 2.5]

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


def annotation_color(annotation: Annotation) -> QColor:
    color = QColor(annotation.style.color) if annotation.style.color else QColor()
    if not color.isValid():
        color = QColor(KIND_COLORS.get(annotation.kind, "#ffd400"))
    return color


def annotation_pen(annotation: Annotation, metrics: Metrics, emphasised: bool) -> QPen:
    width = annotation.style.line_width or LINE_WIDTH
    width = metrics.px(width) * (1.5 if emphasised else 1.0)
    pen = QPen(annotation_color(annotation), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if annotation.kind == "polyline":
        pen.setDashPattern(_DASH)
    elif annotation.kind == "ellipse":
        pen.setDashPattern(_DASH_DOT)
    return pen


def outline_pen(pen: QPen) -> QPen:
    """A wider dark pen drawn first, so the coloured stroke reads on bright tissue."""
    dark = QPen(pen)
    dark.setColor(OUTLINE_COLOR)
    dark.setWidthF(pen.widthF() + max(2.0, pen.widthF()))
    dark.setStyle(Qt.PenStyle.SolidLine)
    return dark
