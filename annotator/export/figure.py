"""Figures: one frame or panels in a grid, with letters, scale bars, legend and caption.

``FigureSpec`` says what to show; ``plan_figure`` lays it out in output pixels at the chosen
print width and resolution (300 dpi at 85 mm by default); ``paint_figure`` paints the plan onto
any QPainter (a QImage for PNG/TIFF/JPEG, an SVG or PDF generator with vectors and real text),
and ``render_figure`` gives a QImage, e.g. the export dialog's live preview at a small scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation
from annotator.case.wording import first_upper
from annotator.dynamics.series import Series, measurement_series
from annotator.export.caption import (
    PanelContent,
    draft_caption,
    scale_bar_mm,
    visible_annotations,
)
from annotator.export.context import ExportContext
from annotator.export.imaging_area import Rect, clamp_rect
from annotator.export.layout import (
    Box,
    auto_layout,
    grid_geometry,
    mm_to_px,
    panel_letter,
    parse_layout,
)
from annotator.export.legend import LegendItem, layout_legend, legend_entries, paint_legend
from annotator.export.output import ExportError
from annotator.export.panel_spec import PanelSpec
from annotator.render import (
    ImageTransform,
    LabelBox,
    RenderOptions,
    paint_scene,
    source_rect,
    true_size,
)
from annotator.render.plot import PlotOptions, paint_series_plot

GAP_MM = 1.5
LETTER_PT, LEGEND_PT, CAPTION_PT, ORIENTATION_PT = 10.0, 7.0, 8.0, 7.0
PLOT_ASPECT = 0.62
BACKGROUND = QColor("#ffffff")
INK = QColor("#111111")


@dataclass
class FigureSpec:
    panels: list[PanelSpec]
    rows: int = 1
    cols: int = 1
    width_mm: float = 85.0
    dpi: int = 300
    caption: str | None = None  # None: drafted from findings and measurements
    show_caption: bool = False  # also set the caption under the panels (SVG/PDF)
    letters: bool | None = None  # None: when there is more than one panel
    legend: bool = True
    orientation: tuple[str, str] | None = None  # words at the left and right image edges
    show_values: bool = True
    show_labels: bool = True
    timestamp: bool = False
    scale_bar: bool = True
    true_aspect: bool = True  # non-square pixels at their true physical shape
    #: multiplies every text and symbol size: slides use ~2.6 so a 7 pt legend reads as 18 pt
    text_scale: float = 1.0

    def check(self) -> None:
        if not self.panels:
            raise ExportError("the figure has no panels")
        if len(self.panels) > self.rows * self.cols:
            raise ExportError(f"{len(self.panels)} panels do not fit a {self.rows}x{self.cols} layout")
        if not (10.0 <= self.width_mm <= 1000.0):
            raise ExportError(f"width {self.width_mm:g} mm is outside 10..1000 mm")
        if not (30 <= self.dpi <= 1200):
            raise ExportError(f"resolution {self.dpi} dpi is outside 30..1200 dpi")


def figure_spec_from_options(ctx: ExportContext) -> FigureSpec:
    """The figure the command line asks for: --frames or --frame of --media, else every
    annotated frame of the case (or of --media), else the first frame."""
    opts = ctx.options
    if not ctx.case.media:
        raise ExportError("the case has no media to export")
    media_id = ctx.media_ref(opts.media).id if opts.media else None
    if opts.panels:
        keys = [(ctx.media_ref(p.media).id, p.frame) for p in opts.panels if p.plot is None]
    elif opts.frames:
        target = media_id or _first_annotated_media(ctx)
        keys = [(target, f) for f in opts.frames]
    elif opts.frame is not None:
        keys = [(media_id or _first_annotated_media(ctx), opts.frame)]
    else:
        keys = ctx.annotated_frames(media_id) or [(media_id or ctx.case.media[0].id, 0)]
    for mid, frame in keys:
        count = ctx.media(mid).frame_count
        if not 0 <= frame < count:
            raise ExportError(f"frame {frame} is outside media {mid}'s frames 0..{count - 1}")
    if opts.panels:
        panels = [replace(p) for p in opts.panels]
    else:
        panels = [PanelSpec(mid, frame, crop=opts.crops.get(mid, opts.crop)) for mid, frame in keys]
    for annotation_id in opts.plots:
        try:
            annotation = ctx.case.annotation(annotation_id)
        except KeyError:
            raise ExportError(f"--plot: the case has no annotation {annotation_id!r}") from None
        panels.append(PanelSpec(annotation.media, plot=annotation_id))
    rows, cols = parse_layout(opts.layout) if opts.layout else auto_layout(len(panels))
    if len(panels) > rows * cols:
        raise ExportError(
            f"{len(panels)} frames do not fit a {rows}x{cols} layout: choose the frames with --frames"
        )
    return FigureSpec(panels, rows, cols, opts.width_mm, opts.dpi, caption=opts.caption,
                      show_caption=opts.caption_in_figure, legend=opts.legend,
                      orientation=opts.orientation, timestamp=opts.timestamp, scale_bar=opts.scale_bar,
                      true_aspect=opts.true_aspect)


def _first_annotated_media(ctx: ExportContext) -> str:
    annotated = ctx.annotated_frames()
    return annotated[0][0] if annotated else ctx.case.media[0].id


# -- the plan -------------------------------------------------------------------------------
@dataclass
class PlannedPanel:
    spec: PanelSpec
    letter: str
    box: Box  # where the picture goes, in output pixels
    crop: Rect | None = None  # image panels
    #: (x, y) output stretch of each image pixel (``pixel_aspect``): the box is crop w*ax by h*ay
    aspect: tuple[float, float] = (1.0, 1.0)
    #: the strip above the picture holding the letter and the title (None: neither)
    header: Box | None = None
    title: str = ""  # written after the letter in the header
    content: PanelContent | None = None
    series: Series | None = None  # plot panels

    @property
    def heading(self) -> str:
        return f"{self.letter}  {self.title}".strip()


@dataclass
class FigurePlan:
    spec: FigureSpec
    width: int
    height: int
    symbol_scale: float
    panels: list[PlannedPanel]
    legend: list[LegendItem] = field(default_factory=list)
    caption: str = ""
    caption_box: QRectF | None = None

    def font(self, points: float, bold: bool = False) -> QFont:
        font = QFont()
        font.setStyleHint(QFont.StyleHint.SansSerif)
        font.setPixelSize(max(1, round(points * self.spec.text_scale / 72.0 * self.spec.dpi)))
        font.setBold(bold)
        return font

    @property
    def image_panels(self) -> list[PlannedPanel]:
        return [p for p in self.panels if p.content is not None]


def figure_symbol_scale(dpi: float) -> float:
    """Symbols at the physical size they have on a 96 dpi screen, a little finer for print."""
    return dpi / 96.0 * 0.75


def plan_figure(spec: FigureSpec, ctx: ExportContext) -> FigurePlan:
    spec.check()
    width = round(mm_to_px(spec.width_mm, spec.dpi))
    gap = mm_to_px(GAP_MM, spec.dpi)
    lettered = spec.letters if spec.letters is not None else len(spec.panels) > 1
    crops: list[Rect | None] = []
    stretches: list[tuple[float, float]] = []
    aspects: list[float | None] = []
    for p in spec.panels:
        if p.plot is not None:
            crops.append(None)
            stretches.append((1.0, 1.0))
            aspects.append(None)
            continue
        media = ctx.media(p.media)
        rect = clamp_rect(p.crop, media.width, media.height) if p.crop else ctx.area(p.media, p.frame).rect
        ax, ay = ctx.pixel_aspect(p.media, p.frame) if spec.true_aspect else (1.0, 1.0)
        crops.append(rect)
        stretches.append((ax, ay))
        true_w, true_h = true_size(rect[2], rect[3], (ax, ay))
        aspects.append(true_h / true_w)
    known = [a for a in aspects if a is not None]
    fallback = max(known) if known else PLOT_ASPECT
    plan = FigurePlan(spec, width, 0, figure_symbol_scale(spec.dpi) * spec.text_scale, [])
    headed = lettered or any(p.title or p.plot is not None for p in spec.panels)
    header = QFontMetricsF(plan.font(LETTER_PT, bold=True)).height() * 1.3 if headed else 0.0
    grid = grid_geometry([fallback if a is None else a for a in aspects], spec.rows, spec.cols, width, gap,
                         header)
    plot_titles: list[tuple[str, str]] = []
    for i, (p, crop, stretch) in enumerate(zip(spec.panels, crops, stretches, strict=True)):
        letter = panel_letter(i) if lettered else ""
        cell = grid.cells[i]
        box = grid.pictures[i] if crop is not None else Box(cell.x, cell.y + header, cell.w, cell.h - header)
        planned = PlannedPanel(p, letter, box, crop, stretch)
        if headed:
            planned.header = Box(cell.x, cell.y, cell.w, header)
        if crop is None:
            planned.series = _series(ctx, p)
            title = ctx.text(p.title) or plot_title(planned.series, ctx.text(planned.series.label))
            planned.title = title
            plot_titles.append((panel_letter(i), title + _rest_peak_phrase(planned.series)))
        else:
            anns = visible_annotations(ctx, p.media, p.frame, crop)
            bar = scale_bar_mm(ctx, p.media, p.frame, crop) if spec.scale_bar else None
            calibrated = bool(ctx.document.calibration(p.media, p.frame).spatial_regions)
            planned.content = PanelContent(panel_letter(i), p.media, p.frame, ctx.text(p.title),
                                           anns, bar, calibrated)
            planned.title = ctx.text(p.title)
        plan.panels.append(planned)
    y = grid.height
    if spec.legend:
        entries = legend_entries([p.content for p in plan.image_panels if p.content])
        if entries:
            y += gap
            plan.legend, used = layout_legend(entries, 0.0, y, width, plan.font(LEGEND_PT))
            y += used
    contents = [p.content for p in plan.image_panels if p.content]
    stored = ctx.case.captions.get(figure_key(spec))
    if spec.caption is not None:
        plan.caption = ctx.text(spec.caption)
    elif stored:
        plan.caption = ctx.text(stored)  # the caption the user wrote for this figure, kept in the case
    else:
        plan.caption = draft_caption(ctx, contents, plot_titles)
    if spec.show_caption and plan.caption:
        fm = QFontMetricsF(plan.font(CAPTION_PT))
        flags = int(Qt.TextFlag.TextWordWrap)
        needed = fm.boundingRect(QRectF(0, 0, width, 1e6), flags, plan.caption)
        y += gap
        plan.caption_box = QRectF(0, y, width, needed.height() + 2)
        y += needed.height() + 2
    plan.height = max(1, math.ceil(y))
    return plan


def _rest_peak_phrase(series: Series) -> str:
    """For the caption: rest and peak with their times and the change, and what the marks mean."""
    st = series.stats()
    if st is None or st.rest is None or st.peak is None or st.rest.value is None or st.peak.value is None:
        return ""
    u, change = series.unit_text, st.percent_change
    pct = "" if change is None else f", {change:+.0f} %"
    low = any(s.confidence is not None and s.confidence < 0.5 for s in series.samples)
    band = "; shaded: tracking confidence below 0.5" if low else ""
    return (f": rest {st.rest.value:.1f} {u} at {st.rest.time_s:.2f} s (circle), peak {st.peak.value:.1f} {u} "
            f"at {st.peak.time_s:.2f} s (triangle){pct}{band}")


def figure_key(spec: FigureSpec) -> str:
    """Names a figure by what it shows (``m1@0,m1@40,plot:a2``): the key of its caption in
    the case's ``captions``."""
    return ",".join(f"plot:{p.plot}" if p.plot is not None else f"{p.media}@{p.frame}" for p in spec.panels)


