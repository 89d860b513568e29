"""Point marker: one click."""

from __future__ import annotations

from annotator.case.model import Point
from annotator.ui.tools.base import Button, Mod, Tool, ToolResult


class PointTool(Tool):
    name = "point"
    kind = "point"
    hint = "Point: click to mark"

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not buttons & Button.LEFT:
            return ToolResult()
        return self.finish([self.clamp(pos)])
