"""The selected series: the measurement over time of the selected annotation, with its rest and
peak. It is the app's state, kept by the controller (``AppController.selected_series``), not a
panel's: the dynamics panel shows it, and the export dialog and the rest/peak comparison ask it.

Rest and peak chosen by hand are the annotation's own (``Annotation.rest_frame`` /
``peak_frame``), changed only through the undoable ``SetRestPeak``; where the case has none (or
a chosen frame has no value in the series), the suggestion of ``suggest_rest_peak`` stands in.
The series is measured when first asked for and kept until the selection, the current media
or the case changes.
"""

from __future__ import annotations

from typing import Literal, Protocol

from PySide6.QtCore import QObject, Signal

from annotator.case.commands import Command, SetRestPeak
from annotator.case.document import CaseDocument
from annotator.case.kinds import kind_spec
from annotator.case.model import Annotation
from annotator.dynamics.series import Series, measurement_series
from annotator.media.base import MediaError

Which = Literal["rest", "peak"]


class SeriesSource(Protocol):
    """What the selected series needs of the app (the controller provides it)."""

    document: CaseDocument | None
    selection: list[str]
    current_media_id: str | None

    def push(self, command: Command) -> None: ...


def has_value(series: Series, frame: int | None) -> bool:
    """True when ``frame`` is in the series and measured in its unit."""
    try:
        return frame is not None and series.sample(frame).value is not None
    except KeyError:
        return False


def with_rest_peak(series: Series) -> Series:
    """The series with rest and peak: those it carries from the case where they have a value,
    else the suggestion."""
    return series.with_chosen_or_suggested_rest_peak()


class SelectedSeries(QObject):
    #: the selection, the current media or the case changed: what is selected may differ
    changed = Signal()

    def __init__(self, source: SeriesSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = source
        self._key: tuple[str, int] | None = None  # (annotation id, case revision) measured
        self._series: Series | None = None
        self._problem = ""
        self._revision = 0

    # the controller calls these from its signals, before any view hears of the change
    def selection_changed(self) -> None:
        """The selection or the current media changed."""
        self.changed.emit()

    def case_changed(self) -> None:
        """The case was edited (or another was opened): measure again when asked."""
        self._revision += 1
        self.changed.emit()

    # -- what is selected --------------------------------------------------------------------
    def annotation(self) -> Annotation | None:
        """The first selected annotation on the current media."""
        c = self._controller
        if c.document is None:
            return None
        for ident in c.selection:
            try:
                a = c.document.case.annotation(ident)
            except KeyError:
                continue
            if a.media == c.current_media_id:
                return a
        return None

    def series(self) -> Series | None:
        """The selected annotation's series with rest and peak (None when it has none: not a
        clip, nothing to measure, or unreadable; ``problem()`` says why in the last case)."""
        a = self.annotation()
        document = self._controller.document
        if a is None or document is None:
            self._key, self._series, self._problem = None, None, ""
            return None
        key = (a.id, self._revision)
        if key != self._key:
            self._key, self._series, self._problem = key, None, ""
            spec = kind_spec(a.kind)
            if spec is not None and spec.measures and self._frame_count(a) >= 2:
                try:
                    self._series = with_rest_peak(measurement_series(document, a))
                except (MediaError, ValueError, IndexError) as exc:
                    self._problem = f"Cannot measure {a.id}: {exc}"
        return self._series

    def series_of(self, annotation_id: str) -> Series | None:
        """The series when ``annotation_id`` is the selected annotation, else None."""
        a = self.annotation()
        return self.series() if a is not None and a.id == annotation_id else None

    def problem(self) -> str:
        self.series()
        return self._problem

    def _frame_count(self, a: Annotation) -> int:
        document = self._controller.document
        try:
            return document.media(a.media).frame_count if document is not None else 0
        except MediaError:
            return 0

    # -- rest and peak: the case's, changed by undoable commands --------------------------------
    def manual(self) -> tuple[bool, bool]:
        """Whether rest and peak of the selected annotation were chosen by hand."""
        a = self.annotation()
        return (a is not None and a.rest_frame is not None, a is not None and a.peak_frame is not None)

    def pick(self, which: Which, frame: int) -> None:
        """Make ``frame`` the selected annotation's rest or peak (ValueError when there is no
        series or the frame has no value in it)."""
        series = self.series()
        if series is None:
            raise ValueError("select an annotation with a measurement over time first")
        if not has_value(series, frame):
            raise ValueError(f"frame {frame} has no {series.quantity} in {series.unit_text}: "
                             f"it cannot be the {which}")
        if which == "rest":
            self._controller.push(SetRestPeak(series.annotation_id, rest_frame=frame))
        else:
            self._controller.push(SetRestPeak(series.annotation_id, peak_frame=frame))

    def use_suggestion(self) -> None:
        """Back to the suggestion (an undoable edit when the case had a choice)."""
        a = self.annotation()
        if a is not None and (a.rest_frame is not None or a.peak_frame is not None):
            self._controller.push(SetRestPeak(a.id, None, None))
