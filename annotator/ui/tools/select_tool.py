"""Select and edit: click to select (Ctrl/Shift adds), drag a shape to move it, drag a handle
to reshape it, drag on empty image for a rubber band, Delete removes. A whole drag is one
undo step (commands share a merge id)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from annotator.case.commands import Command, Macro, MoveAnnotation, RemoveAnnotations, SetPoints
from annotator.case.kinds import kind_spec
from annotator.case.model import Point
from annotator.render.geometry import ellipse_geometry, ellipse_minor_point
from annotator.ui.tools.base import Button, ContextFn, Key, Mod, Tool, ToolResult, far_enough
from annotator.ui.tools.hit import hit_test, visible_on_frame

_drag_numbers = itertools.count(1)


class GroupMove(Macro):
    """Moves of several annotations in one step, merging with the next moves of the same drag."""

    def __init__(self, moves: Sequence[MoveAnnotation], merge_id: str) -> None:
        super().__init__("Move annotations", moves)
        self.merge_id = merge_id

    def merge_with(self, other: Command) -> bool:
        if not isinstance(other, GroupMove) or len(other.commands) != len(self.commands):
            return False
        pairs = list(zip(self.commands, other.commands, strict=True))
        if any(not isinstance(a, MoveAnnotation) or not isinstance(b, MoveAnnotation) or a.id != b.id
               for a, b in pairs):
            return False
        return all(a.merge_with(b) for a, b in pairs)


def reshape(kind: str, points: list[Point], index: int, pos: Point) -> list[Point]:
    """The points after dragging handle ``index`` to ``pos``: an ellipse keeps its axes
    perpendicular (its centre handle moves it whole), any other shape moves that point."""
    new = list(points)
    spec = kind_spec(kind)
    if spec is None or spec.geometry != "ellipse":
        new[index] = pos
        return new
    e = ellipse_geometry(points)
    centre = (e.cx, e.cy)
    if index == 0:
        dx, dy = pos[0] - e.cx, pos[1] - e.cy
        return [(x + dx, y + dy) for x, y in points]
    if index == 1:
        if far_enough(centre, pos, 1.0):
            return [centre, pos, ellipse_minor_point(centre, pos, e.ry)]
        return new
    minor = ((pos[0] - e.cx) ** 2 + (pos[1] - e.cy) ** 2) ** 0.5
    return [centre, points[1], ellipse_minor_point(centre, points[1], minor)]


class SelectTool(Tool):
    name = "select"
    hint = ("Select: click a shape or its label, drag it or its handles; double-click to edit its label; "
            "right-click for more; drag on the image to select several")

    def __init__(self, context: ContextFn) -> None:
        super().__init__(context)
        self._mode: str | None = None  # "handle", "move" or "band"
        self._anchor: Point = (0.0, 0.0)
        self._last: Point = (0.0, 0.0)
        self._target: str | None = None
        self._handle = 0
        self._merge_id = ""
        self._moving: list[str] = []
        self._band_base: list[str] = []

    @property
    def busy(self) -> bool:
        return self._mode is not None

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not buttons & Button.LEFT:
            return ToolResult()
        ctx = self.context()
        adding = bool(modifiers & (Mod.CTRL | Mod.SHIFT))
        hit = hit_test(ctx.case.annotations, ctx.media_id, ctx.frame, pos, ctx.tolerance,
                       ctx.selection, ctx.hidden, ctx.labels)
        self._anchor = self._last = pos
        self._merge_id = f"select-drag-{next(_drag_numbers)}"
        if hit is None:
            self._mode = "band"
            self._band_base = list(ctx.selection) if adding else []
            return ToolResult(select=self._band_base)
        ident = hit.annotation.id
        if hit.handle is not None and not adding:
            self._mode, self._target, self._handle = "handle", ident, hit.handle
            return ToolResult(cursor="handle")
        if adding:
            selection = [i for i in ctx.selection if i != ident]
            if ident not in ctx.selection:
                selection.append(ident)
            self._mode = None
            return ToolResult(select=selection)
        selection = list(ctx.selection) if ident in ctx.selection else [ident]
        self._mode, self._moving = "move", selection
        return ToolResult(select=selection, cursor="move")

    def move(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        ctx = self.context()
        if self._mode is None:
            hit = hit_test(ctx.case.annotations, ctx.media_id, ctx.frame, pos, ctx.tolerance,
                           ctx.selection, ctx.hidden, ctx.labels)
            if hit is None:
                return ToolResult()
            return ToolResult(hover=hit.annotation.id, cursor="handle" if hit.handle is not None else "move")
        if self._mode == "band":
            return ToolResult(band=(*self._anchor, *pos), select=self._band_selection(pos))
        if self._mode == "handle":
            return self._drag_handle(pos)
        return self._drag_move(pos)

    def release(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if self._mode is None:
            return ToolResult()
        result = self.move(pos, buttons, modifiers)
        self._mode = None
        result.band = None
        return result

    def double_click(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        """On a shape, its label or a text annotation's words: ask to edit them."""
        if not buttons & Button.LEFT:
            return ToolResult()
        self._mode = None
        ctx = self.context()
        hit = hit_test(ctx.case.annotations, ctx.media_id, ctx.frame, pos, ctx.tolerance,
                       (), ctx.hidden, ctx.labels)
        if hit is None:
            return ToolResult()
        return ToolResult(select=[hit.annotation.id], edit=hit.annotation.id)

    def key(self, key: Key, modifiers: Mod) -> ToolResult:
        if key == Key.ESCAPE:
            self._mode = None
            return ToolResult(select=[])
        if key in (Key.DELETE, Key.BACKSPACE):
            ctx = self.context()
            known = {a.id for a in ctx.case.annotations}
            ids = [i for i in ctx.selection if i in known]
            if ids:
                return ToolResult([RemoveAnnotations(ids)], select=[])
        return ToolResult()

    def cancel(self) -> ToolResult:
        self._mode = None
        return ToolResult()

    # -- drags ------------------------------------------------------------------------------
    def _drag_handle(self, pos: Point) -> ToolResult:
        ctx = self.context()
        assert self._target is not None
        try:
            annotation = ctx.case.annotation(self._target)
        except KeyError:
            self._mode = None
            return ToolResult()
        points = annotation.points_at(ctx.frame)
        if points is None or self._handle >= len(points):
            return ToolResult()
        new = reshape(annotation.kind, points, self._handle, self.clamp(pos))
        return ToolResult([SetPoints(annotation.id, ctx.frame, new, merge_id=self._merge_id)], cursor="handle")

    def _drag_move(self, pos: Point) -> ToolResult:
        dx, dy = pos[0] - self._last[0], pos[1] - self._last[1]
        if dx == 0 and dy == 0:
            return ToolResult(cursor="move")
        self._last = pos
        ctx = self.context()
        known = {a.id for a in ctx.case.annotations}
        ids = [i for i in self._moving if i in known]
        moves = [MoveAnnotation(i, ctx.frame, dx, dy, merge_id=self._merge_id) for i in ids]
        if not moves:
            return ToolResult()
        command: Command = moves[0] if len(moves) == 1 else GroupMove(moves, self._merge_id)
        return ToolResult([command], cursor="move")

    def _band_selection(self, pos: Point) -> list[str]:
        ctx = self.context()
        x0, x1 = sorted((self._anchor[0], pos[0]))
        y0, y1 = sorted((self._anchor[1], pos[1]))
        inside = [
            a.id for a, points in visible_on_frame(ctx.case.annotations, ctx.media_id, ctx.frame, ctx.hidden)
            if all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in points)
        ]
        return self._band_base + [i for i in inside if i not in self._band_base]
