"""The bundled demo: it opens, is calibrated and timed as generated, its case measures the
known gap and nerve area, it contains no identifiers, and regenerating it gives the same."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest

from annotator.case.document import CaseDocument
from annotator.case.findings import finding_summary, resolve_attribute
from annotator.case.io import load_case
from annotator.demo import (
    CLIP_NAME,
    DEMO_CASE_NAME,
    STAMP_NAME,
    STILL_NAME,
    bundled_demo,
    demo_case_path,
    muscle_clip,
    nerve_still,
)
from annotator.demo.__main__ import main as demo_main
from annotator.media import open_media

BUNDLED = Path(str(bundled_demo()))


def test_bundled_demo_is_complete_and_small() -> None:
    files = {p.name: p.stat().st_size for p in BUNDLED.iterdir() if p.is_file()}
    assert {DEMO_CASE_NAME, CLIP_NAME, STILL_NAME} <= set(files)
    assert sum(files.values()) < 1.05 * 1024 * 1024


def test_demo_case_path_copies_to_the_user_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    path = demo_case_path()
    assert path == tmp_path / "data" / "us-annotator" / "demo" / DEMO_CASE_NAME
    for name in (DEMO_CASE_NAME, CLIP_NAME, STILL_NAME):
        assert (path.parent / name).read_bytes() == (BUNDLED / name).read_bytes()
    # the user's edits of the demo case survive the next start ...
    path.write_text(path.read_text().replace('"title": "Example case', '"title": "My demo'))
    assert "My demo" in demo_case_path().read_text()
    # ... until a reset, or a different bundled demo (another fingerprint)
    assert "My demo" not in demo_case_path(reset=True).read_text()
    path.write_text(path.read_text().replace('"title": "Example case', '"title": "My demo'))
    (path.parent / STAMP_NAME).write_text("an older demo\n")
    assert "My demo" not in demo_case_path().read_text()


def test_demo_clip_opens_with_the_generated_timing_and_calibration() -> None:
    with open_media(BUNDLED / CLIP_NAME) as clip:
        assert clip.kind == "dicom"
        assert clip.frame_count == muscle_clip.FRAME_COUNT
        assert (clip.width, clip.height) == (muscle_clip.WIDTH, muscle_clip.HEIGHT)
        steps = np.diff(clip.frame_times_ms)
        assert np.allclose(steps, muscle_clip.FRAME_TIME_MS)
        spatial = clip.calibration.spatial_regions
        assert len(spatial) == 1
        x0, y0, x1, y1 = muscle_clip.REGION
        assert (spatial[0].x0, spatial[0].y0, spatial[0].x1, spatial[0].y1) == (x0, y0, x1, y1)
        assert spatial[0].mm_per_px_x == pytest.approx(muscle_clip.MM_PER_PX)
        assert spatial[0].mm_per_px_y == pytest.approx(muscle_clip.MM_PER_PX)
        assert len(clip.calibration.other_regions) == 1  # the grey bar gives no lengths
        assert clip.frame(muscle_clip.PEAK_FRAME).shape == (muscle_clip.HEIGHT, muscle_clip.WIDTH, 3)


def test_demo_still_opens_as_one_calibrated_frame() -> None:
    with open_media(BUNDLED / STILL_NAME) as still:
        assert still.frame_count == 1
        assert still.fps is None
        (region,) = still.calibration.spatial_regions
        assert region.mm_per_px_x == pytest.approx(nerve_still.MM_PER_PX)


def _grey_between(frame: np.ndarray, a: tuple[float, float], b: tuple[float, float]) -> float:
    y = int(a[1])
    return float(frame[y - 2:y + 3, int(a[0]) + 3:int(b[0]) - 2, 0].mean())


def test_the_pixels_show_the_gap_where_the_caliper_is() -> None:
    """The stumps' gap (hematoma) is dark between the caliper's ends and the muscle is not."""
    with open_media(BUNDLED / CLIP_NAME) as clip:
        for frame in (0, muscle_clip.PEAK_FRAME):
            image = clip.frame(frame)
            left, right = muscle_clip.caliper_points(frame)
            gap = _grey_between(image, left, right)
            muscle = _grey_between(image, (left[0] - 60, left[1]), (left[0] - 6, left[1]))
            assert gap < 0.5 * muscle, (frame, gap, muscle)
        # the muscle rests until the contraction starts, then moves
        assert np.array_equal(clip.frame(0), clip.frame(muscle_clip.RAMP_START))
        assert not np.array_equal(clip.frame(0), clip.frame(muscle_clip.PEAK_FRAME))


def test_demo_case_measures_the_known_gap_and_nerve_area() -> None:
    with CaseDocument.load(demo_case_path()) as doc:
        assert doc.warnings == []
        gap = doc.case.annotation("a1")
        assert gap.kind == "line" and gap.is_dynamic
        for frame in (0, muscle_clip.PEAK_FRAME):
            (length,) = doc.measure(gap, frame)
            assert length.unit == "mm" and length.source == "us-region"
            assert length.value == pytest.approx(muscle_clip.gap_mm(frame), abs=0.2)
        assert doc.measure(gap, 0)[0].value == pytest.approx(4.0, abs=0.2)
        assert doc.measure(gap, muscle_clip.PEAK_FRAME)[0].value == pytest.approx(10.0, abs=0.2)
        trace = doc.case.annotation("a5")
        area = next(m for m in doc.measure(trace) if m.quantity == "area")
        assert area.unit == "mm2"
        assert area.value == pytest.approx(nerve_still.NERVE_CSA_MM2, abs=0.3)


def test_demo_findings_link_the_annotations_and_the_reference() -> None:
    with CaseDocument.load(demo_case_path()) as doc:
        kinds = {a.kind for a in doc.case.annotations}
        assert {"line", "polygon", "ellipse", "arrow", "text"} <= kinds
        tear, nerve = doc.case.finding("f1"), doc.case.finding("f2")
        assert (tear.type, tear.side, tear.structure) == ("tear", "right", "medial gastrocnemius")
        assert resolve_attribute(doc, tear, "gap").value == pytest.approx(4.0, abs=0.2)
        assert resolve_attribute(doc, tear, "gap_contraction").value == pytest.approx(10.0, abs=0.2)
        uln = resolve_attribute(doc, nerve, "reference_uln")
        assert uln.value == pytest.approx(11.0) and uln.origin == "reference"
        csa = resolve_attribute(doc, nerve, "csa")
        assert isinstance(csa.value, float) and isinstance(uln.value, float)
        assert csa.value > uln.value
        assert "10.0 mm on contraction" in finding_summary(doc, tear)


def test_demo_dicoms_hold_no_identifiers_and_say_they_are_synthetic() -> None:
    for name in (CLIP_NAME, STILL_NAME):
        ds = pydicom.dcmread(BUNDLED / name, stop_before_pixels=True)
        assert str(ds.PatientName) == "DEMO^ANONYMOUS"
        assert ds.PatientBirthDate == "" and ds.StudyDate == ""
        assert "Synthetic" in ds.ImageComments
        assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.50"


def _grey(frame: np.ndarray) -> np.ndarray:
    return (frame.mean(axis=2) if frame.ndim == 3 else frame).astype(np.float64)


def _smooth(image: np.ndarray) -> np.ndarray:
    # JPEG rounding differs between libjpeg builds as high-frequency noise; the picture does not
    return cv2.GaussianBlur(image, (0, 0), 1.5)


def test_regenerating_the_demo_matches_the_bundled_one(tmp_path: Path) -> None:
    """``python -m annotator.demo --write DIR`` is seeded: same case, same pictures. Checked
    against the seeded source pictures and after smoothing, never against one codec's bytes
    or rounding (OpenCV 4 and 5 encode the same quality differently)."""
    assert demo_main(["--write", str(tmp_path)]) == 0
    fresh = json.loads((tmp_path / DEMO_CASE_NAME).read_text())
    bundled = json.loads((BUNDLED / DEMO_CASE_NAME).read_text())
    for d in (fresh, bundled):
        for m in d["media"]:
            m.pop("sha256")  # JPEG bytes may differ between OpenCV builds; pixels may not
    assert fresh == bundled
    assert load_case(tmp_path / DEMO_CASE_NAME).load_warnings == []
    sources = {CLIP_NAME: muscle_clip.render_clip(), STILL_NAME: nerve_still.render_still()}
    for name in (CLIP_NAME, STILL_NAME):
        source = sources[name].reshape(-1, *sources[name].shape[-2:])
        with open_media(tmp_path / name) as new, open_media(BUNDLED / name) as old:
            assert new.frame_count == old.frame_count == len(source)
            for i in {0, new.frame_count // 2, new.frame_count - 1}:
                truth = source[i].astype(np.float64)
                for media in (new, old):
                    # lossy, but a faithful picture of the seeded source (q60: ~2-3 grey levels)
                    assert np.abs(_grey(media.frame(i)) - truth).mean() < 5.0
                    assert np.abs(_smooth(_grey(media.frame(i))) - _smooth(truth)).mean() < 1.5
                pair = np.abs(_smooth(_grey(new.frame(i))) - _smooth(_grey(old.frame(i))))
                assert pair.mean() < 1.0


def test_the_demo_report_keeps_its_own_words_and_drops_the_placeholders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """De-identification takes every word of the DICOMs' patient fields out of typed text. The
    demo's title began with "Demo", a word of its placeholder name DEMO^ANONYMOUS, so every
    export of the demo was titled "[removed]: dynamic medial gastrocnemius tear ..."."""
    from annotator.cli import main as cli_main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    report = tmp_path / "report.html"
    assert cli_main(["export", str(demo_case_path()), str(report)]) == 0
    html = report.read_text(encoding="utf-8")
    assert "[removed]" not in html
    assert "Example case: dynamic medial gastrocnemius tear" in html
    case = load_case(demo_case_path())
    assert case.history and case.impression  # the story a report and slides open and end with
    assert case.history in html and case.impression in html
    for placeholder in ("DEMO^ANONYMOUS", "DEMO-SYNTHETIC", "ANONYMOUS"):
        assert placeholder.lower() not in html.lower()
