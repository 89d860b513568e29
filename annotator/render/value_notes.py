"""Why a value next to a shape is not in mm when the image is calibrated: a caliper crossing
from the B-mode image into the ECG strip, an angle whose arm leaves the calibrated region.
The label says so briefly (a warning sign and a few words); the full reason is the
measurement's ``note``."""

from __future__ import annotations

from collections.abc import Sequence

from annotator.media.calibration import DATA_TYPE_NAMES, SPATIAL_FORMAT_NAMES, Calibration, Region

WARNING_SIGN = "\u26a0"


def needs_warning(measurement: object, calibration: Calibration) -> bool:
    """True for a value that could not be calibrated on an image that is calibrated (on an
    uncalibrated image every value is in px, and the corner note says so once)."""
    if not calibration.spatial_regions:
        return False
    return getattr(measurement, "calibrated", True) is False


def _short_name(region: Region) -> str:
    """ "ECG", "Doppler", "M-mode": what a sonographer calls the strip."""
    if region.spatial_format == 3:
        return "spectral Doppler"
    if region.spatial_format == 2:
        return "M-mode"
    dtype = DATA_TYPE_NAMES.get(region.data_type)
    if dtype and dtype not in ("none", "tissue"):
        return dtype
    return SPATIAL_FORMAT_NAMES.get(region.spatial_format, "other")


def short_reason(calibration: Calibration, points: Sequence[tuple[float, float]]) -> str:
    """A few words for the on-image label saying why the value is not in mm."""
    found = [calibration.region_at(x, y) for x, y in points]
    spatial = [r for r in found if r is not None and r.is_spatial]
    other = [r for r in found if r is not None and not r.is_spatial]
    if other:
        name = _short_name(other[0])
        return f"crosses into the {name} region" if spatial or None in found else f"in the {name} region"
    if None in found:
        return "leaves the calibrated region"
    if len(set(spatial)) > 1:
        return "spans regions of different scale"
    return "not calibrated here"


def flag_value(value: str, measurement: object, calibration: Calibration,
               points: Sequence[tuple[float, float]]) -> tuple[str, str | None]:
    """(value text, reason line or None): the value gets a warning sign when it needs one."""
    if not needs_warning(measurement, calibration):
        return value, None
    return f"{value} {WARNING_SIGN}", f"{WARNING_SIGN} not mm: {short_reason(calibration, points)}"


def full_reason(measurement: object) -> str:
    """The measurement's own explanation (for a tooltip or the status bar)."""
    note = str(getattr(measurement, "note", "") or "")
    return note or "not calibrated"
