"""The findings panel, the measurements table and the case browser, driven through the real
AppController on a small in-memory case (and once on the bundled demo). A modal dialog fails
the test (``no_modal_dialogs``): questions are answered through the panels' ``ask``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from panel_cases import Answers, controller_for, finish_editing, small_case
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from annotator.case.commands import SetPoints
from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, MediaRef
from annotator.demo import demo_case_path
from annotator.ui.controller import AppController
from annotator.ui.panels.attribute_rows import ChoiceRow, ValueRow
from annotator.ui.panels.case_browser import CaseBrowser
from annotator.ui.panels.findings_panel import FindingsPanel
from annotator.ui.panels.measurements_model import COLUMNS
from annotator.ui.panels.measurements_panel import MeasurementsPanel

pytestmark = pytest.mark.usefixtures("no_modal_dialogs")

@pytest.fixture
def controller(qtbot: QtBot) -> Iterator[AppController]:
    ctrl = controller_for(*small_case())
    yield ctrl
    ctrl.shutdown()


# -- measurements -------------------------------------------------------------------------


def test_measurements_table_lists_every_measurement(qtbot: QtBot, controller: AppController) -> None:
    panel = MeasurementsPanel(controller)
    qtbot.addWidget(panel)
    rows = panel.rows()
    lengths = [(r.annotation, r.frame, r.value, r.unit) for r in rows if r.quantity == "length"]
    assert lengths == [("a1", 0, pytest.approx(3.0), "mm"), ("a1", 5, pytest.approx(5.0), "mm")]
    area = next(r for r in rows if r.quantity == "area")
    assert (area.annotation, area.value, area.unit) == ("a2", pytest.approx(200.0), "px2")
    assert area.source == "uncalibrated" and "no calibration" in area.note
    assert any(r.quantity == "mean_intensity" and r.value == pytest.approx(100.0) for r in rows)
    assert not any(r.annotation == "a3" for r in rows)  # an arrow measures nothing
    assert panel.model.columnCount() == len(COLUMNS)
    first = [panel.proxy.index(0, c).data() for c in range(len(COLUMNS))]
    assert first[:3] == ["gap", "Calf clip", "0"] and first[6] == "3.0" and first[7] == "mm"
    panel.all_keyframes.setChecked(False)
    assert [r.frame for r in panel.rows() if r.annotation == "a1"] == [0]
    panel.main_only.setChecked(True)
    assert sorted(r.quantity for r in panel.rows()) == ["area", "length"]


def test_measurements_table_sorts_by_value(qtbot: QtBot, controller: AppController) -> None:
    panel = MeasurementsPanel(controller)
    qtbot.addWidget(panel)
    panel.main_only.setChecked(True)
    value_column = COLUMNS.index("Value")
    panel.table.sortByColumn(value_column, Qt.SortOrder.DescendingOrder)
    assert [r.value for r in panel.rows()] == pytest.approx([200.0, 5.0, 3.0])
    panel.table.sortByColumn(value_column, Qt.SortOrder.AscendingOrder)
    assert [r.value for r in panel.rows()] == pytest.approx([3.0, 5.0, 200.0])


def test_selecting_a_row_selects_the_annotation_and_jumps_to_it(qtbot: QtBot, controller: AppController) -> None:
    controller.set_current_media("m2")
    panel = MeasurementsPanel(controller)
    qtbot.addWidget(panel)
    panel.main_only.setChecked(True)
    row = next(i for i, r in enumerate(panel.rows()) if r.annotation == "a1" and r.frame == 5)
    with qtbot.waitSignal(controller.selection_changed):
        panel.table.selectRow(row)
    assert controller.current_media_id == "m1"
    assert controller.current_frame == 5
    assert controller.selection == ["a1"]
    # and a selection made elsewhere highlights the annotation's rows
    controller.select(["a2"])
    assert {r.annotation for r in panel.selected_rows()} == {"a2"}


def test_copy_as_tsv_and_save_as_csv(qtbot: QtBot, controller: AppController, tmp_path: Path) -> None:
    panel = MeasurementsPanel(controller)
    qtbot.addWidget(panel)
    text = panel.copy_to_clipboard()
    assert QGuiApplication.clipboard().text() == text
    lines = text.splitlines()
    assert lines[0].split("\t") == list(COLUMNS)
    assert len(lines) == 1 + len(panel.rows())
    assert "gap\tCalf clip\t5\t" in text
    out = tmp_path / "measurements.csv"
    panel.save_csv(out)
    with out.open(newline="") as f:
        records = list(csv.DictReader(f))
    assert len(records) == len(panel.rows())
    gap5 = next(r for r in records if r["annotation"] == "a1" and r["frame"] == "5")
    assert float(gap5["value"]) == pytest.approx(5.0, abs=1e-9) and gap5["unit"] == "mm"
    assert float(gap5["time_s"]) == pytest.approx(5 / 30.0)
    assert not list(tmp_path.glob(".*.tmp"))


def test_table_follows_edits_undo_and_redo(qtbot: QtBot, controller: AppController) -> None:
    panel = MeasurementsPanel(controller)
    qtbot.addWidget(panel)

    def gap_at_rest() -> float | None:
        return next(r.value for r in panel.rows() if r.annotation == "a1" and r.frame == 0 and r.quantity == "length")

    controller.push(SetPoints("a1", 0, [(10.0, 20.0), (50.0, 20.0)]))
    qtbot.waitUntil(lambda: gap_at_rest() == pytest.approx(4.0))
    controller.undo_stack.undo()
    qtbot.waitUntil(lambda: gap_at_rest() == pytest.approx(3.0))
    controller.undo_stack.redo()
    qtbot.waitUntil(lambda: gap_at_rest() == pytest.approx(4.0))


def test_unreadable_media_gives_a_row_that_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    case = Case(title="missing")
    case.path = tmp_path / "x.uscase.json"
    case.media = [MediaRef("m1", "gone.dcm")]
    case.annotations = [Annotation.single("a1", "m1", "line", 0, [(0, 0), (3, 4)], label="lost")]
    ctrl = AppController()
    ctrl.set_document(CaseDocument(case))
    panel = MeasurementsPanel(ctrl)
    qtbot.addWidget(panel)
    (row,) = panel.rows()
    assert row.value is None and "cannot measure" in row.note and "gone.dcm" in row.note
    ctrl.shutdown()


# -- findings -----------------------------------------------------------------------------


def test_findings_list_shows_summaries(qtbot: QtBot, controller: AppController) -> None:
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    assert panel.list.count() == 1
    assert panel.list.item(0).text() == "Tear of the left medial gastrocnemius: gap 3.0 mm"
    assert panel.editor.finding_id == "f1"
    assert panel.editor.structure.currentText() == "medial gastrocnemius"
    assert panel.editor.side.currentText() == "left"
    gap = panel.editor.rows["gap"]
    assert isinstance(gap, ValueRow)
    assert gap.edit.text() == "3.0 mm" and gap.edit.isReadOnly()
    assert "gap" in gap.origin.text() and "frame 0" in gap.origin.text()


def test_add_a_finding_linking_the_selected_annotation(qtbot: QtBot, controller: AppController) -> None:
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    controller.select(["a2"])
    new_id = panel.add_finding("nerve_enlargement")
    case = controller.document.case  # type: ignore[union-attr]
    assert new_id is not None and case.finding(new_id).type == "nerve_enlargement"
    assert case.annotation("a2").finding == new_id
    assert case.finding(new_id).side == "none"  # the still's side
    assert panel.current_finding_id() == new_id
    controller.undo_stack.undo()  # one step undoes the finding and the link
    assert [f.id for f in case.findings] == ["f1"] and case.annotation("a2").finding is None
    panel.refresh_later.flush()
    assert panel.list.count() == 1


def test_editing_fields_and_typed_attributes_pushes_commands(qtbot: QtBot, controller: AppController) -> None:
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    editor = panel.editor
    finding = controller.document.case.finding("f1")  # type: ignore[union-attr]
    editor.side.setCurrentText("right")
    editor.side.activated.emit(editor.side.currentIndex())
    assert finding.side == "right"
    editor.structure.setEditText("rectus femoris")
    finish_editing(editor.structure)
    assert finding.structure == "rectus femoris"
    thickness = editor.rows["thickness"]
    assert isinstance(thickness, ChoiceRow)
    thickness.combo.setCurrentText("full")
    assert finding.attributes["thickness"].value == "full"
    assert "grade" not in editor.rows  # the Grade field (a published grading) replaces the number
    index = editor.grade.findData("BAMIC 3b")
    assert index > 0 and "extensive injury" in editor.grade.itemText(index)
    editor.grade.setCurrentIndex(index)
    editor.grade.activated.emit(index)
    assert finding.grade == "BAMIC 3b"
    assert "Br J Sports Med" in editor.grade_source.text()
    retraction = editor.rows["retraction"]
    assert isinstance(retraction, ValueRow)
    retraction.edit.setText("12,5 mm")  # a decimal comma and a unit are fine
    retraction.edit.editingFinished.emit()
    assert finding.attributes["retraction"].value == pytest.approx(12.5)
    assert finding.attributes["retraction"].unit == "mm"
    retraction.edit.setText("lots")
    retraction.edit.editingFinished.emit()
    assert finding.attributes["retraction"].value == pytest.approx(12.5)
    assert "not a number" in retraction.origin.text()
    panel.refresh_later.flush()
    assert panel.list.item(0).text().startswith("Full-thickness tear (BAMIC 3b)")
    steps = controller.undo_stack.count()
    assert steps == 5
    for _ in range(steps):
        controller.undo_stack.undo()
    assert (finding.side, finding.structure) == ("left", "medial gastrocnemius")
    assert set(finding.attributes) == {"gap"}


def test_link_an_attribute_to_the_selected_caliper_at_its_peak(qtbot: QtBot, controller: AppController) -> None:
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    editor = panel.editor
    row = editor.rows["gap_contraction"]
    assert isinstance(row, ValueRow)
    controller.select(["a2"])  # a trace gives no length
    assert not row.link_button.isEnabled()
    controller.set_current_media("m1")
    controller.set_current_frame(5)
    controller.select(["a1"])
    assert row.link_button.isEnabled()
    row.link_button.click()
    value = controller.document.case.finding("f1").attributes["gap_contraction"]  # type: ignore[union-attr]
    # a contraction value follows the annotation's peak frame (issue 9), chosen from its series
    assert (value.annotation, value.quantity, value.frame) == ("a1", "length", None)
    assert controller.document.case.annotation("a1").peak_frame == 5  # type: ignore[union-attr]
    panel.refresh_later.flush()
    assert row.edit.text() == "5.0 mm"
    assert "gap 3.0 mm at rest, 5.0 mm on contraction" in panel.list.item(0).text()
    row.clear_button.click()
    assert "gap_contraction" not in controller.document.case.finding("f1").attributes  # type: ignore[union-attr]


def test_gap_at_rest_linked_on_the_peak_frame_takes_the_rest_frame(qtbot: QtBot, controller: AppController) -> None:
    """Issue 9: standing on the peak, Link next to "Gap at rest" stored the peak's value."""
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    doc = controller.document
    assert doc is not None
    del doc.case.finding("f1").attributes["gap"]
    panel.refresh_later.flush()
    controller.set_current_media("m1")
    controller.set_current_frame(5)  # the peak is on screen
    controller.select(["a1"])
    row = panel.editor.rows["gap"]
    assert isinstance(row, ValueRow)
    row.link_button.click()
    value = doc.case.finding("f1").attributes["gap"]
    assert value.frame is None and doc.case.annotation("a1").rest_frame == 0
    panel.refresh_later.flush()
    assert row.edit.text() == "3.0 mm"  # the rest gap, not the 5.0 mm on screen
    # the user moves rest to frame 2 (an undoable edit of the case): the finding follows
    from annotator.case.commands import SetRestPeak

    controller.push(SetRestPeak("a1", rest_frame=2))
    panel.refresh_later.flush()
    assert row.edit.text() == "3.8 mm"  # 30 px + 2/5 of 20 px, at 0.1 mm/px
    controller.undo_stack.undo()
    assert doc.case.annotation("a1").rest_frame == 0
    controller.undo_stack.undo()  # the link (with its rest choice) as one step
    assert "gap" not in doc.case.finding("f1").attributes and doc.case.annotation("a1").rest_frame is None


