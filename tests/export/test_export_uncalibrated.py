"""Values that could not be calibrated are flagged with their reason in every output that lists
measurements, are never written as mm, and are left out of the DICOM SR (QA bug 3)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path
from typing import cast

import highdicom as hd
import numpy as np
import pydicom
import pypdf
import pytest
from export_data import REGION, write_us_dicom
from pptx import Presentation
from pydicom.dataset import Dataset
from PySide6.QtWidgets import QApplication

from annotator.case.document import CaseDocument
from annotator.case.io import save_case
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef
from annotator.export.context import ExportContext, ExportOptions
from annotator.export.registry import ExportResult, export
from annotator.export.uncalibrated import flagged_display
from annotator.media.base import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region

X0, Y0, X1, Y1 = REGION
ECG_TOP = 200  # the B-mode region ends above it; the ECG strip runs along the bottom
#: a caliper from the image down into the ECG strip: 70 px long, so never "70.0 mm"
CROSSING = [(150.0, 150.0), (150.0, 220.0)]
INSIDE = [(60.0, 100.0), (120.0, 100.0)]  # 60 px at 0.1 mm/px: 6.0 mm
ARM_OUT = [(200.0, 120.0), (160.0, 160.0), (240.0, 215.0)]  # the third point in the ECG strip


@pytest.fixture(scope="module", autouse=True)
def _app() -> None:
    QApplication.instance() or QApplication([])


def _dicom_with_ecg_strip(path: Path) -> Path:
    """The export tests' ultrasound DICOM, its B-mode region cut short by an ECG region."""
    write_us_dicom(path)
    ds = pydicom.dcmread(path)
    image = ds.SequenceOfUltrasoundRegions[0]
    image.RegionLocationMaxY1 = ECG_TOP - 1
    ecg = Dataset()
    ecg.RegionSpatialFormat, ecg.RegionDataType, ecg.RegionFlags = 4, 0x0A, 0  # waveform, ECG
    ecg.RegionLocationMinX0, ecg.RegionLocationMinY0 = X0, ECG_TOP
    ecg.RegionLocationMaxX1, ecg.RegionLocationMaxY1 = X1, Y1
    ecg.PhysicalUnitsXDirection, ecg.PhysicalUnitsYDirection = 4, 0  # seconds, none
    ecg.PhysicalDeltaX, ecg.PhysicalDeltaY = 0.01, 1.0
    ds.SequenceOfUltrasoundRegions.append(ecg)
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture(scope="module")
def case_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("uncalibrated")
    _dicom_with_ecg_strip(folder / "scan.dcm")
    case = Case(title="Uncalibrated values")
    case.media.append(MediaRef("m1", "scan.dcm"))
    case.findings.append(Finding("f1", "tear", structure="rectus femoris", side="left", attributes={
        "gap": AttributeValue(annotation="a1", quantity="length"),
        "retraction": AttributeValue(annotation="a2", quantity="length"),
    }))
    case.annotations += [
        Annotation.single("a1", "m1", "line", 2, INSIDE, label="gap", finding="f1"),
        Annotation.single("a2", "m1", "line", 2, CROSSING, label="retraction", finding="f1"),
        Annotation.single("a3", "m1", "angle", 2, ARM_OUT, label="pennation"),
    ]
    path = folder / "case.uscase.json"
    save_case(case, path)
    return path


def _export(case_file: Path, name: str, **options: object) -> tuple[Path, ExportResult]:
    out = case_file.parent / name
    with CaseDocument.load(case_file) as document:
        result = export(document, out, ExportOptions(force=True, **options))  # type: ignore[arg-type]
    return out, result


def _expected(case_file: Path) -> dict[str, str]:
    """The flagged texts of the two uncalibrated values, as ``flagged_display`` writes them."""
    with CaseDocument.load(case_file) as document:
        crossing = document.measure(document.case.annotation("a2"))[0]
        angle = document.measure(document.case.annotation("a3"))[0]
        inside = document.measure(document.case.annotation("a1"))[0]
    assert (crossing.unit, crossing.source, crossing.calibrated) == ("px", None, False)
    assert crossing.value == pytest.approx(70.0) and crossing.note
    assert (angle.unit, angle.source, angle.calibrated) == ("deg", None, False)
    assert inside.calibrated and inside.value == pytest.approx(6.0)
    return {"crossing": flagged_display(crossing), "angle": flagged_display(angle),
            "inside": flagged_display(inside)}


def test_flagged_text_names_the_value_and_the_reason(case_file: Path) -> None:
    texts = _expected(case_file)
    assert texts["crossing"].startswith("70.0 px (not calibrated: ") and "region" in texts["crossing"]
    assert re.match(r"\d+\.\d° \(not calibrated: .*pixel space", texts["angle"])
    assert texts["inside"] == "6.0 mm"  # a calibrated value is left as it is


