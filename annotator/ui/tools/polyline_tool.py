"""Polyline: a measured path of straight pieces (e.g. a curved fascia or fascicle)."""

from annotator.ui.tools.multi_point import MultiPointTool


class PolylineTool(MultiPointTool):
    name = "polyline"
    kind = "polyline"
    hint = "Polyline: click each point; double-click or Enter to finish"