def test_nerve_csa_against_the_upper_limit_of_normal(qtbot: QtBot, controller: AppController) -> None:
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    new_id = panel.add_finding("nerve_enlargement")
    assert new_id is not None
    editor = panel.editor
    editor.structure.setEditText("median nerve")
    finish_editing(editor.structure)
    editor.site.setEditText("carpal tunnel inlet")
    finish_editing(editor.site)
    assert editor.rows["reference_uln"].edit.text() == "11.0 mm²"  # type: ignore[attr-defined]
    csa = editor.rows["csa"]
    assert isinstance(csa, ValueRow)
    csa.edit.setText("14.2")
    csa.edit.editingFinished.emit()
    assert editor.comparison.property("status") == "above"
    assert "Enlarged, 29 % above the upper limit of normal" in editor.comparison.text()
    csa.edit.setText("9.5")
    csa.edit.editingFinished.emit()
    assert editor.comparison.property("status") == "within"
    assert "Within normal limits" in editor.comparison.text()
    # an uncalibrated trace cannot be compared with mm² (linked only once the user agrees)
    editor.ask = answers = Answers(True)
    controller.select(["a2"])
    csa.link_button.click()
    assert len(answers.asked) == 1 and "200.0 px²" in answers.asked[0]
    assert editor.comparison.property("status") == "unknown"
    assert "px2" in editor.comparison.text()


