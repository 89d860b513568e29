"""Angle (e.g. pennation): the end of one arm, the vertex, the end of the other arm."""

from annotator.ui.tools.multi_point import MultiPointTool


class AngleTool(MultiPointTool):
    name = "angle"
    kind = "angle"
    hint = "Angle: click the end of the first arm, then the vertex, then the end of the second arm"
