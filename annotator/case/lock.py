"""One writer per case file: a lock file beside the case while a copy of the app has it open.

``/scans/knee.uscase.json`` is locked by ``/scans/.knee.uscase.json.lock``, a small JSON file
with the process id, host, user and time. A second copy of the app (on this machine or another
one sharing the folder) finds it and opens the case read-only, saying who holds it. A lock whose
process is gone on this host is stale (a crash) and is taken over; a lock from another host
cannot be checked and is trusted unless it is older than ``STALE_AFTER_S`` with no refresh.
When the case folder is read-only, nobody can save there anyway, and the lock goes to the user
data folder so two copies of the same user still see each other.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as _dt
import getpass
import hashlib
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from annotator import __version__
from annotator.case.userdirs import data_dir

LOCK_SUFFIX = ".lock"
#: a lock from another host that old (not refreshed) is taken for a crash there
STALE_AFTER_S = 7 * 24 * 3600


@dataclass(frozen=True)
class LockInfo:
    """Who holds a case."""

    pid: int
    host: str
    user: str
    opened_at: str
    version: str = ""

    def describe(self) -> str:
        return f"{self.user} on {self.host} (process {self.pid}, since {self.opened_at})"

    def to_json(self) -> dict[str, object]:
        return {"app": "us-annotator", "pid": self.pid, "host": self.host, "user": self.user,
                "opened_at": self.opened_at, "version": self.version}


def _this_process() -> LockInfo:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    return LockInfo(os.getpid(), socket.gethostname(), user, now, __version__)


def lock_path(case_path: str | Path) -> Path:
    p = Path(case_path).absolute()
    return p.parent / f".{p.name}{LOCK_SUFFIX}"


def _fallback_lock_path(case_path: Path) -> Path:
    key = hashlib.sha256(str(case_path.absolute()).encode()).hexdigest()[:12]
    return data_dir() / "locks" / f"{case_path.name}-{key}{LOCK_SUFFIX}"


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True


def read_lock(path: Path) -> LockInfo | None:
    """The holder recorded in a lock file (None when there is none or it is unreadable)."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return LockInfo(int(d["pid"]), str(d["host"]), str(d.get("user", "")), str(d.get("opened_at", "")),
                        str(d.get("version", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_stale(info: LockInfo | None, path: Path) -> bool:
    """A lock no live process holds: unreadable, its process gone on this host, or from
    another host and untouched for ``STALE_AFTER_S``."""
    if info is None:
        return True
    if info.host == socket.gethostname():
        return not pid_alive(info.pid) or info.pid == os.getpid()
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return True
    return age > STALE_AFTER_S


class CaseLocked(Exception):
    """The case is open in another copy of the app."""

    def __init__(self, case_path: Path, holder: LockInfo) -> None:
        super().__init__(f"{case_path.name} is already open: {holder.describe()}")
        self.case_path = case_path
        self.holder = holder


class CaseLock:
    """The lock this process holds on one case; ``release()`` removes it (if still ours)."""

    def __init__(self, case_path: Path, path: Path, info: LockInfo) -> None:
        self.case_path = case_path
        self.path = path
        self.info = info

    def release(self) -> None:
        current = read_lock(self.path)
        if current is not None and (current.pid, current.host) == (self.info.pid, self.info.host):
            with contextlib.suppress(OSError):
                self.path.unlink()

    def refresh(self) -> None:
        """Touch the file, so other hosts see the lock is alive."""
        with contextlib.suppress(OSError):
            os.utime(self.path)


def _create(path: Path, info: LockInfo) -> bool:
    """Create the lock file if there is none (atomic: O_EXCL); False when one exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(info.to_json(), f)
    return True


def acquire(case_path: str | Path) -> CaseLock:
    """Lock ``case_path`` for this process. Raises ``CaseLocked`` when another live copy holds
    it; takes over a stale lock; raises ``OSError`` only when no lock can be written anywhere."""
    case = Path(case_path).absolute()
    info = _this_process()
    candidates = [lock_path(case), _fallback_lock_path(case)]
    last_error: OSError | None = None
    for path in candidates:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for _attempt in range(2):
                try:
                    _create(path, info)
                    return CaseLock(case, path, info)
                except FileExistsError:
                    holder = read_lock(path)
                    if not is_stale(holder, path):
                        assert holder is not None
                        raise CaseLocked(case, holder) from None
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()  # stale: take it over (O_EXCL again settles a race)
        except OSError as exc:  # a read-only folder: try the user data folder
            last_error = exc
            continue
    raise last_error or OSError(f"cannot lock {case}")


def holder_of(case_path: str | Path) -> LockInfo | None:
    """Who holds ``case_path`` now (None when free or held by a stale lock)."""
    case = Path(case_path).absolute()
    for path in (lock_path(case), _fallback_lock_path(case)):
        info = read_lock(path)
        if path.exists() and not is_stale(info, path):
            return info
    return None
