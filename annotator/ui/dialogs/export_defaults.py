"""What the export dialog needs to know of the app: the open case, the current media and frame,
the selection, and the rest and peak picked in the dynamics panel; and the defaults it draws
from them (the panels of each kind of figure, the clip and its frame range)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from annotator.case.document import CaseDocument
from annotator.case.kinds import display_name
from annotator.case.model import Annotation, CaseEvent
from annotator.export.figure import PanelSpec
from annotator.media.base import MediaError
from annotator.ui.controller import AppController
from annotator.ui.dialogs.export_choices import (
    ExportChoices,
    annotated_panels,
    dynamic_annotation,
    rest_peak_panels,
)
from annotator.ui.dialogs.export_panels import MediaEntry

#: "figure of chosen frames" without rest and peak: at most this many annotated frames
CHOSEN_PANELS_DEFAULT = 4


class AppState(QObject):
    case_changed = Signal(object)  # CaseEvent of the open case
    closed = Signal()  # the case was closed or another opened

    def __init__(self, controller: AppController, window: QWidget | None = None) -> None:
        super().__init__(controller)
        if controller.document is None:
            raise ValueError("there is no case to export")
        self.controller = controller
        self.window = window
        self.document: CaseDocument = controller.document
        controller.case_event.connect(self._case_event)
        controller.document_changed.connect(self._document_changed)

    def _case_event(self, event: CaseEvent) -> None:
        self.case_changed.emit(event)

    def _document_changed(self) -> None:
        if self.controller.document is not self.document:
            self.closed.emit()

    # -- the case as the user sees it ------------------------------------------------------
    def frame_count(self, media_id: str | None) -> int:
        if media_id is None:
            return 0
        try:
            return self.document.media(media_id).frame_count
        except (MediaError, KeyError):
            return 0

    def media_entries(self) -> list[MediaEntry]:
        """Every readable media of the case, named as in the app (on screen only)."""
        entries = []
        for i, ref in enumerate(self.document.case.media, start=1):
            count = self.frame_count(ref.id)
            if count:
                name = ref.label or Path(ref.path.replace("\\", "/")).name
                entries.append(MediaEntry(ref.id, f"{i}: {name}", count))
        return entries

    def clips(self) -> list[MediaEntry]:
        return [e for e in self.media_entries() if e.frame_count > 1]

    def dynamic_annotation(self) -> Annotation | None:
        c = self.controller
        return dynamic_annotation(self.document.case, c.selection, c.current_media_id)

    @staticmethod
    def annotation_name(annotation: Annotation) -> str:
        return f"\u201c{annotation.label}\u201d" if annotation.label else f"the {display_name(annotation.kind)} {annotation.id}"

    def current_panel(self) -> PanelSpec | None:
        c = self.controller
        if c.current_media_id is None or not self.frame_count(c.current_media_id):
            return None
        return PanelSpec(c.current_media_id, c.current_frame)

    # -- defaults --------------------------------------------------------------------------
    def rest_peak_panels(self) -> tuple[list[PanelSpec], str | None]:
        """Rest and peak of the dynamic annotation, as chosen in the case (or as suggested); an
        explanation instead when there are none."""
        annotation = self.dynamic_annotation()
        if annotation is None:
            return [], "Select an annotation that follows the clip (a dynamic one) for rest and peak."
        # the selected series when it is this annotation's (measured already), else measured here:
        # either way rest and peak are the case's, or the suggestion
        series = self.controller.selected_series.series_of(annotation.id)
        panels = rest_peak_panels(self.document, annotation, series)
        if not panels:
            return [], f"{self.annotation_name(annotation).capitalize()} has no distinct rest and peak frames."
        return panels, None

    def default_panels(self, kind: str) -> list[PanelSpec]:
        current = self.current_panel()
        only_current = [current] if current is not None else []
        case = self.document.case
        if kind == "figure-annotated":
            return annotated_panels(case) or only_current
        if kind == "figure-panels":
            panels, _problem = self.rest_peak_panels()
            if panels:
                return panels
            media = current.media if current is not None else None
            return annotated_panels(case, media, CHOSEN_PANELS_DEFAULT) or only_current
        return only_current

    def fill_defaults(self, choices: ExportChoices) -> None:
        """Panels, clip and frame range from the app's state (the rest is remembered)."""
        choices.panels = self.default_panels(choices.kind)
        clips = [e.id for e in self.clips()]
        annotated = {a.media for a in self.document.case.annotations}
        current = self.controller.current_media_id
        clip = current if current in clips else next((c for c in clips if c in annotated), None)
        choices.clip_media = clip or (clips[0] if clips else None)
        choices.frame_from = 0
        choices.frame_to = max(0, self.frame_count(choices.clip_media) - 1)
