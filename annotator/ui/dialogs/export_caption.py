"""A caption written in the export dialog stays with its figure in the case (undoable), so the
next export of the same panels, from the dialog or the command line, uses it again; exporting
the drafted caption forgets it. The dialog offers a stored caption as the user's own when the
panels it shows have one; its previews work on a snapshot without stored captions, so the
draft it shows is always the true draft."""

from __future__ import annotations

from typing import Protocol

from annotator.case.commands import Command, SetCaption
from annotator.case.document import CaseDocument
from annotator.export.context import ExportContext
from annotator.export.figure import figure_key, figure_spec_from_options
from annotator.export.output import ExportError
from annotator.ui.dialogs.export_choices import ExportChoices


class Pusher(Protocol):
    def push(self, command: Command) -> None: ...


def caption_key(document: CaseDocument, choices: ExportChoices) -> str | None:
    """The key of the figure the choices describe (None: not a figure, or not a valid one)."""
    if not choices.kind_choice.figure or choices.problem():
        return None
    try:
        return figure_key(figure_spec_from_options(ExportContext(document, choices.to_options(False))))
    except ExportError:
        return None


def stored_caption(document: CaseDocument, choices: ExportChoices) -> str | None:
    key = caption_key(document, choices)
    return None if key is None else document.case.captions.get(key)


def keep_caption(controller: Pusher, document: CaseDocument, choices: ExportChoices) -> bool:
    """After a figure export: store its edited caption in the case, or forget a stored one when
    the draft was exported; True when that changed the case."""
    key = caption_key(document, choices)
    if key is None:
        return False
    wanted = choices.caption or ""
    if document.case.captions.get(key, "") == wanted:
        return False
    controller.push(SetCaption(key, wanted))
    return True
