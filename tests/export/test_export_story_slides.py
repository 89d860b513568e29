"""Slides follow the story: title, one slide per finding, rest vs peak with the plot, the clip,
a summary; pictures at native size, words at 18 pt or more, notes that summarise."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from PySide6.QtWidgets import QApplication
from story_case import IMPRESSION, TITLE, story_case

from annotator.case.document import CaseDocument
from annotator.export.registry import export


@pytest.fixture(scope="module", autouse=True)
def _app() -> None:
    QApplication.instance() or QApplication([])


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> Presentation:
    folder = tmp_path_factory.mktemp("story")
    doc = CaseDocument.load(story_case(folder / "case"))
    out = folder / "slides.pptx"
    export(doc, out)
    return Presentation(str(out))


def _title(slide) -> str:  # type: ignore[no-untyped-def]
    return slide.shapes.title.text if slide.shapes.title is not None else ""


def test_the_slides_tell_the_story_in_order(slides: Presentation) -> None:
    titles = [_title(s) for s in slides.slides]
    assert titles[0] == TITLE
    assert titles[1:3] == ["Tear, right rectus femoris", "Atrophy, left gluteus medius"]
    assert titles[3] == "Gap: rest and peak"
    assert titles[4] == "Longitudinal RF, rest and contraction"  # the media label, not "Clip 1"
    assert titles[-1] == "Summary"
    summary = " ".join(sh.text_frame.text for sh in slides.slides[-1].shapes if sh.has_text_frame)
    assert "within normal limits" in summary and "no reference value for this nerve" in summary
    assert "thickness 27 % thinner than the other side" in summary
    assert "5.0 to 11.0 mm (+6.0 mm, +120 %)" in summary  # one pair of brackets
    assert IMPRESSION in summary
    body = next(sh for sh in slides.slides[-1].shapes if sh.has_text_frame and sh.text_frame.text != "Summary")
    assert all(p.text[:1].isupper() for p in body.text_frame.paragraphs if p.text)  # each line a capital


def test_rest_peak_slide_has_the_plot_and_the_change(slides: Presentation) -> None:
    slide = slides.slides[3]
    text = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
    assert "rest 5.0 mm (frame 0, 0.00 s), peak 11.0 mm (frame 7, 0.28 s), change +6.0 mm (+120 %)" in text
    pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 2  # rest and peak frames, and beside them the plot
    frames, plot = sorted(pictures, key=lambda p: p.left)
    assert frames.left + frames.width <= plot.left
    image = Image.open(io.BytesIO(frames.image.blob))
    assert image.width > 1.5 * image.height  # two frames side by side
    assert plot.width > frames.width * 0.8


def test_pictures_are_never_stretched_beyond_native_size(slides: Presentation) -> None:
    for slide in slides.slides:
        for sh in slide.shapes:
            if sh.shape_type == MSO_SHAPE_TYPE.PICTURE:
                w, _ = Image.open(io.BytesIO(sh.image.blob)).size
                assert sh.width / 9525 <= w + 1  # at most one image pixel per 1/96 inch
                assert sh.left >= 0 and sh.left + sh.width <= slides.slide_width


def test_every_word_is_at_least_18_pt(slides: Presentation) -> None:
    for slide in slides.slides:
        for sh in slide.shapes:
            if sh.has_text_frame:
                for p in sh.text_frame.paragraphs:
                    for run in p.runs:
                        assert run.font.size is not None and run.font.size.pt >= 18, run.text


def test_notes_summarise_rather_than_list_every_frame(slides: Presentation) -> None:
    for slide in slides.slides:
        notes = slide.notes_slide.notes_text_frame.text
        assert notes.count("\n") < 15
    clip_notes = slides.slides[4].notes_slide.notes_text_frame.text
    assert "rest 5.0 mm" in clip_notes and "(frame 3)" not in clip_notes


def test_figure_text_on_a_slide_reads_as_18_pt_or_more(tmp_path: Path) -> None:
    from annotator.export.context import ExportContext
    from annotator.export.figure import LEGEND_PT
    from annotator.export.rest_peak import rest_peak_figure, rest_peak_summaries
    from annotator.export.slides import PICTURE_DPI, slide_plan
    from annotator.render.plot import FONT_PX as PLOT_FONT_PX
    from annotator.render.style import FONT_PX as LABEL_FONT_PX

    ctx = ExportContext(CaseDocument.load(story_case(tmp_path / "case")))
    plan = slide_plan(rest_peak_figure(rest_peak_summaries(ctx)[0], ctx, 85.0, PICTURE_DPI), ctx)

    def points(px: float) -> float:
        return px / PICTURE_DPI * 72.0

    assert points(plan.font(LEGEND_PT).pixelSize()) >= 18
    assert points(LABEL_FONT_PX * plan.symbol_scale) >= 18  # caliper values on the image
    assert points(PLOT_FONT_PX * 0.95 * plan.symbol_scale) >= 17.9  # plot ticks and key
