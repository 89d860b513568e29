"""Measurements of annotations in calibrated millimetres, or clearly labelled pixels.

Every measurement scales the points by the mm per pixel of x and y *before* computing, so
non-square pixels give exact lengths, areas and angles. Points in different regions, or in a
region that is not a 2D length region (Doppler, M-mode, ECG), or on an image without
calibration, give pixel units with ``note`` saying why. Full precision is kept in ``value``;
``display()`` rounds for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from annotator.case import geometry, intensity
from annotator.case.model import Annotation
from annotator.media.calibration import Calibration, Scale

UNITS: tuple[str, ...] = ("mm", "mm2", "deg", "px", "px2", "grey", "count", "ratio", "%")
QUANTITIES: tuple[str, ...] = (
    "length", "area", "perimeter", "angle", "major_axis", "minor_axis",
    "mean_intensity", "sd_intensity", "min_intensity", "max_intensity", "pixel_count",
)
#: the quantity that stands for each kind (the value drawn beside the shape)
PRIMARY_QUANTITY: dict[str, str] = {
    "line": "length", "polyline": "length", "polygon": "area", "ellipse": "area", "angle": "angle",
}
_UNIT_SUFFIX = {"mm": " mm", "mm2": " mm²", "deg": "°", "px": " px", "px2": " px²", "grey": "", "%": "%", "ratio": ""}
_UNCALIBRATED_UNITS = frozenset({"px", "px2"})


class _Maker(Protocol):  # ``make`` inside measure_annotation
    def __call__(self, quantity: str, value: float, unit: str, note: str = "") -> Measurement: ...


@dataclass(frozen=True)
class Measurement:
    annotation: str
    media: str
    frame: int
    kind: str
    quantity: str
    value: float
    unit: str
    #: calibration that gave the mm: "us-region", "pixel-spacing", "manual"; None = pixels
    source: str | None = None
    note: str = ""

    def display(self) -> str:
        """The value for people: one decimal for mm, mm², degrees, grey levels and pixels."""
        if self.unit == "count":
            return f"{round(self.value):d}"
        if self.unit == "ratio":
            return f"{self.value:.2f}"
        return f"{self.value:.1f}{_UNIT_SUFFIX.get(self.unit, ' ' + self.unit)}"

    @property
    def calibrated(self) -> bool:
        """False for pixel lengths and areas, and for angles measured without a calibration
        (an angle in pixel space is only right if the pixels are square)."""
        if self.unit in _UNCALIBRATED_UNITS:
            return False
        return not (self.unit == "deg" and self.source is None)

    def to_json(self) -> dict[str, object]:
        """The row of ``us-annotator measure --json``."""
        return {
            "annotation": self.annotation, "media": self.media, "frame": self.frame,
            "kind": self.kind, "quantity": self.quantity, "value": self.value, "unit": self.unit,
            "source": self.source, "note": self.note,
        }


def measure_annotation(
    annotation: Annotation,
    frame: int,
    calibration: Calibration,
    image: np.ndarray | None = None,
) -> list[Measurement]:
    """The measurements of ``annotation`` on ``frame`` (empty if it is not on that frame).

    ``image`` (grey (h, w) or colour (h, w, 3|4)) adds grey-level statistics for polygons and
    ellipses: mean, sample SD, min, max and the count of pixels whose centres lie inside.
    """
    points = annotation.points_at(frame)
    kind = annotation.kind
    if points is None or kind not in PRIMARY_QUANTITY:
        return []
    scale = calibration.scale_for(points)

    def make(quantity: str, value: float, unit: str, note: str = "") -> Measurement:
        return Measurement(
            annotation.id, annotation.media, frame, kind, quantity, float(value), unit,
            scale.source if scale.calibrated else None, note,
        )

    length_unit, area_unit, why = _units(scale)
    sx, sy = (scale.mm_per_px_x, scale.mm_per_px_y) if scale.calibrated else (1.0, 1.0)
    assert sx is not None and sy is not None
    scaled = geometry.scale_points(points, sx, sy)
    out: list[Measurement] = []
    if kind in ("line", "polyline"):
        out.append(make("length", geometry.path_length(scaled), length_unit, why))
    elif kind == "angle":
        value = geometry.angle_deg(*scaled[:3])
        if value is not None:
            note = why and f"{why}; angle in pixel space (square pixels assumed)"
            out.append(make("angle", value, "deg", note))
    elif kind == "polygon":
        out.append(make("area", geometry.polygon_area(scaled), area_unit, why))
        out.append(make("perimeter", geometry.path_length(scaled, closed=True), length_unit, why))
        if image is not None:
            out.extend(_grey_measurements(make, intensity.polygon_mask(points, *image.shape[:2]), image))
    elif kind == "ellipse":
        axes = geometry.ellipse_axes(points)
        major, minor = geometry.scaled_semi_axes(axes, sx, sy)
        out.append(make("area", np.pi * major * minor, area_unit, why))
        out.append(make("perimeter", geometry.ellipse_perimeter(major, minor), length_unit, why))
        out.append(make("major_axis", 2.0 * major, length_unit, why))
        out.append(make("minor_axis", 2.0 * minor, length_unit, why))
        if image is not None:
            out.extend(_grey_measurements(make, intensity.ellipse_mask(axes, *image.shape[:2]), image))
    return out


def _units(scale: Scale) -> tuple[str, str, str]:
    if scale.calibrated:
        return "mm", "mm2", ""
    return "px", "px2", scale.reason or "uncalibrated"


def _grey_measurements(
    make: _Maker, masked: tuple[np.ndarray, int, int, bool], image: np.ndarray
) -> list[Measurement]:
    stats = intensity.grey_stats(image, *masked)
    if stats is None:
        return []
    notes = []
    if stats.from_colour:
        notes.append("colour pixels: grey = Rec. 601 luma")
    if stats.clipped:
        notes.append("part of the shape lies outside the image")
    note = "; ".join(notes)
    return [
        make("mean_intensity", stats.mean, "grey", note),
        make("sd_intensity", stats.sd, "grey", note),
        make("min_intensity", stats.min, "grey", note),
        make("max_intensity", stats.max, "grey", note),
        make("pixel_count", stats.count, "count", note),
    ]


def primary_measurement(measurements: Sequence[Measurement]) -> Measurement | None:
    """The measurement that stands for its annotation: length for a line or polyline, area
    for a polygon or ellipse, angle for an angle."""
    for m in measurements:
        if PRIMARY_QUANTITY.get(m.kind) == m.quantity:
            return m
    return None


def find_measurement(measurements: Sequence[Measurement], quantity: str) -> Measurement | None:
    return next((m for m in measurements if m.quantity == quantity), None)


# -- derived values ------------------------------------------------------------------------

Number = float | int | Measurement


def _value_and_unit(x: Number) -> tuple[float, str | None]:
    if isinstance(x, Measurement):
        return x.value, x.unit
    return float(x), None


def ratio(a: Number, b: Number) -> float:
    """a / b. Measurements must share a unit (mm with mm, never mm with px)."""
    va, ua = _value_and_unit(a)
    vb, ub = _value_and_unit(b)
    if ua is not None and ub is not None and ua != ub:
        raise ValueError(f"cannot compare {ua} with {ub}: calibrate both images first")
    if vb == 0:
        raise ValueError("cannot divide by a zero measurement")
    return va / vb


def percent_change(rest: Number, peak: Number) -> float:
    """Change from ``rest`` to ``peak`` in percent of ``rest`` (e.g. gap at rest vs contraction)."""
    return (ratio(peak, rest) - 1.0) * 100.0


def swelling_ratio(most_swollen_csa: Number, reference_site_csa: Number) -> float:
    """Nerve CSA at the most swollen site divided by CSA at an unaffected site of the same nerve."""
    return ratio(most_swollen_csa, reference_site_csa)


def side_to_side_ratio(affected: Number, other_side: Number) -> float:
    """A measurement on the affected side divided by the same measurement on the other side."""
    return ratio(affected, other_side)
