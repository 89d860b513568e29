"""Regressions from exploratory QA of the panels: the reason beside an uncalibrated value, links
that would store a wrong unit, stale finding fields, Copy, the CSV name, the case list (ghost
captions, GIF wording, scrolling to a new entry) and the questions before links are lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from panel_cases import Answers, H, W, controller_for, small_case, tissue_region
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QImage
from pytestqt.qtbot import QtBot

from annotator.case.commands import AddAnnotation, AddMedia, RemoveAnnotations
from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef
from annotator.media import ArrayMedia, Media
from annotator.media.calibration import UNIT_SECONDS, Region
from annotator.ui.controller import AppController
from annotator.ui.panels.case_browser import CaseBrowser
from annotator.ui.panels.common import unlink_summary
from annotator.ui.panels.findings_panel import FindingsPanel
from annotator.ui.panels.measurements_model import COLUMNS
from annotator.ui.panels.measurements_panel import MeasurementsPanel, default_csv_path
from annotator.ui.panels.thumbnails import THUMB_SIZE, MediaInfo, on_canvas

pytestmark = pytest.mark.usefixtures("no_modal_dialogs")
ECG_REASON = "a point lies in a waveform ECG region, not in the 2D tissue region"


@pytest.fixture
def controller(qtbot: QtBot) -> Iterator[AppController]:
    ctrl = controller_for(*small_case())
    yield ctrl
    ctrl.shutdown()


@pytest.fixture
def scanner_screen(qtbot: QtBot) -> Iterator[AppController]:
    """A calibrated image with an ECG strip under it: one caliper inside the image, one that
    crosses into the strip, an angle with an arm off the image region; a tear finding."""
    ecg = Region(0, 60, W - 1, 79, UNIT_SECONDS, 0, 0.005, 0.0, spatial_format=4, data_type=0x0A)
    media = ArrayMedia(np.full((80, W), 90, np.uint8), regions=[tissue_region(W, 60), ecg],
                       path="scan.dcm", kind="dicom")
    case = Case(title="ECG")
    case.media = [MediaRef("m1", "scan.dcm", label="Scan")]
    case.annotations = [
        Annotation.single("inside", "m1", "line", 0, [(10, 10), (40, 10)], label="inside"),
        Annotation.single("across", "m1", "line", 0, [(20, 30), (20, 70)], label="across"),
        Annotation.single("wide", "m1", "angle", 0, [(10, 20), (30, 40), (30, 70)], label="wide"),
    ]
    case.findings = [Finding("f1", "tear", "soleus", "left")]
    ctrl = controller_for(case, {"m1": media})
    yield ctrl
    ctrl.shutdown()


# -- bug 3: the reason beside an uncalibrated value -------------------------------------


def test_a_pixel_value_on_a_calibrated_image_shows_why_beside_it(qtbot: QtBot, scanner_screen: AppController) -> None:
    panel = MeasurementsPanel(scanner_screen)
    qtbot.addWidget(panel)
    by_label = {r.label: (i, r) for i, r in enumerate(panel.rows())}
    source, value, note = COLUMNS.index("Source"), COLUMNS.index("Value"), COLUMNS.index("Note")
    assert source == COLUMNS.index("Unit") + 1  # the reason sits right after value and unit

    row_index, across = by_label["across"]
    assert across.unit == "px" and across.flagged
    assert panel.proxy.index(row_index, source).data() == f"none ({ECG_REASON})"
    assert panel.proxy.index(row_index, note).data() == ""  # not repeated in Note
    assert isinstance(panel.proxy.index(row_index, value).data(Qt.ItemDataRole.DecorationRole), QIcon)
    assert ECG_REASON in panel.proxy.index(row_index, value).data(Qt.ItemDataRole.ToolTipRole)

    row_index, angle = by_label["wide"]
    assert angle.unit == "deg" and angle.flagged
    assert panel.proxy.index(row_index, source).data() == f"none ({ECG_REASON})"
    assert panel.proxy.index(row_index, note).data() == "angle in pixel space (square pixels assumed)"

    row_index, inside = by_label["inside"]
    assert not inside.flagged and panel.proxy.index(row_index, source).data() == "us-region"
    assert panel.proxy.index(row_index, value).data(Qt.ItemDataRole.DecorationRole) is None
    assert f"none ({ECG_REASON})" in panel.copy_to_clipboard()
    assert panel.table.columnWidth(source) >= min(480, panel.table.sizeHintForColumn(source))  # not cut short


def test_an_uncalibrated_image_still_says_uncalibrated(qtbot: QtBot, controller: AppController) -> None:
    panel = MeasurementsPanel(controller)
    qtbot.addWidget(panel)
    area = next(r for r in panel.rows() if r.annotation == "a2" and r.quantity == "area")
    assert area.source_text() == "uncalibrated" and not area.flagged
    assert "no calibration" in area.note_text()


# -- bug 4: a pixel measurement linked to a mm field ------------------------------------


def test_linking_a_pixel_length_to_a_mm_field_asks_and_never_stores_mm(
        qtbot: QtBot, scanner_screen: AppController) -> None:
    panel = FindingsPanel(scanner_screen)
    qtbot.addWidget(panel)
    editor = panel.editor
    finding = scanner_screen.document.case.finding("f1")  # type: ignore[union-attr]
    editor.ask = answers = Answers(False)
    asked = answers.asked
    scanner_screen.select(["across"])
    editor.rows["retraction"].link_button.click()  # type: ignore[attr-defined]
    assert len(asked) == 1
    assert "40.0 px" in asked[0] and "not mm" in asked[0] and ECG_REASON in asked[0]
    assert "retraction" not in finding.attributes  # refused: nothing linked
    answers.answer = True
    editor.rows["retraction"].link_button.click()  # type: ignore[attr-defined]
    link = finding.attributes["retraction"]
    assert (link.annotation, link.unit) == ("across", None)  # no "mm" stored with a px value
    scanner_screen.select(["inside"])  # calibrated: linked without a question, unit mm
    editor.rows["gap"].link_button.click()  # type: ignore[attr-defined]
    assert len(asked) == 2 and finding.attributes["gap"].unit == "mm"


# -- bug 7: no stale values in the finding editor --------------------------------------


def test_the_finding_editor_is_empty_without_a_finding(qtbot: QtBot, controller: AppController) -> None:
    panel = FindingsPanel(controller)
    qtbot.addWidget(panel)
    editor = panel.editor
    assert editor.structure.currentText() == "medial gastrocnemius"
    controller.set_document(None)  # Close Case
    assert not editor.isEnabled() and editor.title.text() == "No finding selected"
    assert editor.structure.currentText() == "" and editor.site.currentText() == ""
    assert editor.side.currentText() == "" and editor.notes.toPlainText() == ""
    fresh = FindingsPanel(controller_for(Case(title="empty"), {}))  # a fresh start
    qtbot.addWidget(fresh)
    assert fresh.editor.side.currentText() == "" and fresh.editor.structure.currentText() == ""


# -- bug 11 and 12: Copy and the CSV name ----------------------------------------------


def test_copy_takes_rows_picked_in_the_table_else_the_whole_table(qtbot: QtBot, controller: AppController) -> None:
    panel = MeasurementsPanel(controller)
    qtbot.addWidget(panel)
    everything = len(panel.rows())
    controller.select(["a2"])  # selected in the image: its rows light up, but nobody chose them
    assert panel.selected_rows() and panel.copy_button.text() == "Copy all"
    assert len(panel.copy_to_clipboard().splitlines()) == 1 + everything
    panel.table.selectRow(0)  # the user picks a row in the table
    assert panel.copy_button.text() == "Copy 1 row(s)"
    lines = panel.copy_to_clipboard().splitlines()
    assert len(lines) == 2 and QGuiApplication.clipboard().text().splitlines() == lines
    controller.select(["a2"])  # a new choice in the image hands Copy back to the whole table
    assert len(panel.copy_to_clipboard().splitlines()) == 1 + everything


def test_the_csv_is_named_after_the_case_and_starts_next_to_it_or_the_media(tmp_path: Path) -> None:
    media_dir, home = tmp_path / "scans", tmp_path / "home"
    media_dir.mkdir()
    home.mkdir()
    (media_dir / "calf.mp4").write_bytes(b"x")
    case = Case()  # untitled and unsaved
    case.media = [MediaRef("m1", str(media_dir / "calf.mp4"))]
    doc = CaseDocument(case)
    assert default_csv_path(doc, "m1", home) == media_dir / "measurements.csv"
    case.title = "Left calf: tear?"
    assert default_csv_path(doc, None, home) == media_dir / "Left calf- tear-measurements.csv"
    case.path = tmp_path / "knee.uscase.json"
    assert default_csv_path(doc, "m1", home) == tmp_path / "knee-measurements.csv"
    assert default_csv_path(None, None, home) == home / "measurements.csv"


# -- bug 6, 20, 21: the case list -------------------------------------------------------


def test_thumbnails_keep_one_shape_so_captions_never_move(qtbot: QtBot) -> None:
    wide = ArrayMedia(np.full((20, 200), 120, np.uint8), path="wide.png", kind="image")
    gif = ArrayMedia(np.zeros((4, 30, 40), np.uint8), np.arange(4) * 100.0, path="loop.gif", kind="image")
    case = Case(title="shapes")
    case.media = [MediaRef("m1", "wide.png"), MediaRef("m2", "loop.gif")]
    ctrl = controller_for(case, {"m1": wide, "m2": gif})
    browser = CaseBrowser(ctrl)
    qtbot.addWidget(browser)
    browser.show()
    before = [browser.list.visualItemRect(browser.list.item(i)) for i in range(2)]
    qtbot.waitUntil(lambda: len(browser.info) == 2, timeout=10000)
    after = [browser.list.visualItemRect(browser.list.item(i)) for i in range(2)]
    assert after == before  # an entry that changes size leaves its old caption painted
    for i in range(2):
        assert browser.list.item(i).icon().availableSizes() == [QSize(*THUMB_SIZE)]
    assert "clip (GIF) · 4 frames" in browser.list.item(1).text()
    browser.shutdown()
    ctrl.shutdown()


def test_on_canvas_centres_the_picture() -> None:
    white = QImage(100, 20, QImage.Format.Format_RGB32)
    white.fill(Qt.GlobalColor.white)
    picture = on_canvas(white)
    assert (picture.width(), picture.height()) == THUMB_SIZE
    assert picture.pixelColor(80, 60).lightness() == 255 and picture.pixelColor(80, 5).lightness() == 0


def test_media_info_wording() -> None:
    gif = MediaInfo("image", 31, 10.0, 40, 30, "uncalibrated (pixels)", "GIF")
    assert gif.describe().startswith("clip (GIF) · 31 frames, 10 fps")
    assert MediaInfo("video", 31, 25.0, 40, 30, "x", "MP4").describe().startswith("video · 31 frames")
    assert MediaInfo("image", 1, None, 40, 30, "x", "PNG").describe().startswith("image · still")


def test_a_new_entry_is_scrolled_fully_into_view(qtbot: QtBot) -> None:
    case = Case(title="many")
    media: dict[str, Media] = {}
    for i in range(5):
        case.media.append(MediaRef(f"m{i}", f"s{i}.png"))
        media[f"m{i}"] = ArrayMedia(np.full((H, W), 60, np.uint8), path=f"s{i}.png", kind="image")
    ctrl = controller_for(case, media)
    browser = CaseBrowser(ctrl)
    qtbot.addWidget(browser)
    browser.resize(220, 420)
    browser.show()
    qtbot.waitUntil(lambda: len(browser.info) == 5, timeout=10000)
    document = ctrl.document
    assert document is not None
    document.set_media("m9", ArrayMedia(np.full((H, W), 60, np.uint8), path="new.png", kind="image"))
    ctrl.push(AddMedia(MediaRef("m9", "new.png", label="new")))
    ctrl.set_current_media("m9")
    item = browser.list.item(5)

    def shown_whole() -> bool:
        return browser.list.viewport().rect().contains(browser.list.visualItemRect(item))

    qtbot.waitUntil(lambda: len(browser.info) == 6 and shown_whole(), timeout=10000)
    assert browser.list.currentItem() is item
    browser.shutdown()
    ctrl.shutdown()


# -- bug 15: say what goes before links are lost ----------------------------------------


def test_removing_media_names_the_finding_values_it_clears(qtbot: QtBot, controller: AppController) -> None:
    browser = CaseBrowser(controller)
    qtbot.addWidget(browser)
    case = controller.document.case  # type: ignore[union-attr]
    case.finding("f1").attributes["gap_contraction"] = AttributeValue(annotation="a1", quantity="length", frame=5)
    question = browser.removal_question("m1")
    assert question is not None
    assert "Calf clip" in question and "2 annotation(s)" in question
    assert "Tear of medial gastrocnemius (f1): Gap at rest, Gap on contraction will be cleared" in question
    assert browser.removal_question("m2") is not None and "Findings" not in str(browser.removal_question("m2"))
    browser.ask = answers = Answers(False)
    browser.list.setCurrentRow(0)
    assert not browser.remove_current() and answers.asked == [question]
    assert [m.id for m in case.media] == ["m1", "m2"] and "gap" in case.finding("f1").attributes
    answers.answer = True
    assert browser.remove_current()
    assert [m.id for m in case.media] == ["m2"] and "gap" not in case.finding("f1").attributes
    browser.shutdown()


def test_unlink_summary_for_deleting_annotations(controller: AppController) -> None:
    case = controller.document.case  # type: ignore[union-attr]
    assert unlink_summary(case, ["a2"]) == []
    assert unlink_summary(case, ["a1"]) == ["Tear of medial gastrocnemius (f1): Gap at rest will be cleared"]
    controller.push(AddAnnotation(Annotation.single("a9", "m1", "point", 0, [(3, 3)], finding="f1")))
    assert unlink_summary(case, ["a9"]) == ["Tear of medial gastrocnemius (f1): 1 linked annotation(s) will be unlinked"]
    controller.push(RemoveAnnotations(["a9"]))
    assert unlink_summary(case, ["a9"]) == []
