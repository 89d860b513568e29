"""The case report: a self-contained HTML file (images embedded) or a PDF.

Both hold the title, the findings table (structure, side, type, grade, values with units,
reference values where they exist), the figures with their captions (one per finding, then one
for annotations of no finding), every measurement, and the case notes; all de-identified. A value
that could not be calibrated is flagged with its reason wherever it appears.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMarginsF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from annotator import __version__
from annotator.export.context import ExportContext
from annotator.export.figure import (
    FigureSpec,
    PanelSpec,
    figure_spec_from_options,
    plan_figure,
    render_plan,
)
from annotator.export.layout import auto_layout
from annotator.export.measurements import FindingRow, finding_rows, measurement_rows
from annotator.export.pdf_meta import strip_pdf_dates
from annotator.export.raster import save_raster
from annotator.export.uncalibrated import EXPLANATION, NOT_CALIBRATED
from annotator.export.vector import CREATOR, document_title

FIGURE_WIDTH_MM = 160.0
FIGURE_DPI = 150
MAX_PANELS = 6
CSS = """
body { font-family: "Helvetica Neue", Arial, sans-serif; margin: 2em auto; max-width: 52em; color: #111; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
p.meta { color: #555; font-size: 0.85em; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; height: auto; border: 1px solid #ccc; }
figcaption { font-size: 0.9em; margin-top: 0.4em; }
"""


@dataclass
class ReportFigure:
    image: QImage
    caption: str


@dataclass
class ReportContent:
    title: str
    findings: list[FindingRow]
    figures: list[ReportFigure] = field(default_factory=list)
    measurements: list[dict[str, object]] = field(default_factory=list)
    notes: str = ""


def _figure_groups(ctx: ExportContext) -> list[list[tuple[str, int]]]:
    """Frames to show together: each finding's annotated frames, then the unlinked ones."""
    frames = ctx.annotated_frames(ctx.options.media)
    groups: list[list[tuple[str, int]]] = []
    used: set[tuple[str, int]] = set()
    for finding in ctx.case.findings:
        keys = [k for k in frames if any(a.finding == finding.id and a.media == k[0] and a.frame == k[1]
                                         for a in ctx.case.annotations)]
        if keys:
            groups.append(keys)
            used.update(keys)
    rest = [k for k in frames if k not in used]
    if rest:
        groups.append(rest)
    return [g[i : i + MAX_PANELS] for g in groups for i in range(0, len(g), MAX_PANELS)]


def _figure_specs(ctx: ExportContext) -> list[FigureSpec]:
    if ctx.options.chooses_figure:
        return [figure_spec_from_options(ctx)]
    specs = []
    for group in _figure_groups(ctx):
        rows, cols = auto_layout(len(group))
        panels = [PanelSpec(m, f, crop=ctx.options.crop) for m, f in group]
        specs.append(FigureSpec(panels, rows, cols, FIGURE_WIDTH_MM, FIGURE_DPI, legend=ctx.options.legend,
                                orientation=ctx.options.orientation, true_aspect=ctx.options.true_aspect))
    return specs


def report_content(ctx: ExportContext) -> ReportContent:
    content = ReportContent(document_title(ctx), finding_rows(ctx))
    for spec in _figure_specs(ctx):
        spec.width_mm, spec.dpi = FIGURE_WIDTH_MM, FIGURE_DPI
        plan = plan_figure(spec, ctx)
        content.figures.append(ReportFigure(render_plan(plan, ctx), plan.caption))
    content.measurements = measurement_rows(ctx)
    content.notes = ctx.text(ctx.case.notes)
    return content


def _findings_table(rows: list[FindingRow]) -> str:
    if not rows:
        return "<p>No findings recorded.</p>"
    head = "<tr><th>Structure</th><th>Side</th><th>Finding</th><th>Grade</th><th>Measurements</th><th>Reference</th></tr>"
    body = []
    for r in rows:
        values = "<br>".join(f"{html.escape(label)}: {html.escape(value)}" for label, value in r.values) or "—"
        site = f" ({html.escape(r.site)})" if r.site else ""
        body.append(
            f"<tr><td>{html.escape(r.structure) or '—'}{site}</td><td>{html.escape(r.side) or '—'}</td>"
            f"<td>{html.escape(r.type)}</td><td>{html.escape(r.grade) or '—'}</td><td>{values}</td>"
            f"<td>{html.escape(r.reference) or '—'}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def _role(row: dict[str, object]) -> str:
    """" (rest)", " (peak)": the annotation's own rest and peak frames."""
    role = str(row.get("frame_role") or "")
    return f" ({html.escape(role)})" if role else ""


def _measurements_table(rows: list[dict[str, object]]) -> str:
    """Every measurement; an uncalibrated value carries its reason in the Value cell itself
    (a reader of the value cannot miss it) and the table is followed by what that means."""
    if not rows:
        return "<p>No measurements.</p>"
    head = "<tr><th>Annotation</th><th>Media</th><th>Frame</th><th>Quantity</th><th>Value</th><th>Calibration</th></tr>"
    body = []
    for r in rows:
        label = html.escape(str(r["label"] or r["annotation"]))
        calibrated = bool(r["calibrated"])
        value = html.escape(str(r["display"]))
        if not calibrated:
            value = f"<b>{value}</b>"
        source = html.escape(str(r["calibration"])) if r["calibration"] != "none" else NOT_CALIBRATED
        # an uncalibrated row's note is its reason, already in the Value cell
        note = f"<br><small>{html.escape(str(r['note']))}</small>" if r["note"] and calibrated else ""
        body.append(
            f"<tr><td>{label}</td><td>{html.escape(str(r['media']))}</td><td>{r['frame']}{_role(r)}</td>"
            f"<td>{html.escape(str(r['quantity']))}</td><td>{value}</td>"
            f"<td>{source}{note}</td></tr>"
        )
    explained = f"<p><small>{html.escape(EXPLANATION)}</small></p>" if any(not r["calibrated"] for r in rows) else ""
    return f"<table>{head}{''.join(body)}</table>{explained}"


def report_html(content: ReportContent, image_src: list[str], css: bool = True, image_width: int = 760) -> str:
    figures = "".join(
        f'<figure><img src="{src}" alt="Figure {i}" width="{min(fig.image.width(), image_width)}">'
        f"<figcaption><b>Figure {i}.</b> {html.escape(fig.caption)}</figcaption></figure>"
        for i, (fig, src) in enumerate(zip(content.figures, image_src, strict=True), start=1)
    )
    notes = f"<h2>Notes</h2><p>{html.escape(content.notes)}</p>" if content.notes else ""
    style = f"<style>{CSS}</style>" if css else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(content.title)}</title>{style}</head><body>"
        f"<h1>{html.escape(content.title)}</h1>"
        f'<p class="meta">Ultrasound case report, generated by us-annotator {__version__}</p>'
        f"<h2>Findings</h2>{_findings_table(content.findings)}"
        f"<h2>Figures</h2>{figures or '<p>No annotated frames.</p>'}"
        f"<h2>Measurements</h2>{_measurements_table(content.measurements)}{notes}</body></html>\n"
    )


def _png_data_uri(image: QImage) -> str:
    stream = io.BytesIO()
    save_raster(image, stream, "PNG", FIGURE_DPI)
    return "data:image/png;base64," + base64.b64encode(stream.getvalue()).decode("ascii")


def write_html_report(ctx: ExportContext, path: Path) -> None:
    content = report_content(ctx)
    sources = [_png_data_uri(f.image) for f in content.figures]
    path.write_text(report_html(content, sources), encoding="utf-8")


def write_pdf_report(ctx: ExportContext, path: Path) -> None:
    """The same report laid out by QTextDocument on A4 pages (real text, embedded images)."""
    content = report_content(ctx)
    doc = QTextDocument()
    doc.setDefaultStyleSheet("table { border-collapse: collapse; } th, td { padding: 3px; }"
                             "th { background-color: #eeeeee; }")
    names = []
    for i, fig in enumerate(content.figures, start=1):
        name = f"figure-{i}.png"
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), fig.image)
        names.append(name)
    # A4 less the margins is about 650 px at the 96 dpi QTextDocument lays out in
    doc.setHtml(report_html(content, names, css=False, image_width=620).replace("<table>", '<table border="1" cellspacing="0" width="100%">'))
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, content.title)
    writer = QPdfWriter(str(path))
    writer.setCreator(CREATOR)
    writer.setTitle(content.title)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(18, 18, 18, 18), QPageLayout.Unit.Millimeter))
    doc.print_(writer)  # lays the document out on the writer's pages itself
    del writer
    strip_pdf_dates(path)
