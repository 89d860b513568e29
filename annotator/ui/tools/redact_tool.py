"""Redaction boxes: drag a rectangle over burned-in text to paint it black in every output.

A box covers every frame of the media (scanner text stays put while the image moves); with
Shift held at release it covers only the current frame. A click (no drag) inside a box, or a
right click, deletes it. Both are undoable commands.
"""

from __future__ import annotations

from annotator.case.model import Point
from annotator.case.redaction import Redaction
from annotator.case.redaction_commands import AddRedaction, RemoveRedaction
from annotator.ui.tools.base import Button, ContextFn, Mod, Tool, ToolResult, far_enough


class RedactTool(Tool):
    name = "redact"
    kind = ""
    hint = ("Redact: drag a box over burned-in text (every frame; Shift: this frame only); "
            "click or right-click a box to delete it")

    def __init__(self, context: ContextFn) -> None:
        super().__init__(context)
        self._start: Point | None = None
        self._end: Point | None = None

    @property
    def busy(self) -> bool:
        return self._start is not None

    def _hit(self, pos: Point) -> Redaction | None:
        ctx = self.context()
        for r in reversed(ctx.case.redactions):
            x, y, w, h = r.rect()
            if r.applies_to(ctx.media_id, ctx.frame) and x - 0.5 <= pos[0] <= x + w - 0.5 and y - 0.5 <= pos[1] <= y + h - 0.5:
                return r
        return None

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if buttons & Button.RIGHT:
            hit = self._hit(pos)
            return ToolResult([RemoveRedaction(hit)], hint="Redaction box deleted") if hit else ToolResult(hint=self.hint)
        if not buttons & Button.LEFT:
            return ToolResult()
        self._start = self._end = self.clamp(pos)
        return ToolResult(band=self._band(), hint=self.hint)

    def move(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if self._start is None:
            return ToolResult()
        self._end = self.clamp(pos)
        return ToolResult(band=self._band(), hint=self.hint)

    def release(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if self._start is None:
            return ToolResult()
        start, end = self._start, self.clamp(pos)
        self.cancel()
        if not far_enough(start, end, self.context().tolerance):
            hit = self._hit(start)
            if hit is None:
                return ToolResult(hint="Drag a box over the text to hide")
            return ToolResult([RemoveRedaction(hit)], hint="Redaction box deleted")
        ctx = self.context()
        frame = ctx.frame if modifiers & Mod.SHIFT else None
        box = Redaction(ctx.media_id, frame, min(start[0], end[0]), min(start[1], end[1]),
                        max(start[0], end[0]), max(start[1], end[1]))
        where = f"frame {ctx.frame}" if frame is not None else "every frame"
        return ToolResult([AddRedaction(box)], done=True, hint=f"Redaction box added ({where}): black in every export")

    def cancel(self) -> ToolResult:
        self._start = self._end = None
        return ToolResult()

    def _band(self) -> tuple[float, float, float, float] | None:
        if self._start is None or self._end is None:
            return None
        return (self._start[0], self._start[1], self._end[0], self._end[1])
