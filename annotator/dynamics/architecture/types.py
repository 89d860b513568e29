"""The results of muscle architecture analysis: fitted lines and one frame's estimate."""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Line:
    """A segment of a fitted line, in image pixels (x right, y down)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def slope(self) -> float:
        """dy/dx in pixels (0 for a vertical segment: lines here are never vertical)."""
        dx = self.x1 - self.x0
        return (self.y1 - self.y0) / dx if dx else 0.0

    def y_at(self, x: float) -> float:
        return self.y0 + (x - self.x0) * self.slope

    def angle_deg(self, mm_per_px: tuple[float, float] = (1.0, 1.0)) -> float:
        """Angle to the image horizontal, positive when the line rises to the right on screen
        (y decreases as x grows), in physical space when pixels are not square."""
        sx, sy = mm_per_px
        deg = math.degrees(math.atan2(-(self.y1 - self.y0) * sy, (self.x1 - self.x0) * sx))
        if deg > 90.0:  # a line has no direction: keep (-90, 90]
            deg -= 180.0
        elif deg <= -90.0:
            deg += 180.0
        return deg

    def points(self) -> list[Point]:
        return [(self.x0, self.y0), (self.x1, self.y1)]

    def shifted(self, dy: float) -> Line:
        return Line(self.x0, self.y0 + dy, self.x1, self.y1 + dy)


@dataclass(frozen=True)
class FrameArchitecture:
    frame: int
    time_ms: float | None
    superficial: Line | None  # fitted superficial aponeurosis, across the analysed width
    deep: Line | None  # fitted deep aponeurosis
    fascicle: Line | None  # the representative fascicle, from the superficial to the deep line
    #: the fascicle's acute angle to the deep aponeurosis (the ``pennation`` kind's angle)
    deep_pennation_deg: float | None
    fascicle_angle_deg: float | None  # alpha; every angle here is to the image horizontal
    deep_angle_deg: float | None  # the deep aponeurosis (gamma)
    thickness: float | None  # mm when calibrated, else px (see unit)
    fascicle_length: float | None
    #: the share (0..1) of the fascicle length outside the image, extrapolated (TimTrack's
    #: extrapolated_fraction); None without a fascicle
    fascicle_extrapolated_fraction: float | None
    unit: str  # "mm" or "px"
    confidence: float  # 0..1
    reason: str | None  # why values are None or the confidence is low
    superficial_angle_deg: float | None = None  # the superficial aponeurosis (beta)
    # how far (image px, vertically) each line's muscle-side edge lies from its crest
    edges: tuple[float, float] = (0.0, 0.0)
    #: the deep aponeurosis fitted straight across the area, when ``deep`` is its tangent
    #: where the fascicle inserts (a still's bending aponeurosis): deep_pennation_deg and
    #: deep_angle_deg refer to this one, as observers' gamma and a clip's line do
    deep_overall: Line | None = None
    #: the image column thickness was measured at (near the edge where the fascicles reach
    #: the deep aponeurosis: ``estimate.thickness_column``)
    thickness_x: float | None = None

    @property
    def fascicle_extrapolated(self) -> bool:
        """Whether the fascicle length runs past the image (extended along its line)."""
        return bool(self.fascicle_extrapolated_fraction)

    @property
    def pennation_deg(self) -> float | None:
        """The row's pennation: the fascicle's acute angle to the superficial aponeurosis,
        alpha - beta as the observers measure it and TimTrack's phi (the deep aponeurosis
        lies 1.7-3.3 degrees off it on average on their images: ``deep_pennation_deg``)."""
        if self.fascicle_angle_deg is None or self.superficial_angle_deg is None:
            return None
        return acute_deg(self.fascicle_angle_deg - self.superficial_angle_deg)

    def inner_lines(self) -> tuple[Line, Line] | None:
        """The aponeuroses' muscle-side edges, between which thickness and fascicle length
        are measured."""
        if self.superficial is None or self.deep is None:
            return None
        return self.superficial.shifted(self.edges[0]), self.deep.shifted(-self.edges[1])

    @classmethod
    def empty(cls, frame: int, time_ms: float | None, unit: str, reason: str) -> FrameArchitecture:
        return cls(frame, time_ms, None, None, None, None, None, None, None, None, None, unit, 0.0, reason)

    def to_row(self) -> dict[str, object]:
        """One row of ``us-annotator architecture --json``: lengths keyed by their unit."""
        suffix = "mm" if self.unit == "mm" else "px"
        row: dict[str, object] = {
            "frame": self.frame,
            "time_ms": _num(self.time_ms),
            "pennation_deg": _num(self.pennation_deg),
            "fascicle_angle_deg": _num(self.fascicle_angle_deg),
            "aponeurosis_angle_deg": _num(self.superficial_angle_deg),
            "deep_pennation_deg": _num(self.deep_pennation_deg),
            "deep_aponeurosis_angle_deg": _num(self.deep_angle_deg),
            f"thickness_{suffix}": _num(self.thickness),
            f"fascicle_length_{suffix}": _num(self.fascicle_length),
            "fascicle_extrapolated": self.fascicle_extrapolated,
            "fascicle_extrapolated_fraction": _num(self.fascicle_extrapolated_fraction),
            "confidence": round(float(self.confidence), 3),
        }
        if self.reason:
            row["reason"] = self.reason
        return row


def acute_deg(deg: float) -> float:
    """The acute angle (0..90) between two lines ``deg`` apart."""
    a = abs(deg) % 180.0
    return 180.0 - a if a > 90.0 else a


def _num(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 3)
