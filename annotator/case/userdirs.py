"""Per-user folders: configuration (settings, vocabulary and reference overrides) and data
(autosave, the demo copy, the log).

When the usual folder cannot be written (no home, a read-only or full home on a locked-down
workstation), the app falls back to a private folder in ``$XDG_RUNTIME_DIR`` or the system's
temporary folder instead of failing, and ``fallback_notice()`` says so: work still autosaves,
but the fallback may be emptied at log-out or reboot.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

APP_DIR_NAME = "us-annotator"


def _home() -> Path | None:
    try:
        return Path.home()
    except (RuntimeError, KeyError):  # no HOME and no password-file entry
        return None


def _platform_base(xdg_variable: str, windows_variable: str, windows_default: str,
                   xdg_default: str) -> Path | None:
    """The base folder of the platform, or None when it would be under a missing home."""
    home = _home()
    if sys.platform == "win32":
        base = os.environ.get(windows_variable)
        return Path(base) if base else (home / "AppData" / windows_default if home else None)
    if sys.platform == "darwin" and not os.environ.get(xdg_variable):
        return home / "Library" / "Application Support" if home else None
    base = os.environ.get(xdg_variable)
    return Path(base) if base else (home / xdg_default if home else None)


def preferred_config_dir() -> Path | None:
    """The platform's usual configuration folder (None when there is no home to put it in)."""
    base = _platform_base("XDG_CONFIG_HOME", "APPDATA", "Roaming", ".config")
    return base / APP_DIR_NAME if base else None


def preferred_data_dir() -> Path | None:
    base = _platform_base("XDG_DATA_HOME", "LOCALAPPDATA", "Local", ".local/share")
    return base / APP_DIR_NAME if base else None


def writable(folder: Path) -> bool:
    """True when ``folder`` exists (it is created) and a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError:
        return False
    return True


def fallback_root() -> Path:
    """A private per-user folder outside the home: ``$XDG_RUNTIME_DIR/us-annotator``, else
    ``<temp>/us-annotator-<user id>``."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and writable(Path(runtime) / APP_DIR_NAME):
        return Path(runtime) / APP_DIR_NAME
    uid = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    folder = Path(tempfile.gettempdir()) / f"{APP_DIR_NAME}-{uid}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _choose(preferred: Path | None, kind: str) -> Path:
    if preferred is not None and writable(preferred):
        return preferred
    folder = fallback_root() / kind
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def config_dir() -> Path:
    """Where settings and the user's own vocabulary.json and nerve_csa.json live."""
    return _choose(preferred_config_dir(), "config")


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
    """Where the app keeps its own files (autosaves of unsaved cases, the demo copy, the log)."""
    return _choose(preferred_data_dir(), "data")


def using_fallback() -> bool:
    preferred = (preferred_config_dir(), preferred_data_dir())
    return any(p is None or not writable(p) for p in preferred)


def fallback_notice() -> str | None:
    """What to tell the user when the usual folders cannot be written (None when they can)."""
    if not using_fallback():
        return None
    where = preferred_data_dir() or preferred_config_dir()
    reason = "there is no home folder" if where is None else f"{where.parent} cannot be written"
    return (f"Your settings and autosaves cannot be kept in your home folder ({reason}). "
            f"They are kept in {fallback_root()} for now, which may be emptied when you log out "
            "or restart: save your cases to a folder of your own, and ask IT for a writable home.")
