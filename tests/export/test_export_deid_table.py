"""Identifiers planted in every attribute of PS3.15 Table E.1-1 (a generated ultrasound clip and
real pydicom-data ultrasound files), in the pixels inside the calibrated region and in typed
text written in other forms: no output of any format holds any of them, the DICOM outputs pass
dciodvfy, and the Secondary Capture claims clean pixels only when the burned-in text is redacted."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pypdf
import pytest
from deid_planted import (
    PIXEL_BOX,
    Planted,
    blue_pixels,
    burn_inside_region,
    plant_every_attribute,
    table_rows,
)
from export_data import (
    ALL_OUTPUTS,
    IDENTIFIERS,
    SEARCHED,
    run_cli,
    ultrasound_pixels,
    write_us_dicom,
)
from PIL import Image
from PySide6.QtWidgets import QApplication
from test_export_deid import _images, text_forms

from annotator.case.io import save_case
from annotator.case.model import Annotation, Case, Finding, MediaRef
from annotator.case.redaction import Redaction

#: the typed text: identifiers of the header written the way people write them
TYPED = {
    "title": "Rectus femoris tear: DOE, Johnathan (born 3 February 1971)",
    "notes": "MRN PID 99887766, seen at Elsewhere on 12 March 2019; referred by Dr Gregory House",
    "label": "gap 2/3/71",
    "text": "johnathan doe 1971-02-03 ACC 55443322",
    "finding": "tear noted by sonographer Sally, study STUDY8877",
}
TYPED_SEARCHED = ["Johnathan", "3 February 1971", "99887766", "Elsewhere", "12 March 2019", "Gregory",
                  "2/3/71", "1971-02-03", "55443322", "Sally", "STUDY8877"]


def _dciodvfy_errors(path: Path) -> list[str]:
    tool = shutil.which("dciodvfy")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("dciodvfy (dicom3tools) must be installed in CI")
        if os.environ.get("CI"):  # .ci/run installs it: a missing validator must fail, not skip
            pytest.fail("dciodvfy (Debian package dicom3tools) is not installed")
        pytest.skip("dciodvfy (Debian package dicom3tools) is not installed")
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=120)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]


def planted_dicom(path: Path) -> Planted:
    frames = ultrasound_pixels()
    for f in frames:
        burn_inside_region(f)
    write_us_dicom(path, frames)
    ds = pydicom.dcmread(path)
    planted = plant_every_attribute(ds)
    for keyword, value in IDENTIFIERS.items():  # the identity the typed text refers to
        setattr(ds, keyword, value)
        planted.searched[keyword] = [value]
    ds.save_as(path, enforce_file_format=True)
    return planted


def make_case(folder: Path, media: str, redact: bool = True) -> Path:
    case = Case(title=TYPED["title"], notes=TYPED["notes"])
    case.media.append(MediaRef("m1", media))
    case.findings.append(Finding("f1", "tear", structure="rectus femoris", side="right", notes=TYPED["finding"]))
    case.annotations += [
        Annotation.single("a1", "m1", "line", 2, [(100, 120), (150, 120)], label=TYPED["label"], finding="f1"),
        Annotation.single("a2", "m1", "polygon", 8, [(60, 170), (120, 160), (130, 210), (70, 215)], label="hematoma"),
        Annotation.single("a3", "m1", "text", 2, [(200, 150)], text=TYPED["text"]),
    ]
    if redact:
        x0, y0, x1, y1 = PIXEL_BOX
        case.redactions.append(Redaction("m1", None, x0, y0, x1, y1))
    path = folder / "case.uscase.json"
    save_case(case, path)
    return path


@pytest.fixture(scope="module")
def planted_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Planted, dict[str, Path], Path]:
    _app = QApplication.instance() or QApplication([])
    folder = tmp_path_factory.mktemp("planted")
    planted = planted_dicom(folder / "secret_patient_file.dcm")
    case = make_case(folder, "secret_patient_file.dcm")
    out = folder / "out"
    out.mkdir()
    paths = {}
    for key, (name, *flags) in ALL_OUTPUTS.items():
        assert run_cli(str(case), str(out / name), *flags) == 0, name
        paths[key] = out / name
    return planted, paths, case


def test_every_attribute_of_the_table_is_planted(planted_outputs: tuple[Planted, dict[str, Path], Path]) -> None:
    planted = planted_outputs[0]
    rows = table_rows()
    assert len(rows) >= 600
    reasons = set(planted.skipped.values())
    assert reasons <= {"a pattern (curves, overlays, private): planted separately",
                       "command or file meta group: never in a stored dataset"}, reasons
    assert len(planted.searched) + len(planted.binary) >= len(rows) - len(planted.skipped) - 3


def test_no_planted_value_in_any_output(planted_outputs: tuple[Planted, dict[str, Path], Path]) -> None:
    planted, paths, _ = planted_outputs
    searched = [s.lower() for s in planted.strings + SEARCHED + TYPED_SEARCHED]
    leaks = {}
    for key, path in paths.items():
        text = text_forms(path)
        hits = [s for s in searched if s in text]
        if hits:
            leaks[key] = hits
    assert not leaks, f"planted identifiers found: {leaks}"


def test_the_search_finds_them_when_identifiers_are_kept(planted_outputs: tuple[Planted, dict[str, Path], Path], tmp_path: Path) -> None:
    """The control: the same search does find planted values and typed text when kept."""
    planted, _, case = planted_outputs
    kept = tmp_path / "kept.dcm"
    assert run_cli(str(case), str(kept), "--keep-identifiers") == 0
    text = text_forms(kept)
    assert sum(s.lower() in text for s in planted.strings) >= 5
    report = tmp_path / "kept.html"
    assert run_cli(str(case), str(report), "--keep-identifiers") == 0
    assert "3 february 1971" in text_forms(report)


@pytest.mark.parametrize("key", ["sr", "sc"])
def test_dicom_outputs_apply_the_table_and_pass_dciodvfy(planted_outputs: tuple[Planted, dict[str, Path], Path], key: str) -> None:
    planted, paths, _ = planted_outputs
    ds = pydicom.dcmread(paths[key])
    assert ds.PatientIdentityRemoved == "YES"
    codes = [c.CodeValue for c in ds.DeidentificationMethodCodeSequence]
    assert codes[0] == "113100"
    assert not any(elem.tag.group == 0x0012 and elem.tag.element not in (0x62, 0x63, 0x64) for elem in ds), "the clinical trial modules must go"
    for tag in planted.binary:
        assert tag not in ds or ds[tag].value in (None, b"", 0, []) or tag in (0x00280010,), hex(tag)
    errors = _dciodvfy_errors(paths[key])
    assert not errors, "\n".join(errors)


def test_secondary_capture_claims_clean_pixels_only_when_the_text_is_redacted(
        planted_outputs: tuple[Planted, dict[str, Path], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, paths, _ = planted_outputs
    sc = pydicom.dcmread(paths["sc"])
    assert sc.BurnedInAnnotation == "NO"
    assert "113101" in [c.CodeValue for c in sc.DeidentificationMethodCodeSequence]
    # the same case without the redaction box: text is found, said, and the SC tells the truth
    folder = paths["sc"].parent.parent
    unredacted = make_case(tmp_path, str(folder / "secret_patient_file.dcm"), redact=False)
    capsys.readouterr()
    assert run_cli(str(unredacted), str(tmp_path / "sc.dcm"), "--secondary-capture") == 0
    printed = capsys.readouterr()
    assert "likely burned-in text left in" in printed.err
    raw = pydicom.dcmread(tmp_path / "sc.dcm")
    assert raw.BurnedInAnnotation == "YES"
    assert "113101" not in [c.CodeValue for c in raw.DeidentificationMethodCodeSequence]
    assert not _dciodvfy_errors(tmp_path / "sc.dcm")
    assert blue_pixels(raw.pixel_array) > 20  # the control: the pixel search would see it


def test_no_burned_in_text_in_any_output_pixels(planted_outputs: tuple[Planted, dict[str, Path], Path]) -> None:
    seen = {}
    for key, path in planted_outputs[1].items():
        counts = [blue_pixels(image) for image in _images(path)]
        seen[key] = max(counts, default=0)
    assert all(v <= 3 for v in seen.values()), seen


def test_pdfs_carry_no_dates(planted_outputs: tuple[Planted, dict[str, Path], Path]) -> None:
    for key in ("pdf", "report_pdf"):
        path = planted_outputs[1][key]
        reader = pypdf.PdfReader(path)
        info = dict(reader.metadata or {})
        # /Subject is the figure caption (typed text, scrubbed like the title)
        assert set(info) <= {"/Title", "/Subject", "/Creator", "/Producer", "/Trapped"}, info
        data = path.read_bytes()
        for marker in (b"CreationDate", b"ModDate", b"CreateDate", b"ModifyDate", b"MetadataDate", b"/Author"):
            assert marker not in data, (key, marker)
        assert len(reader.pages) >= 1  # still a valid PDF after blanking


def test_the_cli_says_what_typed_text_was_checked(planted_outputs: tuple[Planted, dict[str, Path], Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _, _, case = planted_outputs
    capsys.readouterr()
    assert run_cli(str(case), str(tmp_path / "m.json")) == 0
    out = capsys.readouterr().out
    assert "de-identification: typed text checked against:" in out and "patient name" in out
    assert "de-identified" not in out
    saved = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert any(line.startswith("typed text checked against:") for line in saved["deidentification"])
    # a still with no DICOM header: says that nothing was available to check against
    still = tmp_path / "still.png"
    Image.fromarray(ultrasound_pixels(1)[0]).save(still)
    plain = Case(title="Doe Johnathan")
    plain.media.append(MediaRef("m1", "still.png"))
    plain.annotations.append(Annotation.single("a1", "m1", "line", 0, [(100, 120), (150, 120)]))
    save_case(plain, tmp_path / "plain.uscase.json")
    assert run_cli(str(tmp_path / "plain.uscase.json"), str(tmp_path / "plain.csv")) == 0
    assert "typed text checked against: none available (not DICOM)" in capsys.readouterr().out


# -- real files ----------------------------------------------------------------------------------
REAL = ["US1_UNCR.dcm", "gdcm-US-ALOKA-16.dcm", "US1_J2KR.dcm"]


@pytest.mark.parametrize("name", REAL)
def test_real_ultrasound_files_with_every_attribute_planted(name: str, tmp_path: Path, pydicom_data: Path) -> None:
    _app = QApplication.instance() or QApplication([])
    ds = pydicom.dcmread(pydicom_data / name)
    planted = plant_every_attribute(ds)
    ds.PatientName, ds.PatientID, ds.PatientBirthDate = "Realdoe^Realname", "REALID778899", "19610317"
    planted.searched["identity"] = ["Realdoe", "Realname", "REALID778899", "19610317"]
    source = tmp_path / "real.dcm"
    ds.save_as(source, enforce_file_format=True)
    case = Case(title="Realname Realdoe, born 17 March 1961 (3/17/61)", notes="ID REALID778899")
    case.media.append(MediaRef("m1", "real.dcm"))
    w, h = int(ds.Columns), int(ds.Rows)
    case.annotations.append(Annotation.single("a1", "m1", "line", 0, [(w * 0.3, h * 0.5), (w * 0.6, h * 0.5)],
                                              label="REALDOE gap"))
    save_case(case, tmp_path / "case.uscase.json")
    searched = [s.lower() for s in planted.strings + ["17 March 1961", "3/17/61"]]
    for out, flags in (("sr.dcm", []), ("sc.dcm", ["--secondary-capture"]), ("m.json", []), ("fig.png", []),
                       ("s.pptx", []), ("r.pdf", ["--report"])):
        assert run_cli(str(tmp_path / "case.uscase.json"), str(tmp_path / out), *flags) == 0, out
        text = text_forms(tmp_path / out)
        hits = [s for s in searched if s in text]
        assert not hits, (out, hits)
        if out.endswith(".dcm"):
            assert not _dciodvfy_errors(tmp_path / out), out
            assert not any((e.tag.group == 0x0012 and e.tag.element not in (0x62, 0x63, 0x64)) or e.tag.is_private
                           for e in pydicom.dcmread(tmp_path / out))


def test_planted_pixels_are_really_there() -> None:
    """The control for the pixel search: the generated frames do hold the blue text."""
    frames = ultrasound_pixels(1)
    burn_inside_region(frames[0])
    assert blue_pixels(frames[0]) > 20
    assert np.any(frames[0][PIXEL_BOX[1]:PIXEL_BOX[3], PIXEL_BOX[0]:PIXEL_BOX[2]] == 255)


def test_csv_cells_never_start_a_formula(tmp_path: Path) -> None:
    _app = QApplication.instance() or QApplication([])
    still = tmp_path / "still.png"
    Image.fromarray(ultrasound_pixels(1)[0]).save(still)
    case = Case(title="formulas")
    case.media.append(MediaRef("m1", "still.png"))
    case.annotations += [
        Annotation.single("a1", "m1", "line", 0, [(100, 120), (150, 120)], label='=HYPERLINK("http://x","y")'),
        Annotation.single("a2", "m1", "line", 0, [(100, 140), (150, 140)], label="@SUM(A1:A9)"),
        Annotation.single("a3", "m1", "line", 0, [(100, 160), (150, 160)], label="-2+3"),
    ]
    save_case(case, tmp_path / "f.uscase.json")
    assert run_cli(str(tmp_path / "f.uscase.json"), str(tmp_path / "m.csv")) == 0
    rows = list(csv.DictReader((tmp_path / "m.csv").read_text(encoding="utf-8-sig").splitlines()))
    labels = {r["label"] for r in rows}
    assert labels == {'\'=HYPERLINK("http://x","y")', "'@SUM(A1:A9)", "'-2+3"}, labels
    for row in rows:
        assert not any(str(v).startswith(("=", "+", "@")) for v in row.values()), row
