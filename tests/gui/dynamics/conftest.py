"""Fixtures shared by the dynamics panel tests: a generated torn-muscle clip whose stumps
retract by a known amount, the controller, the panel."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from dynamics_helpers import FRAMES, MM_PER_PX, caliper_px
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, MediaRef
from annotator.media import ArrayMedia
from annotator.ui.controller import AppController
from annotator.ui.panels.dynamics_panel import DynamicsPanel
from tests.synthetic import TearClip, tear_clip


@pytest.fixture
def clip() -> TearClip:
    return tear_clip(frames=FRAMES, gap_px=30.0, mm_per_px=MM_PER_PX)  # opens 1.2 px a frame


@pytest.fixture
def controller(qtbot: QtBot, clip: TearClip) -> Iterator[AppController]:
    case = Case(title="Dynamics")
    case.media = [MediaRef("m1", "tear.dcm", label="Calf clip"), MediaRef("m2", "still.png")]
    case.annotations = [
        Annotation.single("a1", "m1", "line", 0, clip.truth[0], label="gap"),
        # 30, 50 and 40 px at keyframes 0, 10, 20: 3.0, 5.0 and 4.0 mm, linear in between
        Annotation("a3", "m1", "line", 0, {0: caliper_px(30), 10: caliper_px(50), 20: caliper_px(40)},
                   frame_end=20, label="stump"),
        Annotation.single("a4", "m1", "arrow", 0, [(20, 20), (40, 40)]),
        Annotation.single("a2", "m2", "line", 0, [(5, 5), (25, 5)]),
        Annotation.single("a5", "m1", "line", 0, [(300, 40), (400, 40)]),  # one end off the image
        # on the right stump, 1.5 px from the edge: it retracts out of the picture
        Annotation.single("a6", "m1", "line", 0, [(250, 60), (318.0, 60)]),
    ]
    document = CaseDocument(case)
    document.set_media("m1", clip.media)
    document.set_media("m2", ArrayMedia(np.full((60, 80), 90, np.uint8), path="still.png", kind="image"))
    ctrl = AppController()
    ctrl.set_document(document)
    yield ctrl
    ctrl.shutdown()


@pytest.fixture
def panel(qtbot: QtBot, controller: AppController) -> Iterator[DynamicsPanel]:
    widget = DynamicsPanel(controller)
    qtbot.addWidget(widget)
    widget.resize(460, 900)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.tracker.cancel()


@pytest.fixture
def errors(controller: AppController) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    controller.error.connect(lambda title, message: seen.append((title, message)))
    return seen

