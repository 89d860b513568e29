"""Freehand trace: drag around an outline; it becomes a polygon with the redundant points
dropped (simplified to about a screen pixel)."""

from __future__ import annotations

import math

from annotator.case.kinds import PREVIEW_KIND
from annotator.case.model import Point
from annotator.render.geometry import simplify_polyline
from annotator.ui.tools.base import Button, ContextFn, Mod, Tool, ToolResult


class TraceTool(Tool):
    name = "trace"
    kind = "polygon"
    hint = "Trace: hold the button and draw around the outline; release to close it"

    def __init__(self, context: ContextFn) -> None:
        super().__init__(context)
        self.points: list[Point] = []

    @property
    def busy(self) -> bool:
        return bool(self.points)

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not buttons & Button.LEFT:
            return ToolResult()
        self.points = [self.clamp(pos)]
        return ToolResult(hint="Draw around the outline and release")

    def move(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not self.points:
            return ToolResult()
        pos = self.clamp(pos)
        if math.dist(pos, self.points[-1]) >= self._step():
            self.points.append(pos)
        preview = self.preview(self.points) if len(self.points) >= 2 else None
        if preview is not None and len(self.points) < 3:
            preview.kind = PREVIEW_KIND
        return ToolResult(preview=preview)

    def release(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not self.points:
            return ToolResult()
        self.move(pos, buttons, modifiers)
        points = simplify_polyline(self.points, self._step())
        if len(points) > 3 and math.dist(points[0], points[-1]) < self._step():
            points = points[:-1]  # the user closed the loop by hand
        self.points = []
        if len(points) < 3:
            return ToolResult(hint="Too small: draw around the outline")
        return self.finish(points)

    def cancel(self) -> ToolResult:
        self.points = []
        return ToolResult()

    def _step(self) -> float:
        # about one screen pixel, whatever the zoom (tolerance is ~6 screen px in image px)
        return max(self.context().tolerance / 6.0, 0.25)
