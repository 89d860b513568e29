"""Tools made of clicked points (polyline, polygon, angle): click each point; double-click,
Enter or a click on the first point finishes; Backspace takes the last point back."""

from __future__ import annotations

import math

from annotator.case.kinds import PREVIEW_KIND
from annotator.case.model import POINT_COUNTS, Annotation, Point
from annotator.ui.tools.base import Button, ContextFn, Key, Mod, Tool, ToolResult, constrain


class MultiPointTool(Tool):
    closes = False  # a click on the first point closes the shape (polygon)

    def __init__(self, context: ContextFn) -> None:
        super().__init__(context)
        self.points: list[Point] = []
        self._cursor: Point | None = None

    @property
    def busy(self) -> bool:
        return bool(self.points)

    @property
    def min_points(self) -> int:
        return POINT_COUNTS[self.kind][0]

    @property
    def max_points(self) -> int | None:
        return POINT_COUNTS[self.kind][1]

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not buttons & Button.LEFT:
            return self._state()
        pos = self.clamp(constrain(self.points[-1], pos, modifiers) if self.points else pos)
        tol = self.context().tolerance
        if self.closes and len(self.points) >= self.min_points and math.dist(pos, self.points[0]) <= tol:
            return self._complete()
        if self.points and math.dist(pos, self.points[-1]) <= tol * 0.25:
            return self._state()  # the second press of a double-click
        self.points.append(pos)
        if self.max_points is not None and len(self.points) >= self.max_points:
            return self._complete()
        return self._state()

    def move(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not self.points:
            return ToolResult()
        self._cursor = self.clamp(constrain(self.points[-1], pos, modifiers))
        return self._state()

    def double_click(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        return self._complete() if self.points else ToolResult()

    def key(self, key: Key, modifiers: Mod) -> ToolResult:
        if key == Key.ESCAPE:
            return self.cancel()
        if key == Key.ENTER and self.points:
            return self._complete()
        if key == Key.BACKSPACE and self.points:
            self.points.pop()
            return self._state()
        return self._state()

    def cancel(self) -> ToolResult:
        self.points = []
        self._cursor = None
        return ToolResult()

    def _state(self) -> ToolResult:
        if not self.points:
            return ToolResult()
        shown = list(self.points)
        if self._cursor is not None and self._cursor != shown[-1]:
            shown.append(self._cursor)
        need = self.min_points - len(self.points)
        hint = f"{need} more point{'s' if need > 1 else ''} needed" if need > 0 else self.hint_finish
        return ToolResult(preview=self._preview(shown), hint=hint)

    hint_finish = "Double-click or Enter to finish; Backspace removes the last point; Esc cancels"

    def _preview(self, shown: list[Point]) -> Annotation | None:
        if len(shown) < 2:
            return None
        kind = self.kind if len(shown) >= self.min_points else PREVIEW_KIND
        annotation = self.preview(shown)
        annotation.kind = kind
        return annotation

    def _complete(self) -> ToolResult:
        points = self.points
        self.cancel()
        if len(points) < self.min_points:
            return ToolResult(hint=f"A {self.name} needs at least {self.min_points} points")
        return self.finish(points)
