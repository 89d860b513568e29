"""What one painted picture shows (FrameScene) and how it differs between screen and export."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from annotator.case.model import Annotation
from annotator.media.calibration import Calibration, Region


class MeasurementLike(Protocol):
    """What the painter needs of a measurement (``annotator.case.measure.Measurement``)."""

    @property
    def quantity(self) -> str: ...

    def display(self) -> str: ...


#: measure(annotation, frame) -> measurements; the painter shows the primary one's ``display()``
MeasureFn = Callable[[Annotation, int], Sequence[MeasurementLike]]


@dataclass
class FrameScene:
    """One frame of one media with the annotations to draw over it."""

    image: np.ndarray  # RGB uint8 (h, w, 3) of the frame
    frame: int
    time_ms: float
    annotations: Sequence[Annotation]  # of this media; those on ``frame`` are drawn
    calibration: Calibration  # for the scale bar and region outlines
    measure: MeasureFn | None = None  # values next to shapes; None = no values
    #: (x, y, w, h) image pixels painted black before anything else (case redactions)
    redactions: Sequence[tuple[int, int, int, int]] = ()
    #: the B-mode image found in a frame that declares none (``media.bmode_area``), outlined
    #: with the regions: a fascicle running past it is extrapolated
    found_image: Region | None = None

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class RenderOptions:
    """What differs between the screen and each export; sizes are in device pixels at 96 dpi."""

    show_handles: bool = False  # screen only
    selected: frozenset[str] = frozenset()
    hover: str | None = None
    hidden: frozenset[str] = frozenset()
    show_labels: bool = True
    show_values: bool = True
    scale_bar: bool = True
    timestamp: bool = False
    region_outlines: bool = False
    symbol_scale: float = 1.0  # multiplies line widths, handle and font sizes (print > 1)
    pixelated: bool = False  # nearest-neighbour magnification (screen zoom to inspect pixels)
    #: a warning sign and a few words on a value that is not in mm on a calibrated image
    value_warnings: bool = True
    #: the screen while a clip plays: shapes without antialiasing (a quarter of a frame's paint
    #: time with 20 annotations, ADR 0007); the frame it stops on, and every export, in full
    draft: bool = False
    # non-square pixels are the transform's business (``render.transform``), not an option
