"""Tools made of one segment (caliper, arrow, calibration line): drag it out, or click its
two ends."""

from __future__ import annotations

from annotator.case.model import Annotation, Point
from annotator.ui.tools.base import (
    Button,
    ContextFn,
    Key,
    Mod,
    Tool,
    ToolResult,
    constrain,
    far_enough,
)


class TwoPointTool(Tool):
    def __init__(self, context: ContextFn) -> None:
        super().__init__(context)
        self._start: Point | None = None
        self._end: Point | None = None
        self._dragging = False

    @property
    def busy(self) -> bool:
        return self._start is not None

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not buttons & Button.LEFT:
            return ToolResult()
        pos = self.clamp(pos)
        if self._start is None:
            self._start, self._end, self._dragging = pos, pos, True
            return ToolResult(preview=self._preview(), hint=self.hint_second)
        self._end = self.clamp(constrain(self._start, pos, modifiers))
        return self._complete()  # second click of click-click drawing

    def move(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if self._start is None:
            return ToolResult()
        self._end = self.clamp(constrain(self._start, pos, modifiers))
        return ToolResult(preview=self._preview(), hint=self.hint_second)

    def release(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if self._start is None or not self._dragging:
            return ToolResult(preview=self._preview() if self._start else None)
        self._dragging = False
        self._end = self.clamp(constrain(self._start, pos, modifiers))
        if far_enough(self._start, self._end, self.context().tolerance):
            return self._complete()
        # a click: wait for the second end
        return ToolResult(preview=self._preview(), hint=self.hint_second)

    def key(self, key: Key, modifiers: Mod) -> ToolResult:
        if key == Key.ESCAPE:
            return self.cancel()
        return ToolResult(preview=self._preview() if self._start else None)

    def cancel(self) -> ToolResult:
        self._start = self._end = None
        self._dragging = False
        return ToolResult()

    hint_second = "Drag or click to place the other end; Shift keeps it horizontal or vertical"

    def _preview(self) -> Annotation:
        assert self._start is not None and self._end is not None
        return self.preview([self._start, self._end])

    def _complete(self) -> ToolResult:
        assert self._start is not None and self._end is not None
        start, end = self._start, self._end
        self.cancel()
        if not far_enough(start, end, self.context().tolerance):
            return ToolResult(hint="Too short: drag further")
        return self.finish_segment(start, end)

    def finish_segment(self, start: Point, end: Point) -> ToolResult:
        return self.finish([start, end])
