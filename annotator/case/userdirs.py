"""Per-user folders: configuration (vocabulary and reference overrides) and data (autosave)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_DIR_NAME = "us-annotator"


def config_dir() -> Path:
    """Where users put their own vocabulary.json and nerve_csa.json."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin" and not os.environ.get("XDG_CONFIG_HOME"):
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR_NAME


PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_folder(folder: Path) -> Path:
    """``folder``, made if needed, that only the user can enter (0700): it holds patient
    details (autosaves). An existing folder is narrowed to 0700 too."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER_MODE)
    if os.name == "posix" and folder.stat().st_mode & 0o777 != PRIVATE_FOLDER_MODE:
        os.chmod(folder, PRIVATE_FOLDER_MODE)
    return folder


def data_dir() -> Path:
    """Where the app keeps its own files (autosaves of unsaved cases)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin" and not os.environ.get("XDG_DATA_HOME"):
        base = str(Path.home() / "Library" / "Application Support")
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / APP_DIR_NAME
