"""Drafting a figure caption from the case's findings and the panels' measurements.

The draft reads like a case-report legend: the findings' summaries, then each panel with its
letter, what it shows and its values (an uncalibrated one flagged with its reason; on an image
with no calibration at all, said once for all), then what
the symbols and scale bars mean. The user edits
it (``FigureSpec.caption`` overrides it); either way it passes de-identification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF

from annotator.case.kinds import kind_spec, symbol_order
from annotator.case.measure import Measurement, primary_measurement
from annotator.case.model import Annotation, Finding
from annotator.case.wording import first_upper
from annotator.export.context import ExportContext
from annotator.export.layout import panel_letter
from annotator.export.measurements import finding_summary_flagged
from annotator.export.uncalibrated import flagged_display
from annotator.media.base import MediaError
from annotator.render import scale_bar_length_mm
from annotator.render.overlays import scale_bar_region


@dataclass(frozen=True)
class PanelContent:
    """What one image panel shows, for the caption and the legend."""

    letter: str
    media: str
    frame: int
    title: str
    annotations: tuple[Annotation, ...]
    scale_bar_mm: float | None
    calibrated: bool


def visible_annotations(ctx: ExportContext, media_id: str, frame: int,
                        rect: tuple[int, int, int, int]) -> tuple[Annotation, ...]:
    """Annotations drawn on the frame with at least one point inside the cropped area."""
    x, y, w, h = rect
    shown = []
    for ann in ctx.annotations_of(media_id):
        points = ann.points_at(frame)
        if points and any(x - 0.5 <= px <= x + w - 0.5 and y - 0.5 <= py <= y + h - 0.5 for px, py in points):
            shown.append(ann)
    return tuple(shown)


def scale_bar_mm(ctx: ExportContext, media_id: str, frame: int, rect: tuple[int, int, int, int]) -> float | None:
    """The length the renderer's scale bar will show on this panel (None: uncalibrated)."""
    x, y, w, h = rect
    visible = QRectF(x - 0.5, y - 0.5, w, h)
    region = scale_bar_region(ctx.document.calibration(media_id, frame), visible)
    if region is None or region.mm_per_px_x is None:
        return None
    r = QRectF(region.x0 - 0.5, region.y0 - 0.5, region.x1 - region.x0 + 1, region.y1 - region.y0 + 1)
    return scale_bar_length_mm(region.mm_per_px_x, r.intersected(visible).width())


def _value_phrase(ctx: ExportContext, ann: Annotation, frame: int, flag: bool = True) -> str | None:
    try:
        m: Measurement | None = primary_measurement(ctx.measure(ann, frame))
    except (MediaError, IndexError, ValueError):
        return None
    if m is None:
        return None
    spec = kind_spec(ann.kind)
    name = ann.label.strip() or (spec.meaning if spec is not None else "") or m.quantity
    return f"{name} {flagged_display(m) if flag else m.display()}"


def _panel_phrase(ctx: ExportContext, panel: PanelContent, lettered: bool) -> str:
    media = ctx.media(panel.media)
    where = panel.title or ctx.media_name(panel.media)
    if media.frame_count > 1:
        time = f"{media.time_ms(panel.frame) / 1000.0:.2f} s"  # not twice when the title gives it
        where += f" (frame {panel.frame})" if where.endswith(time) else f", {time} (frame {panel.frame})"
    # on an image with no calibration at all every value is in pixels for the same reason: the
    # symbols sentence says it once (each value said it again: a three-value panel's phrase
    # was mostly "(not calibrated: no calibration: the image has no spatial region ...)")
    values = [v for v in (_value_phrase(ctx, a, panel.frame, panel.calibrated) for a in panel.annotations) if v]
    text = (f"({panel.letter}) " if lettered else "") + first_upper(where)
    return text + (": " + ", ".join(values) if values else "")


def linked_findings(ctx: ExportContext, panels: Sequence[PanelContent]) -> list[Finding]:
    """The findings whose annotations the panels show; all of the case's findings when the
    case links none of its annotations to a finding (then each finding is about everything)."""
    ids = {a.finding for p in panels for a in p.annotations if a.finding}
    if any(a.finding for a in ctx.case.annotations):
        return [f for f in ctx.case.findings if f.id in ids]
    return list(ctx.case.findings)


def symbols_sentence(panels: Sequence[PanelContent]) -> str:
    anns = [a for p in panels for a in p.annotations]
    kinds = {a.kind for a in anns}
    specs = [s for s in (kind_spec(k) for k in symbol_order() if k in kinds) if s is not None]
    parts = [s.sentence for s in specs if s.sentence]
    arrows = {s.name for s in specs if s.geometry == "arrow"}  # words name what they point to
    arrow_labels = sorted({a.label.strip() for a in anns if a.kind in arrows and a.label.strip()})
    if arrow_labels:
        parts.append("arrows point to the " + ", ".join(arrow_labels))
    bars = [(p.letter, p.scale_bar_mm) for p in panels if p.scale_bar_mm is not None]
    lengths = {mm for _, mm in bars}
    if len(lengths) == 1:
        parts.append(f"scale bar{'s' if len(bars) > 1 else ''}, {next(iter(lengths)):g} mm")
    elif bars:
        parts.append("scale bars, " + ", ".join(f"{mm:g} mm ({letter})" for letter, mm in bars))
    if any(not p.calibrated for p in panels):
        parts.append("values in pixels, and angles on the pixel grid, where the image has no calibration")
    if not parts:
        return ""
    text = "; ".join(parts)
    return first_upper(text) + "."


def draft_caption(ctx: ExportContext, panels: Sequence[PanelContent], plot_titles: Sequence[tuple[str, str]] = ()) -> str:
    """A caption: findings, panels (letters when more than one), plots, symbols and scale."""
    sentences = []
    for finding in linked_findings(ctx, panels):
        sentences.append(finding_summary_flagged(ctx, finding).rstrip(".") + ".")
    lettered = len(panels) + len(plot_titles) > 1
    phrases = [_panel_phrase(ctx, p, lettered) for p in panels]
    phrases += [(f"({letter}) " if lettered else "") + title for letter, title in plot_titles]
    if phrases:
        sentences.append("; ".join(phrases) + ".")
    symbols = symbols_sentence(panels)
    if symbols:
        sentences.append(symbols)
    return ctx.text(" ".join(sentences))


__all__ = [
    "PanelContent", "draft_caption",
    "linked_findings", "panel_letter", "scale_bar_mm", "symbols_sentence", "visible_annotations",
]
