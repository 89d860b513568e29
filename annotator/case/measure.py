"""Measurements of annotations in calibrated millimetres, or clearly labelled pixels.

Every measurement scales the points by the mm per pixel of x and y *before* computing, so
non-square pixels give exact lengths, areas and angles. Points in different regions, or in a
region that is not a 2D length region (Doppler, M-mode, ECG), or on an image without
calibration, give pixel units with ``note`` saying why. Full precision is kept in ``value``;
``display()`` rounds for people.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from annotator.case.kind_measures import Ruler
from annotator.case.kinds import PRIMARY_QUANTITY as PRIMARY_QUANTITY  # re-exported
from annotator.case.kinds import kind_spec
from annotator.case.model import Annotation, Point
from annotator.media.calibration import SOURCE_US_REGION, Calibration, Region, Scale

UNITS: tuple[str, ...] = ("mm", "mm2", "deg", "px", "px2", "grey", "count", "ratio", "%")
QUANTITIES: tuple[str, ...] = (
    "length", "area", "perimeter", "angle", "major_axis", "minor_axis",
    "mean_intensity", "sd_intensity", "min_intensity", "max_intensity", "pixel_count",
    "thickness", "pennation", "fascicle_angle", "aponeurosis_angle", "fascicle_length",
)
#: the unit family of each quantity that is not a length ("length" = mm or px)
ANGLE_QUANTITIES = frozenset({"angle", "pennation", "fascicle_angle", "aponeurosis_angle"})
_UNIT_SUFFIX = {"mm": " mm", "mm2": " mm²", "deg": "°", "px": " px", "px2": " px²", "grey": "", "%": "%", "ratio": ""}
_UNCALIBRATED_UNITS = frozenset({"px", "px2"})


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
    found_image: Callable[[], Region | None] | None = None,
) -> list[Measurement]:
    """The measurements of ``annotation`` on ``frame`` (empty if it is not on that frame).

    ``image`` (grey (h, w) or colour (h, w, 3|4)) adds grey-level statistics for polygons and
    ellipses: mean, sample SD, min, max and the count of pixels whose centres lie inside.
    ``image_size`` (width, height; else the image's) tells whether a fascicle is extrapolated;
    so does the B-mode image ``found_image`` gives, asked only for a kind that extrapolates on
    a frame that declares no image (``annotator.media.bmode_area.found_image_region``: a
    scanner's screen saved as a video or a still), as the muscle architecture analysis judges it.
    """
    points = annotation.points_at(frame)
    spec = kind_spec(annotation.kind)
    if points is None or spec is None or spec.measure is None:
        return []
    scale = scale_of(calibration, annotation.kind, points)
    length_unit, area_unit, why = _units(scale)
    sx, sy = (scale.mm_per_px_x, scale.mm_per_px_y) if scale.calibrated else (1.0, 1.0)
    assert sx is not None and sy is not None
    source = scale.source if scale.calibrated else None
    image_region = _scanner_region(calibration, scale)
    if image_region is None and found_image is not None and spec.extrapolates and calibration.scanner_image_roi() is None:
        image_region = found_image()  # no declared image anywhere: the one found in the pixels
    ruler = Ruler(points, sx, sy, length_unit, area_unit, why, image, image_size, image_region)
    return [Measurement(annotation.id, annotation.media, frame, annotation.kind, r.quantity, float(r.value),
                        r.unit, source, r.note, r.extrapolated) for r in spec.measure(ruler)]


def _scanner_region(calibration: Calibration, scale: Scale) -> Region | None:
    """The scanner's declared image (ultrasound region) the measurement lies in, if any."""
    if scale.region_index is None:
        return None
    region = calibration.regions[scale.region_index]
    return region if region.source == SOURCE_US_REGION else None


def scale_of(calibration: Calibration, kind: str, points: Sequence[Point]) -> Scale:
    """The scale a ``kind`` annotation through ``points`` is measured at: the calibrated region
    holding its points, but for a fascicle's ends (``KindSpec.placing_points``)."""
    spec = kind_spec(kind)
    return calibration.scale_for(spec.placing_points(points) if spec is not None else points)


def _units(scale: Scale) -> tuple[str, str, str]:
    if scale.calibrated:
        return "mm", "mm2", ""
    return "px", "px2", scale.reason or "uncalibrated"


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
