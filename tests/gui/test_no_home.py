"""A user without a writable home: settings and autosave fall back, with a notice; and Help >
About lists the decoders, the licences and the credits of the bundled data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.ui.app import show_notice
from annotator.ui.dialogs.about_dialog import about_html
from annotator.ui.settings import SETTINGS_DIR_ENV, Settings


@pytest.fixture
def no_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv("HOME", str(blocker))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", SETTINGS_DIR_ENV):
        monkeypatch.delenv(name, raising=False)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return runtime


def test_settings_are_kept_in_the_fallback_folder(no_home: Path) -> None:
    settings = Settings()
    assert Path(settings.file_name()) == no_home / "us-annotator" / "config" / "us-annotator.ini"
    settings.set_theme("light")
    settings.sync()
    assert Settings().theme() == "light"


def test_the_notice_does_not_block(qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    box = show_notice(parent, "No writable home folder", "kept in /run/user/1/us-annotator")
    assert box.isVisible() and box.windowModality() == Qt.WindowModality.NonModal
    assert "/run/user/1/us-annotator" in box.text()
    box.close()


def test_the_app_starts_without_a_home(tmp_path: Path) -> None:
    """The real app, in its own process: the demo opens, and everything it writes lands in the
    fallback folder, with the notice in the log."""
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    env = {"HOME": str(blocker), "XDG_RUNTIME_DIR": str(runtime), "QT_QPA_PLATFORM": "offscreen",
           "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    shot = tmp_path / "shot.png"
    result = subprocess.run([sys.executable, "-m", "annotator", "--demo", "--screenshot", str(shot)],
                            capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["saved"] and shot.stat().st_size > 10_000
    assert "cannot be kept in your home folder" in result.stderr
    fallback = runtime / "us-annotator"
    assert (fallback / "data" / "demo" / "demo.uscase.json").is_file()
    assert (fallback / "config" / "us-annotator.ini").is_file()
    assert "cannot be kept in your home folder" in (fallback / "data" / "us-annotator.log").read_text()


def test_about_lists_decoders_licences_and_credits() -> None:
    text = about_html()
    for needed in ("pylibjpeg-openjpeg (JPEG 2000)", "pyjpegls (JPEG-LS)", "python-gdcm", "FFmpeg libavcodec",
                   "OpenCV", "Qt 6.", "LGPL-3.0", "MIT", "synthetic", "Practical Neurology",
                   "Nerve cross-sectional area", "CC BY 4.0"):
        assert needed in text, needed
