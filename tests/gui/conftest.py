"""GUI fixtures: generated clips on disk, and a main window whose dialogs are recorded
instead of shown (a modal dialog would block the test). Windows are closed after each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from annotator.ui import main_window as main_window_module
from annotator.ui.main_window import MainWindow

CLIP_SIZE = (160, 120)  # width, height
CLIP_FRAMES = 12
CLIP_FPS = 25


def write_clip(path: Path, frames: int = CLIP_FRAMES, size: tuple[int, int] = CLIP_SIZE, fps: int = CLIP_FPS) -> Path:
    """An MP4 of a bright block moving 5 px a frame across a mid-grey field."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for i in range(frames):
        frame = np.full((h, w, 3), 80, np.uint8)
        frame[40:80, 20 + 5 * i : 40 + 5 * i] = 200
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def clip_path(tmp_path: Path) -> Path:
    return write_clip(tmp_path / "contraction.mp4")


class DialogLog:
    """What the window would have shown: errors, and the answers given to questions."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogLog:
    log = DialogLog()

    def record(parent: object, title: str, message: str, details: str | None = None) -> None:
        log.errors.append((title, message))

    monkeypatch.setattr(main_window_module, "show_error", record)
    return log


@pytest.fixture
def window(qtbot: QtBot, dialogs: DialogLog) -> Iterator[MainWindow]:
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


def open_and_wait(qtbot: QtBot, win: MainWindow, *paths: Path) -> None:
    """Open files through the controller and wait until a frame is on screen."""
    with qtbot.waitSignal(win.viewer.frame_shown, timeout=10_000):
        win.open_paths(list(paths))
