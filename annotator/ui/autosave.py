"""Autosave for the app: every ~60 s while there are unsaved edits, and soon after the user
pauses (idle), through ``annotator.case.autosave``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

PERIOD_MS = 60_000
IDLE_MS = 8_000


class AutosaveTimer(QObject):
    """Calls ``write()`` when edits wait: at most every ``period_ms``, and ``idle_ms`` after the
    last edit. ``write`` returns the file written; failures are reported once until one works."""

    saved = Signal(object)  # Path
    failed = Signal(str)

    def __init__(self, write: Callable[[], Path | None], parent: QObject | None = None,
                 period_ms: int = PERIOD_MS, idle_ms: int = IDLE_MS) -> None:
        super().__init__(parent)
        self._write = write
        self._pending = False
        self._failing = False
        self._period = QTimer(self)
        self._period.setInterval(period_ms)
        self._period.timeout.connect(self.write_now)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(idle_ms)
        self._idle.timeout.connect(self.write_now)

    @property
    def pending(self) -> bool:
        return self._pending

    def edited(self) -> None:
        """An edit happened: autosave after a pause, or at the next period at the latest."""
        self._pending = True
        self._idle.start()
        if not self._period.isActive():
            self._period.start()

    def reset(self) -> None:
        """Nothing to autosave (saved, or the case was closed)."""
        self._pending = False
        self._idle.stop()
        self._period.stop()

    def write_now(self) -> Path | None:
        if not self._pending:
            return None
        try:
            path = self._write()
        except Exception as exc:  # a full disk must not take the app down; say it once
            log.exception("autosave failed")
            if not self._failing:
                self._failing = True
                self.failed.emit(f"Autosave failed: {exc}")
            return None
        self._failing = False
        self._pending = False
        self._idle.stop()
        if path is not None:
            self.saved.emit(path)
        return path
