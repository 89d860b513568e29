"""The tool side of the annotation-kind registry (``annotator.case.kinds``): the tools that
draw each kind, by tool name. A kind may have several (a trace is drawn point by point with
``PolygonTool`` or freehand with ``TraceTool``); every kind has at least one, which
tests/unit/test_kinds_registry.py checks. Tools that draw no annotation (select, calibrate,
redact, window/level) are not here.
"""

from __future__ import annotations

from annotator.ui.tools.angle_tool import AngleTool
from annotator.ui.tools.architecture_tools import FascicleTool, PennationTool, ThicknessTool
from annotator.ui.tools.arrow_tool import ArrowTool
from annotator.ui.tools.base import Tool
from annotator.ui.tools.caliper_tool import CaliperTool
from annotator.ui.tools.ellipse_tool import EllipseTool
from annotator.ui.tools.point_tool import PointTool
from annotator.ui.tools.polygon_tool import PolygonTool
from annotator.ui.tools.polyline_tool import PolylineTool
from annotator.ui.tools.text_tool import TextTool
from annotator.ui.tools.trace_tool import TraceTool

#: tool name -> the class that draws its kind (``Tool.kind``)
DRAWING_TOOLS: dict[str, type[Tool]] = {t.name: t for t in (
    CaliperTool, PolylineTool, PolygonTool, TraceTool, EllipseTool, AngleTool, ArrowTool, PointTool,
    TextTool, ThicknessTool, PennationTool, FascicleTool,
)}


def tools_for(kind: str) -> tuple[type[Tool], ...]:
    """The tools that draw annotations of ``kind`` (a case-file kind name)."""
    return tuple(t for t in DRAWING_TOOLS.values() if t.kind == kind)