def test_linked_annotations_list_link_unlink_and_go_to(qtbot: QtBot, controller: AppController) -> None:
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    editor = panel.editor
    case = controller.document.case  # type: ignore[union-attr]
    assert editor.linked.count() == 1
    controller.select(["a3"])
    editor.link_button.click()
    assert case.annotation("a3").finding == "f1"
    panel.refresh_later.flush()
    assert editor.linked.count() == 2
    editor.linked.setCurrentRow(0)
    editor.unlink_button.click()
    assert case.annotation("a1").finding is None
    panel.refresh_later.flush()
    controller.set_current_media("m2")
    editor.linked.itemClicked.emit(editor.linked.item(0))
    assert controller.current_media_id == "m1" and controller.selection == ["a3"]


def test_delete_a_finding(qtbot: QtBot, controller: AppController) -> None:
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    panel.remove_button.click()
    assert controller.document.case.findings == []  # type: ignore[union-attr]
    panel.refresh_later.flush()
    assert panel.list.count() == 0 and not panel.editor.isEnabled()


def test_demo_case_shows_its_findings_and_the_nerve_above_normal(qtbot: QtBot) -> None:
    ctrl = AppController()
    ctrl.set_document(CaseDocument.load(demo_case_path()))
    panel = FindingsPanel(ctrl)
    qtbot.addWidget(panel)
    texts = [panel.list.item(i).text() for i in range(panel.list.count())]
    assert "10.0 mm on contraction" in texts[0]
    panel.list.setCurrentRow(1)
    assert panel.editor.comparison.property("status") == "above"
    ctrl.shutdown()


