"""Small things: the measurements count said properly, the play button turns into pause while
playing, and the scale bar stays on screen when zoomed in."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from pytestqt.qtbot import QtBot

from annotator.case.commands import SetCalibration
from annotator.media.calibration import ManualCalibration
from annotator.render import qimage_to_numpy
from annotator.ui.main_window import MainWindow
from annotator.ui.panels.measurements_model import rows_summary
from tests.gui.conftest import OpenFn

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]


def _rows(*pairs: tuple[str, int]) -> list:  # type: ignore[type-arg]
    return [SimpleNamespace(annotation=a, frame=f) for a, f in pairs]


def test_the_measurement_count_reads_as_words() -> None:
    assert rows_summary(_rows(*[("a1", f) for f in range(195)])) == "1 measurement over 195 frames"
    assert rows_summary(_rows(("a1", 3), ("a2", 3))) == "2 measurements on frame 3"
    # an ellipse gives area and perimeter: then the values are counted too
    assert rows_summary(_rows(("a1", 0), ("a1", 0), ("a2", 0))) == "3 values: 2 measurements on frame 0"


def test_the_play_button_becomes_pause_while_playing(qtbot: QtBot, window: MainWindow, clip_path: Path,
                                                     open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    play = window.action_by_id["play"]
    idle_icon = play.icon().cacheKey()
    with qtbot.waitSignal(window.playback.playing_changed, check_params_cb=lambda on: on, timeout=5000):
        play.trigger()
    assert "Pause" in play.text() and "Pause" in play.toolTip() and play.icon().cacheKey() != idle_icon
    with qtbot.waitSignal(window.playback.playing_changed, check_params_cb=lambda on: not on, timeout=5000):
        play.trigger()
    assert "Play" in play.text() and "Pause" not in play.toolTip()


def test_the_scale_bar_stays_on_screen_when_zoomed_in(qtbot: QtBot, window: MainWindow, clip_path: Path,
                                                      open_and_wait: OpenFn) -> None:
    open_and_wait(window, clip_path)
    c = window.controller
    assert c.current_media_id is not None
    c.push(SetCalibration(c.current_media_id, ManualCalibration(0.1)))
    viewer = window.viewer
    viewer.view.fit = False
    for _ in range(10):  # into the top-left corner, far from the image's bottom-right
        viewer.zoom_by(1.25, QPointF(0, 0))
    assert viewer.view.to_widget().map(QPointF(159.5, 119.5)).x() > viewer.width()  # the image's corner is off
    pixels = qimage_to_numpy(viewer.grab().toImage())
    h, w = pixels.shape[:2]
    corner = pixels[h // 2 :, w // 2 :, :3]
    # the clip's brightest grey is 200: pure white there is the bar (and its length label)
    assert np.count_nonzero((corner == 255).all(axis=2)) > 50
