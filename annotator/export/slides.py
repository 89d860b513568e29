"""Slides (python-pptx) that tell the case: a title slide (title, history), one slide per
finding with its figure, a rest-vs-peak slide per dynamic measurement (both frames and the
plot), one per annotated clip (the movie, with its first painted frame as the poster), and a
summary slide (findings with their verdicts, impression).

Pictures are placed at their native size (never stretched beyond one image pixel per 1/96 inch)
and every word on a slide is at least 18 pt on the 16:9 page: figures are drawn with
``FigureSpec.text_scale``. Speaker notes hold the slide's summary and values, never every frame.
The file's core properties carry the de-identified title only: no author, no "last modified
by", no dates.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from annotator.case.wording import first_upper
from annotator.export.clip import ClipPainter, ClipSpec, write_clip
from annotator.export.context import ExportContext
from annotator.export.figure import (
    FigurePlan,
    FigureSpec,
    PanelSpec,
    figure_spec_from_options,
    plan_figure,
    plot_title,
    render_plan,
)
from annotator.export.layout import auto_layout
from annotator.export.measurements import finding_rows, measurement_rows
from annotator.export.raster import save_raster
from annotator.export.rest_peak import RestPeak, rest_peak_figure, rest_peak_summaries

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.4)
TITLE_H = Inches(0.9)
CAPTION_H = Inches(1.3)
PICTURE_DPI = 144
EMU_PER_NATIVE_PX = 9525  # one image pixel per 1/96 inch: PowerPoint's native size
TITLE_ONLY_LAYOUT = 5
SLIDE_CLIP_MAX_WIDTH = 1280
TITLE_PT, TEXT_PT, MIN_PT = 32, 20, 18
#: figure text at slide size: the smallest (a 7 pt legend, 12 px plot ticks) reads as >= 18 pt
SLIDE_TEXT_SCALE = 2.85
MAX_PANELS = 4  # frames on one slide
Progress = Callable[[str], None]


def _neutral_core_properties(prs: PresentationType, title: str) -> None:
    """Title only: python-pptx's template names an author and dates, which must not leave."""
    cp = prs.core_properties
    cp.title = title
    cp.author = ""
    cp.last_modified_by = ""
    cp.subject = ""
    cp.keywords = ""
    cp.comments = ""
    cp.category = ""
    cp.revision = 1
    element = cp._element
    for child in list(element):
        name = etree.QName(child).localname
        if name in ("created", "modified", "lastPrinted"):
            element.remove(child)


def _new_slide(prs: PresentationType, title: str) -> Slide:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    shape = slide.shapes.title
    if shape is not None:
        shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.2), SLIDE_W - 2 * MARGIN, TITLE_H
        shape.text = title
        for paragraph in shape.text_frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(TITLE_PT)
    return slide


def _text_box(slide: Slide, lines: list[str], top: int, height: int, size: int = TEXT_PT) -> None:
    box = slide.shapes.add_textbox(MARGIN, Emu(top), Emu(SLIDE_W - 2 * MARGIN), Emu(height))
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = "\n".join(lines)
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)


def _caption(slide: Slide, text: str) -> None:
    _text_box(slide, [text], int(SLIDE_H - CAPTION_H - Inches(0.1)), int(CAPTION_H), MIN_PT)


def _area() -> tuple[int, int]:
    """Width and height (EMU) between the title and the caption."""
    return int(SLIDE_W - 2 * MARGIN), int(SLIDE_H - TITLE_H - CAPTION_H - Inches(0.5))


def _place(width_emu: int, height_emu: int) -> tuple[Emu, Emu, Emu, Emu]:
    """Left, top, width, height of a picture of that size, centred between title and caption."""
    _, area_h = _area()
    return (Emu(int((SLIDE_W - width_emu) / 2)), Emu(int(Inches(0.2) + TITLE_H + (area_h - height_emu) / 2)),
            Emu(width_emu), Emu(height_emu))


def _fit(width_px: float, height_px: float) -> tuple[Emu, Emu, Emu, Emu]:
    """A picture (a clip's frames) fitted between title and caption, never beyond its native size."""
    area_w, area_h = _area()
    scale = min(area_w / width_px, area_h / height_px, EMU_PER_NATIVE_PX)
    return _place(int(width_px * scale), int(height_px * scale))


