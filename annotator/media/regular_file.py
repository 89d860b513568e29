"""Refusing anything that is not a regular file before reading it.

A named pipe blocks a reader forever, /dev/zero and /dev/urandom never end, a folder is not a
file: every path the user gives (media or case) is checked here first, with a clear reason.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def not_regular_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be read as a file (missing, a folder, a pipe, a device...), or None."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "file not found"
    except PermissionError:
        return "permission denied"
    except OSError as exc:
        return os_error_problem(exc)
    except ValueError:  # an embedded NUL byte
        return "not a valid file name"
    return mode_problem(st.st_mode)


def mode_problem(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe, not a regular file (refused: reading it could wait forever)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file (refused)"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file (refused)"
    return "is not a regular file (refused)"


def os_error_problem(exc: OSError) -> str:
    """A short reason for an OSError met while opening or reading a path."""
    if exc.errno == errno.ENAMETOOLONG:
        return "the path is too long for the file system"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links"
    return f"cannot read the file ({exc.strerror or type(exc).__name__})"


class NotRegularFile(OSError):
    """Raised by ``read_regular``: the path is missing, unreadable, not a regular file or too big."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def read_regular(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; NotRegularFile otherwise.

    Opened non-blocking, then checked with fstat on the open descriptor: a pipe swapped in after
    a check cannot hang us, and a file grown past the cap is refused without reading it all.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise NotRegularFile("file not found") from None
    except IsADirectoryError:
        raise NotRegularFile("is a folder, not a file") from None
    except OSError as exc:
        raise NotRegularFile(os_error_problem(exc)) from None
    except ValueError:
        raise NotRegularFile("not a valid file name") from None
    try:
        st = os.fstat(fd)
        problem = mode_problem(st.st_mode)
        if problem is not None:
            raise NotRegularFile(problem)
        if st.st_size > max_bytes:
            raise NotRegularFile(f"too large ({st.st_size / 2**20:.0f} MB; the limit is {max_bytes / 2**20:.0f} MB)")
        with os.fdopen(fd, "rb", closefd=False) as fp:
            data = fp.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise NotRegularFile(f"too large (the limit is {max_bytes / 2**20:.0f} MB)")
        return data
    except NotRegularFile:
        raise
    except OSError as exc:
        raise NotRegularFile(os_error_problem(exc)) from None
    finally:
        os.close(fd)
