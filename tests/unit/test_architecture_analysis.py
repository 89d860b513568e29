"""Automatic muscle architecture: known geometry on generated images and clips, no drift,
honest confidence on bad input, the ``architecture`` command, and real clips and stills."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pydicom.uid import ExplicitVRLittleEndian

from annotator.cli import main as cli_main
from annotator.dynamics.architecture import (
    analyse_image,
    analyse_sequence,
    architecture_points,
    track_structures,
)
from annotator.dynamics.architecture.estimate import fascicle_between, thickness_between
from annotator.dynamics.architecture.types import Line
from tests.architecture_images import H, W, contraction_clip, muscle_image, true_thickness
from tests.unit.dicom_factory import us_region, write_native

# -- one image -------------------------------------------------------------------------------


@pytest.mark.parametrize("fascicle_deg", [14.0, 22.0, 35.0])
def test_pennation_thickness_and_angles_on_a_known_image(fascicle_deg: float) -> None:
    est = analyse_image(muscle_image(seed=int(fascicle_deg), fascicle_deg=fascicle_deg), mm_per_px=(0.1, 0.1))
    assert est.confidence >= 0.5 and est.reason is None
    assert est.deep_angle_deg == pytest.approx(4.0, abs=0.5)
    assert est.fascicle_angle_deg == pytest.approx(fascicle_deg, abs=1.5)
    assert est.deep_pennation_deg == pytest.approx(fascicle_deg - 4.0, abs=1.5)
    assert est.superficial_angle_deg == pytest.approx(-3.0, abs=0.5)
    assert est.pennation_deg == pytest.approx(fascicle_deg + 3.0, abs=1.5)  # alpha - beta
    assert est.thickness == pytest.approx(true_thickness(80, 260, -3, 4, 0.1, 0.1, fascicle_deg), rel=0.03)
    assert est.unit == "mm"


def test_non_square_pixels_are_measured_in_millimetres() -> None:
    image = muscle_image(fascicle_deg=22.0)
    square = analyse_image(image, mm_per_px=(0.1, 0.1))
    tall = analyse_image(image, mm_per_px=(0.1, 0.15))
    assert tall.thickness is not None and square.thickness is not None
    assert tall.thickness == pytest.approx(true_thickness(80, 260, -3, 4, 0.1, 0.15), rel=0.03)
    assert tall.thickness / square.thickness == pytest.approx(1.5, rel=0.03)
    # angles are physical: a taller pixel makes every slope steeper
    assert abs(tall.deep_angle_deg or 0) > abs(square.deep_angle_deg or 0)


def test_without_calibration_values_are_in_pixels() -> None:
    row = analyse_image(muscle_image(), mm_per_px=None).to_row()
    assert row["thickness_px"] == pytest.approx(true_thickness(80, 260, -3, 4), rel=0.03)
    assert "thickness_mm" not in row and "fascicle_length_px" in row


def test_a_long_shallow_fascicle_is_extrapolated_and_says_so() -> None:
    shallow = analyse_image(muscle_image(fascicle_deg=12.0), mm_per_px=(0.1, 0.1))
    steep = analyse_image(muscle_image(fascicle_deg=40.0, seed=3), mm_per_px=(0.1, 0.1))
    assert shallow.fascicle_extrapolated and not steep.fascicle_extrapolated
    assert shallow.fascicle_length is not None and steep.fascicle_length is not None
    # the length runs from one aponeurosis to the other, past the image when it must
    for est in (shallow, steep):
        inner = est.inner_lines()  # between the bands' muscle-side edges
        f = est.fascicle
        assert f is not None and inner is not None
        s, d = inner
        # bands of SD 3 px fall to 40 % of their peak 4.1 px from the centre (plus smoothing)
        assert 3.0 < est.edges[0] < 6.0 and 3.0 < est.edges[1] < 6.0
        assert f.y0 == pytest.approx(s.y_at(f.x0), abs=0.01) and f.y1 == pytest.approx(d.y_at(f.x1), abs=0.01)
        assert est.fascicle_length == pytest.approx(0.1 * math.dist(*f.points()))
    assert shallow.fascicle is not None
    assert max(shallow.fascicle.x0, shallow.fascicle.x1) > W - 1 or min(shallow.fascicle.x0, shallow.fascicle.x1) < 0
    # how much of it was not seen: the share of points along it that lie off the image found
    from annotator.media.bmode_area import imaging_area

    area = imaging_area(muscle_image(fascicle_deg=12.0))
    t = np.linspace(0.0, 1.0, 100_001)
    f = shallow.fascicle
    xs, ys = f.x0 + t * (f.x1 - f.x0), f.y0 + t * (f.y1 - f.y0)
    off = np.mean((xs < area.x0 - 0.5) | (xs > area.x1 - 0.5) | (ys < area.y0 - 0.5) | (ys > area.y1 - 0.5))
    assert 0.05 < off < 0.95 and shallow.fascicle_extrapolated_fraction == pytest.approx(off, abs=1e-3)
    assert steep.fascicle_extrapolated_fraction == 0.0
    assert shallow.to_row()["fascicle_extrapolated_fraction"] == pytest.approx(off, abs=2e-3)


def test_geometry_helpers() -> None:
    s, d = Line(0, 10, 100, 10), Line(0, 50, 100, 50)
    assert thickness_between(s, d, (50, 30), (1.0, 1.0)) == pytest.approx(40.0)
    assert thickness_between(s, d, (50, 30), (0.1, 0.2)) == pytest.approx(8.0)
    f = fascicle_between((50, 30), -1.0, s, d)  # 45 degrees rising to the right
    assert f is not None and f.points() == [pytest.approx((70, 10)), pytest.approx((30, 50))]
    assert f.angle_deg() == pytest.approx(45.0)
    pts = architecture_points(analyse_image(muscle_image(), mm_per_px=None))
    assert [len(pts[k]) for k in ("thickness", "pennation", "fascicle")] == [4, 4, 6]


# -- bad input -------------------------------------------------------------------------------


def test_noise_and_blank_images_give_no_confident_angle() -> None:
    rng = np.random.default_rng(4)
    noise = rng.integers(0, 255, (H, W), dtype=np.uint8)
    for image in (noise, np.zeros((H, W), np.uint8), np.full((H, W), 128, np.uint8)):
        est = analyse_image(image, mm_per_px=(0.1, 0.1))
        assert est.deep_pennation_deg is None or est.confidence < 0.5
        assert est.reason


def test_a_thumbnail_is_too_small_and_says_so() -> None:
    for image in (np.zeros((3, 3, 3), np.uint8), np.zeros((12, 400), np.uint8)):
        est = analyse_image(image, mm_per_px=None)
        assert est.deep_pennation_deg is None and est.thickness is None and est.confidence == 0.0
        h, w = image.shape[:2]
        assert est.reason == f"the image is too small to measure ({w} x {h} pixels)"
    assert analyse_image(np.zeros((40, 40, 2), np.uint8), mm_per_px=None).reason == "not a grey or colour image"


def test_a_transverse_image_gives_no_confident_angle() -> None:
    """Round fascicle bundles and a curved fascia: no straight aponeurosis pair."""
    import cv2

    rng = np.random.default_rng(5)
    image = cv2.GaussianBlur(rng.gamma(1.2, 28.0, (H, W)).astype(np.float32), (0, 0), 1.2) * 0.8
    for _ in range(60):
        cv2.circle(image, (int(rng.uniform(0, W)), int(rng.uniform(0, H))), int(rng.uniform(6, 18)), 150.0, 2)
    cv2.ellipse(image, (W // 2, H + 120), (W // 2 + 80, 260), 0, 180, 360, 200.0, 5)
    est = analyse_image(np.clip(image, 0, 255).astype(np.uint8), mm_per_px=(0.1, 0.1))
    assert est.deep_pennation_deg is None or est.confidence < 0.5


# -- clips -----------------------------------------------------------------------------------


def test_a_clip_is_followed_and_comes_back_without_drift() -> None:
    frames, truth = contraction_clip(31)
    res = analyse_sequence(lambda i: frames[i], range(len(frames)), mm_per_px=(0.1, 0.1),
                           times_ms=[33.3 * i for i in range(len(frames))])
    assert [r.frame for r in res] == list(range(31))
    for r, t in zip(res, truth, strict=True):
        assert r.deep_pennation_deg == pytest.approx(t["fascicle_deg"] - t["d_deg"], abs=2.0), r.frame
        # a clip is measured at the same column as a still is
        assert r.thickness == pytest.approx(true_thickness(80, t["d_row"], -3, t["d_deg"], 0.1, 0.1, t["fascicle_deg"]),
                                            rel=0.04), r.frame
    first, last = res[0], res[-1]
    assert first.thickness is not None and last.thickness is not None
    assert abs(last.thickness - first.thickness) < 0.3
    assert abs((last.deep_pennation_deg or 0) - (first.deep_pennation_deg or 0)) < 1.0
    # the drawn streaks turn without the tissue deforming: the flow disagrees a little
    assert float(np.median([r.confidence for r in res])) >= 0.5


def test_a_drawn_thickness_follows_its_aponeuroses() -> None:
    frames, truth = contraction_clip(21)
    xc = (W - 1) / 2.0

    def y(row: float, deg: float, x: float) -> float:
        return row - math.tan(math.radians(deg)) * (x - xc)

    drawn = [(180.0, y(80, -3, 180)), (300.0, y(80, -3, 300)),
             (180.0, y(260, 4, 180)), (300.0, y(260, 4, 300))]
    points, conf = track_structures(lambda i: frames[i], "thickness", 0, drawn, 0, 20)
    assert sorted(points) == list(range(21)) and points[0] == drawn
    for k in (5, 10, 15, 20):
        t = truth[k]
        (sx0, sy0), _s1, (dx0, dy0), _d1 = points[k]
        assert sy0 == pytest.approx(y(80, -3, sx0), abs=2.0)
        assert dy0 == pytest.approx(y(t["d_row"], t["d_deg"], dx0), abs=2.0), k
        assert conf[k] >= 0.3


def test_without_drift_correction_only_the_flow_follows(tmp_path: Path) -> None:
    frames, _truth = contraction_clip(11)
    res = analyse_sequence(lambda i: frames[i], range(11), mm_per_px=None, drift_correction=False)
    assert len(res) == 11 and all(r.thickness is not None for r in res)


# -- the command -----------------------------------------------------------------------------


def _dicom(tmp_path: Path, frames: list[np.ndarray], regions: list) -> Path:
    return write_native(tmp_path / "clip.dcm", np.stack(frames), transfer_syntax=ExplicitVRLittleEndian,
                        SequenceOfUltrasoundRegions=regions, FrameTime=33.3)


def test_the_command_prints_a_row_per_frame_in_mm_from_the_regions(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    frames, _ = contraction_clip(5)
    path = _dicom(tmp_path, frames, [us_region(0, 0, W - 1, H - 1, 0.01, 0.01)])  # 0.1 mm/px
    assert cli_main(["architecture", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["frame"] for r in rows] == [0, 1, 2, 3, 4]
    assert rows[1]["time_ms"] == pytest.approx(33.3)
    # near the edge where the fascicles reach the deep line (frame 0: fascicles at 20 degrees)
    assert rows[0]["thickness_mm"] == pytest.approx(true_thickness(80, 260, -3, 4, 0.1, 0.1, 20.0), rel=0.04)
    assert set(rows[0]) >= {"pennation_deg", "fascicle_angle_deg", "aponeurosis_angle_deg", "fascicle_length_mm",
                            "fascicle_extrapolated", "confidence"}
    assert cli_main(["architecture", str(path), "--frames", "1:2", "--roi", f"0,0,{W},{H}", "--json"]) == 0
    assert [r["frame"] for r in json.loads(capsys.readouterr().out)] == [1, 2]


def test_a_search_rectangle_is_not_the_image_a_fascicle_is_extrapolated_beyond(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--roi`` narrows the search. A fascicle that runs past the rectangle but stays within
    the B-mode image was seen, not extrapolated (the row said it was: the rectangle was taken
    for the image); one that leaves the image is extrapolated as before."""
    import cv2

    from tests.unit.test_bmode_area import IMAGE_BOX, screen

    roi = (240, 60, 600, 460)  # the image is 120..600 wide: the rectangle leaves out its left part
    for fascicle_deg, leaves_image in ((26.0, False), (18.0, True)):
        path = tmp_path / f"screen{fascicle_deg:g}.png"
        cv2.imwrite(str(path), screen(fascicle_deg=fascicle_deg))
        assert cli_main(["architecture", str(path), "--roi", ",".join(map(str, roi)), "--json"]) == 0
        (row,) = json.loads(capsys.readouterr().out)
        assert row["confidence"] >= 0.5 and row["fascicle_extrapolated"] is leaves_image, (fascicle_deg, row)
    # the first one's ends: one left of the rectangle, both inside the image
    found = analyse_image(screen(fascicle_deg=26.0), mm_per_px=None, roi=roi)
    assert found.fascicle is not None
    xs = sorted((found.fascicle.x0, found.fascicle.x1))
    assert IMAGE_BOX[0] <= xs[0] < roi[0] and xs[1] < IMAGE_BOX[2]


