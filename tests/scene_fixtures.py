"""Scene fixtures shared by the render and export tests: a grey frame, a calibration, and a fake
measure function."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from annotator.case.model import Annotation
from annotator.media.calibration import UNIT_CM, Calibration, Region
from annotator.render.scene import MeasureFn


@dataclass(frozen=True)
class FakeMeasurement:
    quantity: str
    value: float
    unit: str

    def display(self) -> str:
        return f"{self.value:.1f} {self.unit}"


MM_PER_PX = 0.2


def fake_measure(annotation: Annotation, frame: int) -> Sequence[FakeMeasurement]:
    points = annotation.points_at(frame) or []
    if annotation.kind == "line":
        return [FakeMeasurement("length", math.dist(points[0], points[1]) * MM_PER_PX, "mm")]
    return [FakeMeasurement("area", 1.0, "mm2")]


@pytest.fixture
def measure() -> MeasureFn:
    """A stand-in for CaseDocument.measure: caliper length at 0.2 mm/px."""
    return fake_measure


@pytest.fixture
def grey_frame() -> np.ndarray:
    """A mid-grey 160x120 frame with a gradient, so any drawn stroke changes pixels."""
    x = np.linspace(60, 140, 160, dtype=np.float64)
    grey = np.repeat(x[None, :], 120, axis=0).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


@pytest.fixture
def calibration() -> Calibration:
    d = MM_PER_PX / 10.0
    return Calibration((Region(0, 0, 159, 119, UNIT_CM, UNIT_CM, d, d),))