OVER_TIME = " over time"


def plot_title(series: Series, label: str = "") -> str:
    """e.g. "Gap over time" (the annotation's label), or "Area over time" without one."""
    name = label.strip() or series.quantity.replace("_", " ")
    return f"{first_upper(name)}{OVER_TIME}"


def chosen_rest_peak(annotation: Annotation) -> tuple[int | None, int | None]:
    """The rest and peak frames stored on the annotation (None where not chosen); read with
    getattr, as cases from before these fields have none."""
    return getattr(annotation, "rest_frame", None), getattr(annotation, "peak_frame", None)


def series_with_rest_peak(ctx: ExportContext, annotation: Annotation) -> tuple[Series, str]:
    """The annotation's series with rest and peak set: "chosen" (by the sonographer) or
    "suggested" (``suggest_rest_peak``)."""
    series = measurement_series(ctx.document, annotation)
    rest, peak = chosen_rest_peak(annotation)
    if rest is not None and peak is not None:
        try:
            return series.with_rest_peak(rest, peak), "chosen"
        except (KeyError, ValueError):
            pass  # a chosen frame outside the range or without a value: the suggestion instead
    return series.with_suggested_rest_peak(), "suggested"


def _series(ctx: ExportContext, panel: PanelSpec) -> Series:
    try:
        annotation = ctx.case.annotation(panel.plot or "")
    except KeyError as exc:
        raise ExportError(f"no annotation {panel.plot!r} to plot") from exc
    try:
        return series_with_rest_peak(ctx, annotation)[0]
    except (ValueError, IndexError) as exc:
        raise ExportError(f"cannot plot annotation {annotation.id}: {exc}") from exc


