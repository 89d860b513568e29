"""Text: click where the words go, then type them."""

from __future__ import annotations

from collections.abc import Callable

from annotator.case.model import Point
from annotator.ui.tools.base import Button, ContextFn, Mod, Tool, ToolResult

#: asks the user for the words; None = cancelled
AskText = Callable[[], str | None]


class TextTool(Tool):
    name = "text"
    kind = "text"
    hint = "Text: click where the words go"

    def __init__(self, context: ContextFn, ask_text: AskText) -> None:
        super().__init__(context)
        self.ask_text = ask_text

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not buttons & Button.LEFT:
            return ToolResult()
        anchor = self.clamp(pos)
        words = self.ask_text()
        if words is None or not words.strip():
            return ToolResult(done=True)
        return self.finish([anchor], text=words.strip())
