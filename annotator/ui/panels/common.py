"""What the panels need of the app controller, and small helpers they share.

The panels observe the case through the controller's signals and change it only through
``controller.push(command)``; the case model stays the single source of truth.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, SignalInstance
from PySide6.QtWidgets import QMessageBox, QWidget

from annotator.case.findings import attribute_spec
from annotator.case.model import Annotation, Case, Finding

if TYPE_CHECKING:
    from annotator.case.commands import Command
    from annotator.case.document import CaseDocument

log = logging.getLogger(__name__)
TYPE_TITLES = {"tear": "Tear", "atrophy": "Atrophy", "nerve_enlargement": "Nerve enlargement",
               "other": "Other finding"}
#: a yes/no question: (parent, title, text, yes button text) -> answer; tests answer it
AskFn = Callable[[QWidget | None, str, str, str], bool]


class ControllerLike(Protocol):
    """The part of ``annotator.ui.controller.AppController`` the panels use."""

    document_changed: SignalInstance
    case_event: SignalInstance
    current_media_changed: SignalInstance
    current_frame_changed: SignalInstance
    selection_changed: SignalInstance
    error: SignalInstance
    document: CaseDocument | None
    current_media_id: str | None
    current_frame: int
    selection: list[str]

    def push(self, command: Command) -> None: ...
    def set_current_media(self, media_id: str) -> None: ...
    def set_current_frame(self, frame: int) -> None: ...
    def select(self, ids: list[str]) -> None: ...


def push_safely(controller: ControllerLike, command: Command, what: str) -> bool:
    """Push a command; a refused edit is reported through ``controller.error`` (a dialog),
    never raised into Qt's event loop. True when it was applied."""
    try:
        controller.push(command)
    except Exception as exc:  # noqa: BLE001 - the controller may raise CommandError or worse
        log.warning("%s failed: %s", what, exc)
        controller.error.emit(what, str(exc))
        return False
    return True


def go_to_annotation(controller: ControllerLike, annotation: Annotation, frame: int | None = None) -> None:
    """Show an annotation: its media, the frame (its anchor by default), and select it."""
    if controller.current_media_id != annotation.media:
        controller.set_current_media(annotation.media)
    target = annotation.frame if frame is None else frame
    if controller.current_frame != target:
        controller.set_current_frame(target)
    controller.select([annotation.id])


class Debouncer(QObject):
    """Runs a callback once after a burst of calls (e.g. the events of a handle drag)."""

    def __init__(self, callback: Callable[[], None], msec: int = 40, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._callback = callback
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(msec)
        self._timer.timeout.connect(self._callback)

    def __call__(self, *_args: object) -> None:
        self._timer.start()

    def flush(self) -> None:
        """Run now if a call is pending (tests, and before reading the result)."""
        if self._timer.isActive():
            self._timer.stop()
            self._callback()

    @property
    def pending(self) -> bool:
        return self._timer.isActive()


def ask_yes_no(parent: QWidget | None, title: str, text: str, yes_text: str = "Yes") -> bool:
    """A warning with a Yes (named ``yes_text``) and a default Cancel; True for Yes."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel, parent)
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    try:
        box.exec()
        return box.clickedButton() is yes
    finally:
        box.deleteLater()


def finding_title(finding: Finding) -> str:
    """"Tear of medial gastrocnemius (f1)": short enough for a list in a question."""
    kind = TYPE_TITLES.get(finding.type, finding.type)
    return f"{kind} of {finding.structure} ({finding.id})" if finding.structure else f"{kind} ({finding.id})"


def unlink_summary(case: Case, annotation_ids: Iterable[str]) -> list[str]:
    """What removing these annotations takes from the findings, one line per finding: the
    values measured on them (cleared) or else the links to the finding. Empty: nothing."""
    ids = set(annotation_ids)
    lines: list[str] = []
    for f in case.findings:
        values = []
        for name, value in f.attributes.items():
            if value.is_link and value.annotation in ids:
                spec = attribute_spec(f.type, name)
                values.append(spec.label if spec is not None else name)
        linked = sum(1 for a in case.annotations if a.id in ids and a.finding == f.id)
        if values:
            lines.append(f"{finding_title(f)}: {', '.join(values)} will be cleared")
        elif linked:
            lines.append(f"{finding_title(f)}: {linked} linked annotation(s) will be unlinked")
    return lines
