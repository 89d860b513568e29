"""Exports of real scanner files: pydicom-data's ultrasound DICOM and the shared corpus (a
GE Voluson clip with a calibrated region, a scanner-screen MP4 whose header names the clinic,
sonographer and date)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import cast

import highdicom as hd
import numpy as np
import pydicom
import pytest
from export_data import run_cli
from PIL import Image
from PySide6.QtWidgets import QApplication

from annotator.case.document import CaseDocument
from annotator.case.io import save_case
from annotator.case.model import Annotation, Case, MediaRef
from annotator.export.context import ExportContext
from annotator.export.imaging_area import find_imaging_area


@pytest.fixture(scope="module", autouse=True)
def _app() -> None:
    QApplication.instance() or QApplication([])


def _case(folder: Path, media: Path, annotations: list[Annotation]) -> Path:
    case = Case(title="real file")
    case.media.append(MediaRef("m1", str(media)))
    case.annotations += annotations
    path = folder / "real.uscase.json"
    save_case(case, path)
    return path


def _dciodvfy_errors(path: Path) -> list[str]:
    tool = shutil.which("dciodvfy")
    if tool is None:
        return []
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=60)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]


def test_pydicom_data_us_image_to_sr_and_sc(pydicom_data: Path, tmp_path: Path) -> None:
    source = pydicom_data / "US1_UNCR.dcm"
    original = pydicom.dcmread(source, stop_before_pixels=True)
    case_path = _case(tmp_path, source, [
        Annotation.single("a1", "m1", "line", 0, [(200, 200), (300, 260)], label="thickness"),
        Annotation.single("a2", "m1", "polygon", 0, [(100, 100), (180, 110), (170, 190), (90, 170)]),
    ])
    for name, flags in (("sr.dcm", []), ("sc.dcm", ["--secondary-capture"])):
        out = tmp_path / name
        assert run_cli(str(case_path), str(out), *flags) == 0
        ds = pydicom.dcmread(out)
        text = str(ds) + out.read_bytes().decode("latin-1")
        for value in (str(original.PatientName), original.PatientID, original.InstitutionName,
                      original.StudyInstanceUID, original.SOPInstanceUID, original.StudyDate):
            assert value not in text, value
        assert ds.PatientIdentityRemoved == "YES"
        assert not _dciodvfy_errors(out)
    # no calibration in this file: pixel values are left out (never "mm", never "{px}"); each
    # shape's group stays, marked not calibrated, and the polygon keeps its grey levels
    sr = hd.sr.srread(tmp_path / "sr.dcm")
    groups = cast(hd.sr.MeasurementReport, sr.content).get_planar_roi_measurement_groups()
    assert len(groups) == 2
    units = {m.unit.value for g in groups for m in g.get_measurements()}
    assert units == {"{grey}", "{pixels}"}
    marks = [cast(hd.sr.CodedConcept, e.value).value for g in groups for e in g.get_qualitative_evaluations()]
    assert marks == ["not-calibrated", "not-calibrated"]


@pytest.mark.corpus
def test_voluson_clip_figure_is_cropped_to_its_region(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "orthanc-tests" / "Issue164.dcm"
    case_path = _case(tmp_path, source, [
        Annotation.single("a1", "m1", "line", 10, [(300, 300), (500, 300)], label="width"),
    ])
    out = tmp_path / "fig.png"
    assert run_cli(str(case_path), str(out), "--width-mm", "60", "--dpi", "150") == 0
    with Image.open(out) as image:
        assert image.width == round(60 / 25.4 * 150)
    with CaseDocument.load(case_path) as doc:
        area = ExportContext(doc).area("m1", 10)
        assert area.source == "regions" and area.rect == (1, 74, 959, 669)  # region x 1..959, y 74..742
    sr = tmp_path / "sr.dcm"
    assert run_cli(str(case_path), str(sr)) == 0
    groups = cast(hd.sr.MeasurementReport, hd.sr.srread(sr).content).get_planar_roi_measurement_groups()
    (length,) = [m for g in groups for m in g.get_measurements() if m.name.meaning == "Length"]
    assert length.value == pytest.approx(200 * 0.2594, abs=0.01) and length.unit.value == "mm"
    assert not _dciodvfy_errors(sr)


@pytest.mark.corpus
def test_scanner_screen_mp4_header_is_left_out(corpus: Path) -> None:
    """The clip's header (clinic, sonographer, date) is static; the image below it moves."""
    from annotator.media import open_media

    with open_media(corpus / "joshrbaxter-ultrasound_tracking" / "p6_isometric_max_01_push_02.mp4") as media:
        area = find_imaging_area(media)
        x, y, w, h = area.rect
        assert area.source == "motion"
        assert y >= 30, "the header rows must be outside the crop"
        assert w * h >= 0.4 * media.width * media.height
        header = np.asarray(media.frame(0))[:30]
        assert header.std() > 5  # there is text up there to leave out
