"""The command pattern every edit of a case goes through, and a plain undo stack.

A command captures what it needs to undo at ``redo`` time, so it can be built before it is
pushed. The desktop app wraps the same objects in QUndoCommand (``merge_id`` maps to
``QUndoCommand.id()``, ``merge_with`` to ``mergeWith``); ``CommandStack`` is the headless
equivalent with the same semantics (push executes; merging; a clean index).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from annotator.case.model import Case


class CommandError(ValueError):
    """An edit that cannot apply to this case (unknown id, wrong point count, ...)."""


class Command:
    """One undoable edit. Subclasses implement ``redo`` and ``undo``; both notify the case."""

    text: str = ""
    merge_id: str | None = None

    def redo(self, case: Case) -> None:
        raise NotImplementedError

    def undo(self, case: Case) -> None:
        raise NotImplementedError

    def merge_with(self, other: Command) -> bool:
        """Absorb ``other`` (already executed, pushed right after this one); True if merged."""
        return False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text!r}>"


class Macro(Command):
    """Several commands as one undo step; all or nothing."""

    def __init__(self, text: str, commands: Sequence[Command]) -> None:
        self.text = text
        self.commands = list(commands)

    def redo(self, case: Case) -> None:
        done: list[Command] = []
        try:
            for command in self.commands:
                command.redo(case)
                done.append(command)
        except Exception:
            for command in reversed(done):
                command.undo(case)
            raise

    def undo(self, case: Case) -> None:
        for command in reversed(self.commands):
            command.undo(case)


class CommandStack:
    """Undo/redo for a case without Qt: for the CLI, scripts and tests."""

    def __init__(self, case: Case, limit: int = 0) -> None:
        self.case = case
        self.limit = limit  # 0 = unlimited
        self._commands: list[Command] = []
        self._index = 0  # commands[:index] are done
        self._clean_index: int | None = 0
        self.listeners: list[Callable[[], None]] = []

    # -- state -----------------------------------------------------------------------------
    @property
    def index(self) -> int:
        return self._index

    def __len__(self) -> int:
        return len(self._commands)

    def can_undo(self) -> bool:
        return self._index > 0

    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    def undo_text(self) -> str:
        return self._commands[self._index - 1].text if self.can_undo() else ""

    def redo_text(self) -> str:
        return self._commands[self._index].text if self.can_redo() else ""

    def is_clean(self) -> bool:
        return self._clean_index == self._index

    def set_clean(self) -> None:
        self._clean_index = self._index
        self._changed()

    # -- editing ---------------------------------------------------------------------------
    def push(self, command: Command) -> None:
        """Execute ``command`` and record it (merging with the previous one when allowed).

        If ``redo`` raises, nothing is recorded and the exception propagates.
        """
        command.redo(self.case)
        del self._commands[self._index :]
        if self._clean_index is not None and self._clean_index > self._index:
            self._clean_index = None  # the saved state was undone and is now unreachable
        top = self._commands[-1] if self._commands else None
        if (
            top is not None
            and command.merge_id is not None
            and top.merge_id == command.merge_id
            and top.merge_with(command)
        ):
            if self._clean_index == self._index:
                self._clean_index = None  # the saved state was merged away
            self._changed()
            return
        self._commands.append(command)
        self._index += 1
        if self.limit and len(self._commands) > self.limit:
            drop = len(self._commands) - self.limit
            del self._commands[:drop]
            self._index -= drop
            if self._clean_index is not None:
                self._clean_index = self._clean_index - drop if self._clean_index >= drop else None
        self._changed()

    def undo(self) -> None:
        if not self.can_undo():
            return
        self._index -= 1
        self._commands[self._index].undo(self.case)
        self._changed()

    def redo(self) -> None:
        if not self.can_redo():
            return
        self._commands[self._index].redo(self.case)
        self._index += 1
        self._changed()

    def clear(self) -> None:
        self._commands.clear()
        self._index = 0
        self._clean_index = 0
        self._changed()

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()
