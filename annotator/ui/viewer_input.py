"""Viewer gestures that are not tools: pan (middle or right drag, or Space + drag) and
brightness/contrast (Alt + drag); and Qt events turned into the tools' plain values."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent

from annotator.ui.display import DisplayLut
from annotator.ui.tools import Button, Key, Mod

if TYPE_CHECKING:
    from annotator.ui.viewer import Viewer

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

    def press(self, event: QMouseEvent, viewer: Viewer) -> bool:
        button = event.button()
        pan = button in (Qt.MouseButton.MiddleButton, Qt.MouseButton.RightButton) or (
            button == Qt.MouseButton.LeftButton and self.space)
        adjust = button == Qt.MouseButton.LeftButton and bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if not (pan or adjust) or self.mode is not None:
            return self.mode is not None
        self.mode = "pan" if pan else "display"
        self.button = button
        self.last = self.start = event.position()
        self.start_lut = viewer.lut
        viewer.setCursor(Qt.CursorShape.ClosedHandCursor if pan else Qt.CursorShape.SizeAllCursor)
        return True

    def move(self, event: QMouseEvent, viewer: Viewer) -> bool:
        if self.mode is None:
            return False
        p = event.position()
        if self.mode == "pan":
            viewer.view.pan(p.x() - self.last.x(), p.y() - self.last.y())
            self.space_dragged = self.space_dragged or self.space
            viewer.update()
        else:
            dx, dy = p.x() - self.start.x(), p.y() - self.start.y()
            lut = self.start_lut
            viewer.set_display(DisplayLut(lut.brightness - dy / 400.0, lut.contrast * math.exp(dx / 250.0), lut.gamma))
        self.last = p
        return True

    def release(self, event: QMouseEvent, viewer: Viewer) -> bool:
        if self.mode is None:
            return False
        if event.button() == self.button:
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