# -- case browser -------------------------------------------------------------------------


def test_case_browser_shows_thumbnails_kind_frames_and_calibration(qtbot: QtBot, controller: AppController) -> None:
    browser = CaseBrowser(controller)
    qtbot.addWidget(browser)
    qtbot.waitUntil(lambda: len(browser.info) == 2, timeout=10000)
    assert browser.media_ids() == ["m1", "m2"]
    clip_text = browser.list.item(0).text()
    assert "Calf clip" in clip_text and "6 frames" in clip_text
    assert "DICOM ultrasound region, 0.1 mm/px" in clip_text
    assert "2 annotation(s)" in clip_text
    still_text = browser.list.item(1).text()
    assert "still" in still_text and "uncalibrated" in still_text
    thumb = browser.thumbnail("m1")
    assert thumb is not None and thumb.width() <= 160 and thumb.height() <= 120
    assert browser.list.currentItem() is browser.list.item(0)  # the current media


def test_case_browser_switches_and_removes_media(qtbot: QtBot, controller: AppController) -> None:
    browser = CaseBrowser(controller)
    qtbot.addWidget(browser)
    with qtbot.waitSignal(controller.current_media_changed):
        browser.list.setCurrentRow(1)
    assert controller.current_media_id == "m2"
    assert browser.remove_current(confirm=False)
    case = controller.document.case  # type: ignore[union-attr]
    assert [m.id for m in case.media] == ["m1"]
    assert "a2" not in {a.id for a in case.annotations}
    assert browser.media_ids() == ["m1"]
    controller.undo_stack.undo()
    assert browser.media_ids() == ["m1", "m2"]
    browser.shutdown()


def test_case_browser_reports_media_it_cannot_read(qtbot: QtBot, tmp_path: Path) -> None:
    case = Case(title="missing")
    case.path = tmp_path / "x.uscase.json"
    case.media = [MediaRef("m1", "gone.dcm")]
    ctrl = AppController()
    ctrl.set_document(CaseDocument(case))
    browser = CaseBrowser(ctrl)
    qtbot.addWidget(browser)
    qtbot.waitUntil(lambda: "m1" in browser.errors, timeout=10000)
    assert "cannot read" in browser.list.item(0).text()
    browser.shutdown()
    ctrl.shutdown()
