"""Shared test set-up: offscreen Qt, isolated settings, and the real-file locations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def pydicom_data_dir() -> Path | None:
    """The folder of real DICOM files from the pydicom-data package (never downloads)."""
    try:
        import data_store  # pydicom-data's package name
    except ImportError:
        return None
    folder = Path(data_store.__file__).parent / "data"
    return folder if folder.is_dir() else None


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own config/cache/data folders, so QSettings and autosave never leak."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("US_ANNOTATOR_SETTINGS_DIR", str(home / "settings"))


@pytest.fixture
def corpus() -> Path:
    """../shared/corpus beside the project; tests using it skip cleanly where it is absent."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present (it is never committed)")
    return CORPUS


@pytest.fixture
def pydicom_data() -> Path:
    folder = pydicom_data_dir()
    if folder is None:
        pytest.fail("pydicom-data is a test dependency and must be installed")
    return folder
