"""Tools for the structure-aware kinds, drawn as a sonographer marks them: one segment at a
time along each structure (drag along it, or click its two ends).

- thickness: along the superficial boundary, then along the deep boundary;
- pennation: along a fascicle, then along the deep aponeurosis;
- fascicle: along the fascicle, then the superficial and then the deep aponeurosis.
"""

from __future__ import annotations

from annotator.case.model import POINT_COUNTS, Annotation, Point
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


class SegmentsTool(Tool):
    #: what to drag along for each segment, in order
    steps: tuple[str, ...] = ()

    def __init__(self, context: ContextFn) -> None:
        super().__init__(context)
        self.points: list[Point] = []  # ends of the finished segments
        self._start: Point | None = None
        self._end: Point | None = None
        self._dragging = False

    @property
    def busy(self) -> bool:
        return bool(self.points) or self._start is not None

    def _step_hint(self) -> str:
        step = self.steps[len(self.points) // 2]
        if self._start is not None:
            return f"Drag or click to the other end of the {step}; Esc cancels"
        return f"Now drag along the {step}; Backspace takes the last segment back; Esc cancels"

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not buttons & Button.LEFT:
            return self._state()
        pos = self.clamp(pos)
        if self._start is None:
            self._start, self._end, self._dragging = pos, pos, True
            return self._state()
        self._end = self.clamp(constrain(self._start, pos, modifiers))
        return self._segment_done()  # second click of click-click drawing

    def move(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if self._start is None:
            return self._state() if self.points else ToolResult()
        self._end = self.clamp(constrain(self._start, pos, modifiers))
        return self._state()

    def release(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if self._start is None or not self._dragging:
            return self._state()
        self._dragging = False
        self._end = self.clamp(constrain(self._start, pos, modifiers))
        if far_enough(self._start, self._end, self.context().tolerance):
            return self._segment_done()
        return self._state()  # a click: wait for the segment's other end

    def key(self, key: Key, modifiers: Mod) -> ToolResult:
        if key == Key.ESCAPE:
            return self.cancel()
        if key == Key.BACKSPACE:
            if self._start is not None:
                self._start = self._end = None
                self._dragging = False
            elif self.points:
                del self.points[-2:]
        return self._state()

    def cancel(self) -> ToolResult:
        self.points = []
        self._start = self._end = None
        self._dragging = False
        return ToolResult()

    def _segment_done(self) -> ToolResult:
        assert self._start is not None and self._end is not None
        start, end = self._start, self._end
        self._start = self._end = None
        self._dragging = False
        if not far_enough(start, end, self.context().tolerance):
            return ToolResult(preview=self._preview(list(self.points)), hint="Too short: drag further along the structure")
        self.points += [start, end]
        if len(self.points) >= POINT_COUNTS[self.kind][0]:
            points = self.points
            self.cancel()
            return self.finish(points)
        return self._state()

    def _state(self) -> ToolResult:
        shown = list(self.points)
        if self._start is not None and self._end is not None:
            shown += [self._start, self._end]
        if not shown:
            return ToolResult(hint=self.hint)
        return ToolResult(preview=self._preview(shown), hint=self._step_hint())

    def _preview(self, shown: list[Point]) -> Annotation | None:
        if len(shown) < 2:
            return None
        annotation = self.preview(shown)
        need = POINT_COUNTS[self.kind][0]
        if len(shown) < need:  # a partial shape: its segments as the simpler kind they make
            annotation.kind = "line" if len(shown) == 2 else "pennation"
        return annotation


class ThicknessTool(SegmentsTool):
    name = "thickness"
    kind = "thickness"
    steps = ("superficial boundary (aponeurosis)", "deep boundary (aponeurosis)")
    hint = "Thickness: drag along the superficial boundary, then along the deep boundary"


class PennationTool(SegmentsTool):
    name = "pennation"
    kind = "pennation"
    steps = ("fascicle", "deep aponeurosis")
    hint = "Pennation: drag along a fascicle, then along the deep aponeurosis"


class FascicleTool(SegmentsTool):
    name = "fascicle"
    kind = "fascicle"
    steps = ("fascicle", "superficial aponeurosis", "deep aponeurosis")
    hint = "Fascicle: drag along the fascicle, then the superficial, then the deep aponeurosis"
