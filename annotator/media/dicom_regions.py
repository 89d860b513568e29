"""Calibration from a DICOM header: the Sequence of Ultrasound Regions, else Pixel Spacing.

Every region item becomes a ``Region`` (spatial or not), with Physical Delta taken as an
absolute value (a negative delta only says the axis points up or left). Pixel Spacing or Imager
Pixel Spacing is used only when the file has no region at all: the two are never mixed.
Enhanced multi-frame files may carry Pixel Measures per frame (or in the shared functional
groups); when frames differ, each frame gets its own calibration.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from annotator.media.calibration import (
    SOURCE_PIXEL_SPACING,
    SOURCE_US_REGION,
    UNIT_CM,
    UNIT_NONE,
    Region,
)

Regions = tuple[Region, ...]


def _number(item: Dataset, keyword: str, default: float | None = None) -> float | None:
    value = item.get(keyword)
    if value is None or value == "":
        return default
    if isinstance(value, (list, tuple, MultiValue)):
        value = value[0] if len(value) else None
        if value is None:
            return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _int(item: Dataset, keyword: str, default: int | None = None) -> int | None:
    number = _number(item, keyword)
    return default if number is None else int(number)


def region_from_item(item: Dataset) -> Region | None:
    """One Sequence of Ultrasound Regions item; None when it has no location."""
    x0, y0 = _int(item, "RegionLocationMinX0"), _int(item, "RegionLocationMinY0")
    x1, y1 = _int(item, "RegionLocationMaxX1"), _int(item, "RegionLocationMaxY1")
    if x0 is None or y0 is None or x1 is None or y1 is None:
        return None
    delta_x = _number(item, "PhysicalDeltaX", 0.0) or 0.0
    delta_y = _number(item, "PhysicalDeltaY", 0.0) or 0.0
    return Region(
        x0=min(x0, x1), y0=min(y0, y1), x1=max(x0, x1), y1=max(y0, y1),
        units_x=_int(item, "PhysicalUnitsXDirection", UNIT_NONE) or UNIT_NONE,
        units_y=_int(item, "PhysicalUnitsYDirection", UNIT_NONE) or UNIT_NONE,
        delta_x=abs(delta_x),
        delta_y=abs(delta_y),
        spatial_format=_int(item, "RegionSpatialFormat", 0) or 0,
        data_type=_int(item, "RegionDataType", 0) or 0,
        source=SOURCE_US_REGION,
        reference_x0=_int(item, "ReferencePixelX0"),
        reference_y0=_int(item, "ReferencePixelY0"),
    )


def ultrasound_regions(ds: Dataset) -> Regions:
    items = ds.get("SequenceOfUltrasoundRegions") or ()
    regions = (region_from_item(item) for item in items)
    return tuple(r for r in regions if r is not None)


def _spacing(values: Any) -> tuple[float, float] | None:
    """(row spacing, column spacing) in mm when both are positive numbers."""
    try:
        row, col = float(values[0]), float(values[1])
    except (TypeError, ValueError, IndexError):
        return None
    if not (row > 0 and col > 0 and math.isfinite(row) and math.isfinite(col)):
        return None
    return row, col


def _spacing_region(spacing: tuple[float, float], width: int, height: int) -> Region:
    row_mm, col_mm = spacing
    return Region(
        0, 0, width - 1, height - 1, UNIT_CM, UNIT_CM, col_mm / 10.0, row_mm / 10.0,
        spatial_format=1, data_type=1, source=SOURCE_PIXEL_SPACING,
    )


def _pixel_measures_spacing(group: Dataset | None) -> tuple[float, float] | None:
    if group is None:
        return None
    measures = group.get("PixelMeasuresSequence") or ()
    return _spacing(measures[0].get("PixelSpacing")) if measures else None


def _first(seq: Sequence[Dataset] | None) -> Dataset | None:
    return seq[0] if seq else None


def pixel_spacing(ds: Dataset) -> tuple[float, float] | None:
    """Pixel Spacing, else Imager Pixel Spacing, else the shared functional groups' Pixel Measures."""
    return (
        _spacing(ds.get("PixelSpacing"))
        or _spacing(ds.get("ImagerPixelSpacing"))
        or _pixel_measures_spacing(_first(ds.get("SharedFunctionalGroupsSequence")))
    )


def declared_pixel_shape(ds: Dataset) -> tuple[float, float] | None:
    """(width, height) of a pixel from Pixel Aspect Ratio (0028,0034), which gives the
    vertical size first; None when absent, malformed or square."""
    values = ds.get("PixelAspectRatio")
    try:
        vertical, horizontal = float(values[0]), float(values[1])
    except (TypeError, ValueError, IndexError, KeyError):
        return None
    if not (vertical > 0 and horizontal > 0 and math.isfinite(vertical) and math.isfinite(horizontal)):
        return None
    return None if vertical == horizontal else (horizontal, vertical)


def parse_calibration(ds: Dataset, width: int, height: int, frames: int) -> tuple[Regions, list[Regions] | None]:
    """The file's regions, and a per-frame list when frames are calibrated differently."""
    regions = ultrasound_regions(ds)
    has_us_regions = bool(regions)
    spacing = None if regions else pixel_spacing(ds)
    if not regions and spacing is not None:
        regions = (_spacing_region(spacing, width, height),)
    per_frame_items = ds.get("PerFrameFunctionalGroupsSequence") or ()
    if len(per_frame_items) != frames or frames < 2:
        return regions, None
    per_frame: list[Regions] = []
    for item in per_frame_items:
        own = ultrasound_regions(item)
        if not own and not has_us_regions:  # never mix regions and pixel spacing
            own_spacing = _pixel_measures_spacing(item)
            own = (_spacing_region(own_spacing, width, height),) if own_spacing else ()
        per_frame.append(own or regions)
    if all(r == per_frame[0] for r in per_frame):
        return per_frame[0], None
    return per_frame[0], per_frame
