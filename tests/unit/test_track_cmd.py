"""``us-annotator track`` on a generated multi-frame DICOM (a tear opening at a known rate,
0.1 mm per pixel by its ultrasound region), and every bad input: one ``error:`` line, exit
status 2, and the case file byte for byte as it was."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from dicom_factory import us_region, write_native

from annotator.case.io import load_case, save_case
from annotator.case.model import Annotation, Case, MediaRef
from annotator.case.validation import check_case_file
from annotator.cli import main
from annotator.media.base import ArrayMedia
from tests.synthetic import TearClip, tear_clip

FRAMES = 24
FRAME_MS = 40.0


@pytest.fixture
def tear() -> TearClip:
    return tear_clip(frames=FRAMES, gap_px=30.0)


def make_case(tmp_path: Path, clip: TearClip) -> Path:
    grey = np.stack([clip.media.frame(i)[:, :, 0] for i in range(FRAMES)])
    h, w = grey.shape[1:]
    write_native(tmp_path / "clip.dcm", grey, FrameTime=str(FRAME_MS),
                 SequenceOfUltrasoundRegions=[us_region(0, 0, w - 1, h - 1, 0.01, 0.01)])
    cv2.imwrite(str(tmp_path / "still.png"), grey[0])
    case = Case(title="dynamic")
    case.media = [MediaRef("m1", "clip.dcm"), MediaRef("m2", "still.png")]
    case.annotations = [
        Annotation.single("a1", "m1", "line", 0, clip.truth[0], label="gap"),
        Annotation.single("a2", "m1", "polygon", 0, [(60.0, 60.0), (110.0, 60.0), (110.0, 100.0), (60.0, 100.0)]),
        Annotation.single("a3", "m1", "point", 0, [(250.0, 180.0)]),
        Annotation.single("a4", "m1", "line", FRAMES - 1, clip.truth[FRAMES - 1]),
        Annotation.single("s1", "m2", "line", 0, clip.truth[0]),
        Annotation.single("x1", "m1", "line", 0, [(10.0, 10.0), (330.0, 10.0)]),  # beyond the right edge
    ]
    return save_case(case, tmp_path / "dynamic.uscase.json")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_rows_follow_the_opening_gap(tmp_path: Path, tear: TearClip, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path, tear)
    before = path.read_bytes()
    code, out, err = run(["track", str(path), "a1", "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert [r["frame"] for r in rows] == list(range(FRAMES))
    lines = out.strip().splitlines()  # a frame's row on each line
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == rows
    for r in rows:
        assert set(r) == {"frame", "time_ms", "value", "unit", "confidence"}
        assert r["unit"] == "mm"
        assert r["time_ms"] == pytest.approx(r["frame"] * FRAME_MS)
        assert r["value"] == pytest.approx(tear.gap_px(r["frame"]) * 0.1, abs=0.5)
        assert 0.8 <= r["confidence"] <= 1.0
    assert path.read_bytes() == before  # without --save nothing is written


def test_a_trace_gives_its_area_and_points_give_no_value(tmp_path: Path, tear: TearClip,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path, tear)
    code, out, _ = run(["track", str(path), "a2", "--json", "--to", "5"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 6 and rows[0]["unit"] == "mm2"
    assert rows[0]["value"] == pytest.approx(50 * 40 * 0.01)  # the left stump moves rigidly
    assert rows[5]["value"] == pytest.approx(50 * 40 * 0.01, rel=0.02)
    code, out, _ = run(["track", str(path), "a3", "--json", "--to", "3"], capsys)
    assert code == 0 and all(r["value"] is None and r["unit"] is None for r in json.loads(out))


def test_table_and_backward_range(tmp_path: Path, tear: TearClip, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path, tear)
    code, out, _ = run(["track", str(path), "a4", "--to", "10"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["frame", "time", "(s)", "value", "confidence", "status"]
    assert len(lines) == 2 + (FRAMES - 10)
    assert lines[2].split()[0] == "10" and lines[-1].split()[-1] == "start"
    value, unit = lines[2].split()[2:4]
    assert unit == "mm" and float(value) == pytest.approx(tear.gap_px(10) * 0.1, abs=0.05)


def test_save_writes_the_keyframes_and_the_file_stays_valid(tmp_path: Path, tear: TearClip,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path, tear)
    csv_path = tmp_path / "gap.csv"
    code, _, err = run(["track", str(path), "a1", "--to", "15", "--save", "--csv", str(csv_path)], capsys)
    assert code == 0, err
    case = load_case(path)
    a1 = case.annotation("a1")
    assert (a1.frame, a1.frame_end) == (0, 15)
    assert sorted(a1.keyframes) == list(range(16))
    assert set(a1.confidence) == set(range(1, 16)) and min(a1.confidence.values()) > 0.8
    pts = a1.points_at(15)
    assert pts is not None and pts[1][0] - pts[0][0] == pytest.approx(tear.gap_px(15), abs=1.0)
    report, doc = check_case_file(path)
    assert doc is not None
    doc.close()
    assert all("annotation x1:" in e for e in report.errors)  # the deliberately bad one only
    assert csv_path.read_text().splitlines()[0] == "frame,time_s,value,unit,confidence"
    assert len(csv_path.read_text().splitlines()) == 17


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a9"], "there is no annotation 'a9' (annotations: a1, a2, a3, a4, s1, x1)"),
        (["a1", "--to", "24"], "end frame 24 is outside the clip clip.dcm (frames 0..23)"),
        (["a1", "--from", "-1"], "start frame -1 is outside the clip"),
        (["a1", "--from", "5"], "annotation 'a1' is not on frame 5"),
        (["a1", "--from", "0", "--to", "0"], "start and end frame are both 0"),
        (["s1"], "still.png is a still (one frame)"),
        (["x1"], "point 2 (330.0, 10.0) on frame 0 lies outside the image (320x240)"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, tear: TearClip, capsys: pytest.CaptureFixture[str],
                                              args: list[str], message: str) -> None:
    path = make_case(tmp_path, tear)
    before = path.read_bytes()
    csv_path = tmp_path / "out.csv"
    code, out, err = run(["track", str(path), *args, "--save", "--csv", str(csv_path)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err and str(path) in err
    assert path.read_bytes() == before
    assert not csv_path.exists()


def test_a_missing_case_or_media_file_exits_2(tmp_path: Path, tear: TearClip, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["track", str(tmp_path / "none.uscase.json"), "a1"], capsys)
    assert code == 2 and err.startswith("error: ") and "none.uscase.json" in err
    path = make_case(tmp_path, tear)
    before = path.read_bytes()
    (tmp_path / "clip.dcm").unlink()
    code, _, err = run(["track", str(path), "a1", "--save"], capsys)
    assert code == 2 and "clip.dcm" in err and "not found" in err
    assert path.read_bytes() == before


def test_tracking_that_stops_early_warns_and_saves_what_it_followed(tmp_path: Path, tear: TearClip,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    frames = np.array([tear.media.frame(i) for i in range(FRAMES)])
    frames[14:] = np.random.default_rng(3).integers(0, 256, frames[14:].shape, dtype=np.uint8)  # probe lifted
    noisy = TearClip(ArrayMedia(frames, tear.media.frame_times_ms, tear.media.regions, kind="video"),
                     tear.truth, tear.mm_per_px)
    path = make_case(tmp_path, noisy)
    code, out, err = run(["track", str(path), "a1", "--json", "--save"], capsys)
    assert code == 0
    assert [r["frame"] for r in json.loads(out)] == list(range(14))
    assert err.startswith("warning: annotation 'a1': stopped at frame 14: point")
    a1 = load_case(path).annotation("a1")
    assert (a1.frame, a1.frame_end) == (0, 13)
