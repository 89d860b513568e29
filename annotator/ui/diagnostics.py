"""``--screenshot PATH`` (a hidden diagnostic option): once the window shows its case (the demo
or the files given), save a picture of it, print one JSON line and quit.

``make dist-check`` uses it to check that the packaged app really opens and paints the demo
(offscreen), and to time a cold start: from launch to the demo shown.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from annotator.ui.controller import AppController

POLL_MS = 20
TIMEOUT_S = 60.0


def screenshot_when_shown(shown: QWidget, controller: AppController, path: Path, started: float) -> None:
    """Poll until the case is open, the background work done and the window painted; then
    grab it to ``path``, print ``{"screenshot": ..., "shown_s": ...}`` and quit (status 0, or
    1 when nothing was shown before ``TIMEOUT_S``)."""
    timer = QTimer(shown)

    def check() -> None:
        ready = (controller.document is not None and not controller.busy and shown.isVisible()
                 and controller.current_media() is not None)
        waited = time.perf_counter() - started
        if not ready and waited < TIMEOUT_S:
            return
        timer.stop()
        if not ready:
            print(json.dumps({"error": f"nothing shown after {waited:.1f} s"}), flush=True)
            QApplication.exit(1)
            return
        QApplication.processEvents()  # the frame of the case painted, not the start screen
        saved = shown.grab().save(str(path))
        print(json.dumps({"screenshot": str(path), "saved": bool(saved),
                          "shown_s": round(time.perf_counter() - started, 3),
                          "title": shown.windowTitle()}), flush=True)
        sys.stdout.flush()
        controller.shutdown()  # no unsaved-changes prompt: nothing was edited
        QApplication.exit(0 if saved else 1)

    timer.timeout.connect(check)
    timer.start(POLL_MS)
