"""The start screen (recent files with dates, demo, Open…, drops) and the start-up and error
dialogs (recovery, error, calibration, about), driven as a user would."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from annotator.ui.dialogs import about_dialog, error_dialog
from annotator.ui.dialogs.calibration_dialog import KnownDistanceDialog, ask_known_distance
from annotator.ui.dialogs.recovery_dialog import RecoveryDialog, offer_recovery, summarize_autosave
from annotator.ui.settings import Settings
from annotator.ui.start_screen import StartScreen, describe_when
from annotator.ui.theme import apply_theme, current_theme


def when_modal(action: Callable[[QWidget], None]) -> None:
    """Run ``action`` on the next modal dialog as soon as it is showing."""

    def attempt() -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            QTimer.singleShot(10, attempt)
        else:
            action(widget)

    QTimer.singleShot(0, attempt)


@pytest.fixture
def recent(tmp_path: Path) -> tuple[Settings, Path, Path]:
    settings = Settings()
    case = tmp_path / "knee.uscase.json"
    clip = tmp_path / "calf.dcm"
    case.write_text("{}")
    clip.write_bytes(b"DICM")
    now = datetime.now(UTC)
    settings.add_recent(clip, now - timedelta(days=3))
    settings.add_recent(case, now)
    return settings, case, clip


def test_start_screen_lists_recent_cases_and_media_with_dates(qtbot: QtBot, recent: tuple[Settings, Path, Path]) -> None:
    settings, case, clip = recent
    screen = StartScreen(settings=settings)
    qtbot.addWidget(screen)
    assert screen.recent_cases.paths() == [case]
    assert screen.recent_media.paths() == [clip]
    case_text = screen.recent_cases.item(0).text()
    assert "knee.uscase.json" in case_text and "today" in case_text
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).astimezone().strftime("%Y-%m-%d")
    assert three_days_ago in screen.recent_media.item(0).text()


def test_a_recent_case_in_a_deep_folder_is_cut_in_the_middle_not_scrolled(qtbot: QtBot, tmp_path: Path) -> None:
    settings = Settings()
    deep = tmp_path.joinpath(*(f"clinic-archive-{k}" for k in range(6)))
    deep.mkdir(parents=True)
    case = deep / "knee.uscase.json"
    case.write_text("{}")
    settings.add_recent(case, datetime.now(UTC))
    screen = StartScreen(settings=settings)
    qtbot.addWidget(screen)
    screen.resize(900, 500)
    screen.show()
    qtbot.waitExposed(screen)
    listing = screen.recent_cases
    qtbot.wait(50)
    assert not listing.horizontalScrollBar().isVisible()
    assert listing.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert listing.item(0).toolTip() == str(case)  # the whole path


def test_activating_a_recent_entry_asks_to_open_it(qtbot: QtBot, recent: tuple[Settings, Path, Path]) -> None:
    settings, case, _clip = recent
    screen = StartScreen(settings=settings)
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.open_requested) as blocker:
        screen.recent_cases.itemActivated.emit(screen.recent_cases.item(0))
    assert blocker.args == [[case]]


def test_buttons_ask_for_the_demo_and_the_open_dialog(qtbot: QtBot) -> None:
    screen = StartScreen(settings=Settings())
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.demo_requested):
        qtbot.mouseClick(screen.demo_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(screen.open_dialog_requested):
        qtbot.mouseClick(screen.open_button, Qt.MouseButton.LeftButton)
    # with nothing recent, the lists say so and offer nothing to open
    assert screen.recent_cases.paths() == [] and screen.recent_media.paths() == []
    assert "No recent cases" in screen.recent_cases.item(0).text()


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")
def test_dropping_files_and_folders_asks_to_open_them(qtbot: QtBot, tmp_path: Path) -> None:
    screen = StartScreen(settings=Settings())
    qtbot.addWidget(screen)
    files = [tmp_path / "a.dcm", tmp_path]
    (tmp_path / "a.dcm").write_bytes(b"x")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    screen.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(screen.open_requested) as blocker:
        screen.dropEvent(drop)
    assert blocker.args == [files]
    text_only = QMimeData()
    text_only.setText("not a file")
    refused = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, text_only,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    screen.dragEnterEvent(refused)
    assert not refused.isAccepted()


def test_forgetting_a_recent_entry(qtbot: QtBot, recent: tuple[Settings, Path, Path]) -> None:
    settings, case, clip = recent
    screen = StartScreen(settings=settings)
    qtbot.addWidget(screen)
    screen.recent_media.remove_path.emit(clip)
    assert screen.recent_media.paths() == []
    assert [r.path for r in settings.recent_files()] == [case]


def test_describe_when() -> None:
    now = datetime(2024, 6, 10, 12, 0).astimezone()
    assert describe_when(now - timedelta(hours=1), now).startswith("today ")
    assert describe_when(now - timedelta(days=1), now).startswith("yesterday ")
    assert describe_when(now - timedelta(days=40), now) == (now - timedelta(days=40)).strftime("%Y-%m-%d %H:%M")


# -- dialogs ------------------------------------------------------------------------------


def _autosave(folder: Path, name: str, title: str, annotations: int) -> Path:
    path = folder / name
    path.write_text(json.dumps({
        "format": "us-annotator-case", "version": 1, "title": title, "media": [], "findings": [],
        "annotations": [{} for _ in range(annotations)],
        "autosave": {"of": "/scans/knee.uscase.json", "saved_at": "2024-06-10T10:30:00+00:00"},
    }))
    return path


def test_recovery_dialog_describes_each_autosave(qtbot: QtBot, tmp_path: Path) -> None:
    good = _autosave(tmp_path, "a.autosave", "Left calf tear", 3)
    broken = tmp_path / "b.autosave"
    broken.write_text("{ truncated")
    summary = summarize_autosave(good)
    assert summary.title == "Left calf tear" and summary.annotations == 3
    assert "/scans/knee.uscase.json" in summary.describe()
    assert "unreadable" in summarize_autosave(broken).title
    dialog = RecoveryDialog(None, [good, broken])
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 2
    assert dialog.selected_path() == good  # the newest comes first and is preselected


def test_recovery_tells_untitled_cases_apart_by_media_and_time(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / ".untitled-1.uscase.json.autosave"
    media = [{"id": f"m{i}", "path": f"/scans/clip{i}.mp4"} for i in range(4)]
    media[0]["label"] = "Left calf"
    path.write_text(json.dumps({
        "format": "us-annotator-case", "version": 1, "title": "Untitled case", "media": media,
        "findings": [], "annotations": [{}],
        "autosave": {"saved_at": datetime.now(UTC).isoformat()},
    }))
    summary = summarize_autosave(path)
    assert summary.media == ("Left calf (clip0.mp4)", "clip1.mp4", "clip2.mp4", "clip3.mp4")
    text = summary.describe()
    assert text.startswith("Untitled case: Left calf (clip0.mp4), clip1.mp4, clip2.mp4 (+1 more)")
    assert "autosaved today " in text and "an unsaved case" in text and "1 annotation(s)" in text
    dialog = RecoveryDialog(None, [path])
    qtbot.addWidget(dialog)
    assert dialog.list.item(0).text() == text
    assert "clip3.mp4" in dialog.list.item(0).toolTip()
    no_media = _autosave(tmp_path, "b.autosave", "Untitled case", 0)
    saved = describe_when(datetime.fromisoformat("2024-06-10T10:30:00+00:00"))
    assert summarize_autosave(no_media).describe().startswith(f"Untitled case: no media\nautosaved {saved},")


def test_the_start_screen_switches_the_theme_and_remembers_it(qtbot: QtBot, qapp: QApplication) -> None:
    apply_theme(qapp, "dark")
    settings = Settings()
    screen = StartScreen(settings=settings)
    qtbot.addWidget(screen)
    assert screen.theme.currentData() == "dark"
    screen.theme.setCurrentIndex(screen.theme.findData("light"))
    screen.theme.activated.emit(screen.theme.currentIndex())
    assert current_theme(qapp) == "light" and Settings().theme() == "light"
    apply_theme(qapp, "dark")


def test_offer_recovery_returns_the_chosen_autosave(qtbot: QtBot, tmp_path: Path) -> None:
    first = _autosave(tmp_path, "a.autosave", "First", 1)
    second = _autosave(tmp_path, "b.autosave", "Second", 2)

    def choose_second(widget: QWidget) -> None:
        assert isinstance(widget, RecoveryDialog)
        widget.list.setCurrentRow(1)
        widget.recover_button.click()

    when_modal(choose_second)
    assert offer_recovery(None, [first, second]) == second
    when_modal(lambda w: w.reject())  # type: ignore[attr-defined]
    assert offer_recovery(None, [first]) is None
    assert offer_recovery(None, []) is None


def test_discarding_an_autosave_deletes_it(qtbot: QtBot, tmp_path: Path) -> None:
    first = _autosave(tmp_path, "a.autosave", "First", 1)
    second = _autosave(tmp_path, "b.autosave", "Second", 1)
    dialog = RecoveryDialog(None, [first, second])
    qtbot.addWidget(dialog)
    dialog.confirm_discard = False
    dialog.discard_button.click()
    assert not first.exists() and second.exists()
    assert dialog.list.count() == 1 and dialog.selected_path() == second


def test_error_box_shows_message_and_details(qtbot: QtBot) -> None:
    box = error_dialog.error_box(None, "Could not open", "scan.dcm: not a DICOM file", "Traceback ...")
    qtbot.addWidget(box)
    assert box.windowTitle() == "Could not open"
    assert box.text() == "scan.dcm: not a DICOM file"
    assert box.detailedText() == "Traceback ..."
    assert box.icon() == QMessageBox.Icon.Critical
    when_modal(lambda w: w.accept())  # type: ignore[attr-defined]
    error_dialog.show_error(None, "Oops", "something failed")  # returns once dismissed


def test_show_error_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> QMessageBox:
        raise RuntimeError("no display")

    monkeypatch.setattr(error_dialog, "error_box", broken)
    error_dialog.show_error(None, "title", "message")  # logged, not raised


def test_known_distance_dialog_computes_the_scale(qtbot: QtBot) -> None:
    dialog = KnownDistanceDialog(None, measured_px=200.0)
    qtbot.addWidget(dialog)
    dialog.spin.setValue(20.0)
    assert dialog.distance_mm() == pytest.approx(20.0)
    assert "0.1000 mm per pixel" in dialog.result_label.text()
    dialog.unit.setCurrentText("cm")
    dialog.spin.setValue(1.5)
    assert dialog.distance_mm() == pytest.approx(15.0)
    assert dialog.mm_per_px() == pytest.approx(0.075)


def test_ask_known_distance_returns_mm_or_none(qtbot: QtBot) -> None:
    def type_two_cm(widget: QWidget) -> None:
        assert isinstance(widget, KnownDistanceDialog)
        widget.unit.setCurrentText("cm")
        widget.spin.setValue(2.0)
        widget.accept()

    when_modal(type_two_cm)
    answer = ask_known_distance(None, 150.0)
    assert answer is not None and answer.mm == pytest.approx(20.0) and answer.zero == "start"
    when_modal(lambda w: w.reject())  # type: ignore[attr-defined]
    assert ask_known_distance(None, 150.0) is None
    when_modal(lambda w: w.accept())  # type: ignore[attr-defined]  # the "too short" message
    assert ask_known_distance(None, 0.4) is None


def test_about_names_the_licences_and_credits(qtbot: QtBot) -> None:
    html = about_dialog.about_html()
    for expected in ("PySide6", "LGPL-3.0", "pydicom", "CC BY 4.0", "synthetic", "MIT"):
        assert expected in html
    dialog = about_dialog.AboutDialog()
    qtbot.addWidget(dialog)
    assert "us-annotator" in dialog.browser.toPlainText()
    assert isinstance(dialog, QDialog)