def _no_px_as_mm(text: str) -> None:
    assert "70.0 mm" not in text and "70.0 mm²" not in text


def test_html_report_flags_values_in_findings_and_measurements(case_file: Path) -> None:
    texts = _expected(case_file)
    out, _ = _export(case_file, "report.html")
    page = out.read_text(encoding="utf-8")
    findings = page[page.index("<h2>Findings</h2>"):page.index("<h2>Figures</h2>")]
    assert f"Retraction: {html.escape(texts['crossing'])}" in findings
    assert f"retraction {html.escape(texts['crossing'])}" not in findings  # summary is not in this table
    measurements = page[page.index("<h2>Measurements</h2>"):]
    for key in ("crossing", "angle"):
        assert f"<b>{html.escape(texts[key])}</b>" in measurements
    assert html.escape(texts["inside"]) + "</td>" in measurements
    assert "could not be converted to millimetres" in measurements
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert any(html.escape(texts["crossing"]) in c for c in captions)  # summary and panel values
    _no_px_as_mm(page)


def test_pdf_report_flags_them_too(case_file: Path) -> None:
    out, _ = _export(case_file, "report.pdf", report=True)
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(out).pages)
    assert text.count("not calibrated") >= 3  # findings table, caption, measurements table
    assert "70.0 px" in text
    _no_px_as_mm(text)


