"""What each annotation kind measures: one function per geometry, registered in ``case.kinds``.

A measurer gets the points in image pixels with the mm per pixel of x and y (1 and 1 with
pixel units when uncalibrated) and returns readings; ``case.measure`` turns them into
``Measurement`` rows. Points are scaled *before* computing, so non-square pixels give exact
lengths, areas and angles.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from annotator.case import architecture_geometry as arch
from annotator.case import geometry, intensity
from annotator.media.calibration import Region

Point = tuple[float, float]
EXTRAPOLATED = "extrapolated beyond the image"


@dataclass(frozen=True)
class Reading:
    """One value a kind gives on a frame."""

    quantity: str
    value: float
    unit: str
    note: str = ""
    extrapolated: bool = False


@dataclass(frozen=True)
class Ruler:
    """The points to measure and how to turn pixels into units."""

    points: Sequence[Point]  # image pixels
    sx: float  # mm per pixel along x (1.0 when uncalibrated)
    sy: float
    length_unit: str  # "mm" or "px"
    area_unit: str  # "mm2" or "px2"
    why: str  # why the units are pixels ("" when calibrated)
    image: np.ndarray | None = None  # the frame, for grey-level statistics
    image_size: tuple[int, int] | None = None  # (width, height), to tell extrapolation
    #: the scanner's image the points lie in (a declared DICOM ultrasound region, else the
    #: B-mode image found in a frame that declares none), if any: a fascicle leaving it is
    #: extrapolated even where the frame goes on (black margins, text)
    image_region: Region | None = None

    @property
    def scaled(self) -> list[Point]:
        return geometry.scale_points(self.points, self.sx, self.sy)

    @property
    def angle_note(self) -> str:
        return self.why and f"{self.why}; angle in pixel space (square pixels assumed)"


Measurer = Callable[[Ruler], list[Reading]]


def measure_path(r: Ruler) -> list[Reading]:
    """A caliper or polyline: its length."""
    return [Reading("length", geometry.path_length(r.scaled), r.length_unit, r.why)]


def measure_angle(r: Ruler) -> list[Reading]:
    value = geometry.angle_deg(*r.scaled[:3])
    return [] if value is None else [Reading("angle", value, "deg", r.angle_note)]


def measure_outline(r: Ruler) -> list[Reading]:
    """A trace: area, perimeter, and grey levels inside when the frame is given."""
    scaled = r.scaled
    out = [Reading("area", geometry.polygon_area(scaled), r.area_unit, r.why),
           Reading("perimeter", geometry.path_length(scaled, closed=True), r.length_unit, r.why)]
    if r.image is not None:
        out.extend(grey_readings(intensity.polygon_mask(r.points, *r.image.shape[:2]), r.image))
    return out


def measure_ellipse(r: Ruler) -> list[Reading]:
    axes = geometry.ellipse_axes(r.points)
    major, minor = geometry.scaled_semi_axes(axes, r.sx, r.sy)
    out = [Reading("area", np.pi * major * minor, r.area_unit, r.why),
           Reading("perimeter", geometry.ellipse_perimeter(major, minor), r.length_unit, r.why),
           Reading("major_axis", 2.0 * major, r.length_unit, r.why),
           Reading("minor_axis", 2.0 * minor, r.length_unit, r.why)]
    if r.image is not None:
        out.extend(grey_readings(intensity.ellipse_mask(axes, *r.image.shape[:2]), r.image))
    return out


def measure_thickness(r: Ruler) -> list[Reading]:
    value = arch.thickness(r.scaled)
    return [] if value is None else [Reading("thickness", value, r.length_unit, r.why)]


def measure_pennation(r: Ruler) -> list[Reading]:
    """The pennation angle with the angles of both lines."""
    angles = arch.pennation(r.scaled)
    if angles is None:
        return []
    return [Reading(q, v, "deg", r.angle_note)
            for q, v in zip(("pennation", "fascicle_angle", "aponeurosis_angle"), angles, strict=True)]


def measure_fascicle(r: Ruler) -> list[Reading]:
    """The fascicle length between the aponeuroses (extended where it leaves the image) and
    its pennation to the deep aponeurosis."""
    ends = arch.fascicle_ends(r.points)  # intersections are affine-invariant: find them in px
    if ends is None:
        return []
    size = r.image_size
    if size is None and r.image is not None:
        size = (int(r.image.shape[1]), int(r.image.shape[0]))
    outside = _share_outside(ends, size, r.image_region)
    end_mm = geometry.scale_points(ends, r.sx, r.sy)
    extrapolated = f"{EXTRAPOLATED} ({outside:.0%} of its length)" if outside else ""
    note = "; ".join(n for n in (r.why, extrapolated) if n)
    out = [Reading("fascicle_length", math.dist(*end_mm), r.length_unit, note, outside > 0.0)]
    scaled = r.scaled
    angles = arch.pennation([scaled[0], scaled[1], scaled[4], scaled[5]])
    if angles is not None:
        out.append(Reading("pennation", angles[0], "deg", r.angle_note))
    return out


def _share_outside(ends: tuple[Point, Point], size: tuple[int, int] | None, region: Region | None) -> float:
    """How much of the fascicle between ``ends`` lies outside the image (pixel centres 0 to
    size - 1) and the scanner's image ``region`` in it (``Region.contains``); 0 when neither
    is known."""
    x0, y0, x1, y1 = -math.inf, -math.inf, math.inf, math.inf
    if size is not None:
        x0, y0, x1, y1 = 0.0, 0.0, size[0] - 1.0, size[1] - 1.0
    if region is not None:
        x0, y0 = max(x0, region.x0 - 0.5), max(y0, region.y0 - 0.5)
        x1, y1 = min(x1, region.x1 + 0.5), min(y1, region.y1 + 0.5)
    return arch.share_outside(ends[0], ends[1], x0, y0, x1, y1)


def grey_readings(masked: tuple[np.ndarray, int, int, bool], image: np.ndarray) -> list[Reading]:
    stats = intensity.grey_stats(image, *masked)
    if stats is None:
        return []
    notes = []
    if stats.from_colour:
        notes.append("colour pixels: grey = Rec. 601 luma")
    if stats.marks_left_out:
        notes.append(f"{stats.marks_left_out} pixels of coloured marks left out")
    if stats.clipped:
        notes.append("part of the shape lies outside the image")
    note = "; ".join(notes)
    return [
        Reading("mean_intensity", stats.mean, "grey", note),
        Reading("sd_intensity", stats.sd, "grey", note),
        Reading("min_intensity", stats.min, "grey", note),
        Reading("max_intensity", stats.max, "grey", note),
        Reading("pixel_count", stats.count, "count", note),
    ]


# -- what was measured, as a path (for hit testing and the DICOM SR) ---------------------------
def thickness_path(points: Sequence[Point]) -> list[Point] | None:
    """The perpendicular between the two boundaries."""
    feet = arch.thickness_feet(points) if len(points) >= 4 else None
    return None if feet is None else list(feet)


def fascicle_path(points: Sequence[Point]) -> list[Point] | None:
    """The fascicle between the aponeuroses."""
    ends = arch.fascicle_ends(points) if len(points) >= 6 else None
    return None if ends is None else list(ends)


def pennation_path(points: Sequence[Point]) -> list[Point] | None:
    """The two arms of the pennation angle from where they meet."""
    if len(points) < 4:
        return None
    f0, f1, a0, a1 = points[:4]
    n = math.dist(f0, f1)
    along = ((f1[0] - f0[0]) / n, (f1[1] - f0[1]) / n) if n else (0.0, 0.0)
    vertex = None if n == 0 else arch.line_intersection(f0, along, a0, a1)
    if vertex is None:
        return None
    far_f = max((f0, f1), key=lambda p: math.dist(p, vertex))
    far_a = max((a0, a1), key=lambda p: math.dist(p, vertex))
    return [far_f, vertex, far_a]
