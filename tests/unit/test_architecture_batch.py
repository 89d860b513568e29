"""``us-annotator architecture`` on several media or folders at once, and its CSV: a researcher
measures a folder of stills (as DL_Track_US does) into one spreadsheet, and an unreadable file
costs only its own row."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydicom.uid import ExplicitVRLittleEndian

from annotator.cli import main as cli_main
from tests.architecture_images import H, W, muscle_image, true_thickness
from tests.unit.dicom_factory import us_region, write_native


def _folder(tmp_path: Path) -> Path:
    """Two stills at known fascicle angles, a calibrated DICOM, a broken PNG, and files that
    are not media (a licence, a case) which a folder's measurement leaves out."""
    folder = tmp_path / "scans"
    folder.mkdir()
    cv2.imwrite(str(folder / "a_20deg.png"), muscle_image(1, fascicle_deg=20.0))
    cv2.imwrite(str(folder / "b_30deg.png"), muscle_image(2, fascicle_deg=30.0))
    write_native(folder / "c_calibrated.dcm", np.stack([muscle_image(3, fascicle_deg=20.0)]),
                 transfer_syntax=ExplicitVRLittleEndian,
                 SequenceOfUltrasoundRegions=[us_region(0, 0, W - 1, H - 1, 0.01, 0.01)])
    (folder / "d_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"cut short")
    (folder / "LICENSE").write_text("CC0\n")
    (folder / "notes.uscase.json").write_text("{}")
    return folder


def test_a_folder_gives_one_row_per_image_each_in_its_own_unit(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    assert cli_main(["architecture", str(folder), "--json"]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    names = [Path(r["media"]).name for r in rows]
    assert names == ["a_20deg.png", "b_30deg.png", "c_calibrated.dcm", "d_broken.png"]
    a, b, c, broken = rows
    # alpha - beta, to the superficial line at -3 deg; and to the deep line at +4 deg
    assert a["pennation_deg"] == pytest.approx(20.0 + 3.0, abs=1.5)
    assert b["pennation_deg"] == pytest.approx(30.0 + 3.0, abs=1.5)
    assert a["deep_pennation_deg"] == pytest.approx(20.0 - 4.0, abs=1.5)
    assert b["deep_pennation_deg"] == pytest.approx(30.0 - 4.0, abs=1.5)
    assert a["aponeurosis_angle_deg"] == pytest.approx(-3.0, abs=0.5)
    assert a["deep_aponeurosis_angle_deg"] == pytest.approx(4.0, abs=0.5)
    assert "thickness_px" in a and "thickness_mm" not in a
    assert c["thickness_mm"] == pytest.approx(true_thickness(80, 260, -3, 4, 0.1, 0.1, 20.0), rel=0.04)
    assert broken["frame"] is None and broken["confidence"] is None and "d_broken.png" in broken["reason"]
    assert "1 of 4 media could not be measured" in captured.err
    assert "of 4 frames" not in captured.err  # the low-confidence count is over frames, not failures
    # one JSON row per frame: each row on a line of its own, the array's brackets on theirs
    lines = captured.out.strip().splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == rows


def test_csv_has_a_header_and_a_line_per_row_that_a_spreadsheet_reads(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    assert cli_main(["architecture", str(folder), "--csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [Path(r["media"]).name for r in table] == ["a_20deg.png", "b_30deg.png", "c_calibrated.dcm", "d_broken.png"]
    header = list(table[0])
    assert header[:3] == ["media", "frame", "time_ms"] and header[-1] == "reason"
    assert {"thickness_px", "thickness_mm", "pennation_deg", "deep_pennation_deg", "confidence"} <= set(header)
    assert float(table[0]["pennation_deg"]) == pytest.approx(23.0, abs=1.5)
    assert float(table[0]["deep_pennation_deg"]) == pytest.approx(16.0, abs=1.5)
    assert table[0]["thickness_mm"] == "" and table[2]["thickness_px"] == ""  # the other unit's column
    assert table[3]["pennation_deg"] == "" and table[3]["reason"]


def test_one_media_keeps_the_documented_rows_and_csv_columns(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), muscle_image())
    assert cli_main(["architecture", str(path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert "media" not in row and row["frame"] == 0
    assert cli_main(["architecture", str(path), "--csv", "--mm-per-px", "0.1"]) == 0
    (line,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "media" not in line
    assert float(line["thickness_mm"]) == pytest.approx(true_thickness(80, 260, -3, 4, 0.1, 0.1), rel=0.03)


def test_a_table_lists_each_media_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    assert cli_main(["architecture", str(folder / "a_20deg.png"), str(folder / "c_calibrated.dcm")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["media", "frame"]
    assert lines[1].startswith("a_20deg.png") and lines[1].split()[-3:-1] != ["-", "-"]
    assert lines[2].startswith("c_calibrated.dcm") and " mm " in lines[2]


def test_a_case_applies_to_one_media_and_an_empty_folder_is_an_error(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli_main(["architecture", str(empty)]) == 2
    assert "no media files in that folder" in capsys.readouterr().err
    assert cli_main(["architecture", str(folder), "--case", str(tmp_path / "x.uscase.json")]) == 2
    assert "--case applies to one media" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:  # one output at a time, refused as argparse refuses
        cli_main(["architecture", str(folder), "--json", "--csv"])
    assert stop.value.code == 2 and "--csv: not allowed with argument --json" in capsys.readouterr().err


def test_frames_stop_at_each_media_s_last_frame_in_a_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--frames 0:3`` over a folder of clips and stills: the first four frames of a clip,
    the one frame of a still; a range past a media's start says so in its row."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    clip = np.stack([muscle_image(k, fascicle_deg=20.0) for k in range(6)])
    write_native(folder / "clip.dcm", clip, transfer_syntax=ExplicitVRLittleEndian, FrameTime=40.0)
    cv2.imwrite(str(folder / "still.png"), muscle_image(9))
    assert cli_main(["architecture", str(folder), "--frames", "0:3", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(Path(r["media"]).name, r["frame"]) for r in rows] == [("clip.dcm", k) for k in range(4)] + [("still.png", 0)]
    assert rows[3]["time_ms"] == pytest.approx(120.0)
    assert cli_main(["architecture", str(folder), "--frames", "4:5", "--json"]) == 0
    late = json.loads(capsys.readouterr().out)
    assert [r["frame"] for r in late] == [4, 5, None]
    assert "the media has frames 0 to 0" in late[2]["reason"]


@pytest.mark.parametrize("fmt", ["--csv", "--json", None])
def test_a_batch_prints_each_media_s_rows_before_measuring_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    fmt: str | None) -> None:
    """A long batch shows its progress, and what was measured before an interruption stays
    printed; the whole output still parses as one document."""
    import annotator.cli.architecture_cmd as command

    folder = _folder(tmp_path)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    seen: list[str] = []
    measure = command._analyse

    def spy(path: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        seen.append(out.getvalue())
        return measure(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(command, "_analyse", spy)
    assert cli_main(["architecture", str(folder), *([fmt] if fmt else [])]) == 0
    assert "a_20deg.png" not in seen[0] and "a_20deg.png" in seen[1] and "b_30deg.png" in seen[2]
    if fmt == "--json":
        assert [Path(r["media"]).name for r in json.loads(out.getvalue())][-1] == "d_broken.png"
    elif fmt == "--csv":
        assert len(list(csv.DictReader(io.StringIO(out.getvalue())))) == 4


def test_a_media_that_trips_a_bug_or_an_interruption_leaves_the_batch_readable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import annotator.cli.architecture_cmd as command

    folder = _folder(tmp_path)
    measure = command._analyse

    def flaky(path: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if path.endswith("b_30deg.png"):
            raise ZeroDivisionError("a bug")
        return measure(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(command, "_analyse", flaky)
    assert cli_main(["architecture", str(folder), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and "unexpected failure (ZeroDivisionError: a bug)" in rows[1]["reason"]
    assert rows[2]["thickness_mm"] is not None  # the next media is still measured

    def interrupted(path: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
        if path.endswith("c_calibrated.dcm"):
            raise KeyboardInterrupt
        return measure(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(command, "_analyse", interrupted)
    assert cli_main(["architecture", str(folder), "--json"]) == 130
    captured = capsys.readouterr()
    assert [Path(r["media"]).name for r in json.loads(captured.out)] == ["a_20deg.png", "b_30deg.png"]
    assert "interrupted" in captured.err