# -- painting ---------------------------------------------------------------------------------
def paint_figure(painter: QPainter, plan: FigurePlan, ctx: ExportContext) -> list[LabelBox]:
    """Paint the planned figure in output pixels (the painter's transform may scale it).
    Returns every text box it drew (headings, annotation labels, legend, caption), in output
    pixels, so tests can check that nothing overlaps."""
    boxes: list[LabelBox] = []
    painter.save()
    try:
        painter.fillRect(QRectF(0, 0, plan.width, plan.height), BACKGROUND)
        options = RenderOptions(
            show_labels=plan.spec.show_labels, show_values=plan.spec.show_values,
            timestamp=plan.spec.timestamp, scale_bar=plan.spec.scale_bar, symbol_scale=plan.symbol_scale,
        )
        for panel in plan.panels:
            if panel.series is not None:
                # the title is the panel's heading, above the plot, so the letter never covers it
                plot_options = PlotOptions(title="", symbol_scale=plan.symbol_scale, caption=False, key=True)
                b = panel.box
                paint_series_plot(painter, QRectF(b.x, b.y, b.w, b.h), panel.series, plot_options)
            else:
                boxes += _paint_image_panel(painter, panel, ctx, options, plan.spec.orientation)
            if panel.header is not None and panel.heading:
                boxes.append(_paint_heading(painter, plan, panel))
        if plan.legend:
            paint_legend(painter, plan.legend, plan.font(LEGEND_PT), plan.symbol_scale, INK)
            boxes += [(f"legend {i}", item.swatch.united(item.text_at)) for i, item in enumerate(plan.legend)]
        if plan.caption_box is not None:
            boxes.append(("caption", plan.caption_box))
            painter.setFont(plan.font(CAPTION_PT))
            painter.setPen(INK)
            painter.drawText(plan.caption_box, int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft),
                             plan.caption)
    finally:
        painter.restore()
    return boxes


