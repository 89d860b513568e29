"""The generated case and dialog fixtures shared by the export dialog tests: a calibrated clip
with burned-in red header text above its region and a tear gap that opens, and a still."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef
from annotator.export.registry import ExportResult
from annotator.media import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region
from annotator.ui.controller import AppController
from annotator.ui.dialogs import export_dialog as export_dialog_module
from annotator.ui.dialogs.export_dialog import ExportDialog, open_export_dialog

W, H, FRAMES = 200, 150, 24
REGION = (10, 30, 189, 149)  # x0, y0, x1, y1: below the header band
MM_PER_PX = 0.1


def red_pixels(rgb: np.ndarray) -> int:
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(np.count_nonzero((r > 150) & (g < 90) & (b < 90)))


def clip_frames() -> np.ndarray:
    rng = np.random.default_rng(7)
    frames = rng.integers(40, 200, size=(FRAMES, H, W), dtype=np.uint8)
    rgb = np.repeat(frames[..., None], 3, axis=3)
    rgb[:, :24] = 0
    rgb[:, 4:20, 10:150] = (230, 20, 20)  # the scanner's header: the patient's name, in red
    return rgb


@pytest.fixture
def controller(tmp_path: Path) -> Iterator[AppController]:
    region = Region(*REGION, UNIT_CM, UNIT_CM, MM_PER_PX / 10.0, MM_PER_PX / 10.0)
    clip = ArrayMedia(clip_frames(), regions=[region], path="clip.dcm", kind="dicom")
    still = ArrayMedia(np.full((120, 160), 110, np.uint8), path="still.png")
    case = Case(title="Rectus femoris tear", path=tmp_path / "case.uscase.json")
    case.media = [MediaRef("m1", "clip.dcm"), MediaRef("m2", "still.png")]
    case.findings = [Finding("f1", "tear", structure="rectus femoris", side="right",
                             attributes={"gap": AttributeValue(annotation="a1", quantity="length")})]
    gap = {0: [(80.0, 90.0), (110.0, 90.0)], 12: [(70.0, 90.0), (130.0, 90.0)],
           23: [(80.0, 90.0), (112.0, 90.0)]}
    case.annotations = [
        Annotation("a1", "m1", "line", 0, gap, frame_end=23, label="gap", finding="f1"),
        Annotation.single("a2", "m1", "arrow", 12, [(150, 60), (130, 85)], label="tear"),
        Annotation.single("a3", "m2", "line", 0, [(20, 60), (120, 60)]),
    ]
    document = CaseDocument(case)
    document.set_media("m1", clip)
    document.set_media("m2", still)
    ctrl = AppController()
    ctrl.set_document(document)
    ctrl.select(["a1"])
    yield ctrl
    ctrl.shutdown()


DialogFactory = Callable[..., ExportDialog]


@pytest.fixture
def open_dialog(qtbot: QtBot, controller: AppController) -> Iterator[DialogFactory]:
    opened: list[ExportDialog] = []

    def make(kind: str | None = None, wait: bool = True) -> ExportDialog:
        dialog = open_export_dialog(controller, None, kind)
        assert isinstance(dialog, ExportDialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)  # the test reads it after
        opened.append(dialog)
        if wait:
            qtbot.waitUntil(lambda: dialog.last_preview is not None and not dialog.preview.busy, timeout=10_000)
        return dialog

    yield make
    for dialog in opened:
        task = dialog.runner.task
        if task is not None:
            task.cancel()
            task.wait(10)
        dialog.close()
        dialog.deleteLater()


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(export_dialog_module, "show_error",
                        lambda parent, title, message, details=None: shown.append(message))
    return shown


def set_path(dialog: ExportDialog, path: Path) -> None:
    dialog.form.path.setText(str(path))
    dialog.form.path.textEdited.emit(str(path))


def export_and_wait(qtbot: QtBot, dialog: ExportDialog, path: Path) -> ExportResult:
    set_path(dialog, path)
    with qtbot.waitSignal(dialog.export_finished, timeout=30_000) as blocker:
        assert dialog.start_export(), dialog.status.text()
    result = blocker.args[0]
    assert isinstance(result, ExportResult)
    return result

