"""The report reads like a case write-up: title, history, findings with verdicts, impression,
rest vs peak of each dynamic measurement with its figure, and the per-frame rows in an appendix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QApplication
from story_case import HISTORY, IMPRESSION, MEDIA_LABEL, TITLE, story_case

from annotator.case.document import CaseDocument
from annotator.export.context import ExportContext, ExportOptions
from annotator.export.registry import export
from annotator.export.report import report_content


@pytest.fixture(scope="module", autouse=True)
def _app() -> None:
    QApplication.instance() or QApplication([])


@pytest.fixture
def story(tmp_path: Path) -> CaseDocument:
    return CaseDocument.load(story_case(tmp_path / "case"))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_report_tells_the_case(story: CaseDocument, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    export(story, out)
    html = out.read_text(encoding="utf-8")
    text = _text(html)
    assert f"<h1>{TITLE}</h1>" in html
    assert HISTORY.split(";")[0] in text and IMPRESSION in text
    assert text.index("History") < text.index("Findings") < text.index("Impression") < text.index("Rest and peak")
    # verdicts follow the numbers, one per finding
    assert "within normal limits" in text and "no reference value for this nerve" in text
    assert "Enlargement" not in text
    assert "thickness 27 % thinner than the other side" in text
    assert "ratio 0.73" in text and "ratio 2.00" in text
    assert "BAMIC 2c" in text and "Br J Sports Med 2014" in text
    # rest vs peak: suggested frames 0 and 7 of the tracked gap, 5.0 -> 11.0 mm
    row = re.search(r"<tr><td>gap</td>(.*?)</tr>", html)
    assert row is not None
    cells = _text(row.group(1))
    assert "5.0 mm" in cells and "11.0 mm" in cells and "+6.0 mm" in cells and "+120 %" in cells
    assert "rest 0 (0.00 s), peak 7 (0.28 s)" in cells
    # the per-frame rows are collapsed into an appendix
    assert "<details>" in html and html.index("<details>") > html.index("Rest and peak")
    assert html.count("<tr>", html.index("<details>")) >= 12
    assert html.count("<figure>") == 1  # rest/peak figure; the same frame is not shown twice
    assert "No annotated frames" not in text  # under a figure of the annotated frames
    assert "Examination of" not in html and "2026-11-02" not in html  # the date is an identifier


def test_exam_date_only_with_identifiers(story: CaseDocument, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    export(story, out, ExportOptions(keep_identifiers=True))
    assert "Examination of 2026-11-02" in out.read_text(encoding="utf-8")


def test_chosen_rest_and_peak_win_over_the_suggestion(story: CaseDocument) -> None:
    gap = story.case.annotation("a1")
    gap.rest_frame, gap.peak_frame = 11, 7  # type: ignore[attr-defined]
    content = report_content(ExportContext(story))
    d = content.dynamics[0]
    assert (d.rest_frame, d.peak_frame, d.picked) == (11, 7, "chosen")
    assert d.rest_value == pytest.approx(6.0) and d.change_pct == pytest.approx(5 / 6 * 100)


def test_the_rest_peak_figure_shows_both_frames_and_the_plot(story: CaseDocument) -> None:
    content = report_content(ExportContext(story))
    caption = content.dynamic_figures[0].caption
    assert "(A) Rest, 0.00 s (frame " in caption and "(B) Peak, 0.28 s (frame " in caption
    assert "0.00 s, 0.00 s" not in caption and "0.28 s, 0.28 s" not in caption  # the time said once
    assert "(C) Gap over time: rest 5.0 mm at 0.00 s (circle), peak 11.0 mm at 0.28 s (triangle), +120 %" in caption
    assert MEDIA_LABEL not in caption or "Rest" in caption


def test_pdf_report_carries_the_story(story: CaseDocument, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    export(story, out, ExportOptions(report=True))
    text = " ".join(page.extract_text() for page in PdfReader(str(out)).pages)
    text = re.sub(r"\s+", " ", text)
    for words in (TITLE.split()[0], "History", "Impression", "within normal limits", "Rest and peak", "+120 %"):
        assert words in text
    assert "no reference value for this" in text


def test_sr_carries_the_same_verdict(story: CaseDocument, tmp_path: Path) -> None:
    import highdicom as hd
    from pydicom import dcmread

    from annotator.case.model import Annotation, AttributeValue

    case = story.case
    # a 40 x 20 px trace at 0.1 mm/px: 8.0 mm², within the median nerve's limit of 11 mm²
    case.annotations.append(Annotation.single("a9", "m1", "polygon", 0, [(150, 150), (190, 150), (190, 170), (150, 170)],
                                              label="median CSA", finding="f2"))
    case.finding("f2").attributes["csa"] = AttributeValue(annotation="a9")
    out = tmp_path / "sr.dcm"
    export(story, out)
    sr = dcmread(out)
    text = str(sr)
    assert "Measured verdict" in text and "17621005" in text  # SCT Normal
    assert "260376009" not in text
    assert isinstance(hd.sr.srread(out), hd.sr.Comprehensive3DSR)


def test_the_command_line_report_and_slides_carry_the_contract(tmp_path: Path) -> None:
    from export_data import run_cli
    from pptx import Presentation

    case_path = story_case(tmp_path / "case")
    assert run_cli(str(case_path), str(tmp_path / "report.html")) == 0
    assert run_cli(str(case_path), str(tmp_path / "slides.pptx")) == 0
    html = _text((tmp_path / "report.html").read_text(encoding="utf-8"))
    slides = Presentation(str(tmp_path / "slides.pptx"))
    deck = " ".join(sh.text_frame.text for s in slides.slides for sh in s.shapes if sh.has_text_frame)
    for text in (html, deck):
        assert TITLE in text
        assert "within normal limits" in text and "no reference value for this nerve" in text
        assert "27 % thinner" in text
        assert "5.0 mm" in text and "11.0 mm" in text and "+120 %" in text
