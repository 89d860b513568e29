"""Small in-memory cases for the panel tests (shared by test_panels*.py)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PySide6.QtWidgets import QComboBox

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef
from annotator.media import ArrayMedia, Media
from annotator.media.calibration import UNIT_CM, Region
from annotator.ui.controller import AppController

W, H = 80, 60
MM_PER_PX = 0.1


def tissue_region(width: int = W, height: int = H) -> Region:
    return Region(0, 0, width - 1, height - 1, UNIT_CM, UNIT_CM, MM_PER_PX / 10, MM_PER_PX / 10)


def small_case() -> tuple[Case, dict[str, Media]]:
    """A calibrated 6-frame clip with a dynamic caliper linked to a tear's gap, and an
    uncalibrated still with a trace."""
    rng = np.random.default_rng(1)
    clip = ArrayMedia(rng.integers(0, 255, (6, H, W), dtype=np.uint8), regions=[tissue_region()],
                      path="clip.dcm", kind="dicom")
    still = ArrayMedia(np.full((H, W), 100, np.uint8), path="still.png", kind="image")
    case = Case(title="Panels")
    case.media = [MediaRef("m1", "clip.dcm", label="Calf clip", side="left"),
                  MediaRef("m2", "still.png", label="Wrist still")]
    case.annotations = [
        # a caliper 30 px long at rest and 50 px on frame 5: 3.0 mm and 5.0 mm
        Annotation("a1", "m1", "line", 0, {0: [(10.0, 20.0), (40.0, 20.0)], 5: [(10.0, 20.0), (60.0, 20.0)]},
                   frame_end=5, label="gap", finding="f1"),
        # a 20 x 10 px rectangle on an uncalibrated still: 200 px²
        Annotation.single("a2", "m2", "polygon", 0, [(10, 10), (30, 10), (30, 20), (10, 20)], label="CSA"),
        Annotation.single("a3", "m1", "arrow", 0, [(5, 5), (15, 15)], label="stump"),
    ]
    case.findings = [Finding("f1", "tear", "medial gastrocnemius", "left", "", {
        "gap": AttributeValue(unit="mm", annotation="a1", quantity="length", frame=0)})]
    return case, {"m1": clip, "m2": still}


def controller_for(case: Case, media: Mapping[str, Media]) -> AppController:
    document = CaseDocument(case)
    for media_id, m in media.items():
        document.set_media(media_id, m)
    ctrl = AppController()
    ctrl.set_document(document)
    return ctrl


def finish_editing(combo: QComboBox) -> None:
    """What leaving an editable combo box after typing does."""
    line = combo.lineEdit()
    assert line is not None
    line.editingFinished.emit()


class Answers:
    """Answers the panels' yes/no questions (their ``ask``) and keeps what was asked."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, _parent: object, _title: str, text: str, _yes: str) -> bool:
        self.asked.append(text)
        return self.answer
