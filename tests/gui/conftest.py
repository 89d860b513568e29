"""GUI fixtures: generated clips on disk, and a main window whose dialogs are recorded
instead of shown (a modal dialog would block the test). Windows are closed after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from annotator.ui import main_window as main_window_module
from annotator.ui.main_window import MainWindow

CLIP_SIZE = (160, 120)  # width, height
CLIP_FRAMES = 12
CLIP_FPS = 25


def write_clip(path: Path, frames: int = CLIP_FRAMES, size: tuple[int, int] = CLIP_SIZE, fps: int = CLIP_FPS) -> Path:
    """An MP4 of a bright block moving 5 px a frame across a mid-grey field."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
    for i in range(frames):
        frame = np.full((h, w, 3), 80, np.uint8)
        frame[40:80, 20 + 5 * i : 40 + 5 * i] = 200
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def clip_path(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "contraction.mp4")


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (title, message) of every error dialog the window would have shown."""
    shown: list[tuple[str, str]] = []

    def record(parent: object, title: str, message: str, details: str | None = None) -> None:
        shown.append((title, message))

    monkeypatch.setattr(main_window_module, "show_error", record)
    return shown


@pytest.fixture
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal dialog would wait for a click forever: fail the test instead."""

    def refuse(dialog: QDialog) -> int:
        raise AssertionError(f"a modal dialog opened: {dialog.windowTitle()!r}")

    monkeypatch.setattr(QDialog, "exec", refuse)
    monkeypatch.setattr(QMessageBox, "exec", refuse)


@pytest.fixture
def window(qtbot: QtBot, errors: list[tuple[str, str]], no_modal_dialogs: None) -> Iterator[MainWindow]:
    win = MainWindow()
    win.controller.confirm_discard = lambda: True  # tests that need the prompt replace this
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.playback.pause()
    win.controller.confirm_discard = lambda: True
    win.controller.wait_idle()
    win.close()


OpenFn = Callable[[MainWindow, Path], None]


@pytest.fixture
def open_and_wait(qtbot: QtBot) -> OpenFn:
    """Open a file through the window and wait until a frame is on screen."""

    def open_file(win: MainWindow, path: Path) -> None:
        with qtbot.waitSignal(win.viewer.frame_shown, timeout=10_000):
            win.open_paths([path])

    return open_file
