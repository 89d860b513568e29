"""``run_app``: the real start-up path opens the given files and returns when the window closes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from annotator.ui import main_window as main_window_module
from annotator.ui.app import run_app
from annotator.ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def test_run_app_opens_files_and_exits_cleanly(qtbot: QtBot, clip_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               no_modal_dialogs: None) -> None:
    """Viewing a clip is not unsaved work: closing asks nothing."""
    errors: list[str] = []
    monkeypatch.setattr(main_window_module, "show_error", lambda *args: errors.append(str(args)))
    hook = sys.excepthook
    seen: dict[str, object] = {}

    def close_when_shown() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        win = windows[0] if windows else None
        if win is None or win.viewer.frame_image is None:
            QTimer.singleShot(50, close_when_shown)
            return
        seen["media"] = len(win.controller.document.case.media) if win.controller.document else 0
        seen["hook"] = sys.excepthook is not hook
        win.close()

    QTimer.singleShot(50, close_when_shown)
    assert run_app([str(clip_path)]) == 0
    assert seen == {"media": 1, "hook": True}
    assert sys.excepthook is hook and errors == []
