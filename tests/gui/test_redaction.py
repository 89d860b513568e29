"""Redaction boxes: the tool (plain values in, undoable commands out), the one painter showing
them black on screen and in thumbnails, the case file keeping them, and the export dialog
warning about burned-in text until a box hides it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.case.commands import CommandStack
from annotator.case.document import CaseDocument
from annotator.case.io import load_case, save_case
from annotator.case.model import Annotation, Case, MediaRef
from annotator.case.redaction import Redaction
from annotator.case.redaction_commands import AddRedaction
from annotator.media import ArrayMedia
from annotator.media.calibration import UNIT_CM, Calibration, Region
from annotator.render import FrameScene, RenderOptions, qimage_to_numpy, render_scene
from annotator.ui.controller import AppController
from annotator.ui.dialogs.export_dialog import ExportDialog, open_export_dialog
from annotator.ui.panels.thumbnails import make_thumbnail
from annotator.ui.tools import Button, Mod, RedactTool, ToolContext

L, R, NONE = Button.LEFT, Button.RIGHT, Mod.NONE
W, H = 240, 180
REGION = (10, 30, 229, 179)
TEXT_BOX = (20, 40, 140, 62)


def frames(count: int = 6) -> np.ndarray:
    rng = np.random.default_rng(3)
    out = np.repeat(rng.integers(30, 140, size=(count, H, W), dtype=np.uint8)[..., None], 3, axis=3)
    for f in out:  # scanner text inside the calibrated region
        cv2.putText(f, "DOE J 1971", (24, 56), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return out


class Harness:
    def __init__(self) -> None:
        self.case = Case(media=[MediaRef("m1", "clip.dcm")])
        self.stack = CommandStack(self.case)
        self.frame = 3

    def context(self) -> ToolContext:
        return ToolContext(self.case, "m1", self.frame, (W, H), tolerance=3.0)

    def run(self, tool: RedactTool, *points: tuple[float, float], buttons: Button = L, mods: Mod = NONE) -> None:
        results = [tool.press(points[0], buttons, mods)]
        results += [tool.move(p, buttons, mods) for p in points[1:]]
        if buttons & L:
            results.append(tool.release(points[-1], buttons, mods))
        for result in results:
            for command in result.commands:
                self.stack.push(command)


def test_drawing_and_deleting_boxes_is_undoable() -> None:
    h = Harness()
    tool = RedactTool(h.context)
    h.run(tool, (20, 40), (80, 50), (140, 62))
    assert h.case.redactions == [Redaction("m1", None, 20, 40, 140, 62)]  # every frame by default
    h.run(tool, (30, 90), (60, 120), mods=Mod.SHIFT)
    assert h.case.redactions[1].frame == 3  # Shift: this frame only
    h.run(tool, (50, 100), (50, 100))  # a click inside a box deletes it
    assert len(h.case.redactions) == 1
    h.run(tool, (25, 45), buttons=R)  # so does a right click
    assert h.case.redactions == []
    h.stack.undo()
    h.stack.undo()
    assert len(h.case.redactions) == 2
    h.stack.undo()
    h.stack.undo()
    assert h.case.redactions == []
    h.stack.redo()
    assert h.case.redactions == [Redaction("m1", None, 20, 40, 140, 62)]


def test_boxes_are_saved_in_the_case_and_older_cases_load(tmp_path: Path) -> None:
    case = Case(media=[MediaRef("m1", "clip.dcm")])
    case.redactions.append(Redaction("m1", 4, 1.5, 2, 30, 40))
    save_case(case, tmp_path / "c.uscase.json")
    assert load_case(tmp_path / "c.uscase.json").redactions == case.redactions
    case.redactions.clear()
    save_case(case, tmp_path / "plain.uscase.json")
    assert "redactions" not in (tmp_path / "plain.uscase.json").read_text()


def test_the_painter_paints_boxes_black_on_screen_and_in_thumbnails() -> None:
    image = frames(1)[0]
    x, y, w, h = Redaction("m1", None, *TEXT_BOX).rect()
    scene = FrameScene(image, 0, 0.0, [], Calibration(()), redactions=[(x, y, w, h)])
    shown = qimage_to_numpy(render_scene(scene, RenderOptions(scale_bar=False), scale=2.0))
    assert shown[2 * y:2 * (y + h), 2 * x:2 * (x + w)].max() == 0
    assert shown[2 * (y + h) + 4:, :].max() > 100  # the rest of the image is still there
    media = ArrayMedia(frames(2))
    picture, _ = make_thumbnail(media, MediaRef("m1", "clip.dcm"), [], [Redaction("m1", None, 0, 0, W - 1, H - 1)])
    assert qimage_to_numpy(picture).max() < 40  # the whole frame hidden (letterbox background only)


@pytest.fixture
def controller() -> Iterator[AppController]:
    region = Region(*REGION, UNIT_CM, UNIT_CM, 0.01, 0.01)
    clip = ArrayMedia(frames(), regions=[region], path="clip.dcm", kind="dicom")
    case = Case(title="Burned-in text")
    case.media = [MediaRef("m1", "clip.dcm")]
    case.annotations = [Annotation.single("a1", "m1", "line", 2, [(80, 120), (150, 120)], label="gap")]
    document = CaseDocument(case)
    document.set_media("m1", clip)
    ctrl = AppController()
    ctrl.set_document(document)
    yield ctrl
    ctrl.shutdown()


def test_the_export_dialog_warns_until_the_text_is_redacted(qtbot: QtBot, controller: AppController, tmp_path: Path) -> None:
    dialog = open_export_dialog(controller, None, "figure-current")
    assert isinstance(dialog, ExportDialog)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    try:
        qtbot.waitUntil(lambda: dialog.last_preview is not None and not dialog.preview.busy, timeout=15_000)
        first = dialog.last_preview
        assert first is not None and first.warnings, first.summary
        assert "likely burned-in text" in first.summary
        assert "typed text checked against" in first.summary
        controller.push(AddRedaction(Redaction("m1", None, *TEXT_BOX)))
        qtbot.waitUntil(lambda: dialog.last_preview is not first and not dialog.preview.busy, timeout=15_000)
        second = dialog.last_preview
        assert second is not None and not second.warnings, second.summary
        assert "1 redaction box(es)" in second.summary
    finally:
        dialog.close()
        dialog.deleteLater()