def _notes(slide: Slide, lines: list[str]) -> None:
    frame = slide.notes_slide.notes_text_frame
    if frame is not None:
        frame.text = "\n".join(lines) if lines else "No measurements."


def _measurement_lines(ctx: ExportContext, media_id: str, frames: set[int]) -> list[str]:
    """The values shown on these frames (a handful), for the notes."""
    lines = []
    for row in measurement_rows(ctx):
        if row["media_id"] != media_id or row["frame"] not in frames:
            continue
        name = row["label"] or row["kind"]
        # an uncalibrated value's display already says why; other notes (grey levels) follow
        note = f" ({row['note']})" if row["note"] and row["calibrated"] else ""
        role = f", {row['frame_role']}" if row.get("frame_role") else ""
        lines.append(f"{name}, {row['quantity']}: {row['display']} (frame {row['frame']}{role}){note}")
    return lines


def slide_plan(spec: FigureSpec, ctx: ExportContext) -> FigurePlan:
    """The figure planned for a slide: slide-sized text, as wide as the slide allows while every
    image panel stays at or below its native resolution and the figure fits above the caption."""
    area_w, area_h = _area()
    return _fitted_plan(spec, ctx, area_w, area_h)


def _fitted_plan(spec: FigureSpec, ctx: ExportContext, area_w: int, area_h: int) -> FigurePlan:
    # the symbols are explained in the caption: a legend at 18 pt would crowd small panels
    spec.dpi, spec.text_scale, spec.legend = PICTURE_DPI, SLIDE_TEXT_SCALE, False
    spec.width_mm = area_w / 36000.0
    plan = plan_figure(spec, ctx)
    for _ in range(3):  # shrinking the width changes the layout's height: settle it
        native = [p.crop[2] * p.aspect[0] * PICTURE_DPI / 96.0 / p.box.w for p in plan.image_panels if p.crop]
        emu_h = plan.height / PICTURE_DPI * 914400
        shrink = min([1.0, area_h / emu_h, *native])
        if shrink >= 0.995:
            break
        spec.width_mm = max(40.0, spec.width_mm * shrink)
        plan = plan_figure(spec, ctx)
    return plan


def _picture(slide: Slide, plan: FigurePlan, ctx: ExportContext, left: int | None = None) -> tuple[int, int]:
    """Add the rendered plan at its native size; returns its width and height (EMU)."""
    stream = io.BytesIO()
    save_raster(render_plan(plan, ctx), stream, "PNG", plan.spec.dpi)
    stream.seek(0)
    width, height = plan.width * 914400 // plan.spec.dpi, plan.height * 914400 // plan.spec.dpi
    x, y, w, h = _place(width, height)
    slide.shapes.add_picture(stream, Emu(x if left is None else left), y, w, h)
    return width, height


def _rest_peak_slide(prs: PresentationType, ctx: ExportContext, d: RestPeak) -> None:
    """Rest and peak frames at their native size on the left, the plot beside them as wide as
    the slide allows (a plot has no native size)."""
    spec = rest_peak_figure(d, ctx, 85.0, PICTURE_DPI)
    # short headings at slide size; the times are in the caption
    frames = FigureSpec([replace(spec.panels[0], title="Rest"), replace(spec.panels[1], title="Peak")], 1, 2,
                        legend=False, true_aspect=spec.true_aspect, orientation=spec.orientation)
    area_w, area_h = _area()
    gap = int(Inches(0.3))
    frames_plan = _fitted_plan(frames, ctx, int(area_w * 0.55), area_h)
    plot = FigureSpec([replace(spec.panels[2], title="C  " + plot_title(d.series, d.name))], letters=False, legend=False)
    slide = _new_slide(prs, f"{first_upper(d.name)}: rest and peak")
    frames_w, _ = _picture(slide, frames_plan, ctx, int(MARGIN))
    plot_w = area_w - frames_w - gap
    _picture(slide, _fitted_plan(plot, ctx, plot_w, area_h), ctx, int(MARGIN) + frames_w + gap)
    _caption(slide, d.sentence() + ".")
    _notes(slide, [d.sentence() + "."])


