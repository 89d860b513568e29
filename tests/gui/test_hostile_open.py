"""The app with hostile files: a partial multi-frame DICOM opens and says what is missing; a
named pipe is refused with a message, never a hang."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.ui.main_window import MainWindow
from tests.unit.dicom_factory import gradient_rgb, jpeg_encode, write_encapsulated


def test_a_partial_multiframe_dicom_opens_with_a_message(qtbot: QtBot, window: MainWindow, tmp_path: Path,
                                                         errors: list[tuple[str, str]]) -> None:
    frames = [jpeg_encode(f) for f in gradient_rgb(6, 48, 64)]
    path = write_encapsulated(tmp_path / "partial.dcm", frames, 48, 64)
    with path.open("r+b") as fp:
        fp.truncate(path.stat().st_size - len(frames[-1]) // 2 - 8)
    window.open_paths([path])
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    title, message = errors[0]
    assert "missing" in title.lower() and "only 5 of 6 frames" in message
    media = window.controller.current_media()
    assert media is not None and media.frame_count == 5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_not_waited_on(qtbot: QtBot, window: MainWindow, tmp_path: Path,
                                               errors: list[tuple[str, str]]) -> None:
    pipe = tmp_path / "scan.dcm"
    os.mkfifo(pipe)
    window.open_paths([pipe])
    qtbot.waitUntil(lambda: bool(errors), timeout=10_000)
    assert "named pipe" in errors[0][1]
    assert window.isVisible()
