"""Undoable commands on the case's redaction boxes (``annotator.case.redaction``)."""

from __future__ import annotations

import math

from annotator.case.command_base import Command, CommandError
from annotator.case.model import Case
from annotator.case.redaction import Redaction


class AddRedaction(Command):
    def __init__(self, redaction: Redaction) -> None:
        self.redaction = redaction
        self.text = "Add redaction box"

    def redo(self, case: Case) -> None:
        r = self.redaction
        if not any(m.id == r.media for m in case.media):
            raise CommandError(f"there is no media {r.media!r}")
        if not all(math.isfinite(v) for v in (r.x0, r.y0, r.x1, r.y1)):
            raise CommandError("a redaction box needs finite corners")
        case.redactions.append(r)
        case.notify("redaction", r.media, "added")

    def undo(self, case: Case) -> None:
        case.redactions.remove(self.redaction)
        case.notify("redaction", self.redaction.media, "removed")


class RemoveRedaction(Command):
    def __init__(self, redaction: Redaction) -> None:
        self.redaction = redaction
        self.text = "Delete redaction box"
        self._index = 0

    def redo(self, case: Case) -> None:
        if self.redaction not in case.redactions:
            raise CommandError("the case has no such redaction box")
        self._index = case.redactions.index(self.redaction)
        case.redactions.pop(self._index)
        case.notify("redaction", self.redaction.media, "removed")

    def undo(self, case: Case) -> None:
        case.redactions.insert(self._index, self.redaction)
        case.notify("redaction", self.redaction.media, "added")
