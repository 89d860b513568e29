"""Vector figures: SVG (QtSvg's QSvgGenerator) and PDF (QPdfWriter).

The same ``paint_figure`` as the raster figure paints onto the vector device: the ultrasound
frames become embedded images, every overlay a vector path and every word real text (the
caption too, set under the panels, so it can be selected and edited). The documents carry a
neutral title and the tool's name, never the case's identifiers.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QMarginsF, QRect, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPaintDevice, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator

from annotator import __version__
from annotator.export.context import ExportContext
from annotator.export.figure import FigurePlan, figure_spec_from_options, paint_figure, plan_figure
from annotator.export.layout import MM_PER_INCH
from annotator.export.pdf_meta import strip_pdf_dates

CREATOR = f"us-annotator {__version__}"


def document_title(ctx: ExportContext) -> str:
    """The title a document carries in its metadata: the case title, de-identified."""
    return ctx.text(ctx.options.title or ctx.case.title or "Ultrasound figure")


def _vector_plan(ctx: ExportContext) -> FigurePlan:
    spec = figure_spec_from_options(ctx)
    spec.show_caption = True
    return plan_figure(spec, ctx)


def _paint_onto(device: QPaintDevice, what: str, path: Path, plan: FigurePlan, ctx: ExportContext) -> None:
    """Paint the figure onto an SVG generator or PDF writer (vectors, text as text)."""
    painter = QPainter()
    if not painter.begin(device):
        raise OSError(f"cannot write {what} to {path}")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        paint_figure(painter, plan, ctx)
    finally:
        painter.end()


def write_svg_figure(ctx: ExportContext, path: Path) -> FigurePlan:
    plan = _vector_plan(ctx)
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(plan.width, plan.height))
    generator.setViewBox(QRect(0, 0, plan.width, plan.height))
    generator.setResolution(plan.spec.dpi)
    generator.setTitle(document_title(ctx))
    generator.setDescription(plan.caption or f"Figure exported by {CREATOR}")  # SVG <desc>
    _paint_onto(generator, "SVG", path, plan, ctx)
    return plan


def begin_pdf(path: Path, ctx: ExportContext, width_px: int, height_px: int, dpi: int) -> QPdfWriter:
    """A PDF writer with one page of the given size at ``dpi``, neutral metadata."""
    writer = QPdfWriter(str(path))
    writer.setResolution(dpi)
    writer.setCreator(CREATOR)
    writer.setTitle(document_title(ctx))
    size_mm = QSizeF(width_px / dpi * MM_PER_INCH, height_px / dpi * MM_PER_INCH)
    writer.setPageLayout(
        QPageLayout(QPageSize(size_mm, QPageSize.Unit.Millimeter, "figure"),
                    QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    # Qt writes the document's XMP from its title and creator; say nothing more than those.
    writer.setDocumentXmpMetadata(QByteArray())
    return writer


def write_pdf_figure(ctx: ExportContext, path: Path) -> FigurePlan:
    plan = _vector_plan(ctx)
    writer = begin_pdf(path, ctx, plan.width, plan.height, plan.spec.dpi)
    _paint_onto(writer, "PDF", path, plan, ctx)
    del writer  # the file is complete once its painter has ended
    strip_pdf_dates(path)
    if plan.caption:
        add_pdf_subject(path, plan.caption)
    return plan


def _pdf_text(text: str) -> bytes:
    """A PDF text string: UTF-16BE with its byte-order mark, in hex (no escaping needed)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def add_pdf_subject(path: Path, subject: str) -> None:
    """Add ``subject`` (the caption) to the PDF's document information by an incremental update:
    a new Info dictionary (title and creator kept, subject added) and a trailer pointing back at
    the old cross-reference table. QPdfWriter has no setter for the subject."""
    data = path.read_bytes()
    start = data.rfind(b"startxref")
    trailer_at = data.rfind(b"trailer", 0, start)
    if start < 0 or trailer_at < 0:
        return  # not the classic layout QPdfWriter writes: the sidecar still holds the caption
    trailer = data[trailer_at:start]
    size = re.search(rb"/Size\s+(\d+)", trailer)
    root = re.search(rb"/Root\s+(\d+\s+\d+\s+R)", trailer)
    info = re.search(rb"/Info\s+(\d+)\s+(\d+)\s+R", trailer)
    prev = re.search(rb"startxref\s+(\d+)", data[start:])
    if not (size and root and prev):
        return
    entries = b""
    if info:
        obj = re.search(rb"\n" + info.group(1) + rb"\s+" + info.group(2) + rb"\s+obj\s*<<(.*?)>>\s*endobj", data, re.S)
        if obj:
            entries = re.sub(rb"/Subject\s*(<[^>]*>|\((?:\\.|[^\\)])*\))", b"", obj.group(1))
    number = int(size.group(1))
    offset = len(data) + 1
    body = (b"\n%d 0 obj\n<<" % number + entries + b" /Subject " + _pdf_text(subject) + b" >>\nendobj\n")
    xref_at = len(data) + len(body)
    tail = (b"xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root " % (number, offset, number + 1)
            + root.group(1) + b" /Info %d 0 R /Prev %s >>\nstartxref\n%d\n%%%%EOF\n" % (number, prev.group(1), xref_at))
    path.write_bytes(data + body + tail)
