"""Figures: layout and letters, print size and symbol scale, per-panel scale bars, legend,
caption, crop to the imaging region, plot panels and the quick preview."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, AttributeValue, Finding, MediaRef
from annotator.export.context import ExportContext, ExportOptions
from annotator.export.figure import FigureSpec, PanelSpec, plan_figure, render_figure
from annotator.export.layout import auto_layout, grid_geometry, panel_letter, parse_layout
from annotator.export.legend import legend_entries
from annotator.export.output import ExportError
from annotator.export.registry import export
from annotator.media.base import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region
from annotator.render import qimage_to_numpy, scale_bar_length_mm

REGION_A = Region(10, 20, 209, 169, UNIT_CM, UNIT_CM, 0.01, 0.01)  # 0.1 mm/px
REGION_B = Region(0, 0, 239, 179, UNIT_CM, UNIT_CM, 0.025, 0.025)  # 0.25 mm/px


@pytest.fixture(scope="module", autouse=True)
def _app() -> None:
    QApplication.instance() or QApplication([])


def _clip(rows: int = 180, cols: int = 240, frames: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(30, 200, size=(frames, rows, cols, 1), dtype=np.uint8).repeat(3, axis=3)


@pytest.fixture
def document() -> CaseDocument:
    doc = CaseDocument.new("figure test")
    doc.case.media += [MediaRef("m1", "a.dcm"), MediaRef("m2", "b.dcm")]
    doc.set_media("m1", ArrayMedia(_clip(), regions=[REGION_A], kind="dicom"))
    doc.set_media("m2", ArrayMedia(_clip(seed=1), regions=[REGION_B], kind="dicom"))
    doc.case.findings.append(Finding("f1", "tear", "rectus femoris", "left",
                                     attributes={"gap": AttributeValue(annotation="a1", quantity="length")}))
    doc.case.annotations += [
        Annotation.single("a1", "m1", "line", 1, [(50, 60), (100, 60)], label="gap", finding="f1"),
        Annotation.single("a2", "m2", "line", 3, [(40, 40), (40, 120)], label="thickness"),
        Annotation.single("a3", "m2", "arrow", 3, [(200, 20), (150, 60)], label="tear"),
    ]
    track = Annotation.single("a4", "m1", "line", 0, [(60, 100), (120, 100)], label="width")
    track.frame_end = 5
    track.keyframes[5] = [(60, 100), (160, 100)]
    doc.case.annotations.append(track)
    return doc


def test_layouts_and_letters() -> None:
    assert parse_layout("1x2") == (1, 2) and parse_layout(" 3X4 ") == (3, 4)
    for bad in ("two", "0x2", "1x", "7x7"):
        with pytest.raises(ExportError):
            parse_layout(bad)
    assert auto_layout(2) == (1, 2) and auto_layout(4) == (2, 2) and auto_layout(5) == (2, 3)
    assert [panel_letter(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]
    grid = grid_geometry([0.75, 0.75, 0.5], 2, 2, 1000, 10)
    assert grid.cells[1].x > grid.cells[0].x and grid.cells[1].y == grid.cells[0].y  # B right of A
    assert grid.cells[2].y > grid.cells[0].y and grid.cells[2].x == grid.cells[0].x  # C below A
    assert grid.pictures[2].h == pytest.approx(0.5 * grid.pictures[2].w)  # aspect kept


def test_letters_run_left_to_right_then_by_row(document: CaseDocument) -> None:
    ctx = ExportContext(document)
    spec = FigureSpec([PanelSpec("m1", 1), PanelSpec("m2", 3), PanelSpec("m1", 2)], rows=2, cols=2)
    plan = plan_figure(spec, ctx)
    letters = [(p.letter, round(p.box.x), round(p.box.y)) for p in plan.panels]
    assert [ltr for ltr, _, _ in letters] == ["A", "B", "C"]
    assert letters[1][1] > letters[0][1] and letters[2][2] > letters[0][2]


def test_print_width_and_resolution_set_the_pixel_size_and_symbols(document: CaseDocument) -> None:
    ctx = ExportContext(document)
    small = plan_figure(FigureSpec([PanelSpec("m1", 1)], width_mm=174, dpi=150), ctx)
    large = plan_figure(FigureSpec([PanelSpec("m1", 1)], width_mm=174, dpi=300), ctx)
    assert large.width == round(174 / 25.4 * 300) and small.width == round(174 / 25.4 * 150)
    assert large.symbol_scale == pytest.approx(2 * small.symbol_scale)

    def yellow(dpi: int) -> int:
        image = qimage_to_numpy(render_figure(FigureSpec([PanelSpec("m1", 1)], width_mm=174, dpi=dpi,
                                                         legend=False), ctx))
        r, g, b = (image[..., i].astype(int) for i in range(3))
        return int(((r > 200) & (g > 170) & (b < 80)).sum())

    ratio = yellow(300) / yellow(150)
    assert 3.0 < ratio < 5.0, ratio  # strokes and text grow with the resolution (area: 4x)


def test_each_panel_gets_its_own_scale_bar(document: CaseDocument) -> None:
    ctx = ExportContext(document)
    plan = plan_figure(FigureSpec([PanelSpec("m1", 1), PanelSpec("m2", 3)], rows=1, cols=2), ctx)
    bars = [p.content.scale_bar_mm for p in plan.panels if p.content]
    expected_a = scale_bar_length_mm(0.1, 200)  # the region's width is what the bar is sized on
    expected_b = scale_bar_length_mm(0.25, 240)
    assert bars == [expected_a, expected_b] and expected_a != expected_b
    assert f"{expected_a:g} mm (A)" in plan.caption and f"{expected_b:g} mm (B)" in plan.caption


def test_crop_defaults_to_the_calibrated_region(document: CaseDocument) -> None:
    ctx = ExportContext(document)
    plan = plan_figure(FigureSpec([PanelSpec("m1", 1)]), ctx)
    assert plan.panels[0].crop == (10, 20, 200, 150)
    assert plan.panels[0].box.h / plan.panels[0].box.w == pytest.approx(150 / 200)
    kept = plan_figure(FigureSpec([PanelSpec("m1", 1)]), ExportContext(document, ExportOptions(keep_identifiers=True)))
    assert kept.panels[0].crop == (0, 0, 240, 180)
    user = plan_figure(FigureSpec([PanelSpec("m1", 1, crop=(40, 40, 100, 50))]), ctx)
    assert user.panels[0].crop == (40, 40, 100, 50)


def test_caption_is_drafted_from_findings_and_values_or_given(document: CaseDocument) -> None:
    ctx = ExportContext(document)
    plan = plan_figure(FigureSpec([PanelSpec("m1", 1), PanelSpec("m2", 3)], rows=1, cols=2), ctx)
    assert plan.caption.startswith("Tear of the left rectus femoris: gap 5.0 mm.")
    assert "(A) Clip 1, 0.03 s (frame 1): gap 5.0 mm" in plan.caption
    assert "(B) Clip 2" in plan.caption and "thickness 20.0 mm" in plan.caption
    assert "arrows point to the tear" in plan.caption
    given = plan_figure(FigureSpec([PanelSpec("m1", 1)], caption="Edited by hand."), ctx)
    assert given.caption == "Edited by hand."


def test_legend_lists_each_symbol_once_with_its_labels(document: CaseDocument) -> None:
    ctx = ExportContext(document)
    plan = plan_figure(FigureSpec([PanelSpec("m1", 1), PanelSpec("m2", 3)], rows=1, cols=2), ctx)
    entries = legend_entries([p.content for p in plan.panels if p.content])
    assert [(e.kind, e.text) for e in entries] == [("line", "Calipers: gap, thickness, width"), ("arrow", "Arrow: tear")]
    assert len(plan.legend) == 2
    assert not plan_figure(FigureSpec([PanelSpec("m1", 1)], legend=False), ctx).legend


def test_plot_panel_of_a_measurement_over_time(document: CaseDocument) -> None:
    ctx = ExportContext(document)
    spec = FigureSpec([PanelSpec("m1", 0), PanelSpec("m1", plot="a4")], rows=1, cols=2)
    plan = plan_figure(spec, ctx)
    assert plan.panels[1].series is not None
    values = [s.value for s in plan.panels[1].series.samples]
    assert values[0] == pytest.approx(6.0) and values[-1] == pytest.approx(10.0)
    assert "(B) Width over time: rest 6.0 mm at 0.00 s (circle), peak 10.0 mm" in plan.caption
    image = qimage_to_numpy(render_figure(spec, ctx))
    b = plan.panels[1].box
    plot = image[int(b.y) : int(b.y + b.h), int(b.x) : int(b.x + b.w)]
    assert (plot < 200).any(axis=2).mean() > 0.01  # axes and a line were drawn


def test_orientation_words_and_svg_text(document: CaseDocument, tmp_path: Path) -> None:
    out = tmp_path / "fig.svg"
    options = ExportOptions(media="m1", frame=1, orientation=("Proximal", "Distal"))
    export(document, out, options)
    words = " ".join("".join(t.itertext()) for t in ET.parse(out).getroot().iter("{http://www.w3.org/2000/svg}text"))
    assert "Proximal" in words and "Distal" in words


def test_preview_is_the_same_figure_smaller(document: CaseDocument) -> None:
    spec = FigureSpec([PanelSpec("m1", 1)])
    full = render_figure(spec, document)
    preview = render_figure(spec, document, scale=0.25)
    assert preview.width() == round(full.width() * 0.25)
    small = qimage_to_numpy(full)[::4, ::4][: preview.height(), : preview.width()].astype(int)
    assert np.abs(small - qimage_to_numpy(preview)[: small.shape[0], : small.shape[1]].astype(int)).mean() < 40


def test_plot_panel_from_the_command_line_options(document: CaseDocument, tmp_path: Path) -> None:
    out = tmp_path / "with_plot.png"
    result = export(document, out, ExportOptions(media="m1", frame=0, plots=["a4"], width_mm=120, dpi=100))
    assert "(B) Width over time: rest 6.0 mm" in result.caption
    with pytest.raises(ExportError, match="no annotation 'zz'"):
        export(document, tmp_path / "bad.png", ExportOptions(plots=["zz"]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["with_plot.caption.txt", "with_plot.png"]


def test_options_name_panels_across_media_with_their_own_crops(document: CaseDocument, tmp_path: Path) -> None:
    from PIL import Image

    from annotator.export.figure import figure_spec_from_options

    options = ExportOptions(panels=[PanelSpec("m2", 3, "Contraction"), PanelSpec("m1", 1, "Rest")],
                            layout="1x2", crops={"m2": (0, 0, 120, 180)}, scale_bar=False,
                            caption_in_figure=True, caption="Both sides.")
    ctx = ExportContext(document, options)
    assert options.chooses_figure
    spec = figure_spec_from_options(ctx)
    assert [(p.media, p.frame, p.title) for p in spec.panels] == [("m2", 3, "Contraction"), ("m1", 1, "Rest")]
    plan = plan_figure(spec, ctx)
    # m2 keeps the user's crop, m1 its calibrated region
    assert [p.crop for p in plan.panels] == [(0, 0, 120, 180), (10, 20, 200, 150)]
    assert all(p.content is not None and p.content.scale_bar_mm is None for p in plan.panels)
    assert plan.caption == "Both sides." and plan.caption_box is not None  # set under the raster too
    without = plan_figure(FigureSpec(spec.panels, 1, 2), ctx)
    assert plan.height > without.height and "scale bar" in without.caption.lower()
    result = export(document, tmp_path / "two.png", options)
    assert result.caption == "Both sides."
    with Image.open(result.path) as png:
        assert png.height == plan.height