def _figure_slide(prs: PresentationType, ctx: ExportContext, spec: FigureSpec, title: str | None = None,
                  caption: str | None = None, notes: list[str] | None = None) -> Slide:
    plan = slide_plan(spec, ctx)
    stream = io.BytesIO()
    save_raster(render_plan(plan, ctx), stream, "PNG", spec.dpi)
    stream.seek(0)
    first = spec.panels[0]
    slide = _new_slide(prs, title or ctx.text(first.title) or ctx.media_name(first.media).capitalize())
    width, height = plan.width * 914400 // PICTURE_DPI, plan.height * 914400 // PICTURE_DPI
    slide.shapes.add_picture(stream, *_place(width, height))
    _caption(slide, caption if caption is not None else plan.caption)
    lines = list(notes or [])
    for panel in plan.image_panels:
        prefix = f"({panel.letter}) " if panel.letter else ""
        lines += [prefix + line for line in _measurement_lines(ctx, panel.spec.media, {panel.spec.frame})]
    _notes(slide, lines)
    return slide


def _clip_slide(prs: PresentationType, ctx: ExportContext, media_id: str, folder: Path,
                dynamics: list[RestPeak]) -> None:
    media = ctx.media(media_id)
    spec = ClipSpec(media_id, 0, media.frame_count - 1, ctx.options.speed, ctx.options.timestamp,
                    ctx.options.max_width or SLIDE_CLIP_MAX_WIDTH)
    index = [m.id for m in ctx.case.media].index(media_id) + 1
    movie = folder / f"clip-{index}.mp4"
    write_clip(ctx, movie, "mp4", spec)
    # the movie's first frame, painted as write_clip paints it (size, transform, overlays)
    frames = ClipPainter.for_spec(ctx, spec, "mp4")
    width, height = frames.width, frames.height
    poster = frames.picture(spec.first)
    poster_file = folder / f"poster-{index}.png"
    save_raster(poster, poster_file, "PNG", 96)
    name = ctx.media_name(media_id)
    speed = "" if spec.speed == 1 else f", played at {spec.speed:g}x speed"
    slide = _new_slide(prs, first_upper(name))
    slide.shapes.add_movie(str(movie), *_fit(width, height), poster_frame_image=str(poster_file), mime_type="video/mp4")
    view = ctx.media_ref(media_id).view
    what = f"{view.capitalize()} view, " if view else ""
    mine = [d for d in dynamics if d.media == media_id]
    summary = "; ".join(d.sentence() for d in mine)
    _caption(slide, ctx.text(f"{what}{media.frame_count} frames, {media.duration_ms / 1000.0:.1f} s{speed}"
                             + (f". {summary}" if summary else "")))
    labels = sorted({ctx.text(a.label) or a.kind for a in ctx.annotations_of(media_id)})
    _notes(slide, [ctx.text(f"{name}: {what}{media.frame_count} frames."), *[d.sentence() for d in mine],
                   f"Annotations: {', '.join(labels) or 'none'}."])


def _finding_frames(ctx: ExportContext, finding_id: str, dynamics: list[RestPeak]) -> list[tuple[str, int]]:
    """The frames that show a finding: its annotations' frames (rest and peak for a tracked one)."""
    keys: list[tuple[str, int]] = []
    for a in ctx.case.annotations:
        if a.finding != finding_id or ctx.options.media not in (None, a.media):
            continue
        tracked = next((d for d in dynamics if d.annotation == a.id), None)
        frames = [tracked.rest_frame, tracked.peak_frame] if tracked else [a.frame]
        keys += [(a.media, f) for f in frames if (a.media, f) not in keys]
    order = {m.id: i for i, m in enumerate(ctx.case.media)}
    return sorted(keys, key=lambda k: (order.get(k[0], 0), k[1]))[:MAX_PANELS]


def _finding_title(kind: str, side: str, structure: str) -> str:
    """A short slide title: "Tear, right rectus femoris"."""
    word = {"tear": "Tear", "atrophy": "Atrophy", "nerve_enlargement": "Nerve"}.get(kind, "Finding")
    where = " ".join(x for x in (side, structure) if x and x != "none")
    return f"{word}, {where}" if where else word


