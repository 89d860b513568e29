"""One version source, and ``--version`` / ``info --frame-hashes`` for comparing installs."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import annotator
from annotator.cli import main
from annotator.cli.info_cmd import pixel_hash
from annotator.media import open_media
from annotator.platform.versions import DECODERS, component_versions, version_text

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_reads_the_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "annotator.__version__"}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{annotator.__version__}]" in changelog or "## [Unreleased]" in changelog


def test_version_lists_every_decoder() -> None:
    text = version_text()
    first, *rows = text.splitlines()
    assert first.startswith(f"us-annotator {annotator.__version__} (Python ")
    assert len(rows) == len(DECODERS)
    versions = dict(component_versions())
    assert all(v != "not installed" for v in versions.values()), versions
    # the wrapped libraries' own versions, not only the Python packages'
    assert "FFmpeg libavcodec" in versions["PyAV (video)"]
    assert "Qt 6." in versions["PySide6"] and "OpenCV " in versions["OpenCV (JPEG baseline, tracking)"]


def test_version_option_prints_and_exits(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"us-annotator {annotator.__version__}") and "pyjpegls" in out


def test_version_from_the_command_line() -> None:
    result = subprocess.run([sys.executable, "-m", "annotator", "--version"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "python-gdcm" in result.stdout and "pylibjpeg-openjpeg" in result.stdout


def test_info_frame_hashes_are_the_decoded_pixels(pydicom_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = pydicom_data / "emri_small_RLE.dcm"
    assert main(["info", str(path), "--json", "--frame-hashes"]) == 0
    info = json.loads(capsys.readouterr().out)
    with open_media(path) as media:
        expected = {str(i): pixel_hash(media.frame(i)) for i in (0, media.frame_count - 1)}
    assert info["frame_sha256"] == expected
    assert len(set(expected.values())) == 2  # first and last frames differ, and so do their hashes
    assert main(["info", str(path), "--json"]) == 0
    assert "frame_sha256" not in json.loads(capsys.readouterr().out)


def test_pixel_hash_sees_shape_type_and_values() -> None:
    import numpy as np

    a = np.zeros((4, 6), np.uint8)
    assert pixel_hash(a) == pixel_hash(a.copy())
    assert pixel_hash(a) != pixel_hash(a.reshape(6, 4))
    assert pixel_hash(a) != pixel_hash(a.astype(np.uint16))
    b = a.copy()
    b[3, 5] = 1
    assert pixel_hash(a) != pixel_hash(b)
    assert pixel_hash(np.asfortranarray(np.arange(24).reshape(4, 6))) == pixel_hash(np.arange(24).reshape(4, 6))
