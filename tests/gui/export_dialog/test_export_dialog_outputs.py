"""The export dialog, continued: the File menu action, panel defaults and plots, a case without
media, cancelling and closing mid-export, every kind of output, and the dialog's layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_dialog_case import (  # noqa: F401 (shared by the tests below)
    FRAMES,
    MM_PER_PX,
    REGION,
    DialogFactory,
    H,
    W,
    clip_frames,
    export_and_wait,
    red_pixels,
    set_path,
)
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.export.figure import PanelSpec
from annotator.ui.controller import AppController
from annotator.ui.dialogs.export_dialog import ExportDialog, open_export_dialog
from annotator.ui.tasks import Task


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