def _panels(ctx: ExportContext, keys: list[tuple[str, int]]) -> FigureSpec:
    rows, cols = auto_layout(len(keys))
    panels = []
    for media_id, frame in keys:
        clip = ctx.media(media_id).frame_count > 1
        title = f"{ctx.media(media_id).time_ms(frame) / 1000.0:.2f} s" if clip else ""
        panels.append(PanelSpec(media_id, frame, title=title, crop=ctx.options.crop))
    return FigureSpec(panels, rows, cols, legend=ctx.options.legend, orientation=ctx.options.orientation,
                      true_aspect=ctx.options.true_aspect)


def build_presentation(ctx: ExportContext, folder: Path, progress: Progress | None = None) -> PresentationType:
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    title = ctx.text(ctx.options.title or ctx.case.title)
    _neutral_core_properties(prs, title)
    rows = finding_rows(ctx)
    dynamics = rest_peak_summaries(ctx)
    summary = [f"{r.summary}." for r in rows]
    impression = ctx.text(ctx.case.impression)
    # 1. the title slide: the case and its history
    slide = _new_slide(prs, title)
    history = ctx.text(ctx.case.history)
    intro = [history] if history else []
    if ctx.keep_identifiers and ctx.case.exam_date:
        intro.append(f"Examination of {ctx.case.exam_date}")
    _text_box(slide, intro or ["Ultrasound case"], int(Inches(1.6)), int(Inches(4.5)), 24)
    _notes(slide, [*intro, *summary, *([f"Impression: {impression}"] if impression else [])])
    if ctx.options.chooses_figure:
        _figure_slide(prs, ctx, figure_spec_from_options(ctx))
    else:
        # 2. one slide per finding, with the frames that show it
        shown: set[tuple[str, int]] = set()
        for f, row in zip(ctx.case.findings, rows, strict=True):
            keys = _finding_frames(ctx, f.id, dynamics)
            if not keys:
                continue
            if progress:
                progress(f"slide for finding {f.id}")
            shown.update(keys)
            verdict = f" Verdict: {row.verdict}." if row.verdict else ""
            _figure_slide(prs, ctx, _panels(ctx, keys), title=_finding_title(f.type, row.side, row.structure),
                          caption=f"{row.summary}.{verdict}",
                          notes=[f"{row.summary}.{verdict}", *([row.comparison] if row.comparison else [])])
        # annotated frames no finding claims
        rest = [k for k in ctx.annotated_frames(ctx.options.media) if k not in shown]
        for i in range(0, len(rest), MAX_PANELS):
            _figure_slide(prs, ctx, _panels(ctx, rest[i : i + MAX_PANELS]))
        # 3. rest vs peak of each dynamic measurement, with the plot
        for d in dynamics:
            if progress:
                progress(f"rest and peak of {d.annotation}")
            _rest_peak_slide(prs, ctx, d)
    # 4. the clips themselves
    annotated = {a.media for a in ctx.case.annotations}
    for ref in ctx.case.media:
        if ctx.options.media not in (None, ref.id) or ref.id not in annotated:
            continue
        if ctx.media(ref.id).frame_count > 1:
            if progress:
                progress(f"clip slide for {ref.id}")
            _clip_slide(prs, ctx, ref.id, folder, dynamics)
    # 5. the summary: findings with their verdicts, the dynamic changes, the impression
    slide = _new_slide(prs, "Summary")
    lines = [first_upper(f"{r.structure or r.type} ({r.side or 'side not given'}): {r.verdict or r.summary}")
             for r in rows]
    lines += [f"{first_upper(d.name)}: {d.rest_value:.1f} to {d.peak_value:.1f} {d.unit} "
              f"({d.change_text(inline=True)})" for d in dynamics]
    if impression:
        lines.append(f"Impression: {impression}")
    _text_box(slide, lines or ["No findings recorded."], int(Inches(1.3)), int(Inches(5.8)), TEXT_PT)
    _notes(slide, [*summary, *[d.sentence() + "." for d in dynamics], *([f"Impression: {impression}"] if impression else [])])
    return prs


def write_slides(ctx: ExportContext, path: Path, progress: Progress | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="us-annotator-slides-") as tmp:
        build_presentation(ctx, Path(tmp), progress).save(str(path))
