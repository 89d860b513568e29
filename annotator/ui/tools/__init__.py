"""Annotation tools: plain interaction logic (image coordinates in, commands out)."""

from annotator.ui.tools.angle_tool import AngleTool
from annotator.ui.tools.architecture_tools import FascicleTool, PennationTool, ThicknessTool
from annotator.ui.tools.arrow_tool import ArrowTool
from annotator.ui.tools.base import (
    PREVIEW_ID,
    Button,
    Key,
    Mod,
    Tool,
    ToolContext,
    ToolResult,
)
from annotator.ui.tools.calibration_tool import CalibrationTool
from annotator.ui.tools.caliper_tool import CaliperTool
from annotator.ui.tools.ellipse_tool import EllipseTool
from annotator.ui.tools.point_tool import PointTool
from annotator.ui.tools.polygon_tool import PolygonTool
from annotator.ui.tools.polyline_tool import PolylineTool
from annotator.ui.tools.redact_tool import RedactTool
from annotator.ui.tools.select_tool import SelectTool
from annotator.ui.tools.text_tool import TextTool
from annotator.ui.tools.trace_tool import TraceTool

__all__ = [
    "PREVIEW_ID", "AngleTool", "ArrowTool", "Button", "CalibrationTool", "CaliperTool",
    "EllipseTool", "FascicleTool", "Key", "Mod", "PennationTool", "PointTool", "PolygonTool", "PolylineTool",
    "RedactTool", "SelectTool", "ThicknessTool",
    "TextTool", "Tool", "ToolContext", "ToolResult", "TraceTool",
]
