"""Measurements of annotations in calibrated millimetres, or clearly labelled pixels.

Every measurement scales the points by the mm per pixel of x and y *before* computing, so
non-square pixels give exact lengths, areas and angles. Points in different regions, or in a
region that is not a 2D length region (Doppler, M-mode, ECG), or on an image without
calibration, give pixel units with ``note`` saying why. Full precision is kept in ``value``;
``display()`` rounds for people.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from annotator.case import architecture_geometry as arch
from annotator.case import geometry, intensity
from annotator.case.model import ARCHITECTURE_KINDS, Annotation, Point
from annotator.media.calibration import Calibration, Scale

UNITS: tuple[str, ...] = ("mm", "mm2", "deg", "px", "px2", "grey", "count", "ratio", "%")
QUANTITIES: tuple[str, ...] = (
    "length", "area", "perimeter", "angle", "major_axis", "minor_axis",
    "mean_intensity", "sd_intensity", "min_intensity", "max_intensity", "pixel_count",
    "thickness", "pennation", "fascicle_angle", "aponeurosis_angle", "fascicle_length",
)
#: the quantity that stands for each kind (the value drawn beside the shape)
PRIMARY_QUANTITY: dict[str, str] = {
    "line": "length", "polyline": "length", "polygon": "area", "ellipse": "area", "angle": "angle",
    "thickness": "thickness", "pennation": "pennation", "fascicle": "fascicle_length",
}
#: the unit family of each quantity that is not a length ("length" = mm or px)
ANGLE_QUANTITIES = frozenset({"angle", "pennation", "fascicle_angle", "aponeurosis_angle"})
EXTRAPOLATED = "extrapolated beyond the image"
_UNIT_SUFFIX = {"mm": " mm", "mm2": " mm²", "deg": "°", "px": " px", "px2": " px²", "grey": "", "%": "%", "ratio": ""}
_UNCALIBRATED_UNITS = frozenset({"px", "px2"})


class _Maker(Protocol):  # ``make`` inside measure_annotation
    def __call__(
        self, quantity: str, value: float, unit: str, note: str = "", extrapolated: bool = False
    ) -> Measurement: ...


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
    #: a fascicle length whose end lies outside the image, extended along its line
    extrapolated: bool = False

    def display(self) -> str:
        """The value for people: one decimal for mm, mm², degrees, grey levels and pixels;
        an extrapolated fascicle length says so."""
        if self.unit == "count":
            return f"{round(self.value):d}"
        if self.unit == "ratio":
            return f"{self.value:.2f}"
        text = f"{self.value:.1f}{_UNIT_SUFFIX.get(self.unit, ' ' + self.unit)}"
        return f"{text} (extrapolated)" if self.extrapolated else text

    @property
    def calibrated(self) -> bool:
        """False for pixel lengths and areas, and for angles measured without a calibration
        (an angle in pixel space is only right if the pixels are square)."""
        if self.unit in _UNCALIBRATED_UNITS:
            return False
        return not (self.unit == "deg" and self.source is None)

    def to_json(self) -> dict[str, object]:
        """The row of ``us-annotator measure --json`` (``extrapolated`` only when true)."""
        row: dict[str, object] = {
            "annotation": self.annotation, "media": self.media, "frame": self.frame,
            "kind": self.kind, "quantity": self.quantity, "value": self.value, "unit": self.unit,
            "source": self.source, "note": self.note,
        }
        if self.extrapolated:
            row["extrapolated"] = True
        return row


def measure_annotation(
    annotation: Annotation,
    frame: int,
    calibration: Calibration,
    image: np.ndarray | None = None,
    image_size: tuple[int, int] | None = None,
) -> list[Measurement]:
    """The measurements of ``annotation`` on ``frame`` (empty if it is not on that frame).

    ``image`` (grey (h, w) or colour (h, w, 3|4)) adds grey-level statistics for polygons and
    ellipses: mean, sample SD, min, max and the count of pixels whose centres lie inside.
    ``image_size`` (width, height; else the image's) tells whether a fascicle is extrapolated.
    """
    points = annotation.points_at(frame)
    kind = annotation.kind
    if points is None or kind not in PRIMARY_QUANTITY:
        return []
    scale = calibration.scale_for(points)

    def make(quantity: str, value: float, unit: str, note: str = "", extrapolated: bool = False) -> Measurement:
        return Measurement(
            annotation.id, annotation.media, frame, kind, quantity, float(value), unit,
            scale.source if scale.calibrated else None, note, extrapolated,
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
    elif kind in ARCHITECTURE_KINDS:
        if image_size is None and image is not None:
            image_size = (int(image.shape[1]), int(image.shape[0]))
        out.extend(_architecture(make, kind, points, (sx, sy), length_unit, why, image_size))
    return out


def _architecture(
    make: _Maker, kind: str, points: Sequence[Point], mm_per_px: tuple[float, float], length_unit: str,
    why: str, image_size: tuple[int, int] | None,
) -> list[Measurement]:
    """Thickness, pennation (with both line angles) and fascicle length with its pennation."""
    scaled = geometry.scale_points(points, *mm_per_px)
    angle_note = why and f"{why}; angle in pixel space (square pixels assumed)"
    if kind == "thickness":
        value = arch.thickness(scaled)
        return [] if value is None else [make("thickness", value, length_unit, why)]
    if kind == "pennation":
        angles = arch.pennation(scaled)
        if angles is None:
            return []
        return [make(q, v, "deg", angle_note)
                for q, v in zip(("pennation", "fascicle_angle", "aponeurosis_angle"), angles, strict=True)]
    ends = arch.fascicle_ends(points)  # intersections are affine-invariant: find them in px
    if ends is None:
        return []
    outside = image_size is not None and any(arch.outside_image(p, *image_size) for p in ends)
    end_mm = geometry.scale_points(ends, *mm_per_px)
    note = "; ".join(n for n in (why, EXTRAPOLATED if outside else "") if n)
    out = [make("fascicle_length", math.dist(*end_mm), length_unit, note, outside)]
    angles = arch.pennation([scaled[0], scaled[1], scaled[4], scaled[5]])
    if angles is not None:
        out.append(make("pennation", angles[0], "deg", angle_note))
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
