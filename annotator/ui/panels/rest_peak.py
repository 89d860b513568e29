"""Rest and peak picked by hand, per annotation, over the suggestion (``suggest_rest_peak``).

A pick stays while its frame still has a value in the annotation's series; when the range or
the shape changes so that it has none, the suggestion takes its place again. Picks live for
the session (the case file has no field for them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from annotator.dynamics.series import Series, suggest_rest_peak

Which = Literal["rest", "peak"]


def has_value(series: Series, frame: int | None) -> bool:
    """True when ``frame`` is in the series and measured in its unit."""
    try:
        return frame is not None and series.sample(frame).value is not None
    except KeyError:
        return False


@dataclass
class RestPeakPick:
    rest: int | None = None  # None: the suggestion
    peak: int | None = None


class RestPeakPicks:
    def __init__(self) -> None:
        self._picks: dict[str, RestPeakPick] = {}

    def apply(self, series: Series) -> Series:
        """The series with rest and peak: the hand-picked ones that still hold, else suggested."""
        rest, peak = suggest_rest_peak(series)
        pick = self._picks.get(series.annotation_id)
        if pick is not None:
            pick.rest = pick.rest if has_value(series, pick.rest) else None
            pick.peak = pick.peak if has_value(series, pick.peak) else None
            rest = pick.rest if pick.rest is not None else rest
            peak = pick.peak if pick.peak is not None else peak
        return series.with_rest_peak(rest, peak)

    def pick(self, series: Series, which: Which, frame: int) -> Series:
        """Pick ``frame`` as rest or peak (ValueError when it has no value)."""
        if not has_value(series, frame):
            raise ValueError(f"frame {frame} has no {series.quantity} in {series.unit_text}: "
                             f"it cannot be the {which}")
        pick = self._picks.setdefault(series.annotation_id, RestPeakPick())
        setattr(pick, which, frame)
        return self.apply(series)

    def forget(self, annotation_id: str) -> None:
        self._picks.pop(annotation_id, None)

    def clear(self) -> None:
        self._picks.clear()

    def manual(self, annotation_id: str | None) -> tuple[bool, bool]:
        """Whether rest and peak of the annotation were picked by hand."""
        pick = self._picks.get(annotation_id or "")
        return (pick is not None and pick.rest is not None, pick is not None and pick.peak is not None)
