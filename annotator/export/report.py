"""The case report: a self-contained HTML file (images embedded) or a PDF.

It reads like a case write-up: the title, the history, the findings table (structure, side,
site, grade, values with units, the reference or side-to-side comparison, and the measured
verdict), the impression; then for every dynamic measurement its rest and peak (values, change
in units and %, frames and times) with a figure of both frames and the plot; the figures with
their captions; the case notes; and the per-frame measurements in a collapsed appendix (HTML;
the PDF leaves them to the CSV export). All de-identified; the exam date only when identifiers
are kept. A value that could not be calibrated is flagged with its reason wherever it appears.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from annotator import __version__
from annotator.case.wording import first_upper
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
from annotator.export.rest_peak import RestPeak, rest_peak_figure, rest_peak_summaries
from annotator.export.uncalibrated import EXPLANATION, NOT_CALIBRATED
from annotator.export.vector import CREATOR, document_title

FIGURE_WIDTH_MM = 160.0
FIGURE_DPI = 150
MAX_PANELS = 6
PRINTED_ROWS = 40  # the PDF lists the measurements up to this many; beyond, the CSV holds them
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
td.verdict { font-weight: bold; }
details summary { cursor: pointer; font-weight: bold; margin: 0.5em 0; }
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
    history: str = ""
    impression: str = ""
    exam_date: str = ""  # only when identifiers are kept
    dynamics: list[RestPeak] = field(default_factory=list)
    #: figures of rest vs peak with the plot, one per dynamic measurement (before the others)
    dynamic_figures: list[ReportFigure] = field(default_factory=list)


def _figure_groups(ctx: ExportContext, shown: set[tuple[str, int]] | None = None) -> list[list[tuple[str, int]]]:
    """Frames to show together: each finding's annotated frames, then the unlinked ones; each
    frame once, and none already ``shown`` (in a rest-vs-peak figure)."""
    frames = ctx.annotated_frames(ctx.options.media)
    groups: list[list[tuple[str, int]]] = []
    used: set[tuple[str, int]] = set(shown or ())
    for finding in ctx.case.findings:
        keys = [k for k in frames if k not in used and any(
            a.finding == finding.id and a.media == k[0] and a.frame == k[1] for a in ctx.case.annotations)]
        if keys:
            groups.append(keys)
            used.update(keys)
    rest = [k for k in frames if k not in used]
    if rest:
        groups.append(rest)
    return [g[i : i + MAX_PANELS] for g in groups for i in range(0, len(g), MAX_PANELS)]


def _figure_specs(ctx: ExportContext, shown: set[tuple[str, int]] | None = None) -> list[FigureSpec]:
    if ctx.options.chooses_figure:
        return [figure_spec_from_options(ctx)]
    specs = []
    for group in _figure_groups(ctx, shown):
        rows, cols = auto_layout(len(group))
        panels = [PanelSpec(m, f, crop=ctx.options.crop) for m, f in group]
        specs.append(FigureSpec(panels, rows, cols, FIGURE_WIDTH_MM, FIGURE_DPI, legend=ctx.options.legend,
                                orientation=ctx.options.orientation, true_aspect=ctx.options.true_aspect))
    return specs


def report_content(ctx: ExportContext) -> ReportContent:
    content = ReportContent(document_title(ctx), finding_rows(ctx))
    content.history, content.impression = ctx.text(ctx.case.history), ctx.text(ctx.case.impression)
    content.exam_date = ctx.case.exam_date if ctx.keep_identifiers else ""
    content.dynamics = rest_peak_summaries(ctx)
    for summary in content.dynamics:
        plan = plan_figure(rest_peak_figure(summary, ctx, FIGURE_WIDTH_MM, FIGURE_DPI), ctx)
        content.dynamic_figures.append(ReportFigure(render_plan(plan, ctx), plan.caption))
    shown = {(d.media, f) for d in content.dynamics for f in (d.rest_frame, d.peak_frame)}
    for spec in _figure_specs(ctx, shown):
        spec.width_mm, spec.dpi = FIGURE_WIDTH_MM, FIGURE_DPI
        plan = plan_figure(spec, ctx)
        content.figures.append(ReportFigure(render_plan(plan, ctx), plan.caption))
    content.measurements = measurement_rows(ctx)
    content.notes = ctx.text(ctx.case.notes)
    return content


def _findings_table(rows: list[FindingRow]) -> str:
    if not rows:
        return "<p>No findings recorded.</p>"
    head = ("<tr><th>Structure (finding)</th><th>Side</th><th>Site</th><th>Grade</th><th>Values</th>"
            "<th>Reference or other side</th><th>Verdict</th></tr>")
    body = []
    for r in rows:
        values = "<br>".join(f"{html.escape(label)}: {html.escape(value)}" for label, value in r.values) or "—"
        body.append(
            f"<tr><td>{html.escape(r.structure) or '—'}<br><small>{html.escape(r.type)}</small></td>"
            f"<td>{html.escape(r.side) or '—'}</td><td>{html.escape(r.site) or '—'}</td>"
            f"<td>{html.escape(r.grade) or '—'}</td><td>{values}</td>"
            f"<td>{html.escape(r.comparison) or '—'}</td><td class=\"verdict\">{html.escape(r.verdict) or '—'}</td></tr>"
        )
    sources = sorted({r.grade_source for r in rows if r.grade_source})
    graded = "".join(f"<p><small>Grading: {html.escape(s)}.</small></p>" for s in sources)
    return f"<table>{head}{''.join(body)}</table>{graded}"


def _dynamics_table(items: list[RestPeak]) -> str:
    """Rest vs peak of each dynamic measurement: values, change in units and %, frames, times."""
    head = ("<tr><th>Measurement</th><th>Rest</th><th>Peak</th><th>Change</th><th>Change (%)</th>"
            "<th>Frames (time)</th><th>Rest and peak</th></tr>")
    body = []
    for d in items:
        pct = "—" if d.change_pct is None else f"{d.change_pct:+.0f} %"
        body.append(
            f"<tr><td>{html.escape(d.name)}</td><td>{d.rest_value:.1f} {html.escape(d.unit)}</td>"
            f"<td>{d.peak_value:.1f} {html.escape(d.unit)}</td><td>{d.change:+.1f} {html.escape(d.unit)}</td>"
            f"<td>{pct}</td><td>rest {d.rest_frame} ({d.rest_s:.2f} s), peak {d.peak_frame} ({d.peak_s:.2f} s)</td>"
            f"<td>{'chosen by the sonographer' if d.picked == 'chosen' else 'suggested by the app'}</td></tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def _role(row: dict[str, object]) -> str:
    """" (rest)", " (peak)": the annotation's own rest and peak frames."""
    role = str(row.get("frame_role") or "")
    return f" ({html.escape(role)})" if role else ""


