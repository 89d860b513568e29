"""The measurement-over-time plot as a figure panel file: PNG (300 dpi), SVG or PDF, painted by
``render.plot`` like the screen, with its title and caption, on a light background for print.

Files are written whole or not at all (temporary file, then replace), and carry a neutral
title, never the case's identifiers.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRect, QRectF, QSize, QSizeF
from PySide6.QtGui import QImage, QImageWriter, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator

from annotator import __version__
from annotator.dynamics.series import Series
from annotator.export.pdf_meta import blank_pdf_dates
from annotator.render.plot import PlotOptions, paint_series_plot, render_series_plot

#: the plot's size in screen pixels at 96 dpi (about 17 x 9.5 cm printed)
PANEL_SIZE = (640, 360)
SCREEN_DPI = 96.0
PRINT_DPI = 300
PLOT_FORMATS: dict[str, str] = {".png": "PNG image (*.png)", ".svg": "SVG vector figure (*.svg)",
                                ".pdf": "PDF figure (*.pdf)"}
DOCUMENT_TITLE = "Measurement over time"
CREATOR = f"us-annotator {__version__}"
EXPORT_OPTIONS = PlotOptions(title=None, caption=True, show_confidence=True, dark=False)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` beside ``target`` and replace it in one step; on failure ``target`` is
    untouched and the temporary file removed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _png(series: Series, options: PlotOptions) -> bytes:
    scale = PRINT_DPI / SCREEN_DPI
    w, h = (round(v * scale) for v in PANEL_SIZE)
    image = render_series_plot(series, w, h, scale, options)
    dots_per_metre = round(PRINT_DPI / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    return _save_image(image)


def _save_image(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise OSError(f"the PNG encoder failed: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def _paint_to(device: QSvgGenerator | QPdfWriter, rect: QRectF, series: Series, options: PlotOptions) -> None:
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("cannot start painting the plot")
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        paint_series_plot(painter, rect, series, options)
    finally:
        painter.end()


def _svg(series: Series, options: PlotOptions) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    w, h = PANEL_SIZE
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(w, h))
    generator.setViewBox(QRect(0, 0, w, h))
    generator.setResolution(round(SCREEN_DPI))
    generator.setTitle(DOCUMENT_TITLE)
    generator.setDescription(f"Plot exported by {CREATOR}")
    _paint_to(generator, QRectF(0, 0, w, h), series, options)
    buffer.close()
    return bytes(data.data())


def _pdf(series: Series, options: PlotOptions) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PRINT_DPI)
    writer.setCreator(CREATOR)
    writer.setTitle(DOCUMENT_TITLE)
    w, h = PANEL_SIZE
    size_mm = QSizeF(w / SCREEN_DPI * 25.4, h / SCREEN_DPI * 25.4)
    writer.setPageLayout(QPageLayout(QPageSize(size_mm, QPageSize.Unit.Millimeter, "plot"),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    writer.setDocumentXmpMetadata(QByteArray())  # only the neutral title and creator
    rect = QRectF(0, 0, writer.width(), writer.height())
    _paint_to(writer, rect, series, replace(options, symbol_scale=PRINT_DPI / SCREEN_DPI))
    buffer.close()
    return blank_pdf_dates(bytes(data.data()))  # Qt stamps the export time: no dates leave


def plot_bytes(series: Series, suffix: str, options: PlotOptions = EXPORT_OPTIONS) -> bytes:
    """The plot encoded as ``suffix`` (".png", ".svg" or ".pdf")."""
    encoders = {".png": _png, ".svg": _svg, ".pdf": _pdf}
    encode = encoders.get(suffix.lower())
    if encode is None:
        raise ValueError(f"cannot save a plot as {suffix or 'a file without extension'}: "
                         f"use {', '.join(PLOT_FORMATS)}")
    return encode(series, options)


def save_series_plot(series: Series, path: str | Path, options: PlotOptions = EXPORT_OPTIONS) -> Path:
    """Write the plot to ``path``, its format from the extension; ValueError for an unknown
    one, OSError when the file cannot be written."""
    target = Path(path)
    atomic_write_bytes(target, plot_bytes(series, target.suffix, options))
    return target
