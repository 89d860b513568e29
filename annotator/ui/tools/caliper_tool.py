"""Caliper: a measured straight line (length in mm where calibrated)."""

from annotator.ui.tools.two_point import TwoPointTool


class CaliperTool(TwoPointTool):
    name = "caliper"
    kind = "line"
    hint = "Caliper: drag from one edge to the other (Shift: horizontal or vertical)"
