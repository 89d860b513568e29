"""The main window's wiring of the comparison windows, the export dialog, and Space as
play/pause whatever has the keyboard focus. Generated in-memory clips; no sleeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, MediaRef
from annotator.dynamics.series import measurement_series, suggest_rest_peak
from annotator.media import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region
from annotator.ui import export_actions, prompts
from annotator.ui.compare import FrameComparison, MediaComparison
from annotator.ui.compare_actions import partner_candidates
from annotator.ui.export_actions import EXPORT_KINDS
from annotator.ui.main_window import MainWindow

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]

W, H = 160, 120


def clip(frames: int, still: bool = False) -> ArrayMedia:
    data = np.full((frames, H, W, 3), 80, np.uint8)
    for i in range(frames):
        data[i, 30:50, 10 + 3 * i:22 + 3 * i] = 200
    region = Region(0, 0, W - 1, H - 1, UNIT_CM, UNIT_CM, 0.01, 0.01)  # 0.1 mm per pixel
    times = None if still else np.arange(frames) * 40.0
    return ArrayMedia(data, times, [region], path="still.png" if still else f"clip{frames}.mp4")


def load(window: MainWindow, qtbot: QtBot, sides: Sequence[str] = ("left", "right", "none"),
         still_last: bool = False) -> CaseDocument:
    """A case of clips m1, m2, ... on ``sides`` (the last a still if asked), with a caliper
    a1 on m1 that widens from frame 0 to frame 12 and narrows again by frame 24."""
    refs = [MediaRef(f"m{i + 1}", f"clip{i + 1}.mp4", side=side) for i, side in enumerate(sides)]
    keys = {0: [(40.0, 90.0), (80.0, 90.0)], 12: [(30.0, 90.0), (120.0, 90.0)], 24: [(40.0, 90.0), (80.0, 90.0)]}
    gap = Annotation("a1", "m1", "line", 0, keys, frame_end=24, label="gap")
    doc = CaseDocument(Case(title="wiring", media=refs, annotations=[gap]))
    for i, ref in enumerate(refs):
        doc.set_media(ref.id, clip(1, still=True) if still_last and i == len(refs) - 1 else clip(25))
    window.controller.set_document(doc)
    qtbot.waitUntil(lambda: window.viewer.frame_image is not None, timeout=5000)
    return doc


def opened(window: MainWindow, kind: type[QWidget]) -> list[Any]:
    return [w for w in window.findChildren(kind) if w.isVisible()]


# -- View > Compare ------------------------------------------------------------------------------
def test_compare_rest_and_peak_opens_on_the_selected_annotations_rest_and_peak(
        qtbot: QtBot, window: MainWindow, errors: list[tuple[str, str]]) -> None:
    doc = load(window, qtbot)
    window.controller.select(["a1"])
    expected = suggest_rest_peak(measurement_series(doc, doc.case.annotation("a1")))
    assert expected[1] == 12  # the caliper is longest there, by construction
    window.action_by_id["compare_rest_peak"].trigger()
    (comparison,) = opened(window, FrameComparison)
    assert [p.frame for p in comparison.panels] == list(expected)
    assert comparison.titles()[0].startswith("Rest") and comparison.titles()[1].startswith("Peak")
    comparison.close()
    # a rest picked by hand in the dynamics panel wins over the suggestion
    dynamics = window.panels["dynamics"]
    assert dynamics.set_rest(5)  # type: ignore[attr-defined]
    window.action_by_id["compare_rest_peak"].trigger()
    (comparison,) = opened(window, FrameComparison)
    assert [p.frame for p in comparison.panels] == [5, 12]
    comparison.close()
    assert errors == []


def test_compare_frames_without_a_tracked_annotation_shows_this_frame_and_the_last(
        qtbot: QtBot, window: MainWindow, errors: list[tuple[str, str]]) -> None:
    load(window, qtbot)
    window.controller.set_current_frame(7)
    window.action_by_id["compare_rest_peak"].trigger()
    (comparison,) = opened(window, FrameComparison)
    assert [p.frame for p in comparison.panels] == [7, 24]
    assert "tracked annotation" in window.statusBar().currentMessage()
    comparison.close()
    assert errors == []


def test_compare_frames_of_a_still_says_why_not(qtbot: QtBot, window: MainWindow,
                                                errors: list[tuple[str, str]]) -> None:
    load(window, qtbot, sides=("left", "none"), still_last=True)
    window.controller.set_current_media("m2")
    window.action_by_id["compare_rest_peak"].trigger()
    assert opened(window, FrameComparison) == []
    assert len(errors) == 1 and errors[0][0] == "Cannot compare frames" and "still image" in errors[0][1]


def test_partner_media_is_the_other_side_else_the_next() -> None:
    case = Case(media=[MediaRef("m1", "a", side="none"), MediaRef("m2", "b", side="right"),
                       MediaRef("m3", "c", side="left"), MediaRef("m4", "d", side="right")])
    assert partner_candidates(case, "m2") == ["m3", "m4", "m1"]  # right: the left one first
    assert partner_candidates(case, "m3") == ["m4", "m2", "m1"]  # left: the right ones, nearest first
    assert partner_candidates(case, "m1") == ["m2", "m3", "m4"]  # no side: the next ones in order
    assert partner_candidates(Case(media=[MediaRef("m1", "a")]), "m1") == []


def test_compare_two_media_asks_which_defaulting_to_the_other_side(
        qtbot: QtBot, window: MainWindow, errors: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    load(window, qtbot, sides=("right", "none", "left"))
    asked: list[tuple[list[str], int]] = []
    answer: list[int | None] = [0]

    def ask_item(parent: object, title: str, label: str, items: Sequence[str], current: int = 0) -> int | None:
        asked.append((list(items), current))
        return answer[0]

    monkeypatch.setattr(prompts, "ask_item", ask_item)
    window.action_by_id["compare_media"].trigger()
    assert asked[0][0][asked[0][1]].startswith("Left: clip3.mp4")  # offered first: the left leg
    (comparison,) = opened(window, MediaComparison)
    assert [s.source.current_media_id for s in comparison.sides] == ["m1", "m3"]
    comparison.close()
    answer[0] = None  # cancelled: nothing opens
    window.action_by_id["compare_media"].trigger()
    assert opened(window, MediaComparison) == []
    assert errors == []


def test_compare_two_media_with_one_other_opens_without_asking_and_one_alone_says_why(
        qtbot: QtBot, window: MainWindow, errors: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> int | None:
        raise AssertionError("nothing to choose from: no question")

    monkeypatch.setattr(prompts, "ask_item", refuse)
    load(window, qtbot, sides=("left", "right"))
    window.action_by_id["compare_media"].trigger()
    (comparison,) = opened(window, MediaComparison)
    assert [s.source.current_media_id for s in comparison.sides] == ["m1", "m2"]
    comparison.close()
    assert errors == []
    load(window, qtbot, sides=("left",))
    window.action_by_id["compare_media"].trigger()
    assert opened(window, MediaComparison) == []
    assert errors and errors[-1][0] == "Cannot compare media" and "one media" in errors[-1][1]


# -- File > Export -------------------------------------------------------------------------------
def test_every_export_entry_opens_the_export_dialog_on_its_kind(
        qtbot: QtBot, window: MainWindow, errors: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, object, str | None]] = []
    monkeypatch.setattr(export_actions, "open_export_dialog",
                        lambda controller, parent=None, kind=None: calls.append((controller, parent, kind)))
    window.action_by_id["export"].trigger()
    assert calls == []  # no case: nothing to export (and the entries are disabled)
    assert not window.action_by_id["export_clip"].isEnabled()
    load(window, qtbot)
    for action_id, kind in EXPORT_KINDS.items():
        assert window.action_by_id[action_id].isEnabled()
        window.action_by_id[action_id].trigger()
        assert calls[-1] == (window.controller, window, kind)
    assert len(calls) == len(EXPORT_KINDS) and errors == []


def test_export_kinds_are_kinds_the_dialog_knows() -> None:
    from annotator.ui.dialogs import export_choices as choices

    assert {k for k in EXPORT_KINDS.values() if k is not None} <= set(choices.KIND_BY_ID)


# -- Space ---------------------------------------------------------------------------------------
def test_space_toggles_playback_whichever_button_has_the_focus(qtbot: QtBot, window: MainWindow) -> None:
    load(window, qtbot)
    clicked: list[str] = []
    pushes = [b for b in window.findChildren(QPushButton) if b.isVisible() and b.isEnabled()][:3]
    tools = [b for b in window.transport.findChildren(QToolButton) if b.isEnabled()][:2]
    buttons: list[QPushButton | QToolButton] = [*pushes, *tools]
    assert len(buttons) == 5
    for button in buttons:
        button.clicked.connect(lambda _c=False, b=button: clicked.append(b.objectName() or str(b)))
    play = window.action_by_id["play"]
    assert not play.autoRepeat()  # Space held down toggles once, never flickers
    for button in buttons:
        button.setFocus()
        assert window.focusWidget() is button
        QTest.keyClick(button, Qt.Key.Key_Space)
        assert window.playback.playing and play.isChecked(), button
        QTest.keyClick(button, Qt.Key.Key_Space)
        assert not window.playback.playing and not play.isChecked(), button
    assert clicked == []
    # typing keeps its spaces
    field = QLineEdit(window)
    window.statusBar().addWidget(field)
    field.setFocus()
    QTest.keyClicks(field, "a b")
    assert field.text() == "a b" and not window.playback.playing


def test_space_on_a_still_leaves_play_unchecked_and_clicks_nothing(qtbot: QtBot, window: MainWindow) -> None:
    load(window, qtbot, sides=("none", "none"), still_last=True)
    window.controller.set_current_media("m2")
    clicked: list[bool] = []
    button = next(b for b in window.findChildren(QPushButton) if b.isVisible() and b.isEnabled())
    button.clicked.connect(lambda _c=False: clicked.append(True))
    button.setFocus()
    QTest.keyClick(button, Qt.Key.Key_Space)
    assert not window.playback.playing and not window.action_by_id["play"].isChecked() and clicked == []
    window.controller.set_current_media("m1")  # a clip again: the next Space plays at once
    button.setFocus()
    QTest.keyClick(button, Qt.Key.Key_Space)
    assert window.playback.playing and window.action_by_id["play"].isChecked()
    window.playback.pause()
    assert not window.action_by_id["play"].isChecked()


@pytest.mark.qt_log_ignore("propagateSizeHints", r"support raise\(\)")  # offscreen: cannot raise it
def test_export_clip_opens_the_real_dialog_on_clips(qtbot: QtBot, window: MainWindow,
                                                    errors: list[tuple[str, str]]) -> None:
    from annotator.ui.dialogs.export_dialog import ExportDialog

    load(window, qtbot)
    window.action_by_id["export_clip"].trigger()
    (dialog,) = opened(window, ExportDialog)
    assert dialog.choices.kind == "clip"
    window.action_by_id["export_report"].trigger()  # the open dialog turns to the report
    assert opened(window, ExportDialog) == [dialog] and dialog.choices.kind == "report"
    dialog.close()
    assert errors == []


# -- Deleting what findings rely on, and the theme -----------------------------------------------
def test_deleting_a_linked_annotation_asks_first_and_cancel_keeps_it(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.case.commands import AddFinding, LinkAnnotation, RemoveAnnotations
    from annotator.case.model import Finding

    load(window, qtbot)
    c = window.controller
    assert c.document is not None
    case = c.document.case
    ann = case.annotations[0]
    c.push(AddFinding(Finding("f9", "tear", "soleus", "left")))
    c.push(LinkAnnotation(ann.id, "f9"))
    questions: list[str] = []
    answer = {"value": False}

    def confirm(_parent: object, _title: str, text: str, _yes: str) -> bool:
        questions.append(text)
        return answer["value"]

    monkeypatch.setattr(prompts, "ask_confirm", confirm)
    c.push(RemoveAnnotations([ann.id]))
    assert len(questions) == 1  # it said what the finding loses before anything happened
    assert any(a.id == ann.id for a in case.annotations)  # Cancel kept it
    answer["value"] = True
    c.push(RemoveAnnotations([ann.id]))
    assert all(a.id != ann.id for a in case.annotations)


def test_the_view_menu_offers_the_theme(window: MainWindow) -> None:
    titles = [a.text() for a in window.menuBar().actions()]
    view = window.menuBar().actions()[titles.index("&View")].menu()
    assert view is not None
    assert any(a.menu() is not None and a.menu().objectName() == "theme_menu" for a in view.actions())
