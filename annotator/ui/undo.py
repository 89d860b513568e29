"""QUndoCommand around the case model's commands, so the app's QUndoStack drives the same
edits as the headless CommandStack (merge ids become QUndoCommand ids)."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from annotator.case.commands import Command
from annotator.case.model import Case

log = logging.getLogger(__name__)

def merge_number(merge_id: str | None) -> int:
    """A stable int per merge id string (Qt merges commands with equal ``id()`` >= 0).

    A hash, not a registry: nothing grows with every drag of a session. Two merge ids that
    share a number never merge wrongly, because ``mergeWith`` compares the strings too.
    """
    if merge_id is None:
        return -1
    return zlib.crc32(merge_id.encode("utf-8", "surrogatepass")) & 0x7FFFFFFF


class CaseUndoCommand(QUndoCommand):
    """One case Command on the QUndoStack.

    The controller runs the command once before pushing (so a refused edit raises to it and
    is never recorded); the stack's first ``redo`` then does nothing. Failures later on, in
    undo or redo, go to ``on_error`` rather than into Qt's event loop.
    """

    def __init__(self, case: Case, command: Command, on_error: Callable[[str, Exception], None],
                 already_done: bool = True) -> None:
        super().__init__(command.text or type(command).__name__)
        self.case = case
        self.command = command
        self.on_error = on_error
        self._skip_redo = already_done

    def id(self) -> int:
        return merge_number(self.command.merge_id)

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt's name)
        if not isinstance(other, CaseUndoCommand) or other.command.merge_id != self.command.merge_id:
            return False
        return self.command.merge_with(other.command)

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        try:
            self.command.redo(self.case)
        except Exception as exc:  # keep Qt's event loop alive; the window shows the error
            log.exception("redo of %r failed", self.command)
            self.on_error(f"Could not redo \u201c{self.text()}\u201d", exc)

    def undo(self) -> None:
        try:
            self.command.undo(self.case)
        except Exception as exc:
            log.exception("undo of %r failed", self.command)
            self.on_error(f"Could not undo \u201c{self.text()}\u201d", exc)
