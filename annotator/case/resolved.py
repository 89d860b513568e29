"""An attribute's value as a finding shows it: typed, measured, derived or from a reference
table (its own module so that the verdict and the findings can both use it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from annotator.case.measure import Measurement
from annotator.case.vocabulary import ReferenceValue


@dataclass(frozen=True)
class ResolvedValue:
    """An attribute's value for display: ``value`` None with ``problem`` when unavailable."""

    value: float | int | str | None
    unit: str | None
    origin: Literal["typed", "measured", "derived", "reference", "missing"]
    problem: str = ""
    measurement: Measurement | None = None
    reference: ReferenceValue | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None

    def display(self) -> str:
        if self.value is None:
            return "—"
        if isinstance(self.value, str):
            return self.value
        if self.measurement is not None:
            return self.measurement.display()
        return format_value(self.value, self.unit)


def format_value(value: float | int, unit: str | None) -> str:
    """A number with its unit, rounded like measurements (a grade or a count stays whole)."""
    if unit is None:
        return f"{value:d}" if isinstance(value, int) else f"{value:g}"
    return Measurement("", "", 0, "", "", float(value), unit).display()
