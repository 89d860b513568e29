"""Physical calibration of image pixels: DICOM ultrasound regions, Pixel Spacing, manual.

Coordinates are image pixels: x to the right, y down, pixel centres at integer coordinates.
A length or area is calibrated only when all its points lie in one spatial region whose X and
Y units are both cm; anything else stays in pixels with a reason (see ``Calibration.scale_for``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# DICOM Physical Units X/Y Direction (0018,6024/6026)
UNIT_NONE, UNIT_PERCENT, UNIT_DB, UNIT_CM, UNIT_SECONDS, UNIT_HZ = 0, 1, 2, 3, 4, 5
UNIT_DB_PER_S, UNIT_CM_PER_S, UNIT_CM2, UNIT_CM2_PER_S, UNIT_DEGREES = 6, 7, 8, 9, 0x0C
UNIT_NAMES = {
    0: "none", 1: "%", 2: "dB", 3: "cm", 4: "s", 5: "Hz", 6: "dB/s", 7: "cm/s",
    8: "cm2", 9: "cm2/s", 0x0A: "cm3", 0x0B: "cm3/s", 0x0C: "deg",
}
# Region Spatial Format (0018,6012)
SPATIAL_FORMAT_NAMES = {0: "none", 1: "2D", 2: "M-mode", 3: "spectral", 4: "waveform", 5: "graphics"}
# Region Data Type (0018,6014), the common ones
DATA_TYPE_NAMES = {
    0: "none", 1: "tissue", 2: "color flow", 3: "PW doppler", 4: "CW doppler",
    5: "doppler mean trace", 6: "doppler mode trace", 7: "doppler max trace",
    8: "volume trace", 9: "d(volume)/dt trace", 0x0A: "ECG", 0x0B: "pulse", 0x0C: "phonocardiogram",
    0x0D: "gray bar", 0x0E: "color bar", 0x0F: "integrated backscatter", 0x10: "area trace",
    0x11: "d(area)/dt", 0x12: "other physiological input",
}

SOURCE_US_REGION = "us-region"
SOURCE_PIXEL_SPACING = "pixel-spacing"
SOURCE_MANUAL = "manual"


_PLAUSIBLE_CM = (1e-7, 100.0)  # a usable pixel size in cm (1 nm to 1 m per pixel)

@dataclass(frozen=True)
class Region:
    """One rectangle of the image with its own physical axes (inclusive pixel bounds)."""

    x0: int
    y0: int
    x1: int
    y1: int
    units_x: int = UNIT_NONE
    units_y: int = UNIT_NONE
    delta_x: float = 0.0  # physical units per pixel (absolute value)
    delta_y: float = 0.0
    spatial_format: int = 1
    data_type: int = 1
    source: str = SOURCE_US_REGION
    reference_x0: int | None = None
    reference_y0: int | None = None
    #: image y (pixel-centre coordinates) where depth is zero, when a manual calibration knows it
    depth_zero_y: float | None = None

    @property
    def is_spatial(self) -> bool:
        """True when both axes are lengths in cm with a usable pixel size.

        A pixel size outside 1e-7..100 cm (a 1e308 from a corrupt header) is no usable scale:
        its lengths would overflow or be meaningless, so such a region gives no length."""
        return (
            self.units_x == UNIT_CM
            and self.units_y == UNIT_CM
            and _PLAUSIBLE_CM[0] <= self.delta_x <= _PLAUSIBLE_CM[1]
            and _PLAUSIBLE_CM[0] <= self.delta_y <= _PLAUSIBLE_CM[1]
        )

    @property
    def mm_per_px_x(self) -> float | None:
        return self.delta_x * 10.0 if self.is_spatial else None

    @property
    def mm_per_px_y(self) -> float | None:
        return self.delta_y * 10.0 if self.is_spatial else None

    def contains(self, x: float, y: float) -> bool:
        # Pixel centres at integer coordinates: a pixel covers [i - 0.5, i + 0.5].
        return self.x0 - 0.5 <= x <= self.x1 + 0.5 and self.y0 - 0.5 <= y <= self.y1 + 0.5

    @property
    def name(self) -> str:
        """What the region shows, e.g. "2D tissue region" or "waveform ECG region"."""
        fmt = SPATIAL_FORMAT_NAMES.get(self.spatial_format, str(self.spatial_format))
        dtype = DATA_TYPE_NAMES.get(self.data_type, hex(self.data_type))
        return f"{fmt} {dtype} region"

    @property
    def description(self) -> str:
        ux = UNIT_NAMES.get(self.units_x, str(self.units_x))
        uy = UNIT_NAMES.get(self.units_y, str(self.units_y))
        return f"{self.name} ({ux} x {uy})"

    def to_json(self) -> dict[str, object]:
        """The ``info --json`` shape of a spatially calibrated region."""
        return {
            "x0": self.x0, "y0": self.y0, "x1": self.x1, "y1": self.y1,
            "mm_per_px_x": self.mm_per_px_x, "mm_per_px_y": self.mm_per_px_y,
            "source": self.source,
        }

    def to_json_other(self) -> dict[str, object]:
        """The ``info --json`` shape of a region that never gives a length."""
        return {
            "x0": self.x0, "y0": self.y0, "x1": self.x1, "y1": self.y1,
            "spatial_format": SPATIAL_FORMAT_NAMES.get(self.spatial_format, self.spatial_format),
            "data_type": DATA_TYPE_NAMES.get(self.data_type, self.data_type),
            "units_x": UNIT_NAMES.get(self.units_x, self.units_x),
            "units_y": UNIT_NAMES.get(self.units_y, self.units_y),
            "delta_x": self.delta_x, "delta_y": self.delta_y,
        }


@dataclass(frozen=True)
class ManualCalibration:
    """A user's calibration: two points a known distance apart, or a given mm per pixel.

    Isotropic (square pixels assumed), since one line gives one scale. Applies to the whole
    image unless ``bounds`` (x0, y0, x1, y1) restricts it.
    """

    mm_per_px: float
    p0: tuple[float, float] | None = None
    p1: tuple[float, float] | None = None
    distance_mm: float | None = None
    bounds: tuple[int, int, int, int] | None = None
    #: the ruler's zero (image pixels): where depth is measured from; None when not known
    depth_zero: tuple[float, float] | None = None

    @classmethod
    def from_line(
        cls, p0: tuple[float, float], p1: tuple[float, float], distance_mm: float,
        depth_zero: tuple[float, float] | None = None,
    ) -> ManualCalibration:
        length_px = math.dist(p0, p1)
        if length_px < 1.0:
            raise ValueError("calibration line is shorter than one pixel")
        if not (distance_mm > 0 and math.isfinite(distance_mm)):
            raise ValueError("calibration distance must be a positive number of mm")
        zero = None if depth_zero is None else (float(depth_zero[0]), float(depth_zero[1]))
        return cls(distance_mm / length_px, tuple(p0), tuple(p1), float(distance_mm), None, zero)  # type: ignore[arg-type]

    def as_region(self, width: int, height: int) -> Region:
        x0, y0, x1, y1 = self.bounds if self.bounds else (0, 0, width - 1, height - 1)
        d = self.mm_per_px / 10.0
        zero_y = None if self.depth_zero is None else self.depth_zero[1]
        return Region(x0, y0, x1, y1, UNIT_CM, UNIT_CM, d, d, 1, 1, SOURCE_MANUAL, depth_zero_y=zero_y)


@dataclass(frozen=True)
class Scale:
    """How to turn pixel offsets into mm for one measurement, or why that is not possible."""

    mm_per_px_x: float | None
    mm_per_px_y: float | None
    source: str | None  # "us-region", "pixel-spacing", "manual" or None
    region_index: int | None = None
    reason: str = ""  # why uncalibrated; empty when calibrated

    @property
    def calibrated(self) -> bool:
        return self.mm_per_px_x is not None and self.mm_per_px_y is not None

    def length_mm(self, p: Sequence[float], q: Sequence[float]) -> float:
        assert self.mm_per_px_x is not None and self.mm_per_px_y is not None
        return math.hypot((q[0] - p[0]) * self.mm_per_px_x, (q[1] - p[1]) * self.mm_per_px_y)


def _same_scale(a: Region, b: Region) -> bool:
    return math.isclose(a.delta_x, b.delta_x, rel_tol=1e-6) and math.isclose(a.delta_y, b.delta_y, rel_tol=1e-6)


UNCALIBRATED_NO_CALIBRATION = "no calibration: the image has no spatial region or pixel spacing"


@dataclass(frozen=True)
class Calibration:
    """All regions of one image (or one frame), spatial or not, and how points map to mm."""

    regions: tuple[Region, ...] = field(default_factory=tuple)
    #: (width, height) of a pixel relative to each other, declared by a file that gives no
    #: lengths (DICOM Pixel Aspect Ratio, a video's sample aspect ratio); None = not declared
    pixel_shape: tuple[float, float] | None = None

    @property
    def spatial_regions(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if r.is_spatial)

    @property
    def other_regions(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if not r.is_spatial)

    def scanner_image_roi(self) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1), x1 and y1 exclusive: the largest 2D region the scanner declared
        (DICOM ultrasound regions), the B-mode image itself, known rather than guessed (a dark
        image under a bright text header, or one of two side-by-side images, fools a search);
        None without one (a pixel spacing or a manual calibration covers the whole frame and
        says nothing of where the image is)."""
        declared = [r for r in self.spatial_regions if r.source == SOURCE_US_REGION]
        if not declared:
            return None
        r = max(declared, key=lambda g: (g.x1 - g.x0 + 1) * (g.y1 - g.y0 + 1))
        return int(r.x0), int(r.y0), int(r.x1) + 1, int(r.y1) + 1

    def analysis_scale(self, roi: tuple[int, int, int, int] | None, width: int,
                       height: int) -> tuple[tuple[float, float] | None, str | None, bool]:
        """What an automatic analysis of the image at ``roi`` (the whole ``width`` x ``height``
        frame without one) measures in: (mm per px in x and y, or None; why not, or None;
        whether it is tissue at all). The region holding the rectangle's centre counts (a
        scanner's region before a manual calibration, which applies only where no region
        does); a centre in a Doppler or M-mode region of a file with no 2D region is not
        tissue. The app's analysis and the ``architecture`` command both ask this."""
        x0, y0, x1, y1 = roi or (0, 0, width, height)
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        region = self.region_at(cx, cy)
        if region is not None and region.mm_per_px_x is not None and region.mm_per_px_y is not None:
            return (region.mm_per_px_x, region.mm_per_px_y), None, True
        others = [r for r in self.other_regions if r.contains(cx, cy)]
        if others and not self.spatial_regions:
            return None, f"the image centre lies in a {others[0].name}, not a 2D tissue image", False
        return None, "uncalibrated: no 2D ultrasound region or calibration", True

    @property
    def source(self) -> str | None:
        """The calibration source of the image as a whole (None when uncalibrated)."""
        spatial = self.spatial_regions
        return spatial[0].source if spatial else None

    def region_index_at(self, x: float, y: float) -> int | None:
        """Index (into ``regions``) of the region holding the point.

        A manual calibration yields to every region of the file (it applies only where no
        region does); then spatial regions win over others (a colour-flow box drawn over
        B-mode is still tissue geometry), then the smallest one (an inset inside an image).
        """
        candidates = [
            (r.source == SOURCE_MANUAL, not r.is_spatial, (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1), i)
            for i, r in enumerate(self.regions)
            if r.contains(x, y)
        ]
        return min(candidates)[3] if candidates else None

    def region_at(self, x: float, y: float) -> Region | None:
        i = self.region_index_at(x, y)
        return None if i is None else self.regions[i]

    def scale_for(self, points: Iterable[Sequence[float]]) -> Scale:
        """The scale for a measurement through ``points``: one spatial region holds them all."""
        pts = [tuple(p) for p in points]
        if not self.spatial_regions:
            if self.regions:
                kinds = ", ".join(sorted({r.description for r in self.regions}))
                return Scale(None, None, None, None, f"no spatial calibration (only {kinds})")
            return Scale(None, None, None, None, UNCALIBRATED_NO_CALIBRATION)
        if not pts:
            return Scale(None, None, None, None, "no points")
        found = [self.region_index_at(p[0], p[1]) for p in pts]
        indices = {i for i in found if i is not None}
        if None in found:
            return Scale(None, None, None, None, self._why_outside(indices))
        if len(indices) > 1:
            common = self._common_region(pts, indices)
            if common is None:
                return Scale(None, None, None, None, self._why_mixed(indices))
            indices = {common}
        (idx,) = indices
        region = self.regions[idx]
        if not region.is_spatial:
            return Scale(None, None, None, idx, f"points lie in a {region.description}, not a 2D length region")
        return Scale(region.mm_per_px_x, region.mm_per_px_y, region.source, idx)

    def _why_outside(self, indices: set[int]) -> str:
        """Why points of which some lie in no region at all give no length."""
        touched = [self.regions[i] for i in sorted(indices)]
        spatial = [r for r in touched if r.is_spatial]
        other = [r for r in touched if not r.is_spatial]
        if other and spatial:  # the non-length region is the more telling part
            return f"a point lies in a {other[0].name}, not in the {spatial[0].name}"
        if other:
            return f"a point lies outside every region (another lies in a {other[0].name})"
        if len(spatial) == 1:
            return f"a point lies outside the calibrated {spatial[0].name}"
        if spatial:
            return "a point lies outside every calibrated region"
        return "the points lie outside every calibrated region"

    def _why_mixed(self, indices: set[int]) -> str:
        """Why points that lie in several regions give no length."""
        touched = [self.regions[i] for i in sorted(indices)]
        spatial = [r for r in touched if r.is_spatial]
        other = [r for r in touched if not r.is_spatial]
        if other and spatial:
            return f"a point lies in a {other[0].name}, not in the {spatial[0].name}"
        if other:
            names = " and a ".join(dict.fromkeys(r.name for r in other))
            return f"the points lie in a {names}, none of them a 2D length region"
        return "points lie in different regions with different scales"

    def _common_region(self, pts: list[tuple[float, ...]], indices: set[int]) -> int | None:
        """One spatial region holding every point when the points' own regions share its scale.

        A caliper from a colour-flow box out into the B-mode image around it measures in one
        geometry; one from a zoomed inset into the image around it does not.
        """
        touched = [self.regions[i] for i in indices]
        if not all(r.is_spatial for r in touched):
            return None
        holding = [
            (r.source == SOURCE_MANUAL, (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1), i)
            for i, r in enumerate(self.regions)
            if r.is_spatial and all(r.contains(p[0], p[1]) for p in pts)
        ]
        if not holding:
            return None
        best = self.regions[min(holding)[2]]
        if all(_same_scale(r, best) for r in touched):
            return min(holding)[2]
        return None

    def with_manual(self, manual: ManualCalibration | None, width: int, height: int) -> Calibration:
        """The calibration with a manual one added (it applies only where no region does)."""
        if manual is None:
            return self
        return Calibration((*self.regions, manual.as_region(width, height)), self.pixel_shape)
