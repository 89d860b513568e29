"""Hostile case files x {validate, measure, track, export}, and what an export leaves behind
when it is stopped: every run ends with exit 0 or 2 and one short error line, in bounded time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.cli import main
from annotator.cli.one_line import one_line
from annotator.export.output import remove_stale_parts
from tests.hostile.hostile_cases import write_hostile_cases

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("validate", "measure", "track", "export")


@pytest.fixture(autouse=True)
def _widgets_app(qapp: object) -> None:
    """A QApplication before export makes its QGuiApplication, so GUI tests can follow in this run."""


def _png(path: Path) -> None:
    img = np.full((80, 120), 90, np.uint8)
    img[10:30, 20:60] = 200
    assert cv2.imwrite(str(path), img)


def _valid_case(folder: Path) -> Path:
    from annotator.case.io import save_case
    from annotator.case.model import Annotation, Case, MediaRef
    from annotator.media.calibration import ManualCalibration

    _png(folder / "rest.png")
    case = Case(title="hostile")
    case.media = [MediaRef("m1", "rest.png", calibration=ManualCalibration.from_line((0, 0), (100, 0), 25.0))]
    case.annotations = [Annotation.single("a1", "m1", "line", 0, [(10, 10), (40, 50)], label="gap")]
    return save_case(case, folder / "valid.uscase.json")


@pytest.fixture(scope="module")
def hostile_cases(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("cases")
    return write_hostile_cases(folder, _valid_case(folder))


def _args(command: str, case: Path) -> list[str]:
    if command == "track":
        return [command, str(case), "a1"]
    if command == "export":
        return [command, str(case), str(case.parent / f"{case.name}.png"), "--force"]
    return [command, str(case)]


@pytest.mark.parametrize("command", COMMANDS)
def test_hostile_cases_give_exit_0_or_one_error_line(hostile_cases: list[Path], command: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert len(hostile_cases) >= 25
    for case in hostile_cases:
        start = time.monotonic()
        code = main(_args(command, case))
        _, err = capsys.readouterr()
        errors = [line for line in err.splitlines() if line.startswith("error")]
        assert code in (0, 2), (case.name, code, err[:300])
        assert "unexpected failure" not in err and "Traceback" not in err, (case.name, err[:300])
        if code == 2:
            assert errors and all(len(line) <= 300 for line in errors), (case.name, err[:300])
            if command != "validate":  # validate lists every problem; the others say the first
                assert len(errors) == 1, (case.name, err)
        assert time.monotonic() - start < 30, case.name


def test_limits_are_named_in_the_error(hostile_cases: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    by_name = {p.name.split(".")[0]: p for p in hostile_cases}
    expected = {
        "points-1e6": "at most 100,000", "annotations-100k": "at most 20,000",
        "coords-huge": "outside the range", "mm-huge": "not a plausible scale",
        "number-5000-digits": "too long to read", "nested-deep": "nested too deeply",
        "media-devzero": "device", "media-long-path": "too long for the file system",
    }
    for name, words in expected.items():
        assert main(["measure", str(by_name[name])]) == 2
        assert words in capsys.readouterr().err, name


def test_a_lone_surrogate_in_typed_text_is_exported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _valid_case(tmp_path)
    data = json.loads(case.read_text(encoding="utf-8"))
    data["annotations"][0]["label"] = "gap \ud800"
    data["title"] = "title \udfff"
    case.write_text(json.dumps(data), encoding="utf-8")  # ensure_ascii: the escapes stay in the file
    for ext in ("png", "svg", "csv", "html", "json"):
        out = tmp_path / f"o.{ext}"
        assert main(["export", str(case), str(out)]) == 0, capsys.readouterr().err
        if ext != "png":
            out.read_bytes().decode("utf-8")  # valid UTF-8 throughout
    assert "\ufffd" in capsys.readouterr().out  # the caption names the label, with U+FFFD


def test_app_typed_surrogates_are_scrubbed_before_saving(tmp_path: Path) -> None:
    from annotator.case.io import load_case, save_case

    case = load_case(_valid_case(tmp_path))
    case.annotations[0].label = "pasted \udc80"
    save_case(case)
    assert load_case(case.path).annotations[0].label == "pasted \ufffd"


def test_one_line_keeps_the_reason_of_a_long_message() -> None:
    line = one_line("error: /" + "a" * 2000 + "/x.dcm: the path is too long\nTraceback (most recent call last)")
    assert len(line) <= 300 and "\n" not in line and "the path is too long" in line


# -- an export that is stopped ------------------------------------------------------------------

def _slow_clip_case(folder: Path) -> Path:
    from annotator.case.io import save_case
    from annotator.case.model import Annotation, Case, MediaRef

    clip = folder / "clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter.fourcc(*"MJPG"), 30.0, (640, 480), False)
    rng = np.random.default_rng(1)
    for _ in range(300):
        writer.write(rng.integers(0, 255, (480, 640), np.uint8))
    writer.release()
    case = Case(title="clip")
    case.media = [MediaRef("m1", "clip.avi")]
    case.annotations = [Annotation.single("a1", "m1", "line", 0, [(10, 10), (400, 300)])]
    return save_case(case, folder / "clip.uscase.json")


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)])
def test_a_stopped_export_leaves_no_part_file(tmp_path: Path, signum: int) -> None:
    case = _slow_clip_case(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "annotator", "export", str(case), str(out_dir / "o.mp4")],
                            cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    deadline = time.monotonic() + 60
    while not list(out_dir.glob(".*.part*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.skip("the export finished before it could be stopped")
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert len(err.splitlines()) == 1 and err.startswith("error: stopped by signal")
    assert list(out_dir.iterdir()) == []


def test_stale_parts_of_dead_writers_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".o.{dead.pid}.abcd1234.part.mp4"
    mine = tmp_path / f".o.{os.getpid()}.abcd1234.part.mp4"
    others = [tmp_path / ".o.part.mp4", tmp_path / "o.12.abcd1234.part.mp4", tmp_path / "keep.mp4"]
    for p in (stale, mine, *others):
        p.write_bytes(b"x")
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    assert remove_stale_parts(tmp_path) == [stale]
    assert not stale.exists() and mine.exists() and all(p.exists() for p in others)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_during_a_dicom_write_is_one_clean_line(tmp_path: Path) -> None:
    import pydicom
    from pydicom.data import get_testdata_file

    from annotator.export.output import describe_os_error

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    with open("/dev/full", "wb", buffering=0) as full, pytest.raises(OSError) as caught:
        ds.save_as(full)  # pydicom wraps ENOSPC with a traceback in the message
    message = describe_os_error(tmp_path / "o.dcm", caught.value)
    assert message.endswith("the disk is full (nothing was written)"), message
    assert "Traceback" not in message and "\n" not in message
