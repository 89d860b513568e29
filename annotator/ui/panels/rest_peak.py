"""Rest and peak of an annotation: the case's own (``Annotation.rest_frame`` / ``peak_frame``,
set through the undoable ``SetRestPeak``), else the suggestion (``suggest_rest_peak``).

The panel only shows them; a frame chosen by hand stays while it still has a value in the
annotation's series, otherwise the suggestion shows in its place (the case keeps the choice
until the range no longer holds it). A finding's "at rest" and "contraction" links use the
same frames (``rest_peak_frames``), never the frame on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from annotator.case.commands import Command, SetRestPeak
from annotator.case.model import Annotation
from annotator.dynamics.series import Series

Which = Literal["rest", "peak"]


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


class RestPeakPicks:
    """The panel's view of the case's rest and peak: reads the annotation, edits by command."""

    def __init__(self, annotation: Callable[[str], Annotation | None], push: Callable[[Command], None]) -> None:
        self._annotation = annotation
        self._push = push

    def apply(self, series: Series) -> Series:
        a = self._annotation(series.annotation_id)
        if a is not None:  # the case may have changed since the series was measured
            series = series.with_rest_peak(
                a.rest_frame if has_value(series, a.rest_frame) else None,
                a.peak_frame if has_value(series, a.peak_frame) else None,
            )
        return with_rest_peak(series)

    def pick(self, series: Series, which: Which, frame: int) -> Series:
        """Make ``frame`` the rest or peak in the case (ValueError when it has no value)."""
        if not has_value(series, frame):
            raise ValueError(f"frame {frame} has no {series.quantity} in {series.unit_text}: "
                             f"it cannot be the {which}")
        if which == "rest":
            self._push(SetRestPeak(series.annotation_id, rest_frame=frame))
        else:
            self._push(SetRestPeak(series.annotation_id, peak_frame=frame))
        return self.apply(series)

    def forget(self, annotation_id: str) -> None:
        """Back to the suggestion (an undoable edit when the case had a choice)."""
        a = self._annotation(annotation_id)
        if a is not None and (a.rest_frame is not None or a.peak_frame is not None):
            self._push(SetRestPeak(annotation_id, None, None))

    def clear(self) -> None:
        """Nothing to clear: the choices live in the case."""

    def manual(self, annotation_id: str | None) -> tuple[bool, bool]:
        """Whether rest and peak of the annotation were chosen by hand."""
        a = self._annotation(annotation_id or "")
        return (a is not None and a.rest_frame is not None, a is not None and a.peak_frame is not None)
