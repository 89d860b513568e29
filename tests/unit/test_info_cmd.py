"""``us-annotator info``: the readable summary, the JSON object, and bad input (exit 2, one line)."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from dicom_factory import gradient_rgb, jpeg_encode, us_region, write_encapsulated, write_native

import annotator.cli as cli
from annotator.media.base import ArrayMedia

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _only_info(monkeypatch: pytest.MonkeyPatch) -> None:
    # The dispatcher imports every subcommand; these tests need only this one.
    monkeypatch.setattr(cli, "SUBCOMMANDS", ("info",))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(["info", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def duplex(tmp_path: Path) -> Path:
    regions = [
        us_region(0, 0, 39, 39, 0.01, 0.01),
        us_region(40, 0, 79, 39, 0.02, -0.015),
        us_region(0, 40, 79, 59, 0.01, 2.5, units=(4, 7), spatial_format=3, data_type=3),
    ]
    frames = [jpeg_encode(f) for f in gradient_rgb(4, 60, 80)]
    return write_encapsulated(
        tmp_path / "duplex.dcm", frames, 60, 80, SequenceOfUltrasoundRegions=regions,
        FrameTime="25", BurnedInAnnotation="YES", InstitutionName="General Hospital",
    )


def test_json_object(capsys: pytest.CaptureFixture[str], duplex: Path) -> None:
    status, out, err = _run(capsys, str(duplex), "--json")
    assert status == 0 and err == ""
    info = json.loads(out)
    assert (info["kind"], info["frames"], info["width"], info["height"]) == ("dicom", 4, 80, 60)
    assert info["fps"] == pytest.approx(40.0)
    assert info["frame_times_ms"]["frame_time_ms"] == pytest.approx(25.0)
    assert info["frame_times_ms"]["duration_ms"] == pytest.approx(100.0)
    assert info["regions"] == [
        {"x0": 0, "y0": 0, "x1": 39, "y1": 39, "mm_per_px_x": pytest.approx(0.1), "mm_per_px_y": pytest.approx(0.1), "source": "us-region"},
        {"x0": 40, "y0": 0, "x1": 79, "y1": 39, "mm_per_px_x": pytest.approx(0.2), "mm_per_px_y": pytest.approx(0.15), "source": "us-region"},
    ]
    (other,) = info["other_regions"]
    assert other["spatial_format"] == "spectral" and other["units_y"] == "cm/s"
    assert info["transfer_syntax"] == "1.2.840.10008.1.2.4.50"
    assert info["photometric"] == "YBR_FULL_422"
    meta = info["metadata"]
    assert meta["patient_name"] == {"label": "Patient name", "value": "Doe^Jane", "identifier": True}
    assert meta["institution"]["identifier"] and not meta["manufacturer"]["identifier"]
    assert meta["burned_in_annotation"]["value"] == "YES"
    assert info["checked_frames"] == [0, 3]


def test_hide_identifiers(capsys: pytest.CaptureFixture[str], duplex: Path) -> None:
    status, out, _ = _run(capsys, str(duplex), "--json", "--hide-identifiers")
    meta = json.loads(out)["metadata"]
    assert status == 0
    assert meta["patient_name"]["value"] is None and meta["patient_id"]["value"] is None
    assert meta["manufacturer"]["value"] == "Test Vendor"
    assert "Doe" not in out and "ID-1234" not in out and "General Hospital" not in out


def test_readable_summary(capsys: pytest.CaptureFixture[str], duplex: Path) -> None:
    status, out, _ = _run(capsys, str(duplex))
    assert status == 0
    assert "DICOM, 4 frames, 80 x 60 px" in out
    assert "40.00 fps" in out
    assert "0.2 x 0.15 mm/px" in out
    assert "spectral" in out and "[identifier]" in out


def test_still_with_pixel_spacing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_native(tmp_path / "still.dcm", np.zeros((1, 20, 30), np.uint8), PixelSpacing=[0.2, 0.1])
    info = json.loads(_run(capsys, str(path), "--json")[1])
    assert info["frames"] == 1 and info["fps"] is None
    assert info["regions"] == [{"x0": 0, "y0": 0, "x1": 29, "y1": 19, "mm_per_px_x": pytest.approx(0.1), "mm_per_px_y": pytest.approx(0.2), "source": "pixel-spacing"}]


def _bad_files(tmp_path: Path) -> list[Path]:
    garbage = tmp_path / "garbage.dcm"
    garbage.write_bytes(bytes(range(256)) * 8)
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    truncated = write_native(tmp_path / "truncated.dcm", np.zeros((4, 32, 32), np.uint8))
    truncated.write_bytes(truncated.read_bytes()[:-2000])
    corrupt = write_encapsulated(tmp_path / "corrupt.dcm", [b"\xff\xd8\xff\xe0" + bytes(200)], 32, 32)
    return [tmp_path / "missing.dcm", tmp_path, garbage, empty, truncated, corrupt]


def test_bad_input_exits_2_with_one_error_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for path in _bad_files(tmp_path):
        for extra in ([], ["--json"]):
            status, out, err = _run(capsys, str(path), *extra)
            assert status == 2, path
            assert out == ""
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: ") and str(path) in lines[0], err


def test_in_a_fresh_process_no_traceback(tmp_path: Path, duplex: Path) -> None:
    code = "import sys, annotator.cli as c; c.SUBCOMMANDS = ('info',); sys.exit(c.main(sys.argv[1:]))"
    bad = _bad_files(tmp_path)[4]
    result = subprocess.run([sys.executable, "-c", code, "info", str(bad)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    good = subprocess.run([sys.executable, "-c", code, "info", "--json", str(duplex)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert good.returncode == 0 and json.loads(good.stdout)["frames"] == 4


def test_video_and_image_go_through_open_media(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def reader(kind: str, frames: int) -> type[ArrayMedia]:
        class Reader(ArrayMedia):
            def __init__(self, path: Path) -> None:
                super().__init__(np.zeros((frames, 6, 8, 3), np.uint8), np.arange(frames) * 20.0, path=path, kind=kind)  # type: ignore[arg-type]

        return Reader

    for module, cls, kind, frames in (("video", "VideoMedia", "video", 5), ("image", "ImageMedia", "image", 1)):
        fake = types.ModuleType(f"annotator.media.{module}")
        setattr(fake, cls, reader(kind, frames))
        monkeypatch.setitem(sys.modules, f"annotator.media.{module}", fake)
    clip, still = tmp_path / "clip.mp4", tmp_path / "still.png"
    clip.write_bytes(b"\x00\x00\x00\x20ftypisom" + bytes(40))
    still.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    video = json.loads(_run(capsys, str(clip), "--json")[1])
    assert video["kind"] == "video" and video["frames"] == 5 and video["fps"] == pytest.approx(50.0)
    assert video["transfer_syntax"] is None and video["regions"] == []
    image = json.loads(_run(capsys, str(still), "--json")[1])
    assert image["kind"] == "image" and image["fps"] is None


@pytest.mark.corpus
def test_real_clip(capsys: pytest.CaptureFixture[str], corpus: Path) -> None:
    clip = next(iter(sorted((corpus / "joshrbaxter-ultrasound_tracking").glob("*.mp4"))))
    status, out, _ = _run(capsys, str(clip), "--json", "--no-check")
    info = json.loads(out)
    assert status == 0 and info["kind"] == "video" and info["frames"] > 0
    assert info["fps"] == pytest.approx(61.0, rel=0.02)
