"""The rendering side of the annotation-kind registry (``annotator.case.kinds``): for each kind
its shape painter, colour, line pattern, and the sample shapes legends and tool icons draw.

Colours are saturated and light, so they stay visible on dark and bright grey alike; line
patterns tell kinds apart without relying on colour (solid caliper, dashed polyline, dash-dot
ellipse), so figures read in greyscale print too.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from annotator.case.model import Annotation
from annotator.render import architecture_shapes as arch_shapes
from annotator.render import shapes
from annotator.render.style import LINE_WIDTH, Metrics

Pts = Sequence[tuple[float, float]]

# dash patterns in units of the pen width
DASH: tuple[float, ...] = (4.0, 3.0)
DASH_DOT: tuple[float, ...] = (6.0, 2.5, 1.2, 2.5)
DEFAULT_COLOR = "#ffd400"


@dataclass(frozen=True)
class KindLook:
    painter: shapes.ShapePainter
    color: str  # "#rrggbb", when the annotation's style has none
    dash: tuple[float, ...] = ()  # () = solid
    #: a typical shape inside a legend swatch (60 x 24 image pixels)
    swatch: Pts = ()
    #: a typical shape inside a tool icon (32 x 32); () = the tool draws its own icon
    icon: Pts = ()


LOOKS: dict[str, KindLook] = {
    "point": KindLook(shapes.paint_point, "#ffd400", (), [(30.0, 12.0)], [(16, 16)]),
    # caliper: yellow, like scanner calipers
    "line": KindLook(shapes.paint_line, "#ffd400", (), [(9.0, 12.0), (51.0, 12.0)], [(6, 24), (26, 8)]),
    "polyline": KindLook(shapes.paint_polyline, "#00e5ff", DASH,
                         [(6.0, 17.0), (20.0, 7.0), (36.0, 17.0), (54.0, 7.0)],
                         [(4, 24), (12, 10), (20, 20), (28, 6)]),
    "polygon": KindLook(shapes.paint_polygon, "#00e5ff", (),
                        [(12.0, 5.0), (48.0, 6.0), (46.0, 19.0), (14.0, 18.0)],
                        [(6, 8), (26, 6), (22, 26), (8, 22)]),
    "ellipse": KindLook(shapes.paint_ellipse, "#7dff5a", DASH_DOT,
                        [(30.0, 12.0), (50.0, 12.0), (30.0, 19.0)], [(16, 16), (28, 16), (16, 24)]),
    "angle": KindLook(shapes.paint_angle, "#ff6bf0", (),
                      [(52.0, 5.0), (10.0, 19.0), (52.0, 19.0)], [(28, 8), (6, 24), (28, 24)]),
    "arrow": KindLook(shapes.paint_arrow, "#ff9f1c", (), [(10.0, 19.0), (50.0, 6.0)], [(5, 27), (26, 6)]),
    "text": KindLook(shapes.paint_text_anchor, "#ffffff"),  # its words are drawn by the label code
    # structure-aware kinds: their own hues, apart from the caliper's
    "thickness": KindLook(arch_shapes.paint_thickness, "#ffb3a7", (),
                          [(6.0, 5.0), (54.0, 5.0), (6.0, 19.0), (54.0, 19.0)],
                          [(3, 7), (29, 5), (3, 26), (29, 26)]),
    "pennation": KindLook(arch_shapes.paint_pennation, "#c9a0ff", (),
                          [(14.0, 19.0), (40.0, 4.0), (4.0, 19.0), (56.0, 19.0)],
                          [(8, 26), (26, 8), (3, 26), (29, 26)]),
    "fascicle": KindLook(arch_shapes.paint_fascicle, "#8cf2c8", (),
                         [(26.0, 13.0), (34.0, 9.0), (4.0, 4.0), (56.0, 4.0), (4.0, 20.0), (56.0, 20.0)],
                         [(12, 20), (20, 12), (2, 5), (30, 5), (2, 27), (30, 27)]),
}


def kind_look(kind: str) -> KindLook | None:
    return LOOKS.get(kind)


def annotation_color(annotation: Annotation) -> QColor:
    # a copy: callers may change its alpha
    return QColor(_color(annotation.style.color or "", annotation.kind))


@functools.lru_cache(maxsize=256)
def _color(style_color: str, kind: str) -> QColor:
    """The colour a style names, else the kind's own: parsed once (painting a clip asked for
    it twice per annotation per frame)."""
    color = QColor(style_color) if style_color else QColor()
    if not color.isValid():
        look = LOOKS.get(kind)
        color = QColor(look.color if look is not None else DEFAULT_COLOR)
    return color


def annotation_pen(annotation: Annotation, metrics: Metrics, emphasised: bool) -> QPen:
    width = annotation.style.line_width or LINE_WIDTH
    width = metrics.px(width) * (1.5 if emphasised else 1.0)
    pen = QPen(annotation_color(annotation), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    look = LOOKS.get(annotation.kind)
    if look is not None and look.dash:
        pen.setDashPattern(list(look.dash))
    return pen
