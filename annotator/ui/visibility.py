"""Which annotations the screen shows. Hiding is display only: it is not an edit (no undo
step, no unsaved changes, not in the case file) and exports still show every annotation, so
a measurement can never drop out of a figure or report because it was hidden while working.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal


class AnnotationVisibility(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hidden: set[str] = set()
        self._show_all = True

    @property
    def showing_annotations(self) -> bool:
        """False while every annotation is hidden at once (View > Annotations off)."""
        return self._show_all

    def hidden_ids(self, annotation_ids: Iterable[str]) -> frozenset[str]:
        """Those of ``annotation_ids`` the screen leaves out now."""
        ids = frozenset(annotation_ids)
        return ids if not self._show_all else ids & self._hidden

    def is_hidden(self, annotation_id: str) -> bool:
        return not self._show_all or annotation_id in self._hidden

    @property
    def hidden_one_by_one(self) -> frozenset[str]:
        return frozenset(self._hidden)

    def hide(self, annotation_ids: Iterable[str]) -> None:
        new = set(annotation_ids) - self._hidden
        if new:
            self._hidden |= new
            self.changed.emit()

    def show(self, annotation_ids: Iterable[str]) -> None:
        gone = self._hidden & set(annotation_ids)
        if gone:
            self._hidden -= gone
            self.changed.emit()

    def show_hidden(self) -> None:
        """Show again every annotation hidden one by one."""
        if self._hidden:
            self._hidden.clear()
            self.changed.emit()

    def set_showing_annotations(self, on: bool) -> None:
        if on != self._show_all:
            self._show_all = on
            self.changed.emit()

    def forget(self, annotation_id: str) -> None:
        """The annotation was deleted: its id may be given to a new one, which must show."""
        self.show([annotation_id])

    def reset(self) -> None:
        """Another case: everything shows."""
        if self._hidden or not self._show_all:
            self._hidden.clear()
            self._show_all = True
            self.changed.emit()
