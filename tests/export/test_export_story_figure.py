"""Figure layout: headings above the panels, nothing overlapping at journal widths; the plot
titled from the annotation with rest and peak marked and its marks explained."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication
from story_case import story_case

from annotator.case.commands import CommandStack, SetCaption
from annotator.case.document import CaseDocument
from annotator.export.context import ExportContext
from annotator.export.figure import FigureSpec, PanelSpec, figure_key, paint_figure, plan_figure
from annotator.export.rest_peak import rest_peak_figure, rest_peak_summaries
from annotator.render.plot import key_entries


@pytest.fixture(scope="module", autouse=True)
def _app() -> None:
    QApplication.instance() or QApplication([])


@pytest.fixture
def ctx(tmp_path: Path) -> ExportContext:
    return ExportContext(CaseDocument.load(story_case(tmp_path / "case")))


def _boxes(ctx: ExportContext, spec: FigureSpec) -> list:  # type: ignore[type-arg]
    plan = plan_figure(spec, ctx)
    image = QImage(plan.width, plan.height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    try:
        boxes = paint_figure(painter, plan, ctx)
    finally:
        painter.end()
    return [(name, rect, plan) for name, rect in boxes]


@pytest.mark.parametrize("width_mm", [85.0, 120.0, 174.0])
def test_nothing_overlaps_at_journal_widths(ctx: ExportContext, width_mm: float) -> None:
    spec = rest_peak_figure(rest_peak_summaries(ctx)[0], ctx, width_mm, 300)
    spec.show_caption = True
    boxes = _boxes(ctx, spec)
    names = [n for n, _, _ in boxes]
    assert {"heading A", "heading B", "heading C", "caption"} <= set(names)
    assert sum(n.startswith("legend") for n in names) >= 1
    assert sum(not n.startswith(("heading", "legend", "caption")) for n in names) >= 3  # caliper values
    plan = boxes[0][2]
    for (n1, r1, _), (n2, r2, _) in combinations(boxes, 2):
        inter = r1.intersected(r2)
        assert inter.isEmpty() or inter.width() * inter.height() < 1.0, f"{n1} overlaps {n2} at {width_mm} mm"
    # headings sit above the pictures, never on them
    for panel in plan.panels:
        heading = next(r for n, r, _ in boxes if n == f"heading {panel.letter}")
        assert heading.bottom() <= panel.box.y + 0.5
        assert heading.right() <= panel.box.x + panel.box.w + 0.5


def test_the_plot_is_titled_from_its_label_and_marks_rest_and_peak(ctx: ExportContext) -> None:
    spec = rest_peak_figure(rest_peak_summaries(ctx)[0], ctx, 174.0, 150)
    plan = plan_figure(spec, ctx)
    plot = plan.panels[2]
    assert plot.heading == "C  Gap over time"
    assert plot.series is not None and (plot.series.rest_frame, plot.series.peak_frame) == (0, 7)
    assert key_entries(plot.series) == ["rest", "peak"]
    low = plot.series.__class__(**{**plot.series.__dict__, "samples": tuple(
        s.__class__(s.frame, s.time_ms, s.value, 0.2 if s.frame == 3 else None) for s in plot.series.samples)})
    assert key_entries(low)[-1] == "tracking confidence < 0.5"  # the shaded band is explained


def test_a_caption_written_for_a_figure_is_kept_in_the_case(ctx: ExportContext) -> None:
    spec = FigureSpec([PanelSpec("m1", 0), PanelSpec("m1", 7)], 1, 2)
    stack = CommandStack(ctx.case)
    stack.push(SetCaption(figure_key(spec), "Rectus femoris at rest (A) and on contraction (B)."))
    assert figure_key(spec) == "m1@0,m1@7"
    assert plan_figure(spec, ctx).caption == "Rectus femoris at rest (A) and on contraction (B)."
    stack.undo()
    assert "Rectus femoris at rest" not in plan_figure(spec, ctx).caption


def _svg_texts(ctx: ExportContext, spec: FigureSpec) -> list[str]:
    import re

    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
    from PySide6.QtSvg import QSvgGenerator

    plan = plan_figure(spec, ctx)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(plan.width, plan.height))
    generator.setViewBox(QRectF(0, 0, plan.width, plan.height))
    painter = QPainter(generator)
    try:
        paint_figure(painter, plan, ctx)
    finally:
        painter.end()
    return [t.strip() for t in re.findall(r">([^<>]+)</text>", bytes(data.data()).decode())]


def test_a_narrow_panels_title_is_set_smaller_before_it_is_elided(ctx: ExportContext) -> None:
    """Three panels in one row at 85 mm: at the letter's size the plot's title read "Gap
    o…"; set smaller (to the legend's size) it reads whole, and the letter keeps its size. A
    title that cannot fit even so is elided, never run into the next panel
    (test_nothing_overlaps_at_journal_widths)."""
    from dataclasses import replace

    spec = replace(rest_peak_figure(rest_peak_summaries(ctx)[0], ctx, 174.0, 300), rows=1, cols=3, width_mm=85.0)
    texts = _svg_texts(ctx, spec)
    assert "Gap over time" in texts and "C" in texts
    spec.panels[2] = replace(spec.panels[2], title="Gap between the retracted stumps of the rectus femoris")
    texts = _svg_texts(ctx, spec)
    assert any(t.startswith("Gap betw") and t.endswith("…") for t in texts), texts


def test_a_plot_title_too_long_even_smaller_drops_over_time_before_it_is_elided(ctx: ExportContext) -> None:
    """Three panels at 85 mm with a plot of a longer label: "Pennation over time" read
    "Pennation ov…" at the legend's size. The time axis says "over time": the title drops it
    and reads whole ("Pennation"), before anything is cut."""
    from dataclasses import replace

    spec = replace(rest_peak_figure(rest_peak_summaries(ctx)[0], ctx, 174.0, 300), rows=1, cols=3, width_mm=85.0)
    spec.panels[2] = replace(spec.panels[2], title="Fascicle length over time")
    texts = _svg_texts(ctx, spec)
    assert "Fascicle length" in texts, texts
    assert not any(t.endswith("…") for t in texts), texts