def test_csv_and_json_carry_calibration_reason_and_flag(case_file: Path) -> None:
    texts = _expected(case_file)
    out, _ = _export(case_file, "m.csv")
    rows = {r["annotation"]: r for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))}
    assert rows["a2"]["unit"] == "px" and rows["a2"]["calibrated"] == "no"
    assert rows["a2"]["calibration"] == "none" and rows["a2"]["note"]
    assert rows["a2"]["display"] == texts["crossing"]
    assert rows["a3"]["unit"] == "deg" and rows["a3"]["calibrated"] == "no" and rows["a3"]["note"]
    assert rows["a1"]["calibrated"] == "yes" and rows["a1"]["calibration"] == "us-region"
    out, _ = _export(case_file, "m.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    by_id = {m["annotation"]: m for m in data["measurements"]}
    assert by_id["a2"]["calibrated"] is False and by_id["a2"]["note"] == rows["a2"]["note"]
    assert by_id["a1"]["calibrated"] is True
    finding = data["findings"][0]
    assert finding["attributes"]["Retraction"] == texts["crossing"]
    assert f"retraction {texts['crossing']}" in finding["summary"]
    assert finding["attributes"]["Gap at rest"] == texts["inside"]


def test_slide_notes_and_figure_caption_flag_them(case_file: Path) -> None:
    texts = _expected(case_file)
    out, _ = _export(case_file, "slides.pptx")
    notes = "\n".join(s.notes_slide.notes_text_frame.text for s in Presentation(str(out)).slides if s.has_notes_slide)
    assert f"retraction, length: {texts['crossing']} (frame 2)" in notes
    assert f"pennation, angle: {texts['angle']} (frame 2)" in notes
    _, result = _export(case_file, "fig.png")
    assert f"retraction {texts['crossing']}" in result.caption
    assert f"pennation {texts['angle']}" in result.caption
    _no_px_as_mm(notes + result.caption)


def test_sr_leaves_uncalibrated_values_out_and_says_so(case_file: Path) -> None:
    out, result = _export(case_file, "sr.dcm")
    sr = hd.sr.srread(out)
    groups = cast(hd.sr.MeasurementReport, sr.content).get_planar_roi_measurement_groups()
    measured = [m for g in groups for m in g.get_measurements()]
    assert all(m.unit.scheme_designator == "UCUM" and "px" not in m.unit.value for m in measured)
    lengths = [m.value for m in measured if m.name.meaning == "Length"]
    assert lengths == [pytest.approx(6.0)]  # only the calibrated caliper
    assert not [m for m in measured if m.name.meaning == "Angle"]
    flagged = []
    for g in groups:
        for item in g.get_qualitative_evaluations():
            if cast(hd.sr.CodedConcept, item.value).value == "not-calibrated":
                flagged.append(str(g.tracking_identifier))
    assert sorted(t.split()[0] for t in flagged) == ["a2", "a3"]  # the shapes stay, marked
    assert len(result.notes) == 2 and all(n.startswith("left out of the SR:") for n in result.notes)
    assert any("70.0 px (not calibrated:" in n for n in result.notes)
    assert not re.search(rb"\{px", out.read_bytes())


# -- an angle across two regions whose pixels are not square ------------------------------------
def test_angle_across_non_square_regions_is_flagged(tmp_path: Path) -> None:
    """Issue16-like pixels (0.2857 x 0.2286 mm): an angle with its arms in two regions is
    measured on the pixel grid, which distorts it; measure.py gives it no source and a note."""
    frames = np.full((1, 120, 200, 3), 90, dtype=np.uint8)
    left = Region(0, 0, 99, 119, UNIT_CM, UNIT_CM, 0.02857, 0.02286)
    right = Region(100, 0, 199, 119, UNIT_CM, UNIT_CM, 0.02857, 0.02286)
    doc = CaseDocument.new("dual")
    doc.case.media.append(MediaRef("m1", "dual.png"))
    doc.set_media("m1", ArrayMedia(frames, regions=[left, right]))
    across = Annotation.single("x", "m1", "angle", 0, [(60, 20), (90, 60), (150, 60)], label="across")
    within = Annotation.single("w", "m1", "angle", 0, [(20, 20), (50, 60), (90, 60)], label="within")
    doc.case.annotations += [across, within]
    ctx = ExportContext(doc)
    (m,) = ctx.measure(across, 0)
    assert m.source is None and "pixel space" in m.note and not m.calibrated
    (ok,) = ctx.measure(within, 0)
    assert ok.calibrated and ok.source == "us-region"
    result = export(doc, tmp_path / "m.csv")
    rows = {r["annotation"]: r for r in csv.DictReader(io.StringIO(result.path.read_text(encoding="utf-8-sig")))}
    assert rows["x"]["calibrated"] == "no" and "(not calibrated: " in rows["x"]["display"]
    assert rows["w"]["calibrated"] == "yes" and "not calibrated" not in rows["w"]["display"]


def test_a_ratio_of_uncalibrated_areas_is_flagged(tmp_path: Path) -> None:
    frames = np.full((1, 100, 160, 3), 90, dtype=np.uint8)
    doc = CaseDocument.new("nerve")
    doc.case.media.append(MediaRef("m1", "still.png"))
    doc.set_media("m1", ArrayMedia(frames))  # no calibration at all
    square = [(10.0, 10.0), (30.0, 10.0), (30.0, 30.0), (10.0, 30.0)]  # 400 px²
    small = [(60.0, 10.0), (70.0, 10.0), (70.0, 30.0), (60.0, 30.0)]  # 200 px²
    doc.case.annotations += [Annotation.single("big", "m1", "polygon", 0, square),
                             Annotation.single("ref", "m1", "polygon", 0, small)]
    doc.case.findings.append(Finding("f1", "nerve_enlargement", attributes={
        "nerve": AttributeValue("median"), "site": AttributeValue("carpal tunnel"),
        "csa": AttributeValue(annotation="big", quantity="area"),
        "csa_reference_site": AttributeValue(annotation="ref", quantity="area"),
    }))
    data = json.loads(export(doc, tmp_path / "m.json").path.read_text(encoding="utf-8"))
    (finding,) = data["findings"]
    assert finding["attributes"]["Swelling ratio"] == "2.00 (from values that are not calibrated)"
    assert finding["attributes"]["Cross-sectional area"].startswith("400.0 px² (not calibrated: ")
    assert "swelling ratio from values that are not calibrated" in finding["summary"]
    assert "mm²" not in finding["attributes"]["Cross-sectional area"]


def test_an_image_with_no_calibration_says_so_once_in_the_caption(tmp_path: Path) -> None:
    """A screen capture with no calibration at all: every value is in pixels for the same
    reason, said once after the panels (each value said it again: a panel of three values read
    mostly "(not calibrated: no calibration: the image has no spatial region or pixel
    spacing)"); the values stay in px, never mm."""
    import cv2

    grey = np.tile(np.linspace(30, 200, 320, dtype=np.uint8)[None, :], (240, 1))
    cv2.imwrite(str(tmp_path / "capture.png"), grey)
    case = Case(title="capture")
    case.media.append(MediaRef("m1", "capture.png"))
    case.annotations += [
        Annotation.single("a1", "m1", "line", 0, [(40.0, 100.0), (100.0, 100.0)], label="gap"),
        Annotation.single("a2", "m1", "angle", 0, [(200.0, 120.0), (160.0, 160.0), (240.0, 160.0)],
                          label="pennation"),
    ]
    save_case(case, tmp_path / "case.uscase.json")
    _, result = _export(tmp_path / "case.uscase.json", "figure.png")
    assert "gap 60.0 px" in result.caption and re.search(r"pennation \d+\.\d°[;,. ]", result.caption)
    assert "not calibrated" not in result.caption
    assert result.caption.count("values in pixels, and angles on the pixel grid, where the image has no calibration") == 1
    _no_px_as_mm(result.caption)
