"""Raster figures: PNG and TIFF (lossless, resolution recorded) and JPEG.

Written with Pillow from the rendered pixels only, so no metadata but the resolution and the
figure's (de-identified) caption leaves the tool: the caption as a PNG "Description" text chunk,
a TIFF ImageDescription or a JPEG comment; no EXIF, no dates, no software or author tags.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import BinaryIO

from PIL import Image, PngImagePlugin
from PySide6.QtGui import QImage

from annotator.export.context import ExportContext
from annotator.export.figure import FigurePlan, figure_spec_from_options, plan_figure, render_plan
from annotator.render import qimage_to_numpy

RASTER_FORMATS = {".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".jpg": "JPEG", ".jpeg": "JPEG"}


TIFF_IMAGE_DESCRIPTION = 270
_ASCII = {"²": "2", "³": "3", "°": " deg", "±": "+/-", "—": "-", "–": "-", "×": "x", "µ": "u"}


def ascii_text(text: str) -> str:
    """TIFF's ImageDescription is ASCII: mm² becomes mm2, 45° becomes 45 deg, accents go."""
    for char, plain in _ASCII.items():
        text = text.replace(char, plain)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def save_raster(image: QImage, path: Path | BinaryIO, fmt: str, dpi: float, description: str = "") -> None:
    """Save ``image`` as PNG, TIFF or JPEG with ``dpi`` recorded, and ``description`` (the
    caption, already de-identified) when given; nothing else."""
    pil = Image.fromarray(qimage_to_numpy(image))
    if fmt == "PNG":
        info = None
        if description:
            info = PngImagePlugin.PngInfo()
            info.add_itxt("Description", description)
        pil.save(path, format="PNG", dpi=(dpi, dpi), compress_level=6, pnginfo=info)
    elif fmt == "TIFF":
        tiff: dict[str, object] = {"tiffinfo": {TIFF_IMAGE_DESCRIPTION: ascii_text(description)}} if description else {}
        pil.save(path, format="TIFF", dpi=(dpi, dpi), compression="tiff_lzw", **tiff)
    elif fmt == "JPEG":
        jpeg: dict[str, object] = {"comment": description.encode("utf-8")} if description else {}
        pil.save(path, format="JPEG", dpi=(dpi, dpi), quality=95, subsampling=0, **jpeg)
    else:
        raise ValueError(f"unknown raster format {fmt!r}")


def write_raster_figure(ctx: ExportContext, path: Path, suffix: str) -> FigurePlan:
    """The case's figure (per the export options) as a raster file."""
    spec = figure_spec_from_options(ctx)
    plan = plan_figure(spec, ctx)
    save_raster(render_plan(plan, ctx), path, RASTER_FORMATS[suffix.lower()], spec.dpi, plan.caption)
    return plan
