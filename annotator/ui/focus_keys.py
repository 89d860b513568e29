"""Navigation keys belong to the widget being navigated: End in the measurements table moves
to its last row, not the clip to its last frame. Lists and tables do not claim these keys
before the window's shortcuts see them (line edits and spin boxes already do), so this filter
claims them for any focused item view."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QAbstractSlider, QApplication

NAVIGATION_KEYS = frozenset({
    Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up,
    Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
})
#: widgets whose own key handling moves within them
_NAVIGABLE = (QAbstractItemView, QAbstractSlider)


class NavigationKeysToFocus(QObject):
    """Install on the QApplication; parent it to the window so it goes with it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and isinstance(watched, _NAVIGABLE) and watched is QApplication.focusWidget()
                and Qt.Key(event.key()) in NAVIGATION_KEYS
                and not event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)):
            event.accept()  # a key press for the widget, not a shortcut
            return True
        return False