def _paint_image_panel(painter: QPainter, panel: PlannedPanel, ctx: ExportContext,
                       options: RenderOptions, orientation: tuple[str, str] | None) -> list[LabelBox]:
    assert panel.crop is not None
    b = panel.box
    target = QRectF(b.x, b.y, b.w, b.h)  # planned from the crop's true size (panel.aspect)
    xf = ImageTransform.onto(panel.crop, target)
    scene = ctx.scene(panel.spec.media, panel.spec.frame)
    painter.fillRect(target, QColor(0, 0, 0))
    boxes = paint_scene(painter, scene, xf.to_device(), options, source_rect(panel.crop))
    if orientation:
        _paint_orientation(painter, b, orientation, options.symbol_scale)
    return boxes


def _label_box(painter: QPainter, rect: QRectF, text: str, font: QFont, pad: float) -> None:
    painter.fillRect(rect, QColor(0, 0, 0, 190))
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect.adjusted(pad, 0, -pad, 0), int(Qt.AlignmentFlag.AlignCenter), text)


def _paint_heading(painter: QPainter, plan: FigurePlan, panel: PlannedPanel) -> LabelBox:
    """The letter (bold) and the title in the strip above the panel. A title too wide for a
    narrow panel (three panels at 85 mm) is set smaller, down to the legend's size, before it is
    elided: at the letter's size "C  Muscle thickness" read "C  Muscle t…" (the caption
    still gives it whole)."""
    assert panel.header is not None
    h = panel.header
    painter.setPen(INK)
    font = plan.font(LETTER_PT, bold=True)
    letter, title = panel.letter, panel.title.strip()
    x = h.x
    if letter:
        fm = QFontMetricsF(font)
        painter.setFont(font)
        painter.drawText(QRectF(x, h.y, h.w, h.h), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         letter)
        x += fm.horizontalAdvance(letter + "  ") if title else fm.horizontalAdvance(letter) + 1
    room = h.x + h.w - x
    if title:
        # a plot's title loses its " over time" (the time axis says it) before it is cut:
        # "C  Pennation ov…" in three panels at 85 mm
        fits = ((t, plan.font(pt, bold=True)) for t in dict.fromkeys((title, title.removesuffix(OVER_TIME)))
                for pt in (LETTER_PT, CAPTION_PT, LEGEND_PT))
        title, font = next(((t, f) for t, f in fits if QFontMetricsF(f).horizontalAdvance(t) <= room),
                           (title.removesuffix(OVER_TIME), plan.font(LEGEND_PT, bold=True)))
        fm = QFontMetricsF(font)
        text = fm.elidedText(title, Qt.TextElideMode.ElideRight, room)
        painter.setFont(font)
        painter.drawText(QRectF(x, h.y, room, h.h), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         text)
        x += fm.horizontalAdvance(text) + 1
    rect = QRectF(h.x, h.y, min(h.w, x - h.x), h.h)
    return (f"heading {panel.letter or panel.heading}", rect)


