"""The app's remembered settings: a typed wrapper over QSettings.

Stored in the platform's usual place (an INI file under ``~/.config/us-annotator`` on Linux),
in the fallback folder of ``annotator.case.userdirs`` when that cannot be written, or in ``$US_ANNOTATOR_SETTINGS_DIR/us-annotator.ini`` when that variable is set (tests set it
so each test starts clean). Values are read defensively: a hand-edited or corrupt entry falls
back to its default instead of breaking the app.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_DIR_ENV = "US_ANNOTATOR_SETTINGS_DIR"
ORGANIZATION = "us-annotator"
APPLICATION = "us-annotator"
MAX_RECENT = 10
THEMES = ("light", "dark", "system")
CASE_SUFFIXES = (".uscase.json",)


@dataclass(frozen=True)
class RecentFile:
    path: Path
    opened: datetime  # when it was last opened (UTC)
    kind: str  # "case" or "media"

    @property
    def exists(self) -> bool:
        return self.path.exists()


@dataclass(frozen=True)
class DisplayAdjustments:
    """Display-only grey mapping of the viewer (never written into pixels)."""

    brightness: float = 0.0  # -1..1, added after contrast
    contrast: float = 1.0  # 0.1..4, multiplies around mid-grey
    gamma: float = 1.0  # 0.2..5

    def clamped(self) -> DisplayAdjustments:
        return DisplayAdjustments(
            min(max(self.brightness, -1.0), 1.0),
            min(max(self.contrast, 0.1), 4.0),
            min(max(self.gamma, 0.2), 5.0),
        )


def is_case_path(path: Path) -> bool:
    return path.name.lower().endswith(CASE_SUFFIXES)


def _as_float(value: Any, default: float) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return default
    return result if result == result and abs(result) != float("inf") else default


def _as_bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes", "on"):
            return True
        if low in ("false", "0", "no", "off"):
            return False
    if isinstance(value, int):
        return bool(value)
    return default


class Settings:
    """Recent files, last folder, window layout, tool defaults, theme and display adjustments."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings if qsettings is not None else self._open()

    @staticmethod
    def _open() -> QSettings:
        folder = os.environ.get(SETTINGS_DIR_ENV)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            return QSettings(str(Path(folder) / f"{APPLICATION}.ini"), QSettings.Format.IniFormat)
        from annotator.case.userdirs import config_dir, preferred_config_dir, writable

        preferred = preferred_config_dir()
        if preferred is None or not writable(preferred):  # no writable home: the fallback folder
            return QSettings(str(config_dir() / f"{APPLICATION}.ini"), QSettings.Format.IniFormat)
        return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)

    @property
    def qsettings(self) -> QSettings:
        return self._s

    def file_name(self) -> str:
        return self._s.fileName()

    def sync(self) -> None:
        self._s.sync()

    # -- recent files ----------------------------------------------------------------------
    def _read_recent(self) -> list[RecentFile]:
        raw = self._s.value("recent/files", "[]")
        try:
            entries = json.loads(raw) if isinstance(raw, str) else []
        except json.JSONDecodeError:
            entries = []
        result: list[RecentFile] = []
        for entry in entries if isinstance(entries, list) else []:
            try:
                path = Path(str(entry["path"]))
                opened = datetime.fromisoformat(str(entry["opened"]))
            except (KeyError, TypeError, ValueError):
                continue
            if opened.tzinfo is None:
                opened = opened.replace(tzinfo=UTC)
            kind = "case" if is_case_path(path) else "media"
            result.append(RecentFile(path, opened, kind))
        return result

    def _write_recent(self, files: list[RecentFile]) -> None:
        # at most MAX_RECENT of each kind: opening many clips must not push the cases off
        kept: list[RecentFile] = []
        counts = {"case": 0, "media": 0}
        for f in files:
            if counts[f.kind] < MAX_RECENT:
                counts[f.kind] += 1
                kept.append(f)
        data = [{"path": str(f.path), "opened": f.opened.isoformat(timespec="seconds")} for f in kept]
        self._s.setValue("recent/files", json.dumps(data))

    def recent_files(self, kind: str | None = None) -> list[RecentFile]:
        """Most recent first, at most ``MAX_RECENT`` cases and ``MAX_RECENT`` media, files that
        no longer exist dropped (and forgotten). ``kind`` "case" or "media" filters."""
        files = self._read_recent()
        present = [f for f in files if f.exists]
        if len(present) != len(files):
            self._write_recent(present)
        return [f for f in present if kind is None or f.kind == kind]

    def add_recent(self, path: str | Path, when: datetime | None = None) -> None:
        p = Path(path).expanduser().absolute()
        stamp = when or datetime.now(UTC)
        files = [f for f in self._read_recent() if f.path != p]
        kind = "case" if is_case_path(p) else "media"
        self._write_recent([RecentFile(p, stamp, kind), *files])

    def remove_recent(self, path: str | Path) -> None:
        p = Path(path).expanduser().absolute()
        self._write_recent([f for f in self._read_recent() if f.path != p])

    def clear_recent(self, kind: str | None = None) -> None:
        """Forget the recent files (of one kind, "case" or "media", or all)."""
        self._write_recent([] if kind is None else [f for f in self._read_recent() if f.kind != kind])

    # -- folders and window ----------------------------------------------------------------
    def last_folder(self) -> Path:
        """The folder of the last open or save dialog (home when unknown or gone)."""
        raw = self._s.value("paths/last_folder", "")
        folder = Path(str(raw)) if raw else None
        return folder if folder is not None and folder.is_dir() else Path.home()

    def set_last_folder(self, folder: str | Path) -> None:
        p = Path(folder)
        self._s.setValue("paths/last_folder", str(p if p.is_dir() else p.parent))

    def window_geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_geometry(self, geometry: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)

    def window_state(self) -> QByteArray | None:
        value = self._s.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_state(self, state: QByteArray) -> None:
        self._s.setValue("window/state", state)

    # -- tools -----------------------------------------------------------------------------
    def tool_default(self, tool: str, key: str, default: Any = None) -> Any:
        """A remembered tool option (e.g. ``("caliper", "color")``); typed like ``default``."""
        value = self._s.value(f"tools/{tool}/{key}")
        if value is None:
            return default
        if isinstance(default, bool):
            return _as_bool(value, default)
        if isinstance(default, int):
            return int(_as_float(value, default))
        if isinstance(default, float):
            return _as_float(value, default)
        return value

    def set_tool_default(self, tool: str, key: str, value: Any) -> None:
        self._s.setValue(f"tools/{tool}/{key}", value)

    def last_tool(self) -> str | None:
        value = self._s.value("tools/last")
        return str(value) if value else None

    def set_last_tool(self, tool: str) -> None:
        self._s.setValue("tools/last", tool)

    # -- appearance ------------------------------------------------------------------------
    def theme(self) -> str:
        value = str(self._s.value("appearance/theme", "dark"))
        return value if value in THEMES else "dark"

    def set_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}: choose one of {', '.join(THEMES)}")
        self._s.setValue("appearance/theme", theme)

    def display_adjustments(self) -> DisplayAdjustments:
        d = DisplayAdjustments()
        return DisplayAdjustments(
            _as_float(self._s.value("display/brightness"), d.brightness),
            _as_float(self._s.value("display/contrast"), d.contrast),
            _as_float(self._s.value("display/gamma"), d.gamma),
        ).clamped()

    def set_display_adjustments(self, adjustments: DisplayAdjustments) -> None:
        a = adjustments.clamped()
        self._s.setValue("display/brightness", a.brightness)
        self._s.setValue("display/contrast", a.contrast)
        self._s.setValue("display/gamma", a.gamma)

    def show_values(self) -> bool:
        return _as_bool(self._s.value("display/show_values"), True)

    def set_show_values(self, show: bool) -> None:
        self._s.setValue("display/show_values", show)

    # -- generic access for other rooms (export dialog settings, ...) -----------------------
    def value(self, key: str, default: Any = None) -> Any:
        value = self._s.value(key)
        return default if value is None else value

    def set_value(self, key: str, value: Any) -> None:
        self._s.setValue(key, value)
