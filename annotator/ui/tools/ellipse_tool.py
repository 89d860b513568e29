"""Ellipse: drag a box around the structure (Shift: a circle); rotate it afterwards by its
axis handle with the select tool."""

from __future__ import annotations

from annotator.case.model import Annotation, Point
from annotator.ui.tools.base import Button, ContextFn, Mod, Tool, ToolResult, far_enough


def box_ellipse(corner: Point, other: Point, circle: bool) -> list[Point]:
    """Centre, end of the horizontal semi-axis, end of the vertical one (the model's points)."""
    x0, y0 = corner
    dx, dy = other[0] - x0, other[1] - y0
    if circle:
        side = max(abs(dx), abs(dy))
        dx, dy = side if dx >= 0 else -side, side if dy >= 0 else -side
    cx, cy = x0 + dx / 2, y0 + dy / 2
    return [(cx, cy), (cx + abs(dx) / 2, cy), (cx, cy + abs(dy) / 2)]


class EllipseTool(Tool):
    name = "ellipse"
    kind = "ellipse"
    hint = "Ellipse: drag a box around the structure (Shift: circle)"

    def __init__(self, context: ContextFn) -> None:
        super().__init__(context)
        self._corner: Point | None = None
        self._points: list[Point] = []

    @property
    def busy(self) -> bool:
        return self._corner is not None

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not buttons & Button.LEFT:
            return ToolResult()
        self._corner = self.clamp(pos)
        self._points = []
        return ToolResult(hint="Drag to the opposite corner")

    def move(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if self._corner is None:
            return ToolResult()
        self._points = box_ellipse(self._corner, self.clamp(pos), bool(modifiers & Mod.SHIFT))
        return ToolResult(preview=self._preview())

    def release(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if self._corner is None:
            return ToolResult()
        corner, end = self._corner, self.clamp(pos)
        self.cancel()
        tol = self.context().tolerance
        if not (far_enough((corner[0], 0), (end[0], 0), tol) and far_enough((0, corner[1]), (0, end[1]), tol)):
            return ToolResult(hint="Too small: drag a box around the structure")
        return self.finish(box_ellipse(corner, end, bool(modifiers & Mod.SHIFT)))

    def cancel(self) -> ToolResult:
        self._corner = None
        self._points = []
        return ToolResult()

    def _preview(self) -> Annotation | None:
        return self.preview(self._points) if self._points else None
