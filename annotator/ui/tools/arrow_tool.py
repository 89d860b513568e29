"""Arrow: points at a finding, from its tail to its head."""

from annotator.ui.tools.two_point import TwoPointTool


class ArrowTool(TwoPointTool):
    name = "arrow"
    kind = "arrow"
    hint = "Arrow: drag from the tail to the point of interest"
