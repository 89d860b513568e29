"""Raster figures: PNG and TIFF (lossless, resolution recorded) and JPEG.

Written with Pillow from the rendered pixels only, so no metadata but the resolution leaves the
tool: no text chunks, no EXIF, no dates, no software or author tags.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from PIL import Image
from PySide6.QtGui import QImage

from annotator.export.context import ExportContext
from annotator.export.figure import FigurePlan, figure_spec_from_options, plan_figure, render_plan
from annotator.render import qimage_to_numpy

RASTER_FORMATS = {".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".jpg": "JPEG", ".jpeg": "JPEG"}


def save_raster(image: QImage, path: Path | BinaryIO, fmt: str, dpi: float) -> None:
    """Save ``image`` as PNG, TIFF or JPEG with ``dpi`` recorded and nothing else."""
    pil = Image.fromarray(qimage_to_numpy(image))
    if fmt == "PNG":
        pil.save(path, format="PNG", dpi=(dpi, dpi), compress_level=6)
    elif fmt == "TIFF":
        pil.save(path, format="TIFF", dpi=(dpi, dpi), compression="tiff_lzw")
    elif fmt == "JPEG":
        pil.save(path, format="JPEG", dpi=(dpi, dpi), quality=95, subsampling=0)
    else:
        raise ValueError(f"unknown raster format {fmt!r}")


def write_raster_figure(ctx: ExportContext, path: Path, suffix: str) -> FigurePlan:
    """The case's figure (per the export options) as a raster file."""
    spec = figure_spec_from_options(ctx)
    plan = plan_figure(spec, ctx)
    save_raster(render_plan(plan, ctx), path, RASTER_FORMATS[suffix.lower()], spec.dpi)
    return plan
