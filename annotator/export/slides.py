"""Slides (python-pptx): a title slide, then one slide per figure and per annotated clip.

Each slide has a title, the picture or the embedded MP4 (with its first painted frame as the
poster), the caption under it, and the measurements in the speaker notes (an uncalibrated value
flagged with its reason). The file's core
properties carry the de-identified title only: no author, no "last modified by", no dates.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from annotator.export.clip import ClipSpec, clip_symbol_scale, output_size, write_clip
from annotator.export.context import ExportContext
from annotator.export.figure import (
    FigureSpec,
    PanelSpec,
    figure_spec_from_options,
    plan_figure,
    render_plan,
)
from annotator.export.measurements import finding_rows, measurement_rows
from annotator.export.raster import save_raster
from annotator.render import RenderOptions, render_scene

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.4)
TITLE_H = Inches(0.9)
CAPTION_H = Inches(1.1)
PICTURE_DPI = 144
TITLE_ONLY_LAYOUT = 5
SLIDE_CLIP_MAX_WIDTH = 1280
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
                run.font.size = Pt(28)
    return slide


def _caption(slide: Slide, text: str) -> None:
    box = slide.shapes.add_textbox(MARGIN, Emu(SLIDE_H - CAPTION_H - Inches(0.15)), Emu(SLIDE_W - 2 * MARGIN), CAPTION_H)
    frame = box.text_frame
    frame.word_wrap = True
    frame.text = text
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(14)


def _fit(width_px: float, height_px: float) -> tuple[Emu, Emu, Emu, Emu]:
    """Left, top, width, height of a picture fitted between the title and the caption."""
    area_w = SLIDE_W - 2 * MARGIN
    area_h = SLIDE_H - TITLE_H - CAPTION_H - Inches(0.5)
    scale = min(area_w / width_px, area_h / height_px)
    w, h = int(width_px * scale), int(height_px * scale)
    return Emu(int((SLIDE_W - w) / 2)), Emu(int(Inches(0.2) + TITLE_H + (area_h - h) / 2)), Emu(w), Emu(h)


def _notes(slide: Slide, lines: list[str]) -> None:
    frame = slide.notes_slide.notes_text_frame
    if frame is not None:
        frame.text = "\n".join(lines) if lines else "No measurements."


def _measurement_lines(ctx: ExportContext, media_id: str, frames: set[int] | None) -> list[str]:
    lines = []
    for row in measurement_rows(ctx):
        if row["media_id"] != media_id or (frames is not None and row["frame"] not in frames):
            continue
        name = row["label"] or row["kind"]
        # an uncalibrated value's display already says why; other notes (grey levels) follow
        note = f" ({row['note']})" if row["note"] and row["calibrated"] else ""
        role = f", {row['frame_role']}" if row.get("frame_role") else ""
        lines.append(f"{name}, {row['quantity']}: {row['display']} (frame {row['frame']}{role}){note}")
    return lines


def _figure_slide(prs: PresentationType, ctx: ExportContext, spec: FigureSpec) -> None:
    spec.width_mm = (SLIDE_W - 2 * MARGIN) / 36000.0
    spec.dpi = PICTURE_DPI
    plan = plan_figure(spec, ctx)
    stream = io.BytesIO()
    save_raster(render_plan(plan, ctx), stream, "PNG", spec.dpi)
    stream.seek(0)
    first = spec.panels[0]
    title = ctx.text(first.title) or ctx.media_name(first.media).capitalize()
    slide = _new_slide(prs, title)
    slide.shapes.add_picture(stream, *_fit(plan.width, plan.height))
    _caption(slide, plan.caption)
    lines: list[str] = []
    for panel in plan.image_panels:
        prefix = f"({panel.letter}) " if panel.letter else ""
        lines += [prefix + line for line in _measurement_lines(ctx, panel.spec.media, {panel.spec.frame})]
    _notes(slide, lines)


def _clip_slide(prs: PresentationType, ctx: ExportContext, media_id: str, folder: Path) -> None:
    media = ctx.media(media_id)
    spec = ClipSpec(media_id, 0, media.frame_count - 1, ctx.options.speed, ctx.options.timestamp,
                    ctx.options.max_width or SLIDE_CLIP_MAX_WIDTH)
    index = [m.id for m in ctx.case.media].index(media_id) + 1
    movie = folder / f"clip-{index}.mp4"
    write_clip(ctx, movie, "mp4", spec)
    area = ctx.area(media_id)
    aspect = ctx.pixel_aspect(media_id, spec.first)  # as write_clip sizes the movie
    width, height = output_size(area.rect, spec.max_width, aspect)
    poster = render_scene(ctx.scene(media_id, 0),
                          RenderOptions(symbol_scale=clip_symbol_scale(width, height), aspect=aspect != (1.0, 1.0)),
                          crop=area.rect, scale=width / (area.rect[2] * aspect[0]))
    poster_file = folder / f"poster-{index}.png"
    save_raster(poster, poster_file, "PNG", 96)
    name = ctx.media_name(media_id)
    speed = "" if spec.speed == 1 else f", played at {spec.speed:g}x speed"
    slide = _new_slide(prs, name.capitalize())
    slide.shapes.add_movie(str(movie), *_fit(width, height), poster_frame_image=str(poster_file), mime_type="video/mp4")
    labels = sorted({ctx.text(a.label) or a.kind for a in ctx.annotations_of(media_id)})
    summary = ", ".join(labels)
    _caption(slide, ctx.text(f"{name.capitalize()}, {media.frame_count} frames, "
                             f"{media.duration_ms / 1000.0:.1f} s{speed}. Annotations: {summary or 'none'}."))
    _notes(slide, _measurement_lines(ctx, media_id, None))


def build_presentation(ctx: ExportContext, folder: Path, progress: Progress | None = None) -> PresentationType:
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    title = ctx.text(ctx.options.title or ctx.case.title)
    _neutral_core_properties(prs, title)
    slide = _new_slide(prs, title)
    findings = [row.summary for row in finding_rows(ctx)]
    _caption(slide, "\n".join(findings) if findings else "")
    _notes(slide, [ctx.text(ctx.case.notes)] if ctx.case.notes else [])
    if ctx.options.chooses_figure:
        _figure_slide(prs, ctx, figure_spec_from_options(ctx))
    else:
        for media_id, frame in ctx.annotated_frames(ctx.options.media):
            if progress:
                progress(f"slide for {media_id} frame {frame}")
            _figure_slide(prs, ctx, FigureSpec([PanelSpec(media_id, frame, crop=ctx.options.crop)],
                                               legend=ctx.options.legend, orientation=ctx.options.orientation,
                                               true_aspect=ctx.options.true_aspect))
    annotated = {a.media for a in ctx.case.annotations}
    for ref in ctx.case.media:
        if ctx.options.media not in (None, ref.id) or ref.id not in annotated:
            continue
        if ctx.media(ref.id).frame_count > 1:
            if progress:
                progress(f"clip slide for {ref.id}")
            _clip_slide(prs, ctx, ref.id, folder)
    return prs


def write_slides(ctx: ExportContext, path: Path, progress: Progress | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="us-annotator-slides-") as tmp:
        build_presentation(ctx, Path(tmp), progress).save(str(path))
