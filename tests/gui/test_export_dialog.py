"""The export dialog on a generated case (a calibrated clip with burned-in red header text above
its region and a tear gap that opens, and a still), driven through the real AppController:
the live preview follows the layout, the edited caption is the one exported, PNG, SVG and MP4
files are written on a worker with progress, a cancelled export leaves no file, settings are
remembered and identifiers are never kept by default."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef
from annotator.export.figure import PanelSpec
from annotator.export.registry import ExportResult
from annotator.media import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region
from annotator.ui.controller import AppController
from annotator.ui.dialogs import export_dialog as export_dialog_module
from annotator.ui.dialogs.export_dialog import ExportDialog, open_export_dialog
from annotator.ui.tasks import Task

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


def test_identifiers_are_not_kept_by_default_and_keeping_them_warns(
        qtbot: QtBot, open_dialog: DialogFactory, tmp_path: Path, errors: list[str]) -> None:
    dialog = open_dialog("figure-current")
    # named after the kind of output, never the case title (which may name the patient)
    assert Path(dialog.form.path.text()) == tmp_path / "figure.png"
    assert not dialog.form.keep_identifiers.isChecked()
    assert not dialog.read_choices().to_options().keep_identifiers
    assert dialog.form.keep_warning.isHidden()
    # the header's red text lies outside the calibrated region: the exported figure has none
    result = export_and_wait(qtbot, dialog, tmp_path / "plain.png")
    assert red_pixels(np.asarray(Image.open(result.path).convert("RGB"))) == 0
    dialog.form.keep_identifiers.setChecked(True)
    assert not dialog.form.keep_warning.isHidden()
    assert dialog.read_choices().to_options().keep_identifiers
    kept = export_and_wait(qtbot, dialog, tmp_path / "kept.png")
    assert red_pixels(np.asarray(Image.open(kept.path).convert("RGB"))) > 100
    # never remembered: the next dialog de-identifies again
    dialog.close()
    again = open_dialog("figure-current")
    assert not again.form.keep_identifiers.isChecked()
    assert errors == []


def test_rest_and_peak_panels_and_the_preview_follows_the_layout(qtbot: QtBot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog("figure-panels")
    panels = dialog.panels.panels()
    # the selected caliper's gap is narrowest at frame 0 and widest at frame 12
    assert [(p.media, p.frame, p.title) for p in panels] == [("m1", 0, "Rest"), ("m1", 12, "Peak")]
    before = dialog.last_preview
    assert before is not None and before.size is not None and before.image is not None
    assert before.size[0] > before.size[1]  # automatic: side by side
    with qtbot.waitSignal(dialog.preview_updated, timeout=10_000) as blocker:
        dialog.form.layout_choice.setCurrentIndex(dialog.form.layout_choice.findData("2x1"))
    after = blocker.args[0]
    assert after.size is not None and after.image is not None
    assert after.size[0] == before.size[0] and after.size[1] > 1.5 * before.size[1]
    assert after.image.height() > after.image.width()
    # a layout too small for the panels is refused before any preview or export
    dialog.form.layout_choice.setCurrentIndex(dialog.form.layout_choice.findData("1x1"))
    assert not dialog.export_button.isEnabled()
    assert "do not fit" in dialog.status.text()


def test_edited_caption_is_the_exported_one(qtbot: QtBot, open_dialog: DialogFactory, tmp_path: Path,
                                            errors: list[str]) -> None:
    dialog = open_dialog("figure-panels")
    draft = dialog.form.caption.toPlainText()
    assert "gap" in draft and "(A)" in draft and "(B)" in draft
    mine = "Right rectus femoris: the gap widens on contraction (B)."
    dialog.form.caption.setPlainText(mine)
    assert dialog.form.caption_edited
    result = export_and_wait(qtbot, dialog, tmp_path / "fig.png")
    assert result.caption == mine
    with Image.open(tmp_path / "fig.png") as png:
        assert round(png.info["dpi"][0]) == 300
        assert png.width == round(85 / 25.4 * 300)
    # SVG sets the caption as text under the panels
    dialog.form.select_format(".svg")
    assert Path(dialog.form.path.text()) == tmp_path / "fig.svg"  # the user's name, the format's extension
    svg = export_and_wait(qtbot, dialog, tmp_path / "fig.svg")
    assert "gap widens on contraction" in Path(svg.path).read_text(encoding="utf-8")
    # "Use the draft" forgets the edit
    with qtbot.waitSignal(dialog.preview_updated, timeout=10_000):
        dialog.form.use_draft.click()
    assert dialog.form.caption.toPlainText() == draft
    assert errors == []


def test_mp4_export_reports_progress_to_the_end(qtbot: QtBot, open_dialog: DialogFactory, tmp_path: Path) -> None:
    dialog = open_dialog("clip")
    assert dialog.read_choices().clip_media == "m1"
    assert (dialog.form.frame_from.value(), dialog.form.frame_to.value()) == (0, FRAMES - 1)
    seen: list[float] = []
    dialog.export_started.connect(lambda task: task.progressed.connect(
        lambda fraction, _text: seen.append(fraction), Qt.ConnectionType.DirectConnection))
    result = export_and_wait(qtbot, dialog, tmp_path / "clip.mp4")
    assert seen[-1] == pytest.approx(1.0) and len(seen) > FRAMES // 2
    assert seen == sorted(seen)
    with av.open(str(result.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert sum(1 for _ in container.decode(stream)) == FRAMES
    capture = cv2.VideoCapture(str(result.path))
    ok, frame = capture.read()
    capture.release()
    assert ok and red_pixels(frame[..., ::-1]) == 0
    assert not dialog.progress.isVisible() and dialog.export_button.isEnabled()


def test_cancelling_midway_leaves_no_file(qtbot: QtBot, open_dialog: DialogFactory, tmp_path: Path) -> None:
    dialog = open_dialog("clip")
    out = tmp_path / "exports"
    out.mkdir()
    set_path(dialog, out / "cancelled.mp4")
    cancelled_at: list[float] = []

    def cancel_on_first_frame(task: Task) -> None:
        def step(fraction: float, _text: str) -> None:
            if 0 < fraction < 1 and not cancelled_at:
                cancelled_at.append(fraction)
                task.cancel()  # on the worker, before the next frame is painted

        task.progressed.connect(step, Qt.ConnectionType.DirectConnection)

    dialog.export_started.connect(cancel_on_first_frame)
    with qtbot.waitSignal(dialog.export_cancelled, timeout=30_000):
        assert dialog.start_export()
    qtbot.waitUntil(lambda: not dialog.runner.busy, timeout=10_000)
    assert cancelled_at and cancelled_at[0] < 0.5
    assert list(out.iterdir()) == []  # neither the file nor its temporary part
    assert "nothing was written" in dialog.status.text()


def test_settings_are_remembered_across_dialogs(qtbot: QtBot, open_dialog: DialogFactory, tmp_path: Path,
                                                errors: list[str]) -> None:
    dialog = open_dialog("figure-panels")
    form = dialog.form
    form.layout_choice.setCurrentIndex(form.layout_choice.findData("grid"))
    form.rows.setValue(2)
    form.cols.setValue(2)
    form.width_choice.setCurrentIndex(form.width_choice.findData(None))
    form.width_mm.setValue(120)
    form.dpi.setValue(150)
    form.legend.setChecked(False)
    form.orientation_on.setChecked(True)
    form.left_word.setCurrentText("Medial")
    assert form.right_word.currentText() == "Lateral"
    folder = tmp_path / "figures"
    folder.mkdir()
    form.select_format(".tif")
    result = export_and_wait(qtbot, dialog, folder / "fig.tif")
    with Image.open(result.path) as tif:
        assert tif.width == round(120 / 25.4 * 150)
    dialog.close()

    again = open_dialog()
    c = again.read_choices()
    assert (c.kind, c.suffix, c.layout, c.rows, c.cols) == ("figure-panels", ".tif", "grid", 2, 2)
    assert (c.width_mm, c.dpi, c.legend, c.orientation) == (120.0, 150, False, ("Medial", "Lateral"))
    assert Path(again.form.path.text()).parent == folder
    assert Path(again.form.path.text()) != result.path  # a free name: never overwrites by default
    assert errors == []


def test_imaging_area_is_shown_and_can_be_adjusted(qtbot: QtBot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog("figure-current")
    crop = dialog.crop
    qtbot.waitUntil(lambda: "m1" in crop.found, timeout=10_000)
    x0, y0, x1, y1 = REGION
    assert crop.found["m1"].source == "regions"
    assert crop.found["m1"].rect == (x0, y0, x1 - x0 + 1, y1 - y0 + 1)
    assert [s.value() for s in crop.spins.values()] == [x0, y0, x1 - x0 + 1, y1 - y0 + 1]
    assert "calibrated regions" in crop.info.text()
    with qtbot.waitSignal(dialog.preview_updated, timeout=10_000) as blocker:
        crop.spins["width"].setValue(60)
        crop.spins["height"].setValue(90)
        crop.spins["height"].editingFinished.emit()
    assert dialog.read_choices().crops == {"m1": (x0, y0, 60, 90)}
    result = blocker.args[0]
    assert result.size is not None and result.size[1] > result.size[0]  # the new area is tall
    with qtbot.waitSignal(dialog.preview_updated, timeout=10_000):
        crop.found_button.click()
    assert dialog.read_choices().crops == {}
    # or dragged out on the picture of the whole frame
    view = crop.view
    corners = view._to_widget((40, 50, 100, 60))
    with qtbot.waitSignal(dialog.preview_updated, timeout=10_000):
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=corners.topLeft().toPoint())
        qtbot.mouseMove(view, corners.bottomRight().toPoint())
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=corners.bottomRight().toPoint())
    x, y, w, h = dialog.read_choices().crops["m1"]
    assert abs(x - 40) <= 2 and abs(y - 50) <= 2 and abs(w - 100) <= 3 and abs(h - 60) <= 3


def test_editing_panels_makes_a_figure_of_chosen_frames(qtbot: QtBot, open_dialog: DialogFactory,
                                                        controller: AppController) -> None:
    dialog = open_dialog("figure-current")
    assert [(p.media, p.frame) for p in dialog.panels.panels()] == [("m1", 0)]
    controller.set_current_media("m2")
    with qtbot.waitSignal(dialog.preview_updated, timeout=10_000) as blocker:
        dialog.panels.add_button.click()
    assert dialog.read_choices().kind == "figure-panels"
    assert [(p.media, p.frame) for p in dialog.panels.panels()] == [("m1", 0), ("m2", 0)]
    assert blocker.args[0].size[0] > blocker.args[0].size[1]


def test_case_edits_reach_the_preview(qtbot: QtBot, open_dialog: DialogFactory, controller: AppController) -> None:
    from annotator.case.commands import ChangeAnnotation

    dialog = open_dialog("figure-current")
    assert "gap" in dialog.form.caption.toPlainText()
    with qtbot.waitSignal(dialog.preview_updated, timeout=10_000):
        controller.push(ChangeAnnotation("a1", label="defect"))
    assert "defect" in dialog.form.caption.toPlainText()
    assert dialog.document.case.annotation("a1").label == "defect"


def test_failures_are_reported_and_leave_nothing(qtbot: QtBot, open_dialog: DialogFactory, tmp_path: Path,
                                                 errors: list[str]) -> None:
    dialog = open_dialog("measurements")
    set_path(dialog, tmp_path / "missing-folder" / "m.csv")
    with qtbot.waitSignal(dialog.export_failed, timeout=10_000):
        assert dialog.start_export()
    assert errors and "does not exist" in errors[0]
    assert not (tmp_path / "missing-folder").exists()
    # a name that does not fit the format is refused before starting
    set_path(dialog, tmp_path / "m.docx")
    assert not dialog.start_export()
    assert not dialog.export_button.isEnabled()


def test_replacing_a_file_asks_first(qtbot: QtBot, open_dialog: DialogFactory, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = open_dialog("measurements")
    target = tmp_path / "m.json"
    target.write_text("old")
    answers: list[Path] = []

    def refuse(parent: object, path: Path) -> bool:
        answers.append(path)
        return False

    monkeypatch.setattr(export_dialog_module, "confirm_replace", refuse)
    set_path(dialog, target)
    assert not dialog.start_export()
    assert target.read_text() == "old" and answers == [target]
    monkeypatch.setattr(export_dialog_module, "confirm_replace", lambda parent, path: True)
    with qtbot.waitSignal(dialog.export_finished, timeout=10_000):
        assert dialog.start_export()
    assert '"measurements"' in target.read_text()


def test_file_export_action_opens_the_dialog(qtbot: QtBot, controller: AppController) -> None:
    from annotator.ui.main_window import MainWindow

    window = MainWindow(controller)
    qtbot.addWidget(window)
    window.action_by_id["export"].trigger()
    dialog = window.findChild(ExportDialog)
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    window.action_by_id["export"].trigger()  # the open one comes forward, no second one
    assert len(window.findChildren(ExportDialog)) == 1
    dialog.close()


def test_panel_spec_defaults_for_all_annotated_frames(open_dialog: DialogFactory) -> None:
    dialog = open_dialog("figure-annotated", wait=False)
    assert dialog.panels.panels() == [PanelSpec("m1", 0), PanelSpec("m1", 12), PanelSpec("m2", 0)]


def test_a_plot_over_time_can_be_a_panel(qtbot: QtBot, open_dialog: DialogFactory) -> None:
    dialog = open_dialog("figure-panels")
    assert dialog.form.plot.isEnabled() and "gap" in dialog.form.plot.text()
    with qtbot.waitSignal(dialog.preview_updated, timeout=10_000) as blocker:
        dialog.form.plot.setChecked(True)
    assert dialog.read_choices().to_options().plots == ["a1"]
    assert "3 panels" in blocker.args[0].summary
    assert "over time" in dialog.form.caption.toPlainText()


def test_a_case_without_media_says_what_is_missing(qtbot: QtBot, controller: AppController) -> None:
    controller.set_document(CaseDocument.new())
    dialog = open_export_dialog(controller, None, "figure-current")
    assert isinstance(dialog, ExportDialog)
    try:
        assert not dialog.export_button.isEnabled()
        assert "panel" in dialog.status.text()
        dialog.set_kind("clip")
        assert "no clip" in dialog.status.text()
        assert not dialog.export_button.isEnabled()
    finally:
        dialog.close()


def test_cancelling_while_a_figure_is_written_leaves_no_file(qtbot: QtBot, open_dialog: DialogFactory,
                                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import annotator.export.raster as raster

    dialog = open_dialog("figure-current")
    started: list[Task] = []
    dialog.export_started.connect(started.append)
    save = raster.save_raster

    def save_then_cancel(*args: object, **kwargs: object) -> None:
        save(*args, **kwargs)  # type: ignore[arg-type]
        started[0].cancel()  # the user clicks Cancel while the file is being written

    monkeypatch.setattr(raster, "save_raster", save_then_cancel)
    set_path(dialog, tmp_path / "fig.png")
    with qtbot.waitSignal(dialog.export_cancelled, timeout=30_000):
        assert dialog.start_export()
    assert list(tmp_path.iterdir()) == []


def test_closing_the_dialog_stops_its_export(qtbot: QtBot, open_dialog: DialogFactory, tmp_path: Path) -> None:
    import threading

    dialog = open_dialog("clip")
    out = tmp_path / "exports"
    out.mkdir()
    set_path(dialog, out / "closed.mp4")
    at_frame, go_on = threading.Event(), threading.Event()

    def hold_first_frame(task: Task) -> None:
        def step(fraction: float, _text: str) -> None:
            if 0 < fraction < 1 and not at_frame.is_set():
                at_frame.set()
                go_on.wait(10)  # the worker waits here while the user closes the dialog

        task.progressed.connect(step, Qt.ConnectionType.DirectConnection)

    dialog.export_started.connect(hold_first_frame)
    assert dialog.start_export()
    qtbot.waitUntil(at_frame.is_set, timeout=10_000)
    with qtbot.waitSignal(dialog.export_cancelled, timeout=30_000):
        dialog.close()
        go_on.set()
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(("kind", "suffix"), [
    ("figure-annotated", ".jpg"), ("figure-current", ".pdf"), ("clip", ".gif"), ("slides", ".pptx"),
    ("report", ".html"), ("report", ".pdf"), ("dicom-sr", ".dcm"), ("dicom-sc", ".dcm"), ("measurements", ".csv"),
])
def test_every_kind_exports_from_the_dialog(qtbot: QtBot, open_dialog: DialogFactory, tmp_path: Path,
                                            errors: list[str], kind: str, suffix: str) -> None:
    dialog = open_dialog(kind)
    assert dialog.form.select_format(suffix) or dialog.read_choices().suffix == suffix
    result = export_and_wait(qtbot, dialog, tmp_path / f"out{suffix}")
    data = result.path.read_bytes()
    assert errors == [] and len(data) > 100
    magic = {".jpg": b"\xff\xd8", ".pdf": b"%PDF", ".gif": b"GIF8", ".pptx": b"PK"}
    if suffix in magic:
        assert data.startswith(magic[suffix])
    if suffix == ".dcm":
        import pydicom

        ds = pydicom.dcmread(result.path)
        if kind == "dicom-sr":
            assert ds.Modality == "SR"
        else:  # a Secondary Capture image of the figure
            assert ds.SOPClassUID.startswith("1.2.840.10008.5.1.4.1.1.7") and ds.Rows > 100
        assert ds.PatientIdentityRemoved == "YES"
    if suffix in (".html", ".csv"):
        assert "gap" in data.decode("utf-8")


def test_the_output_path_is_at_the_top_and_the_privacy_line_reads_clearly(
        qtbot: QtBot, open_dialog: DialogFactory) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QScrollArea

    dialog = open_dialog("report")
    dialog.resize(1000, 640)
    dialog.show()
    qtbot.waitExposed(dialog)
    box = dialog.form.file_box
    parent = box.parentWidget()
    while parent is not None and parent is not dialog:
        assert not isinstance(parent, QScrollArea), "the output path scrolls away"
        parent = parent.parentWidget()
    assert box.isVisible() and box.mapTo(dialog, QPoint(0, 0)).y() < dialog.pane.mapTo(dialog, QPoint(0, 0)).y()
    state = dialog.form.privacy_state
    assert state.text().startswith("De-identification: on \u2014")
    dialog.form.keep_identifiers.setChecked(True)
    assert state.text().startswith("De-identification: off \u2014") and "identifiers are kept" in state.text()
    dialog.form.keep_identifiers.setChecked(False)
    # a report has no picture: its summary stands in the preview's place, wrapped, not cut off
    picture = dialog.pane.picture
    qtbot.waitUntil(lambda: bool(picture.text()) and "Preparing" not in picture.text(), timeout=10_000)
    assert picture.wordWrap()
    assert picture.heightForWidth(picture.width()) <= picture.height()


def test_the_preview_picture_fits_its_frame(qtbot: QtBot, open_dialog: DialogFactory) -> None:
    from PySide6.QtGui import QImage

    from annotator.ui.dialogs.export_preview import PreviewResult

    dialog = open_dialog("figure-current")
    dialog.resize(1000, 640)
    dialog.show()
    qtbot.waitExposed(dialog)
    big = QImage(3000, 2000, QImage.Format.Format_RGB32)
    big.fill(0x808080)
    dialog.pane.show_result(PreviewResult(big, "3000 x 2000 px", None, (3000, 2000)))
    picture = dialog.pane.picture
    shown = picture.pixmap().deviceIndependentSize()
    m = picture.margin()  # drawn inside the contents rectangle
    room = picture.contentsRect().adjusted(m, m, -m, -m)
    assert shown.width() <= room.width() + 0.5 and shown.height() <= room.height() + 0.5
    assert shown.width() >= room.width() - 1 or shown.height() >= room.height() - 1  # scaled to fit, not tiny
