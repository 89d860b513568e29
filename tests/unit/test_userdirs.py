"""User folders fall back when the home folder cannot be written (annotator/case/userdirs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.case import userdirs
from annotator.case.autosave import autosave_folder, write_autosave
from annotator.case.model import Case


@pytest.fixture
def no_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME is a file: nothing can be created under it (works as root, unlike chmod)."""
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("HOME", str(blocker))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    runtime = tmp_path / "run-user"
    runtime.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return runtime


def test_usual_folders_when_home_is_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert userdirs.config_dir() == tmp_path / "cfg" / "us-annotator"
    assert userdirs.data_dir() == tmp_path / "data" / "us-annotator"
    assert userdirs.fallback_notice() is None


def test_unwritable_home_falls_back_to_the_runtime_folder(no_home: Path) -> None:
    assert userdirs.config_dir() == no_home / "us-annotator" / "config"
    assert userdirs.data_dir() == no_home / "us-annotator" / "data"
    assert userdirs.config_dir().is_dir() and userdirs.data_dir().is_dir()
    notice = userdirs.fallback_notice()
    assert notice is not None and str(no_home / "us-annotator") in notice
    assert "cannot be written" in notice


def test_without_a_runtime_folder_the_temp_folder_is_used(no_home: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setattr(userdirs.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    assert userdirs.data_dir().parent.parent == tmp_path / "tmp"
    assert userdirs.data_dir().parent.name.startswith("us-annotator-")


def test_no_home_at_all(monkeypatch: pytest.MonkeyPatch, no_home: Path) -> None:
    def no_home_dir() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(userdirs.Path, "home", staticmethod(no_home_dir))
    assert userdirs.preferred_data_dir() is None
    assert userdirs.data_dir() == no_home / "us-annotator" / "data"
    notice = userdirs.fallback_notice()
    assert notice is not None and "no home folder" in notice


def test_autosave_of_an_unsaved_case_goes_to_the_fallback(no_home: Path) -> None:
    written = write_autosave(Case(title="no home"), session="t1")
    assert written.is_file() and written.parent == autosave_folder()
    assert written.is_relative_to(no_home)
