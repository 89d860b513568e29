"""Ctrl+T on a thickness in the app: tracked as structures (issue 9), one undo step, the
plot of its thickness, drift correction on."""

from __future__ import annotations

import sys
from pathlib import Path

from dynamics_helpers import track
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.case.measure import find_measurement
from annotator.case.model import Annotation, Case, MediaRef
from annotator.ui.controller import AppController
from annotator.ui.panels.dynamics_panel import DynamicsPanel

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit"))
from muscle_clips import MM_PER_PX, muscle_clip, thickness_points  # noqa: E402


def test_a_thickness_tracked_from_the_panel_follows_the_aponeuroses(qtbot: QtBot) -> None:
    clip = muscle_clip(frames=20)
    case = Case(title="arch", media=[MediaRef("m1", "muscle.dcm")],
                annotations=[Annotation.single("t1", "m1", "thickness", 0, thickness_points(clip, 0))])
    doc = CaseDocument(case)
    doc.set_media("m1", clip.media)
    controller = AppController()
    controller.set_document(doc)
    panel = DynamicsPanel(controller)
    qtbot.addWidget(panel)
    assert panel.tracker.options.drift_correction  # on in the app
    controller.select(["t1"])
    outcome = track(qtbot, panel, panel.track_to_end)
    assert outcome.applied, outcome.error
    assert controller.undo_stack.count() == 1
    a = case.annotation("t1")
    assert a.last_frame == 19
    for frame in (0, 10, 19):
        m = find_measurement(doc.measure(a, frame), "thickness")
        assert m is not None and abs(m.value - clip.thickness_px(frame) * MM_PER_PX) < 0.2, frame
    panel.refresh()
    assert panel.series is not None and panel.series.quantity == "thickness"
    panel.tracker.cancel()
