"""CaseDocument: lazy media, calibration per frame plus the manual one, and measuring."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.case.commands import AddMedia, CommandStack, SetCalibration
from annotator.case.document import CaseDocument
from annotator.case.fileutil import sha256_file
from annotator.case.model import Annotation, Case, MediaRef
from annotator.media import ArrayMedia, Calibration, ManualCalibration, Media, MediaError, Region
from annotator.media.calibration import SOURCE_MANUAL, UNIT_CM


class ZoomingClip(ArrayMedia):
    """A clip whose depth (and so its pixel size) changes at frame 5, like some scanners."""

    def calibration_at(self, index: int) -> Calibration:
        d = 0.01 if index < 5 else 0.02
        return Calibration((Region(0, 0, 99, 79, UNIT_CM, UNIT_CM, d, d),))


def clip_document() -> CaseDocument:
    case = Case()
    case.media = [MediaRef("m1", "clip.dcm"), MediaRef("m2", "still.png")]
    case.annotations = [
        Annotation("a1", "m1", "line", 0, {0: [(0, 0), (50, 0)], 9: [(0, 0), (50, 0)]}, frame_end=9),
        Annotation.single("a2", "m2", "polygon", 0, [(0, 0), (9, 0), (9, 9), (0, 9)]),
        Annotation.single("a3", "m2", "arrow", 0, [(0, 0), (9, 9)]),
    ]
    doc = CaseDocument(case)
    doc.set_media("m1", ZoomingClip(np.zeros((10, 80, 100), np.uint8)))
    still = np.zeros((20, 20, 3), np.uint8)
    still[..., 0] = 60
    still[..., 1] = 60
    still[..., 2] = 60
    doc.set_media("m2", ArrayMedia(still[None]))  # one colour frame
    return doc


def test_calibration_follows_the_frame() -> None:
    doc = clip_document()
    assert doc.measure(doc.case.annotation("a1"), 0)[0].value == pytest.approx(5.0)
    assert doc.measure(doc.case.annotation("a1"), 7)[0].value == pytest.approx(10.0)


def test_manual_calibration_applies_where_the_file_has_none() -> None:
    doc = clip_document()
    a2 = doc.case.annotation("a2")
    assert doc.measure(a2)[0].unit == "px2"
    CommandStack(doc.case).push(SetCalibration("m2", ManualCalibration(0.5)))
    area = doc.measure(a2)[0]
    assert (area.value, area.unit, area.source) == (pytest.approx(9 * 9 * 0.25), "mm2", SOURCE_MANUAL)


def test_measure_reads_the_frame_pixels_for_grey_statistics() -> None:
    doc = clip_document()
    a2 = doc.case.annotation("a2")
    by = {m.quantity: m.value for m in doc.measure(a2)}
    assert by["mean_intensity"] == 60.0 and by["pixel_count"] == 100
    assert "mean_intensity" not in {m.quantity for m in doc.measure(a2, with_image=False)}
    assert doc.measure(doc.case.annotation("a3")) == []


def test_measurements_at_anchor_or_keyframes() -> None:
    doc = clip_document()
    anchor = doc.measurements()
    assert [(m.annotation, m.frame) for m in anchor if m.quantity in ("length", "area")] == [("a1", 0), ("a2", 0)]
    keys = doc.measurements(frames="keyframes", with_image=False)
    assert [(m.annotation, m.frame, round(m.value, 6)) for m in keys if m.annotation == "a1"] == [
        ("a1", 0, 5.0), ("a1", 9, 10.0),
    ]


def test_change_between_rest_and_contraction() -> None:
    doc = clip_document()
    a1 = doc.case.annotation("a1")
    rest, peak, change = doc.change_between(a1, 0, 7)  # same pixels, pixel size doubles at 5
    assert (rest.value, peak.value) == (pytest.approx(5.0), pytest.approx(10.0))
    assert change == pytest.approx(100.0)
    with pytest.raises(ValueError, match="no area"):
        doc.change_between(a1, 0, 7, quantity="area")


def test_frame_out_of_range_raises_index_error() -> None:
    doc = clip_document()
    bad = Annotation.single("a9", "m2", "line", 3, [(0, 0), (5, 5)])
    with pytest.raises(IndexError, match="out of range"):
        doc.measure(bad)


def test_media_open_lazily_once_and_close(tmp_path: Path) -> None:
    opened: list[Path] = []

    def opener(path: Path) -> Media:
        opened.append(path)
        return ArrayMedia(np.zeros((4, 4), np.uint8), path=path)

    case = Case(path=tmp_path / "c.uscase.json")
    case.media = [MediaRef("m1", "scan.png")]
    doc = CaseDocument(case, opener)
    assert opened == []
    assert doc.media("m1") is doc.media("m1")
    assert opened == [tmp_path / "scan.png"]
    doc.close()
    doc.media("m1")
    assert len(opened) == 2
    with pytest.raises(MediaError, match="no media 'm7'"):
        doc.media("m7")


def test_missing_media_raises_media_error(tmp_path: Path) -> None:
    case = Case(path=tmp_path / "c.uscase.json")
    case.media = [MediaRef("m1", "gone.png")]
    with pytest.raises(MediaError, match="gone.png"):
        CaseDocument(case).media("m1")


def test_make_media_ref_with_a_real_png(tmp_path: Path) -> None:
    png = tmp_path / "scans" / "knee.png"
    png.parent.mkdir()
    assert cv2.imwrite(str(png), np.full((30, 40), 128, np.uint8))
    doc = CaseDocument.new("Knee")
    doc.case.path = tmp_path / "knee.uscase.json"
    ref = doc.make_media_ref(png)
    assert (ref.id, ref.path, ref.sha256) == ("m1", "scans/knee.png", sha256_file(png))
    assert doc.case.media == []  # built, not added
    CommandStack(doc.case).push(AddMedia(ref))
    media = doc.media("m1")
    assert (media.width, media.height) == (40, 30)
    unsaved = CaseDocument.new()
    assert Path(unsaved.make_media_ref(png).path).is_absolute()
    with pytest.raises(MediaError):
        unsaved.make_media_ref(tmp_path / "missing.png")


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    png = tmp_path / "s.png"
    assert cv2.imwrite(str(png), np.full((30, 40), 128, np.uint8))
    doc = CaseDocument.new("T")
    ref = doc.make_media_ref(png)
    CommandStack(doc.case).push(AddMedia(ref))
    saved = doc.save(tmp_path / "t.uscase.json")
    doc.close()
    with CaseDocument.load(saved) as again:
        assert again.warnings == []
        assert again.case.media[0].path == "s.png"
        assert again.media("m1").height == 30


def test_real_dicom_with_non_square_pixels_and_an_ecg_region(corpus: Path, tmp_path: Path) -> None:
    dicom = corpus / "orthanc-tests" / "Issue16.dcm"  # 2D region 0.02857 x 0.02286 cm/px + ECG
    case = Case(path=tmp_path / "c.uscase.json")
    case.media = [MediaRef("m1", str(dicom))]
    case.annotations = [
        Annotation.single("h", "m1", "line", 0, [(100, 100), (200, 100)]),
        Annotation.single("v", "m1", "line", 0, [(100, 100), (100, 200)]),
        Annotation.single("ecg", "m1", "line", 0, [(60, 380), (160, 380)]),
        Annotation.single("across", "m1", "line", 0, [(100, 300), (100, 390)]),
        Annotation("roi", "m1", "polygon", 10, {10: [(150, 150), (200, 150), (200, 200), (150, 200)]}, frame_end=20),
    ]
    with CaseDocument(case) as doc:
        by = {m.annotation: m for m in doc.measurements() if m.quantity in ("length", "area")}
        assert (by["h"].value, by["h"].unit) == (pytest.approx(100 * 0.2857142857), "mm")
        assert (by["v"].value, by["v"].unit) == (pytest.approx(100 * 0.2285714286), "mm")
        assert by["ecg"].unit == "px" and "ECG" in by["ecg"].note
        assert by["across"].unit == "px"
        assert by["across"].note == "a point lies in a waveform ECG region, not in the 2D tissue region"
        assert by["roi"].value == pytest.approx(50 * 50 * 0.2857142857 * 0.2285714286)
        grey = {m.quantity: m.value for m in doc.measure(case.annotation("roi"), 15)}
        assert grey["pixel_count"] == 51 * 51
        assert 0 <= grey["min_intensity"] <= grey["mean_intensity"] <= grey["max_intensity"] <= 255
        beyond = Annotation("late", "m1", "line", 30, {30: [(100, 100), (200, 100)]}, frame_end=40)
        assert doc.measure(beyond, 33)[0].unit == "mm"
        with pytest.raises(IndexError, match="out of range"):
            doc.measure(beyond, 34)  # the clip has 34 frames
