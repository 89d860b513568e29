"""The structure-aware kinds, rest/peak frames and turned calipers in every export: CSV and
JSON measurements, the HTML report, the figure's caption, slides' notes, and the DICOM SR
(codes, units, the extrapolation method; checked by dciodvfy) (issue 9)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest
from export_data import run_cli, write_us_dicom
from pptx import Presentation

from annotator.case.io import save_case
from annotator.case.model import Annotation, Case, MediaRef

pytestmark = pytest.mark.usefixtures("qapp")


def make_case(folder: Path) -> Path:
    (folder / "media").mkdir(parents=True)
    write_us_dicom(folder / "media" / "scan.dcm")
    case = Case(title="Quadriceps architecture")
    case.media.append(MediaRef("m1", "media/scan.dcm"))
    thick = Annotation.single("t1", "m1", "thickness", 0, [(40, 60), (280, 60), (40, 200), (280, 200)],
                              label="VL thickness")
    thick.frame_end = 11
    thick.keyframes[11] = [(40, 62), (280, 62), (40, 190), (280, 190)]
    thick.rest_frame, thick.peak_frame = 0, 11
    thick.keyframes[6] = [(40, 61), (280, 61), (40, 195), (280, 195)]
    thick.confidence = {6: 0.3, 11: 0.9}  # frame 6 tracked with low confidence
    pen = Annotation.single("p1", "m1", "pennation", 0, [(100, 180), (160, 120), (40, 200), (280, 200)])
    pen.confidence = {0: 0.2}  # read by the automatic analysis on one frame, unsure
    # a shallow fascicle (slope 1/4) meets the deep line at x=40 (inside) and the superficial
    # one at x=720: outside the 320-pixel image, so its length is extrapolated
    fas = Annotation.single("f1", "m1", "fascicle", 0,
                            [(60, 215), (200, 180), (30, 50), (290, 50), (30, 220), (290, 220)])
    cal = Annotation.single("c1", "m1", "line", 0, [(160, 60), (160, 200)], label="caliper")
    cal.frame_end = 11
    cal.keyframes[11] = [(120, 70), (200, 190)]  # turned about 34 degrees
    case.annotations += [thick, pen, fas, cal]
    path = folder / "case.uscase.json"
    save_case(case, path)
    return path


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("arch")
    case = make_case(root / "case")
    out = {}
    for key, name, flags in (("csv", "m.csv", []), ("json", "m.json", []), ("sr", "sr.dcm", []),
                             ("html", "report.html", []), ("pptx", "slides.pptx", [])):
        assert run_cli(str(case), str(root / name), *flags) == 0
        out[key] = root / name
    return out


def test_csv_and_json_carry_the_new_quantities_roles_and_flags(exported: dict[str, Path]) -> None:
    rows = list(csv.DictReader(io.StringIO(exported["csv"].read_text(encoding="utf-8-sig"))))
    by = {(r["annotation"], r["frame"], r["quantity"]): r for r in rows}
    rest = by[("t1", "0", "thickness")]
    peak = by[("t1", "11", "thickness")]
    assert float(rest["value"]) == pytest.approx(14.0) and rest["unit"] == "mm"
    assert float(peak["value"]) == pytest.approx(12.8)
    assert (rest["frame_role"], peak["frame_role"]) == ("rest", "peak")
    low = by[("t1", "6", "thickness")]
    assert "low tracking confidence (0.30)" in low["note"] and float(low["confidence"]) == 0.3
    assert "low tracking" not in peak["note"] and rest["confidence"] == ""
    assert float(by[("p1", "0", "pennation")]["value"]) == pytest.approx(45.0)
    # a single-frame value the analysis read is flagged as the analysis' (not tracking's) doubt
    assert "low analysis confidence (0.20)" in by[("p1", "0", "pennation")]["note"]
    assert float(by[("p1", "0", "pennation")]["confidence"]) == 0.2
    assert by[("f1", "0", "fascicle_length")]["confidence"] == "" and "confidence" not in length_note(by)
    assert {q for a, _, q in by if a == "p1"} == {"pennation", "fascicle_angle", "aponeurosis_angle"}
    length = by[("f1", "0", "fascicle_length")]
    assert length["extrapolated"] == "yes" and "(extrapolated)" in length["display"]
    assert float(length["value"]) == pytest.approx(math.hypot(680, 170) * 0.1)
    turned = by[("c1", "11", "length")]
    assert "caliper turned 3" in turned["note"] and "caliper turned" not in by[("c1", "0", "length")]["note"]
    data = json.loads(exported["json"].read_text(encoding="utf-8"))
    j = [m for m in data["measurements"] if m["quantity"] == "fascicle_length"]
    assert j and j[0]["extrapolated"] is True


def length_note(by: dict[tuple[str, str, str], dict[str, str]]) -> str:
    return by[("f1", "0", "fascicle_length")]["note"]


def test_report_and_slides_show_the_values_with_rest_peak_and_extrapolation(exported: dict[str, Path]) -> None:
    html = exported["html"].read_text(encoding="utf-8")
    assert "thickness" in html and "(rest)" in html and "(peak)" in html and "(extrapolated)" in html
    notes = [s.notes_slide.notes_text_frame.text for s in Presentation(str(exported["pptx"])).slides
             if s.has_notes_slide and s.notes_slide.notes_text_frame is not None]
    assert any("pennation" in n and "(extrapolated)" in n for n in notes)


def test_sr_codes_units_and_extrapolation_method(exported: dict[str, Path]) -> None:
    ds = pydicom.dcmread(exported["sr"])
    found: list[tuple[str, str, str]] = []
    methods: list[str] = []

    def walk(items: pydicom.Sequence) -> None:
        for item in items:
            if item.ValueType == "NUM":
                name = item.ConceptNameCodeSequence[0]
                unit = item.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodeValue
                found.append((name.CodeValue, name.CodeMeaning, unit))
            if item.ValueType == "CODE" and item.ConceptNameCodeSequence[0].CodeMeaning == "Measurement Method":
                methods.append(item.ConceptCodeSequence[0].CodeMeaning)
            if "ContentSequence" in item:
                walk(item.ContentSequence)

    walk(ds.ContentSequence)
    assert ("59089-3", "Thickness", "mm") in found
    assert any(meaning == "Pennation angle" and unit == "deg" for _, meaning, unit in found)
    assert any(meaning == "Fascicle length" and unit == "mm" for _, meaning, unit in found)
    assert "Linear extrapolation beyond the image" in methods
    evaluations = []

    def codes(items: pydicom.Sequence) -> None:
        for item in items:
            if item.ValueType == "CODE":
                evaluations.append(item.ConceptCodeSequence[0].CodeMeaning)
            if "ContentSequence" in item:
                codes(item.ContentSequence)

    codes(ds.ContentSequence)
    assert evaluations.count("Low tracking confidence (below 0.5)") == 1  # frame 6 of the thickness
    assert evaluations.count("Low automatic analysis confidence (below 0.5)") == 1  # the pennation


def test_sr_passes_dciodvfy(exported: dict[str, Path]) -> None:
    tool = shutil.which("dciodvfy")
    if tool is None:
        if os.environ.get("CI"):  # .ci/run installs it: a missing validator must fail, not skip
            pytest.fail("dciodvfy (Debian package dicom3tools) is not installed")
        pytest.skip("dciodvfy (Debian package dicom3tools) is not installed")
    result = subprocess.run([tool, str(exported["sr"])], capture_output=True, text=True, timeout=60)
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]
    assert not errors, "\n".join(errors)
