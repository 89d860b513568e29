"""The viewer of a comparison panel: the app's real viewer (one renderer for every frame),
told when the user zooms or pans so linked panels can follow, with a tool that only picks an
annotation (comparison windows show and measure; editing stays in the main window)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QWidget

from annotator.case.model import Point
from annotator.ui.compare.source import FrameSource
from annotator.ui.tools import Button, Mod, Tool, ToolResult
from annotator.ui.tools.hit import hit_test
from annotator.ui.viewer import Viewer


class PickTool(Tool):
    """Click a shape to select it (the panels' titles then measure it); nothing is edited."""

    name = "select"  # the viewer shows the arrow cursor for it
    hint = "Click a shape to measure it in every panel; wheel zooms, right-drag pans"

    def press(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        if not buttons & Button.LEFT:
            return ToolResult()
        ctx = self.context()
        hit = hit_test(ctx.case.annotations, ctx.media_id, ctx.frame, pos, ctx.tolerance,
                       ctx.selection, ctx.hidden)
        return ToolResult(select=[] if hit is None else [hit.annotation.id])

    def move(self, pos: Point, buttons: Button, modifiers: Mod) -> ToolResult:
        ctx = self.context()
        hit = hit_test(ctx.case.annotations, ctx.media_id, ctx.frame, pos, ctx.tolerance,
                       (), ctx.hidden)
        return ToolResult(hover=None if hit is None else hit.annotation.id)


class CompareViewer(Viewer):
    """A ``Viewer`` on a ``FrameSource`` that emits ``view_changed`` after every zoom or pan."""

    view_changed = Signal()
    # non-square pixels at their true shape, as in the main viewer: linked views share the
    # scale across (view_sync), so millimetres match along both axes

    def __init__(self, source: FrameSource, parent: QWidget | None = None) -> None:
        super().__init__(source, parent)
        self.source = source
        self.setMinimumSize(200, 150)
        self.set_tool(PickTool(self.tool_context))
        self.request_frame(source.current_frame)

    def _view_state(self) -> tuple[float, float, float, bool]:
        v = self.view
        return (v.zoom, v.offset_x, v.offset_y, v.fit)

    def fit(self) -> None:
        super().fit()
        self.view_changed.emit()

    def actual_size(self) -> None:
        super().actual_size()
        self.view_changed.emit()

    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        super().zoom_by(factor, at)
        self.view_changed.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        before = self._view_state()
        super().mouseMoveEvent(event)  # a pan drag moves the view here
        if self._view_state() != before:
            self.view_changed.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)  # refits when fitted (and then says so)
        if not self.view.fit:
            self.view_changed.emit()
