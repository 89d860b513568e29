"""``us-annotator measure`` and ``us-annotator validate`` on generated PNG cases, and every
bad input: one ``error:`` line naming the file and the problem, exit status 2, file untouched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from annotator.case.io import save_case
from annotator.case.model import Annotation, Case, MediaRef
from annotator.cli import main
from annotator.media.calibration import ManualCalibration


def write_png(path: Path, width: int = 120, height: int = 80, value: int = 90) -> Path:
    img = np.full((height, width), value, np.uint8)
    img[10:30, 20:60] = 200  # a bright block for intensity
    assert cv2.imwrite(str(path), img)
    return path


def make_case(tmp_path: Path, calibrated: bool = True) -> Path:
    write_png(tmp_path / "rest.png")
    case = Case(title="CLI")
    manual = ManualCalibration.from_line((0, 0), (100, 0), 25.0) if calibrated else None  # 0.25 mm/px
    case.media = [MediaRef("m1", "rest.png", calibration=manual)]
    case.annotations = [
        Annotation.single("a1", "m1", "line", 0, [(10, 10), (40, 50)], label="gap"),
        Annotation.single("a2", "m1", "polygon", 0, [(20, 10), (59, 10), (59, 29), (20, 29)], label="roi"),
        Annotation.single("a3", "m1", "angle", 0, [(50, 10), (10, 10), (50, 50)]),
        Annotation.single("a4", "m1", "arrow", 0, [(5, 5), (15, 15)]),
    ]
    return save_case(case, tmp_path / "cli.uscase.json")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def rows_by(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["annotation"], r["quantity"]): r for r in rows}


def test_measure_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path)
    code, out, err = run(["measure", str(path), "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert all(set(r) >= {"annotation", "media", "frame", "kind", "quantity", "value", "unit"} for r in rows)
    by = rows_by(rows)
    assert by[("a1", "length")]["value"] == pytest.approx(50 * 0.25)  # 30-40-50 triangle
    assert by[("a1", "length")]["unit"] == "mm" and by[("a1", "length")]["source"] == "manual"
    assert by[("a2", "area")]["value"] == pytest.approx(39 * 19 * 0.25 * 0.25)
    assert by[("a2", "area")]["unit"] == "mm2"
    assert by[("a2", "mean_intensity")]["value"] == pytest.approx(200.0)
    assert by[("a2", "pixel_count")]["value"] == 40 * 20
    assert by[("a3", "angle")]["value"] == pytest.approx(45.0)
    assert by[("a3", "angle")]["unit"] == "deg"
    assert not any(r["annotation"] == "a4" for r in rows)


def test_measure_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path)
    code, out, _ = run(["measure", str(path)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["annotation", "label", "media"]
    assert any("a1" in line and "12.5 mm" in line and "manual" in line for line in lines)
    assert any("a2" in line and "area" in line and "46.3 mm²" in line for line in lines)


def test_measure_uncalibrated_says_pixels_and_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path, calibrated=False)
    code, out, _ = run(["measure", str(path), "--json"], capsys)
    assert code == 0
    row = rows_by(json.loads(out))[("a1", "length")]
    assert (row["value"], row["unit"], row["source"]) == (pytest.approx(50.0), "px", None)
    assert "no calibration" in row["note"]
    code, out, _ = run(["measure", str(path)], capsys)
    assert "50.0 px" in out and "none: no calibration" in out


def test_measure_keyframes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path)
    code, out, _ = run(["measure", str(path), "--frames", "keyframes", "--no-intensity", "--json"], capsys)
    assert code == 0
    assert not any(r["quantity"] == "mean_intensity" for r in json.loads(out))


def test_validate_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path)
    code, out, err = run(["validate", str(path)], capsys)
    assert code == 0, err
    assert out.startswith("OK: ") and "1 media, 4 annotations" in out


def _edit(path: Path, change: Any) -> None:
    d = json.loads(path.read_text())
    change(d)
    path.write_text(json.dumps(d))


def _malformed(p: Path) -> None:
    p.write_text('{"format": "us-annotator-case", "version": 1,,}')


def _remove_media(p: Path) -> None:
    (p.parent / "rest.png").unlink()


def _change_media(p: Path) -> None:
    write_png(p.parent / "rest.png", value=10)


def _garble_media(p: Path) -> None:
    _edit(p, lambda d: d["media"][0].pop("sha256"))  # so that opening, not the checksum, fails
    (p.parent / "rest.png").write_bytes(b"not an image")


CASES = {
    "malformed json": (_malformed, "line 1, column 46: not valid JSON"),
    "missing key": (lambda p: _edit(p, lambda d: d.pop("annotations")), "annotations: missing"),
    "wrong key type": (lambda p: _edit(p, lambda d: d["annotations"][0].update(frame="0")), "annotations[0].frame: must be a integer"),
    "unknown kind": (lambda p: _edit(p, lambda d: d["annotations"][0].update(kind="box")), "annotation 'a1': unknown kind 'box'"),
    "wrong point count": (lambda p: _edit(p, lambda d: d["annotations"][2]["points"].pop()),
                          "annotations[2].points: annotation 'a3' (angle) needs 3 points, not 2"),
    "newer version": (lambda p: _edit(p, lambda d: d.update(version=3)), "newer us-annotator"),
    "frame out of range": (lambda p: _edit(p, lambda d: d["annotations"][0].update(frame=5)),
                           "annotation a1: frame 5 out of range: rest.png has 1 frame (0..0)"),
    "missing media": (_remove_media, "media m1: file not found"),
    "changed media": (_change_media, "has changed since the case was saved"),
    "unreadable media": (_garble_media, "media m1: cannot open: "),
}


@pytest.mark.parametrize("command", ["measure", "validate"])
@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_exits_2_with_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, name: str
) -> None:
    path = make_case(tmp_path)
    spoil, message = CASES[name]
    spoil(path)
    before = path.read_bytes()
    code, out, err = run([command, str(path)], capsys)
    assert code == 2
    assert err.startswith("error: "), err
    assert "Traceback" not in err
    assert message in err
    assert str(path) in err
    assert path.read_bytes() == before  # never rewritten
    if command == "measure":
        assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1


def test_validate_reports_points_outside_the_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path)
    _edit(path, lambda d: d["annotations"][0].update(points=[[10, 10], [400, 50]]))
    code, _, err = run(["validate", str(path)], capsys)
    assert code == 2
    assert "annotation a1: point (400, 50) on frame 0 lies outside the 120x80 image" in err
    # measure still measures it (the geometry is valid), in pixels: outside the calibration
    code, out, _ = run(["measure", str(path), "--json"], capsys)
    assert code == 0


def test_validate_lists_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path)
    _edit(path, lambda d: (d["annotations"][0].update(kind="box"), d["annotations"][1].update(media="m9")))
    code, _, err = run(["validate", str(path)], capsys)
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2


def test_measure_ignore_checksum(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = make_case(tmp_path)
    write_png(tmp_path / "rest.png", value=10)
    code, out, err = run(["measure", str(path), "--ignore-checksum", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)


def test_missing_case_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("measure", "validate"):
        code, _, err = run([command, str(tmp_path / "nope.uscase.json")], capsys)
        assert code == 2 and err.startswith("error: ") and "file not found" in err


def test_case_moved_with_its_scan_still_measures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "scans").mkdir()
    path = make_case(tmp_path / "scans")
    _edit(path, lambda d: d["media"][0].update(path="old/place/rest.png"))  # stale path, same name
    code, out, err = run(["measure", str(path), "--json"], capsys)
    assert code == 0, err
    assert "using rest.png beside the case" in err and err.startswith("warning: ")
    assert rows_by(json.loads(out))[("a1", "length")]["unit"] == "mm"
    code, out, err = run(["validate", str(path)], capsys)
    assert code == 0 and out.startswith("OK: ")
