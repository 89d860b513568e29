"""The QUndoStack adapter (merging drags), background tasks, autosave."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtGui import QUndoStack
from pytestqt.qtbot import QtBot

from annotator.case.commands import AddAnnotation, MoveAnnotation, SetPoints
from annotator.case.model import Annotation, Case, MediaRef
from annotator.ui.autosave import AutosaveTimer
from annotator.ui.tasks import Progress, Task, TaskCancelled, run_task
from annotator.ui.undo import CaseUndoCommand

pytestmark = pytest.mark.qt_log_level_fail("WARNING")


def _case() -> Case:
    case = Case(media=[MediaRef("m1", "x.mp4")])
    case.annotations.append(Annotation.single("a1", "m1", "line", 0, [(0, 0), (10, 0)]))
    return case


def test_undo_adapter_merges_one_drag_into_one_step(qapp: object) -> None:
    case, stack, errors = _case(), QUndoStack(), []
    for i in range(1, 4):
        command = SetPoints("a1", 0, [(0, 0), (10 + i, 0)], merge_id="drag-1")
        command.redo(case)
        stack.push(CaseUndoCommand(case, command, lambda t, e: errors.append(t)))
    move = MoveAnnotation("a1", 0, 5, 5, merge_id="drag-2")
    move.redo(case)
    stack.push(CaseUndoCommand(case, move, lambda t, e: errors.append(t)))
    assert stack.count() == 2
    assert case.annotation("a1").points == [(5, 5), (18, 5)]
    stack.undo()
    assert case.annotation("a1").points == [(0, 0), (13, 0)]
    stack.undo()
    assert case.annotation("a1").points == [(0, 0), (10, 0)]
    stack.redo()
    stack.redo()
    assert case.annotation("a1").points == [(5, 5), (18, 5)]
    assert errors == []


def test_undo_adapter_reports_failures_instead_of_raising(qapp: object) -> None:
    case, stack, errors = _case(), QUndoStack(), []
    add = AddAnnotation(Annotation.single("a2", "m1", "point", 0, [(1, 1)]))
    add.redo(case)
    stack.push(CaseUndoCommand(case, add, lambda t, e: errors.append(t)))
    case.annotations.clear()  # someone broke the case behind the stack's back
    stack.undo()
    assert errors and "undo" in errors[0]


def test_controller_refuses_a_bad_command_with_an_error(qtbot: QtBot) -> None:
    from annotator.case.document import CaseDocument
    from annotator.ui.controller import AppController

    controller = AppController()
    controller.set_document(CaseDocument(_case()))
    with qtbot.waitSignal(controller.error) as error:
        controller.push(SetPoints("a1", 0, [(1, 1)]))  # a line needs two points
    assert "2 points" in error.args[1] or "points" in error.args[1]
    assert controller.undo_stack.count() == 0
    assert not controller.is_modified


def test_task_runs_off_the_ui_thread_and_reports(qtbot: QtBot) -> None:
    main = threading.get_ident()
    seen: list[object] = []

    def work(progress: Progress) -> int:
        progress.report(0.5, "half")
        return threading.get_ident()

    run_task(work, seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0] != main


def test_task_failure_and_cancel(qtbot: QtBot) -> None:
    failures: list[Exception] = []

    def broken(progress: Progress) -> None:
        raise ValueError("cannot read clip.mp4")

    run_task(broken, lambda r: None, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert "clip.mp4" in str(failures[0])

    gate = threading.Event()

    def slow(progress: Progress) -> None:
        gate.wait(5)
        progress.check()

    task = Task(slow)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        task.start()
        task.cancel()
        gate.set()
    with pytest.raises(TaskCancelled):
        cancelled = Progress(lambda f, t: None)
        cancelled.cancel()
        cancelled.check()


def test_autosave_timer_writes_once_when_idle_and_reports_failure_once(qtbot: QtBot, tmp_path: Path) -> None:
    written: list[Path] = []
    fail = [False]

    def write() -> Path:
        if fail[0]:
            raise OSError("disk full")
        path = tmp_path / f"auto{len(written)}"
        written.append(path)
        return path

    timer = AutosaveTimer(write, period_ms=60_000, idle_ms=30)
    with qtbot.waitSignal(timer.saved, timeout=2000):
        timer.edited()
    assert len(written) == 1 and not timer.pending
    assert timer.write_now() is None  # nothing new to save
    fail[0] = True
    messages: list[str] = []
    timer.failed.connect(messages.append)
    timer.edited()
    timer.write_now()
    timer.write_now()
    assert messages == ["Autosave failed: disk full"] and timer.pending
