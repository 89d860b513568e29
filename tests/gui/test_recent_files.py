"""Recent files: cases and media in their own lists (17 clips do not push the cases off),
files that fail to open forgotten, and File > Open Recent with both lists and Clear."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from annotator.case.io import save_case
from annotator.case.model import Case
from annotator.ui.main_window import MainWindow
from annotator.ui.settings import MAX_RECENT, Settings
from tests.gui.conftest import OpenFn, write_clip

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]


def test_seventeen_clips_leave_the_recent_cases_alone(qapp: object, tmp_path: Path) -> None:
    settings = Settings()
    case = tmp_path / "knee.uscase.json"
    case.write_text("{}")
    settings.add_recent(case)
    for i in range(17):
        clip = tmp_path / f"clip{i}.mp4"
        clip.write_bytes(b"x")
        settings.add_recent(clip)
    assert [r.path for r in settings.recent_files("case")] == [case]
    media = settings.recent_files("media")
    assert len(media) == MAX_RECENT and media[0].path.name == "clip16.mp4"
    settings.clear_recent("media")
    assert settings.recent_files("media") == [] and len(settings.recent_files("case")) == 1


def test_open_recent_lists_what_opened_and_forgets_what_failed(
        qtbot: QtBot, window: MainWindow, tmp_path: Path, open_and_wait: OpenFn,
        errors: list[tuple[str, str]]) -> None:
    clip = write_clip(tmp_path / "rest.mp4")
    open_and_wait(window, clip)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    window.settings.add_recent(broken)  # e.g. it opened once, and was overwritten since
    with qtbot.waitSignal(window.controller.open_failed, timeout=10_000):
        window.open_paths([broken])
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=10_000)
    assert errors  # the failure was reported
    recent = [r.path for r in window.settings.recent_files()]
    assert clip.absolute() in recent and broken.absolute() not in recent

    case_path = tmp_path / "thigh.uscase.json"
    save_case(Case(title="Thigh"), case_path)
    with qtbot.waitSignal(window.controller.opened, timeout=10_000):
        window.open_paths([case_path])
    bad_case = tmp_path / "bad.uscase.json"
    bad_case.write_text("{ not json")
    window.settings.add_recent(bad_case)
    with qtbot.waitSignal(window.controller.open_failed, timeout=10_000):
        window.open_paths([bad_case])
    qtbot.waitUntil(lambda: not window.controller.busy, timeout=10_000)

    menu = window.recent.menu
    file_menu = window.menuBar().actions()[0].menu()
    assert isinstance(file_menu, QMenu) and menu.menuAction() in file_menu.actions()
    window.recent.rebuild()
    entries = {Path(a.data()) for a in window.recent.file_actions()}
    assert entries == {clip.absolute(), case_path.absolute()}
    sections = [a.text() for a in menu.actions() if a.isSeparator() and a.text()]
    assert sections == ["Cases", "Media"]
    # choosing an entry opens it
    window.controller.confirm_discard = lambda: True
    case_entry = next(a for a in window.recent.file_actions() if Path(a.data()) == case_path.absolute())
    with qtbot.waitSignal(window.controller.opened, timeout=10_000):
        case_entry.trigger()
    # Clear empties both lists, and the start screen with them
    next(a for a in menu.actions() if a.objectName() == "action_clear_recent").trigger()
    assert window.settings.recent_files() == []
    assert window.start_screen.recent_cases.count() <= 1  # only its "No recent cases" line
    window.recent.rebuild()
    assert window.recent.file_actions() == []
