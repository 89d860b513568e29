"""The export dialog on a generated case (a calibrated clip with burned-in red header text above
its region and a tear gap that opens, and a still), driven through the real AppController:
the live preview follows the layout, the edited caption is the one exported, PNG, SVG and MP4
files are written on a worker with progress, a cancelled export leaves no file, settings are
remembered and identifiers are never kept by default."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
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
from PIL import Image
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from annotator.ui.controller import AppController
from annotator.ui.dialogs import export_dialog as export_dialog_module
from annotator.ui.tasks import Task


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


