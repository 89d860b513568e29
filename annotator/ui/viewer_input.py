"""Viewer gestures that are not tools: pan (middle drag, Space + drag, or a right drag), a
right click (no drag: the context menu) and brightness/contrast (a left drag with the
window/level tool, Shift + right drag, or Alt + drag where the window manager leaves it to
us); and Qt events turned into the tools' plain values."""

from __future__ import annotations

import math
from typing import Protocol

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QCursor, QKeyEvent, QMouseEvent

from annotator.ui.display import DisplayLut
from annotator.ui.tools import Button, Key, Mod, Tool, ToolContext
from annotator.ui.tools.hit import hit_test
from annotator.ui.view_transform import ViewTransform
from annotator.ui.viewer_source import ViewerSource
from annotator.ui.window_level import dragged


class Viewer(Protocol):
    """What these gestures use of the viewer (``annotator.ui.viewer.Viewer``), so this module
    does not import it back."""

    source: ViewerSource
    view: ViewTransform
    lut: DisplayLut
    tool: Tool | None

    @property
    def frame_index(self) -> int: ...
    def hidden(self) -> frozenset[str]: ...
    def tool_context(self) -> ToolContext: ...
    def set_display(self, lut: DisplayLut) -> None: ...
    def setCursor(self, cursor: QCursor | Qt.CursorShape) -> None: ...  # noqa: N802 - Qt's name
    def update(self) -> None: ...
    def width(self) -> int: ...
    def height(self) -> int: ...

#: a right press that moves less than this (screen pixels) is a click, not the start of a pan
CLICK_SLOP_PX = 4.0

_KEYS = {
    Qt.Key.Key_Escape: Key.ESCAPE, Qt.Key.Key_Return: Key.ENTER, Qt.Key.Key_Enter: Key.ENTER,
    Qt.Key.Key_Backspace: Key.BACKSPACE,
}


def buttons_of(event: QMouseEvent) -> Button:
    qt = event.buttons() | event.button()
    out = Button.NONE
    if qt & Qt.MouseButton.LeftButton:
        out |= Button.LEFT
    if qt & Qt.MouseButton.RightButton:
        out |= Button.RIGHT
    if qt & Qt.MouseButton.MiddleButton:
        out |= Button.MIDDLE
    return out


def modifiers_of(event: QMouseEvent | QKeyEvent) -> Mod:
    qt = event.modifiers()
    out = Mod.NONE
    if qt & Qt.KeyboardModifier.ShiftModifier:
        out |= Mod.SHIFT
    if qt & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier):
        out |= Mod.CTRL
    if qt & Qt.KeyboardModifier.AltModifier:
        out |= Mod.ALT
    return out


def key_of(event: QKeyEvent) -> Key:
    return _KEYS.get(Qt.Key(event.key()), Key.OTHER)


class InputState:
    """Which non-tool gesture is under way, if any."""

    def __init__(self) -> None:
        self.mode: str | None = None  # "pan" or "display"
        self.button = Qt.MouseButton.NoButton
        self.last = QPointF()
        self.start = QPointF()
        self.start_lut = DisplayLut()
        self.space = False
        self.space_dragged = False
        self.click_pending = False  # a right press that has not moved (yet): maybe a click
        self.clicked = False  # the last gesture was a right click

    def press(self, event: QMouseEvent, viewer: Viewer) -> bool:
        button = event.button()
        left, right = button == Qt.MouseButton.LeftButton, button == Qt.MouseButton.RightButton
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        level_tool = viewer.tool is not None and viewer.tool.name == "window_level"
        # most Linux window managers take Alt + drag: the tool and Shift + right drag also adjust
        adjust = (left and (alt or level_tool) and not self.space) or (right and shift)
        pan = not adjust and (button == Qt.MouseButton.MiddleButton or right or (left and self.space))
        if not (pan or adjust) or self.mode is not None:
            return self.mode is not None
        self.mode = "pan" if pan else "display"
        self.button = button
        self.last = self.start = event.position()
        self.start_lut = viewer.lut
        self.click_pending = right and pan
        self.clicked = False
        if not self.click_pending:
            viewer.setCursor(Qt.CursorShape.ClosedHandCursor if pan else Qt.CursorShape.SizeAllCursor)
        return True

    def move(self, event: QMouseEvent, viewer: Viewer) -> bool:
        if self.mode is None:
            return False
        p = event.position()
        if self.click_pending:
            if math.hypot(p.x() - self.start.x(), p.y() - self.start.y()) < CLICK_SLOP_PX:
                return True
            self.click_pending = False  # a drag after all: pan from where it started
            viewer.setCursor(Qt.CursorShape.ClosedHandCursor)
        if self.mode == "pan":
            viewer.view.pan(p.x() - self.last.x(), p.y() - self.last.y())
            self.space_dragged = self.space_dragged or self.space
            viewer.update()
        else:
            viewer.set_display(dragged(self.start_lut, p.x() - self.start.x(), p.y() - self.start.y()))
        self.last = p
        return True

    def release(self, event: QMouseEvent, viewer: Viewer) -> bool:
        if self.mode is None:
            return False
        if event.button() == self.button:
            self.clicked, self.click_pending = self.click_pending, False
            self.mode = None
            viewer.setCursor(Qt.CursorShape.ArrowCursor if viewer.tool is None or viewer.tool.name == "select"
                             else Qt.CursorShape.CrossCursor)
        return True

    def space_down(self) -> None:
        self.space = True
        self.space_dragged = False

    def space_up(self) -> bool:
        """True when Space was tapped rather than held for a pan."""
        tapped = self.space and not self.space_dragged
        self.space = False
        self.space_dragged = False
        return tapped


def keyboard_menu_target(viewer: Viewer) -> tuple[str, QPointF]:
    """For the menu key: the first selected annotation shown on this frame ("" for none) and
    where its menu opens (its first point, else the middle of the viewer)."""
    hidden = viewer.hidden()
    shown = {a.id: a for a in viewer.source.annotations(viewer.source.current_media_id)
             if a.id not in hidden and a.on_frame(viewer.frame_index)}
    ident = next((i for i in viewer.source.selection if i in shown), "")
    points = shown[ident].points_at(viewer.frame_index) if ident else None
    if points:
        return ident, viewer.view.to_widget().map(QPointF(*points[0]))
    return ident, QPointF(viewer.width() / 2, viewer.height() / 2)


def annotation_at(viewer: Viewer, widget_pos: QPointF) -> str | None:
    """The annotation drawn under a widget point of the viewer (its shape or its label)."""
    ctx = viewer.tool_context()
    pos = viewer.view.widget_to_image(widget_pos.x(), widget_pos.y())
    hit = hit_test(ctx.case.annotations, ctx.media_id, ctx.frame, pos, ctx.tolerance, (), ctx.hidden, ctx.labels)
    return None if hit is None else hit.annotation.id
