"""One writer per case file (annotator/case/lock.py): a second copy sees who holds the case;
stale locks are taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from annotator.case import lock as lockmod
from annotator.case.lock import CaseLocked, acquire, holder_of, lock_path, pid_alive, read_lock


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    path = tmp_path / "knee.uscase.json"
    path.write_text("{}", encoding="utf-8")
    return path


def _write_lock(case: Path, pid: int, host: str | None = None) -> Path:
    path = lock_path(case)
    path.write_text(json.dumps({"app": "us-annotator", "pid": pid, "host": host or socket.gethostname(),
                                "user": "someone", "opened_at": "2026-12-01T09:00:00+00:00"}))
    return path


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_acquire_writes_who_holds_the_case(case_file: Path) -> None:
    held = acquire(case_file)
    info = read_lock(lock_path(case_file))
    assert info is not None and info.pid == os.getpid() and info.host == socket.gethostname()
    assert lock_path(case_file).name == ".knee.uscase.json.lock"
    held.release()
    assert not lock_path(case_file).exists()


def test_a_live_process_elsewhere_keeps_the_case(case_file: Path) -> None:
    """A real second process holds the lock: acquiring here says who."""
    code = ("import sys, time; from annotator.case.lock import acquire; acquire(sys.argv[1]); "
            "print('held', flush=True); time.sleep(60)")
    other = subprocess.Popen([sys.executable, "-c", code, str(case_file)], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        with pytest.raises(CaseLocked) as caught:
            acquire(case_file)
        assert caught.value.holder.pid == other.pid
        assert str(other.pid) in str(caught.value) and "already open" in str(caught.value)
        assert holder_of(case_file) is not None
    finally:
        other.kill()
        other.wait()
    # the other copy died without releasing (a crash): its lock is stale and taken over
    assert not pid_alive(other.pid)
    assert holder_of(case_file) is None
    taken = acquire(case_file)
    assert read_lock(taken.path).pid == os.getpid()  # type: ignore[union-attr]


def test_stale_and_unreadable_locks_are_taken_over(case_file: Path) -> None:
    _write_lock(case_file, _dead_pid())
    acquire(case_file).release()
    lock_path(case_file).write_text("garbage")
    acquire(case_file).release()


def test_another_hosts_lock_is_trusted_until_old(case_file: Path) -> None:
    path = _write_lock(case_file, 12345, host="workstation-7")
    with pytest.raises(CaseLocked) as caught:
        acquire(case_file)
    assert "workstation-7" in str(caught.value)
    old = time.time() - lockmod.STALE_AFTER_S - 60
    os.utime(path, (old, old))
    acquire(case_file).release()


def test_release_leaves_another_holders_lock(case_file: Path) -> None:
    held = acquire(case_file)
    _write_lock(case_file, os.getppid())  # someone took it over meanwhile
    held.release()
    assert lock_path(case_file).exists()


def test_read_only_case_folder_locks_in_the_user_folder(case_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_create = lockmod._create

    def refuse_beside_case(path: Path, info: lockmod.LockInfo) -> bool:
        if path.parent == case_file.parent:
            raise PermissionError(13, "Permission denied", str(path))
        return real_create(path, info)

    monkeypatch.setattr(lockmod, "_create", refuse_beside_case)
    held = acquire(case_file)
    assert held.path.parent.name == "locks" and not lock_path(case_file).exists()
    _write_lock_at = held.path
    assert read_lock(_write_lock_at) is not None
    held.release()
