"""Case details and media labels edited in the app (undoable); the finding panel shows the same
verdict, side-to-side comparison and grading as the exports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from panel_cases import controller_for, small_case
from pytestqt.qtbot import QtBot

from annotator.case.model import AttributeValue, Finding
from annotator.ui.controller import AppController
from annotator.ui.dialogs.case_info_dialog import CaseInfoDialog, MediaInfoDialog, date_problem
from annotator.ui.panels.case_browser import CaseBrowser
from annotator.ui.panels.findings_panel import FindingsPanel

pytestmark = pytest.mark.usefixtures("no_modal_dialogs")


@pytest.fixture
def controller(qtbot: QtBot) -> Iterator[AppController]:
    ctrl = controller_for(*small_case())
    yield ctrl
    ctrl.shutdown()


def test_case_details_are_one_undoable_edit(qtbot: QtBot, controller: AppController) -> None:
    case = controller.document.case  # type: ignore[union-attr]
    dialog = CaseInfoDialog(case)
    qtbot.addWidget(dialog)
    assert dialog.command() is None  # nothing changed, nothing to undo
    dialog.title_edit.setText("Missed rectus femoris tear")
    dialog.history.setPlainText("Pain on kicking for three weeks.")
    dialog.impression.setPlainText("Tear of the central aponeurosis.")
    dialog.exam_date.setText("2026-11-02")
    command = dialog.command()
    assert command is not None
    controller.push(command)
    assert (case.title, case.history, case.impression, case.exam_date) == (
        "Missed rectus femoris tear", "Pain on kicking for three weeks.", "Tear of the central aponeurosis.",
        "2026-11-02")
    controller.undo_stack.undo()
    assert (case.title, case.history, case.exam_date) == ("Panels", "", "")
    assert date_problem("02/11/2026") and date_problem("") is None and date_problem("2026-11-02") is None


def test_media_label_and_view_from_the_case_browser(qtbot: QtBot, controller: AppController,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    browser = CaseBrowser(controller)
    qtbot.addWidget(browser)
    ref = controller.document.case.media[0]  # type: ignore[union-attr]
    dialog = MediaInfoDialog(ref)
    qtbot.addWidget(dialog)
    dialog.label.setText("Longitudinal RF, rest and contraction")
    dialog.show()
    qtbot.waitExposed(dialog)
    # the label is read whole, not scrolled in a 25-character field
    assert dialog.label.fontMetrics().horizontalAdvance(dialog.label.text()) < dialog.label.width() - 8
    dialog.view.setCurrentIndex(dialog.view.findData("longitudinal"))
    controller.push(dialog.command())  # type: ignore[arg-type]
    assert (ref.label, ref.view, ref.side) == ("Longitudinal RF, rest and contraction", "longitudinal", "left")
    qtbot.waitUntil(lambda: "Longitudinal RF, rest and contraction (longitudinal)" in browser.list.item(0).text())
    controller.undo_stack.undo()
    assert (ref.label, ref.view) == ("Calf clip", "")
    # the browser's button opens the same dialog for the selected media
    opened: list[str] = []
    monkeypatch.setattr("annotator.ui.panels.case_browser.edit_media_info",
                        lambda _c, media_id, _p: opened.append(media_id) or False)
    browser.list.setCurrentRow(0)
    browser.details_action.trigger()
    assert opened == ["m1"]


def test_finding_panel_shows_the_shared_verdicts(qtbot: QtBot, controller: AppController) -> None:
    case = controller.document.case  # type: ignore[union-attr]
    case.findings += [
        Finding("f2", "atrophy", "gluteus medius", "left", attributes={
            "thickness": AttributeValue(11.7, "mm"), "thickness_other_side": AttributeValue(16.0, "mm")}),
        Finding("f3", "nerve_enlargement", "superior gluteal", "bilateral", attributes={
            "csa": AttributeValue(12.0, "mm2")}),
        Finding("f4", "nerve_enlargement", "median", "right", "carpal tunnel inlet", attributes={
            "csa": AttributeValue(8.0, "mm2")}),
    ]
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    editor = panel.editor
    editor.show_finding("f2")
    assert "27 % thinner (ratio 0.73)" in editor.comparison.text()
    assert editor.site.findText("muscle belly") >= 0 and editor.grade.isHidden()
    editor.show_finding("f3")
    assert "no reference value for this nerve" in editor.comparison.text()
    assert editor.side.currentText() == "bilateral"
    editor.show_finding("f4")
    assert editor.comparison.text().startswith("\u2713 Within normal limits") and "(-27%)" in editor.comparison.text()
    editor.show_finding("f1")
    assert editor.site.findText("central aponeurosis (rectus femoris)") >= 0
    assert not editor.grade.isHidden() and editor.grade.currentText() == "not graded"


def test_export_dialog_keeps_the_written_caption_in_the_case(qtbot: QtBot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from annotator.case.commands import SetCaption
    from annotator.case.document import CaseDocument
    from annotator.ui.dialogs.export_caption import caption_key, keep_caption
    from annotator.ui.dialogs.export_choices import ExportChoices, snapshot_document

    controller = controller_for(*small_case())
    try:
        doc = controller.document
        assert isinstance(doc, CaseDocument)
        doc.case.history, doc.case.impression = "Pain on kicking.", "Tear."
        snap = snapshot_document(doc)
        assert (snap.case.history, snap.case.impression) == ("Pain on kicking.", "Tear.")
        from annotator.export.figure import PanelSpec

        choices = ExportChoices(kind="figure-panels", suffix=".png", panels=[PanelSpec("m1", 0), PanelSpec("m1", 5)])
        key = caption_key(doc, choices)
        assert key == "m1@0,m1@5"
        choices.caption = "Gap at rest (A) and on contraction (B)."
        assert keep_caption(controller, doc, choices)
        assert doc.case.captions[key] == choices.caption
        assert not keep_caption(controller, doc, choices)  # unchanged: nothing to undo
        choices.caption = None  # the draft exported: the kept caption is forgotten
        assert keep_caption(controller, doc, choices) and key not in doc.case.captions
        controller.undo_stack.undo()
        assert doc.case.captions[key] == "Gap at rest (A) and on contraction (B)."
        assert isinstance(SetCaption(key, ""), SetCaption)
    finally:
        controller.shutdown()


def test_a_long_title_shows_its_start(qtbot: QtBot, controller: AppController) -> None:
    case = controller.document.case  # type: ignore[union-attr]
    case.title = "Example case: dynamic medial gastrocnemius tear and median nerve enlargement, right leg"
    dialog = CaseInfoDialog(case)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.title_edit.cursorPosition() == 0  # "Example case: ...", not "... right leg"
    assert dialog.title_edit.text() == case.title
