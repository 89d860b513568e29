"""What every tool shares: plain input (image coordinates, buttons, modifiers) in, commands
and a preview out. Tools never touch widgets, so tests drive them with plain values."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntFlag

from annotator.case.commands import AddAnnotation, Command
from annotator.case.model import Annotation, Case, Point

PREVIEW_ID = "__preview__"
Rect = tuple[float, float, float, float]  # (x0, y0, x1, y1)


class Button(IntFlag):
    NONE = 0
    LEFT = 1
    RIGHT = 2
    MIDDLE = 4


class Mod(IntFlag):
    NONE = 0
    SHIFT = 1
    CTRL = 2
    ALT = 4


class Key(IntFlag):
    """The keys tools react to (the viewer maps Qt keys onto these)."""

    OTHER = 0
    ESCAPE = 1
    ENTER = 2
    BACKSPACE = 4
    DELETE = 8


@dataclass
class ToolContext:
    """The state a tool reads: the case, where the user is, and how near counts as "on"."""

    case: Case
    media_id: str
    frame: int
    image_size: tuple[int, int]  # (width, height)
    tolerance: float = 6.0  # image pixels within which a click hits a shape or handle
    selection: Sequence[str] = ()
    hidden: frozenset[str] = frozenset()
    #: where labels are drawn, (annotation id, (x0, y0, x1, y1) in image pixels), top last
    labels: Sequence[tuple[str, Rect]] = ()


@dataclass
class ToolResult:
    commands: list[Command] = field(default_factory=list)
    preview: Annotation | None = None  # shape in progress, drawn with its live value
    select: list[str] | None = None  # new selection; None = leave it
    done: bool = False  # a shape was finished
    hint: str = ""  # what to do next, for the status bar
    band: tuple[float, float, float, float] | None = None  # rubber-band rectangle (x0, y0, x1, y1)
    hover: str | None = None  # annotation under the cursor (select tool)
    cursor: str = ""  # "move", "handle" or "" (the tool's own cursor)
    edit: str | None = None  # an annotation whose label (or words) the user wants to edit


ContextFn = Callable[[], ToolContext]


class Tool:
    """Base tool: ignores everything. Subclasses override the events they use."""

    name = "tool"
    kind = ""  # the annotation kind it draws ("" for select and calibration)
    hint = ""

    def __init__(self, context: ContextFn) -> None:
        self.context = context

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        return ToolResult()

    def move(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        return ToolResult()

    def release(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        return ToolResult()

    def double_click(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        return ToolResult()

    def key(self, key: Key, modifiers: Mod) -> ToolResult:
        if key == Key.ESCAPE:
            return self.cancel()
        return ToolResult()

    def cancel(self) -> ToolResult:
        """Drop a shape in progress."""
        return ToolResult()

    @property
    def busy(self) -> bool:
        """True while a shape is in progress (the viewer keeps the tool until it is done)."""
        return False

    # -- helpers for subclasses ---------------------------------------------------------------
    def clamp(self, pos: Point) -> Point:
        """Keep points on the image: pixel centres run 0..w-1, edges half a pixel further."""
        w, h = self.context().image_size
        return (min(max(pos[0], -0.5), w - 0.5), min(max(pos[1], -0.5), h - 0.5))

    def make(self, points: Sequence[Point], annotation_id: str | None = None, text: str = "") -> Annotation:
        ctx = self.context()
        ident = annotation_id or ctx.case.new_id("a")
        return Annotation.single(ident, ctx.media_id, self.kind, ctx.frame, list(points), text=text)

    def preview(self, points: Sequence[Point], text: str = "") -> Annotation:
        return self.make(points, PREVIEW_ID, text)

    def finish(self, points: Sequence[Point], text: str = "") -> ToolResult:
        annotation = self.make(points, text=text)
        return ToolResult([AddAnnotation(annotation)], select=[annotation.id], done=True)


def constrain(anchor: Point, pos: Point, modifiers: Mod) -> Point:
    """With Shift, snap the segment anchor->pos to horizontal or vertical (thickness, depth)."""
    if not modifiers & Mod.SHIFT:
        return pos
    dx, dy = pos[0] - anchor[0], pos[1] - anchor[1]
    return (pos[0], anchor[1]) if abs(dx) >= abs(dy) else (anchor[0], pos[1])


def far_enough(a: Point, b: Point, tolerance: float) -> bool:
    """A drag long enough to mean a shape rather than a shaky click."""
    return math.dist(a, b) >= max(tolerance * 0.5, 1.0)
