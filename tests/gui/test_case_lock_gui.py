"""Two copies of the app on one case: the second opens it read-only and never saves over the
first copy's work (annotator/case/lock.py through the controller)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.case.autosave import autosave_folder, autosave_path
from annotator.case.case_commands import SetTitle
from annotator.case.io import save_case
from annotator.case.lock import LockInfo, lock_path, read_lock
from annotator.case.model import Case
from annotator.ui.main_window import MainWindow

HOLD = ("import sys, time; from annotator.case.lock import acquire; acquire(sys.argv[1]); "
        "print('held', flush=True); time.sleep(120)")


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    case = Case(title="knee")
    path = tmp_path / "knee.uscase.json"
    save_case(case, path)
    return path


@pytest.fixture
def other_copy(case_file: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the case, as a second us-annotator would."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(case_file)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.wait()


def _open(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.controller.document_changed, timeout=10_000):
        window.open_paths([path])
    window.controller.wait_idle()


def test_the_first_copy_locks_and_releases(qtbot: QtBot, window: MainWindow, case_file: Path) -> None:
    _open(qtbot, window, case_file)
    c = window.controller
    assert c.case_lock is not None and c.read_only_holder is None
    assert read_lock(lock_path(case_file)) is not None
    assert c.close_document()
    assert not lock_path(case_file).exists()


def test_the_second_copy_opens_read_only(qtbot: QtBot, window: MainWindow, case_file: Path,
                                         other_copy: subprocess.Popen[str], errors: list[tuple[str, str]],
                                         tmp_path: Path) -> None:
    asked: list[LockInfo] = []
    c = window.controller
    c.ask_locked_case = lambda _case, holder: asked.append(holder) or "read-only"  # type: ignore[func-returns-value]
    _open(qtbot, window, case_file)
    assert [h.pid for h in asked] == [other_copy.pid]
    assert c.document is not None and c.read_only_holder is not None and c.case_lock is None
    assert "read-only" in window.windowTitle()
    before = case_file.read_text(encoding="utf-8")
    c.push(SetTitle("changed here"))
    assert c.is_modified
    assert not c.save()  # Save would overwrite the other copy's file
    assert errors and "already open" in errors[-1][1] and "Save As" in errors[-1][1]
    assert case_file.read_text(encoding="utf-8") == before
    # autosave goes to this session's own file, not the holder's sidecar
    written = c._write_autosave()
    assert written is not None and written.parent == autosave_folder()
    assert not autosave_path(case_file).exists()
    # Save As another file works, and that file is now ours
    copy = tmp_path / "knee-copy.uscase.json"
    assert c.save(copy)
    assert c.read_only_holder is None and c.case_lock is not None and c.case_lock.case_path == copy
    assert "read-only" not in window.windowTitle()
    assert read_lock(lock_path(case_file)).pid == other_copy.pid  # type: ignore[union-attr]


def test_the_second_copy_may_cancel(qtbot: QtBot, window: MainWindow, case_file: Path,
                                    other_copy: subprocess.Popen[str]) -> None:
    window.controller.ask_locked_case = lambda _case, _holder: "cancel"
    window.open_paths([case_file])
    window.controller.wait_idle()
    qtbot.wait(50)
    assert window.controller.document is None


def test_a_crashed_copy_does_not_block(qtbot: QtBot, window: MainWindow, case_file: Path,
                                       other_copy: subprocess.Popen[str]) -> None:
    other_copy.kill()
    other_copy.wait()
    asked: list[LockInfo] = []
    window.controller.ask_locked_case = lambda _case, holder: asked.append(holder) or "cancel"  # type: ignore[func-returns-value]
    _open(qtbot, window, case_file)
    assert asked == [] and window.controller.read_only_holder is None
    assert window.controller.case_lock is not None