def dual_view() -> tuple[np.ndarray, int]:
    """Two images side by side, as a comparison screen shows them: fascicles at 20 degrees on
    the left (480 px wide), at 36 degrees on the right (400 px); and where the left one ends."""
    left = muscle_image(1, s_row=80.0, d_row=260.0, s_deg=0.0, d_deg=0.0, fascicle_deg=20.0, size=(W, H))
    right = muscle_image(2, s_row=70.0, d_row=250.0, s_deg=0.0, d_deg=0.0, fascicle_deg=36.0, size=(400, H))
    return np.hstack([left, np.zeros((H, 8), np.uint8), right]), W


def test_a_dual_view_is_read_in_the_scanners_largest_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command reads the image the scanner declared as its largest region, not the pair
    the texture search would take as one image; the app reads the same region
    (tests/gui/test_architecture_action.py)."""
    screen, left_w = dual_view()
    regions = [us_region(0, 0, left_w - 1, H - 1, 0.01, 0.01), us_region(left_w + 8, 0, screen.shape[1] - 1, H - 1, 0.01, 0.01)]
    path = _dicom(tmp_path, [screen, screen], regions)
    assert cli_main(["architecture", str(path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(abs(r["pennation_deg"] - 20.0) < 2.5 and r["confidence"] >= 0.5 for r in rows), rows


def test_a_doppler_region_gives_nulls_with_a_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames, _ = contraction_clip(2)
    doppler = us_region(0, 0, W - 1, H - 1, 0.01, 1.0, units=(4, 7), spatial_format=3, data_type=3)
    path = _dicom(tmp_path, frames, [doppler])
    for scale in ([], ["--mm-per-px", "0.1"]):  # a scale does not make a Doppler trace tissue
        assert cli_main(["architecture", str(path), "--json", *scale]) == 0
        rows = json.loads(capsys.readouterr().out)
        assert [r["frame"] for r in rows] == [0, 1]
        for r in rows:
            assert r["pennation_deg"] is None and r["thickness_px"] is None and r["fascicle_length_px"] is None
            assert r["confidence"] == 0.0 and "PW doppler region, not a 2D tissue image" in r["reason"]


def test_without_calibration_keys_end_in_px(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import cv2

    path = tmp_path / "still.png"
    cv2.imwrite(str(path), muscle_image())
    assert cli_main(["architecture", str(path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert "thickness_px" in row and "uncalibrated" in row["reason"]
    assert cli_main(["architecture", str(path), "--mm-per-px", "0.1", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["thickness_mm"] == pytest.approx(true_thickness(80, 260, -3, 4, 0.1, 0.1), rel=0.03)


@pytest.mark.parametrize("args", [["--frames", "9:99"], ["--roi", "1,2"], ["--mm-per-px", "-1"]])
def test_bad_arguments_and_files_give_one_error_line(tmp_path: Path, args: list[str]) -> None:
    import cv2

    path = tmp_path / "still.png"
    cv2.imwrite(str(path), muscle_image())
    bad = tmp_path / "broken.dcm"
    bad.write_bytes(b"not an image at all\n" * 8)
    for target, extra in ((path, args), (bad, [])):
        out = subprocess.run([sys.executable, "-m", "annotator", "architecture", str(target), *extra],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 2, out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:")


def test_a_header_pydicom_warns_about_is_still_one_error_line() -> None:
    """pydicom's badVR.dcm: pydicom warns (two lines, a URL) before the header is refused."""
    import pydicom

    bad = Path(pydicom.__file__).parent / "data" / "test_files" / "badVR.dcm"
    out = subprocess.run([sys.executable, "-m", "annotator", "architecture", str(bad), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "header" in lines[0], out.stderr


# -- real data -------------------------------------------------------------------------------


@pytest.mark.corpus
def test_a_real_isometric_contraction_comes_back_to_rest(corpus: Path) -> None:
    """p6_isometric_max_01_push_02 starts and ends at rest (0-50 mm ruler: 546 px)."""
    from annotator.dynamics.frames import to_grey
    from annotator.media import open_media

    with open_media(corpus / "joshrbaxter-ultrasound_tracking" / "p6_isometric_max_01_push_02.mp4") as media:
        res = analyse_sequence(lambda i: to_grey(media.frame(i)), range(media.frame_count),
                               mm_per_px=(50 / 546, 50 / 546))
    first, last = res[0], res[-1]
    assert first.thickness is not None and last.thickness is not None
    assert 17.0 < first.thickness < 24.0  # the aponeuroses are about 19-22 mm apart here
    assert abs(last.thickness - first.thickness) < 0.3
    assert abs((last.deep_pennation_deg or 0) - (first.deep_pennation_deg or 0)) < 1.0
    peak = max(r.deep_pennation_deg or 0 for r in res)
    assert peak > (first.deep_pennation_deg or 0) + 8  # fascicles steepen on contraction


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "frames"), [("Issue164.dcm", 4), ("jp2k91YBR-ICT.dcm", 1)])
def test_a_non_muscle_scan_gives_no_confident_architecture(corpus: Path, capsys: pytest.CaptureFixture[str],
                                                           name: str, frames: int) -> None:
    """An obstetric sector scan (GE Voluson) under a bright text header, and a GE linear probe's
    reverberations over plain speckle (read 68.7 deg at confidence 0.55, the steepest angle
    looked for, before a peak there stopped counting as a fascicle): the search stays in the
    DICOM's 2D region, and nothing there is reported with confidence."""
    path = corpus / "orthanc-tests" / name
    assert cli_main(["architecture", str(path), "--frames", f"0:{frames - 1}", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == frames
    assert all(r["pennation_deg"] is None or r["confidence"] < 0.5 for r in rows)


def test_a_bending_deep_aponeurosis_measures_thickness_on_its_tangent_and_pennation_on_its_fit() -> None:
    """A still's deep aponeurosis that bends towards the insertion: thickness is taken on the
    tangent there, the pennation angle against the straight fit (as observers' gamma and a
    clip's line), and the pennation annotation measures the row's value."""
    from annotator.case.architecture_geometry import pennation
    from annotator.dynamics.architecture.estimate import estimate
    from annotator.media.bmode_area import Area

    s = Line(0, 40, 400, 40)
    tangent = Line(0, 230, 400, 190)  # rising to the right where the fascicle inserts
    straight = Line(0, 200, 400, 200)
    area = Area(0, 0, 400, 300)
    bent = estimate(0, None, s, tangent, -0.5, area, None, 1.0, deep_overall=straight)
    flat = estimate(0, None, s, straight, -0.5, area, None, 1.0)
    plain = estimate(0, None, s, tangent, -0.5, area, None, 1.0)
    assert bent.deep_angle_deg == pytest.approx(0.0)
    assert bent.deep_pennation_deg == pytest.approx(flat.deep_pennation_deg)
    assert bent.deep_pennation_deg != pytest.approx(plain.deep_pennation_deg, abs=1.0)
    assert bent.thickness == pytest.approx(plain.thickness)
    assert bent.thickness != pytest.approx(flat.thickness, abs=5.0)
    measured = pennation(architecture_points(bent)["pennation"])
    assert measured is not None and measured[0] == pytest.approx(bent.deep_pennation_deg, abs=0.01)
    # the fascicle annotation's deep segment is the tangent marked where the fascicle inserts,
    # where it touches the band, not in the middle of the image where the tangent leaves it
    from annotator.case.architecture_geometry import fascicle_ends

    points = architecture_points(bent)["fascicle"]
    assert bent.fascicle is not None
    d0, d1 = points[4], points[5]
    inserts = min(max(bent.fascicle.x1, 0.0), 400.0)  # just left of the image here: at its edge
    assert abs(0.5 * (d0[0] + d1[0]) - inserts) <= 0.04 * 400 + 1e-6 and d1[0] - d0[0] >= 0.08 * 400 - 1e-6
    assert all(y == pytest.approx(tangent.y_at(x)) for x, y in (d0, d1))
    ends = fascicle_ends(points)
    assert ends is not None and math.dist(*ends) == pytest.approx(bent.fascicle_length, rel=1e-6)


def test_one_frame_is_measured_as_a_still() -> None:
    """The command and the app analyse a still through ``analyse_sequence``: one frame gives
    exactly what ``analyse_image`` (the benchmarked still analysis) gives, bending deep
    aponeurosis included, not the straight lines a clip follows."""
    image = muscle_image(fascicle_deg=22.0)
    still = analyse_image(image, mm_per_px=(0.1, 0.1), frame=3, time_ms=120.0)
    (row,) = analyse_sequence(lambda i: image, [3], mm_per_px=(0.1, 0.1), times_ms=[120.0])
    assert row == still
    assert row.frame == 3 and row.time_ms == 120.0
