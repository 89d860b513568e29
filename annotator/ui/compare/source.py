"""One comparison panel's view of the app: the open case, selection and measuring of the main
controller, but its own media and frame, so two panels can show two frames (or two clips)
while the main viewer stays where the user left it.

``FrameSource`` provides the viewer's interface (``ViewerSource``): the signals, the current
media and frame, calibration, annotations, measure, push and select, so the real viewer and
its renderer draw each panel unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from annotator.case.commands import Command
from annotator.case.document import CaseDocument
from annotator.case.measure import Measurement
from annotator.case.model import Annotation, MediaRef
from annotator.media import Calibration, Media, MediaError

if TYPE_CHECKING:
    from annotator.ui.controller import AppController
    from annotator.ui.visibility import AnnotationVisibility


class FrameSource(QObject):
    document_changed = Signal()
    case_event = Signal(object)
    current_media_changed = Signal(str)
    current_frame_changed = Signal(int)
    selection_changed = Signal(list)
    error = Signal(str, str)

    def __init__(self, controller: AppController, media_id: str, frame: int = 0,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._main = controller
        self.current_media_id: str | None = media_id
        self.current_frame = 0
        # signal-to-signal links end when this object is destroyed with its panel
        controller.document_changed.connect(self.document_changed)
        controller.case_event.connect(self.case_event)
        controller.selection_changed.connect(self.selection_changed)
        self.error.connect(controller.error)
        self.set_frame(frame)

    @property
    def main(self) -> AppController:
        return self._main

    # -- the case, shared with the main window ---------------------------------------------
    @property
    def document(self) -> CaseDocument | None:
        return self.main.document

    @property
    def selection(self) -> list[str]:
        return self.main.selection

    @property
    def visibility(self) -> AnnotationVisibility:
        return self.main.visibility  # hiding is the case's, shown alike in every view

    def media_unreadable(self) -> bool:
        return self.current_media_id is not None and self.current_media_id in self.main.unreadable

    def measure(self, annotation: Annotation, frame: int) -> list[Measurement]:
        return self.main.measure(annotation, frame)

    def redactions(self, media_id: str, frame: int) -> list[tuple[int, int, int, int]]:
        return self.main.redactions(media_id, frame)

    def push(self, command: Command) -> None:
        self.main.push(command)

    def select(self, ids: Sequence[str]) -> None:
        self.main.select(ids)

    # -- this panel's media and frame ------------------------------------------------------
    def media_ref(self) -> MediaRef | None:
        doc = self.main.document
        if doc is None or self.current_media_id is None:
            return None
        try:
            return doc.case.media_ref(self.current_media_id)
        except KeyError:
            return None

    def current_media(self) -> Media | None:
        doc = self.main.document
        if doc is None or self.media_ref() is None or self.current_media_id is None:
            return None
        try:
            return doc.media(self.current_media_id)
        except MediaError as exc:
            self.error.emit("Cannot read the media", str(exc))
            return None

    def calibration(self, frame: int | None = None) -> Calibration:
        doc = self.main.document
        if doc is None or self.media_ref() is None or self.current_media_id is None:
            return Calibration()
        try:
            return doc.calibration(self.current_media_id, self.current_frame if frame is None else frame)
        except MediaError:
            return Calibration()

    def annotations(self, media_id: str | None = None) -> list[Annotation]:
        media_id = media_id or self.current_media_id
        doc = self.main.document
        if doc is None or media_id is None:
            return []
        return [a for a in doc.case.annotations if a.media == media_id]

    @property
    def frame_count(self) -> int:
        media = self.current_media()
        return media.frame_count if media is not None else 0

    def set_frame(self, frame: int) -> None:
        """Show ``frame`` (clamped to the media); the viewer follows through the signal."""
        last = max(self.frame_count - 1, 0)
        frame = min(max(int(frame), 0), last)
        if frame != self.current_frame:
            self.current_frame = frame
            self.current_frame_changed.emit(frame)