def _series_tables(items: list[RestPeak]) -> str:
    """Every frame of each dynamic measurement: frame, time, value and tracking confidence."""
    out = []
    for d in items:
        rows = "".join(
            f"<tr><td>{s.frame}</td><td>{s.time_s:.3f}</td>"
            f"<td>{'—' if s.value is None else f'{s.value:.2f}'}</td>"
            f"<td>{'—' if s.confidence is None else f'{s.confidence:.2f}'}</td></tr>"
            for s in d.series.samples
        )
        out.append(f"<h3>{html.escape(first_upper(d.name))}, frame by frame ({html.escape(d.unit)})</h3>"
                   f"<table><tr><th>Frame</th><th>Time (s)</th><th>Value</th><th>Tracking confidence</th></tr>"
                   f"{rows}</table>")
    return "".join(out)


def _figures(figures: list[ReportFigure], sources: list[str], first: int, image_width: int) -> str:
    return "".join(
        f'<figure><img src="{src}" alt="Figure {i}" width="{min(fig.image.width(), image_width)}">'
        f"<figcaption><b>Figure {i}.</b> {html.escape(fig.caption)}</figcaption></figure>"
        for i, (fig, src) in enumerate(zip(figures, sources, strict=True), start=first)
    )


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())


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


def report_html(content: ReportContent, image_src: list[str], css: bool = True, image_width: int = 760,
                appendix: bool = True) -> str:
    """The report; ``image_src`` holds the dynamic figures' sources, then the other figures'."""
    n = len(content.dynamic_figures)
    dynamic = _figures(content.dynamic_figures, image_src[:n], 1, image_width)
    figures = _figures(content.figures, image_src[n:], n + 1, image_width)
    notes = f"<h2>Notes</h2>{_paragraphs(content.notes)}" if content.notes else ""
    history = f"<h2>History</h2>{_paragraphs(content.history)}" if content.history else ""
    impression = f"<h2>Impression</h2>{_paragraphs(content.impression)}" if content.impression else ""
    exam = f"Examination of {html.escape(content.exam_date)}. " if content.exam_date else ""
    dynamics = (f"<h2>Rest and peak</h2>{_dynamics_table(content.dynamics)}{dynamic}" if content.dynamics else "")
    rows = len(content.measurements)
    if appendix:
        frames = sum(len(d.series.samples) for d in content.dynamics)
        measurements = (f"<h2>Measurements</h2><details><summary>Appendix: every measurement "
                        f"({rows} row{'s' if rows != 1 else ''}) and every frame of the dynamic ones ({frames} "
                        f"frame{'s' if frames != 1 else ''})</summary>{_measurements_table(content.measurements)}"
                        f"{_series_tables(content.dynamics)}</details>")
    elif rows <= PRINTED_ROWS:
        measurements = (f"<h2>Measurements</h2>{_measurements_table(content.measurements)}<p>Every frame of the "
                        "dynamic measurements is in the measurements CSV export.</p>")
    else:  # a printed report does not list hundreds of tracked frames
        measurements = (f"<h2>Measurements</h2><p>{rows} measurements, frame by frame, are in the measurements "
                        "CSV export (us-annotator export CASE measurements.csv).</p>")
    style = f"<style>{CSS}</style>" if css else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(content.title)}</title>{style}</head><body>"
        f"<h1>{html.escape(content.title)}</h1>"
        f'<p class="meta">{exam}Ultrasound case report, generated by us-annotator {__version__}</p>'
        f"{history}<h2>Findings</h2>{_findings_table(content.findings)}{impression}{dynamics}"
        f"{_figures_section(figures, bool(dynamic))}"
        f"{notes}{measurements}</body></html>\n"
    )


