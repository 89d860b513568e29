"""Values that could not be calibrated, flagged with their reason wherever an output lists them.

A measurement is not calibrated when its points do not all lie in one spatial region (a caliper
crossing into the ECG strip, points in two regions of different scale) or the image has no
calibration: lengths and areas are then in pixels, and an angle is measured in pixel space
(right only if the pixels are square). ``Measurement.calibrated`` says so and its ``note`` says
why (``annotator.case.measure``). Outputs for people write such a value as
"90.0 px (not calibrated: a point lies outside every calibrated region)"; a pixel value is
never written as mm, and the DICOM SR leaves it out (see ``dicom_sr``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from annotator.case.measure import Measurement

NOT_CALIBRATED = "not calibrated"
#: why a value derived from others (a ratio of two areas) is flagged
FROM_UNCALIBRATED = "from values that are not calibrated"
#: said once under a table that holds flagged values
EXPLANATION = (
    "Values marked “not calibrated” could not be converted to millimetres (their points are not all "
    "in one calibrated image region, or the image has no calibration): lengths and areas are in "
    "image pixels and angles are measured on the pixel grid, which is only right for square pixels."
)


def uncalibrated_reason(m: Measurement) -> str | None:
    """Why ``m`` is not calibrated, or None when it is (mm, mm², a calibrated angle, grey levels)."""
    if m.calibrated:
        return None
    return m.note or "no calibration for its points"


def flagged_display(m: Measurement) -> str:
    """``m.display()``, followed by "(not calibrated: reason)" when it is not calibrated."""
    plain = Measurement.display(m)  # not the override below: it calls this
    reason = uncalibrated_reason(m)
    return plain if reason is None else f"{plain} ({NOT_CALIBRATED}: {reason})"


@dataclass(frozen=True)
class FlaggedMeasurement(Measurement):
    """A measurement whose ``display()`` carries the flag: handed to code that only formats
    values through ``display()`` (the finding summaries of ``annotator.case.findings``)."""

    def display(self) -> str:
        return flagged_display(self)


def flag_all(measurements: Iterable[Measurement]) -> list[Measurement]:
    """The measurements, the uncalibrated ones as ``FlaggedMeasurement``."""
    out: list[Measurement] = []
    for m in measurements:
        if m.calibrated or isinstance(m, FlaggedMeasurement):
            out.append(m)
        else:
            out.append(FlaggedMeasurement(**{f.name: getattr(m, f.name) for f in fields(m)}))
    return out
