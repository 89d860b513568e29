"""Writing an output file whole or not at all.

Every exporter writes to a temporary name in the destination folder and renames it over the
destination only when complete, so a crash, a full disk or an error never leaves a half-written
file; an existing file is replaced only when the user asked (``force``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from annotator.case.fileutil import file_mode_for


class ExportError(Exception):
    """A user-facing export failure; the message names the file and the problem."""


def check_destination(out: Path, force: bool) -> None:
    """Fail early, before any work, when ``out`` cannot or must not be written."""
    try:
        _check_destination(out, force)
    except OSError as exc:  # a path too long for the file system, a loop of links...
        raise ExportError(describe_os_error(out, exc)) from None


def _check_destination(out: Path, force: bool) -> None:
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise ExportError(f"{out}: is a folder, not a file name")
    if out.exists() and not force:
        raise ExportError(f"{out}: already exists (use --force to overwrite it)")
    if not folder.is_dir():
        raise ExportError(f"{out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"{out}: the folder {folder} is not writable")


def describe_os_error(out: Path, exc: OSError) -> str:
    # pydicom re-raises a write error as OSError("With tag ... got exception: ...\nTraceback ..."),
    # without its errno: read the reason from the first line, never pass the traceback on.
    first = (str(exc).strip().splitlines() or [""])[0]
    first = _WITH_TAG.sub("", first).strip()
    if exc.errno is None and (code := _ERRNO_TEXT.search(first)):
        exc = OSError(int(code.group(1)), code.group(2))
    if exc.errno == errno.ENOSPC:
        return f"{out}: the disk is full (nothing was written)"
    if exc.errno == errno.ENAMETOOLONG:
        return f"{out}: the path is too long for the file system (nothing was written)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{out}: permission denied (nothing was written)"
    reason = exc.strerror or first or type(exc).__name__
    return f"{out}: could not be written: {reason} (nothing was written)"


@contextlib.contextmanager
def atomic_output(out: Path, force: bool = False, before_replace: Callable[[], None] | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``out``; on success it replaces ``out``, on any failure it
    is deleted and ``out`` is left as it was. OSErrors become ``ExportError``.
    ``before_replace`` runs just before the rename: raising in it (a cancel) leaves nothing."""
    out = Path(out)
    check_destination(out, force)
    folder = out.parent if str(out.parent) else Path(".")
    remove_stale_parts(folder)
    PART_FOLDERS.add(folder.absolute())  # before the part exists: a signal handler may clean it
    # The PID in the name tells a later export whether the writer is gone (kill -9, power cut).
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.stem}.{os.getpid()}.", suffix=f".part{out.suffix}",
                                    dir=out.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise ExportError(f"{out}: the exporter wrote nothing")
        os.chmod(tmp, file_mode_for(out))  # mkstemp makes it private; give it a normal file's mode
        _fsync(tmp)
        if out.exists() and not force:  # appeared while we worked
            raise ExportError(f"{out}: already exists (use --force to overwrite it)")
        if before_replace is not None:
            before_replace()
        os.replace(tmp, out)
    except OSError as exc:
        raise ExportError(describe_os_error(out, exc)) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


_WITH_TAG = re.compile(r"^With tag \([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\) got exception: ")
_ERRNO_TEXT = re.compile(r"\[Errno (\d+)\] (.*)")
#: folders where this process has written part files (for cleanup_after_signal)
PART_FOLDERS: set[Path] = set()
_PART_NAME = re.compile(r"^\..*\.(\d+)\.[A-Za-z0-9_]{8}\.part(\.[A-Za-z0-9]+)?$")
_STALE_AFTER_S = 60.0


def remove_stale_parts(folder: Path) -> list[Path]:
    """Delete our own temporary outputs left in ``folder`` by an export that was killed: names
    made by ``atomic_output`` whose writing process no longer runs. Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _PART_NAME.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < _STALE_AFTER_S or _process_runs(int(match.group(1))):
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def remove_own_parts(folder: Path) -> None:
    """Delete the temporary outputs of this process in ``folder`` (after a stop by a signal,
    which may come at any instant, even between creating a part file and guarding it)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = _PART_NAME.match(entry.name)
            if match is not None and int(match.group(1)) == os.getpid():
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def cleanup_after_signal() -> None:
    """Remove every part file of this process (called from a signal handler before exiting)."""
    for folder in list(PART_FOLDERS):
        remove_own_parts(folder)


def _process_runs(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's process, or cannot tell: leave the file
    return True


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