def _figures_section(figures: str, shown_above: bool) -> str:
    """The annotated frames' figures; none, said so, unless the rest and peak figures above
    show the case's frames (a clip-only case read "No annotated frames" under three figures
    of its annotated frames)."""
    if figures:
        return f"<h2>Figures</h2>{figures}"
    return "" if shown_above else "<h2>Figures</h2><p>No annotated frames.</p>"


def _png_data_uri(image: QImage) -> str:
    stream = io.BytesIO()
    save_raster(image, stream, "PNG", FIGURE_DPI)
    return "data:image/png;base64," + base64.b64encode(stream.getvalue()).decode("ascii")


def write_html_report(ctx: ExportContext, path: Path) -> None:
    content = report_content(ctx)
    sources = [_png_data_uri(f.image) for f in [*content.dynamic_figures, *content.figures]]
    path.write_text(report_html(content, sources), encoding="utf-8")


def write_pdf_report(ctx: ExportContext, path: Path) -> None:
    """The same report laid out by QTextDocument on A4 pages (real text, embedded images)."""
    content = report_content(ctx)
    doc = QTextDocument()
    # Paginated from the start, so the layout is done in one go when printed: a document
    # without pages is laid out lazily on a timer, which a worker thread cannot run.
    doc.setPageSize(QSizeF(650, 920))
    doc.setDefaultStyleSheet("table { border-collapse: collapse; } th, td { padding: 3px; }"
                             "th { background-color: #eeeeee; }")
    names = []
    for i, fig in enumerate([*content.dynamic_figures, *content.figures], start=1):
        name = f"figure-{i}.png"
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), fig.image)
        names.append(name)
    # A4 less the margins is about 650 px at the 96 dpi QTextDocument lays out in
    doc.setHtml(report_html(content, names, css=False, image_width=620, appendix=False).replace("<table>", '<table border="1" cellspacing="0" width="100%">'))
    doc.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, content.title)
    doc.pageCount()  # the whole layout now, on this thread
    writer = QPdfWriter(str(path))
    writer.setCreator(CREATOR)
    writer.setTitle(content.title)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(18, 18, 18, 18), QPageLayout.Unit.Millimeter))
    doc.print_(writer)  # lays the document out on the writer's pages itself
    del writer
    strip_pdf_dates(path)
