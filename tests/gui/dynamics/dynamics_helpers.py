"""Helpers shared by the dynamics panel tests."""

from __future__ import annotations

import math
from typing import Any

from pytestqt.qtbot import QtBot

from annotator.case.model import Annotation
from annotator.ui.controller import AppController
from annotator.ui.panels.dynamics_panel import DynamicsPanel
from annotator.ui.panels.dynamics_tracking import TrackOutcome

MM_PER_PX = 0.1
FRAMES = 30
ROW = 120.0  # the tear clip's caliper row (height 240 / 2)



def caliper_px(length_px: float, x0: float = 100.0) -> list[tuple[float, float]]:
    return [(x0, 40.0), (x0 + length_px, 40.0)]


def length_mm(controller: AppController, ident: str, frame: int) -> float:
    points = annotation(controller, ident).points_at(frame)
    assert points is not None
    (x0, y0), (x1, y1) = points
    return math.hypot(x1 - x0, y1 - y0) * MM_PER_PX


def annotation(controller: AppController, ident: str) -> Annotation:
    assert controller.document is not None
    return controller.document.case.annotation(ident)


def track(qtbot: QtBot, panel: DynamicsPanel, start: Any) -> TrackOutcome:
    with qtbot.waitSignal(panel.tracker.finished, timeout=20_000) as blocker:
        assert start()
    outcome = blocker.args[0]
    assert isinstance(outcome, TrackOutcome)
    return outcome
