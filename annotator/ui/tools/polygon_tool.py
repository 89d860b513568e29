"""Polygon: an outlined area (cross-sectional area, hematoma), clicked point by point."""

from annotator.ui.tools.multi_point import MultiPointTool


class PolygonTool(MultiPointTool):
    name = "polygon"
    kind = "polygon"
    closes = True
    hint = "Polygon: click each corner; click the first point, double-click or Enter to close"
