"""View > Compare: the two actions that open the comparison windows (``ui/compare``) on
sensible defaults.

Rest and peak come from the selected tracked annotation (the case's, else the suggestion from
its series, as ``AppController.selected_series`` holds them); without one, the current frame
and the last. The second media defaults to the other side's (left <-> right), else the next
media of the case. A comparison that cannot open says why through ``controller.error``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from annotator.case.model import Case
from annotator.ui import prompts
from annotator.ui.actions import ActionArea
from annotator.ui.compare import ComparisonError, open_frame_comparison, open_media_comparison
from annotator.ui.compare.frames_view import rest_peak_suggestion
from annotator.ui.compare.titles import side_label
from annotator.ui.controller import AppController

_OPPOSITE = {"left": "right", "right": "left"}


def rest_peak_frames(c: AppController) -> tuple[list[int], str]:
    """The frames to compare and, when they are not a rest and peak, why not (for the status
    bar): those of the selected series (``AppController.selected_series``) when it is the
    annotation's, with the case's rest and peak."""
    doc = c.document
    current = [c.current_frame]
    if doc is None:
        return current, ""
    dynamic = [a for a in c.annotations() if a.is_dynamic and a.id in set(c.selection)]
    if not dynamic:
        return current, "Select a tracked annotation to compare its rest and peak"
    annotation = dynamic[0]
    series = c.selected_series.series_of(annotation.id)
    if (series is not None
            and series.rest_frame is not None and series.peak_frame is not None):
        return [series.rest_frame, series.peak_frame], ""
    found = rest_peak_suggestion(c, annotation)
    if isinstance(found, str):
        return current, found
    return list(found), ""


def partner_candidates(case: Case, media_id: str) -> list[str]:
    """The other media of the case, the likeliest partner first: the other side's (left <->
    right), else the next one after ``media_id`` in the case's order."""
    ids = [m.id for m in case.media]
    if media_id not in ids:
        return [i for i in ids if i != media_id]
    start = ids.index(media_id)
    others = ids[start + 1:] + ids[:start]
    opposite = _OPPOSITE.get(case.media_ref(media_id).side)
    if opposite is not None:
        others.sort(key=lambda i: case.media_ref(i).side != opposite)  # stable: keeps case order
    return others


class CompareActions(ActionArea):
    """``parent``: the comparison windows' parent."""

    def __init__(self, parent: QWidget, controller: AppController) -> None:
        super().__init__(parent)
        self.widget, self.controller = parent, controller
        self.add("compare_rest_peak", "&Compare Rest and Peak", needs_case=True, on_trigger=self.compare_rest_peak,
                 tip="The rest and peak frames of the clip side by side (of the selected tracked annotation)")
        self.add("compare_media", "Compare &Two Media\u2026", needs_case=True, on_trigger=self.compare_two_media,
                 tip="This media and another of the case side by side, played in step (e.g. left and right)")

    def compare_rest_peak(self) -> QWidget | None:
        c = self.controller
        if c.document is None or c.current_media_id is None:
            c.error.emit("Cannot compare frames", "Open a clip first.")
            return None
        frames, why = rest_peak_frames(c)
        try:
            comparison = open_frame_comparison(c, c.current_media_id, frames, self.widget)
        except ComparisonError as exc:
            c.error.emit("Cannot compare frames", str(exc))
            return None
        if why:
            c.status.emit(f"{why}; showing frame {frames[0]} beside another")
        return comparison

    def compare_two_media(self) -> QWidget | None:
        """The current media beside another of the case, asking which when there is a choice."""
        c = self.controller
        doc = c.document
        if doc is None or c.current_media_id is None:
            c.error.emit("Cannot compare media", "Open a case with two media first.")
            return None
        others = partner_candidates(doc.case, c.current_media_id)
        if not others:
            c.error.emit("Cannot compare media", "The case has one media: add another (e.g. the other side) "
                         "to compare them side by side.")
            return None
        chosen = others[0]
        if len(others) > 1:
            names = [f"{side_label(doc.case.media_ref(i))} ({i})" for i in others]
            here = side_label(doc.case.media_ref(c.current_media_id))
            index = prompts.ask_item(self.widget, "Compare two media", f"Show beside {here}:", names, 0)
            if index is None:
                return None
            chosen = others[index]
        try:
            return open_media_comparison(c, c.current_media_id, chosen, self.widget)
        except ComparisonError as exc:
            c.error.emit("Cannot compare media", str(exc))
            return None