def _paint_orientation(painter: QPainter, b: Box, words: tuple[str, str], symbol_scale: float) -> None:
    font = QFont()
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPixelSize(max(1, round(11 * symbol_scale)))
    fm = QFontMetricsF(font)
    pad = fm.height() * 0.2
    for word, left in ((words[0], True), (words[1], False)):
        if not word:
            continue
        w = fm.horizontalAdvance(word) + 2 * pad + 2
        x = b.x if left else b.right - w
        _label_box(painter, QRectF(x, b.y + b.h / 2 - fm.height() / 2, w, fm.height()), word, font, pad)


def render_plan(plan: FigurePlan, ctx: ExportContext, scale: float = 1.0) -> QImage:
    """The planned figure as an opaque QImage; ``scale`` < 1 for a quick preview."""
    width, height = max(1, round(plan.width * scale)), max(1, round(plan.height * scale))
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(BACKGROUND)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.scale(scale, scale)
        paint_figure(painter, plan, ctx)
    finally:
        painter.end()
    return image


def render_figure(spec: FigureSpec, source: ExportContext | CaseDocument, scale: float = 1.0) -> QImage:
    """The figure as a QImage: what PNG/TIFF/JPEG export writes, or a preview for a dialog
    (``source`` a document gives default, de-identified export settings)."""
    ctx = source if isinstance(source, ExportContext) else ExportContext(source)
    return render_plan(plan_figure(spec, ctx), ctx, scale)
