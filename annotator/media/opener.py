"""open_media: recognise a file by its content (then its extension) and open it with its reader.

Readers are imported only when needed, so ``import annotator.media`` stays light.
"""

from __future__ import annotations

import os
from pathlib import Path

from annotator.media.base import Media, MediaError, MediaLimitError
from annotator.media.kinds import Format, MediaKind, kind_of_format
from annotator.media.regular_file import mode_problem, not_regular_problem, os_error_problem
from annotator.media.sniff import HEAD_BYTES, sniff_format


def _read_head(path: Path) -> bytes:
    # Pipes, devices and folders are refused before any reader opens them (they could block
    # forever or never end); the head is read from the checked, non-blocking descriptor.
    problem = not_regular_problem(path)
    if problem is not None:
        raise MediaError(path, problem)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise MediaError(path, os_error_problem(exc)) from None
    try:
        problem = mode_problem(os.fstat(fd).st_mode)
        if problem is not None:
            raise MediaError(path, problem)
        return os.read(fd, HEAD_BYTES)
    except OSError as exc:
        raise MediaError(path, os_error_problem(exc)) from None
    finally:
        os.close(fd)


def detect_format(path: str | Path) -> Format:
    """The format of a media file, raising MediaError when it is missing, empty or unknown."""
    path = Path(path)
    head = _read_head(path)
    if not head:
        raise MediaError(path, "the file is empty (0 bytes)")
    fmt = sniff_format(path, head)
    if fmt is None:
        raise MediaError(
            path,
            "unknown file format (expected DICOM, MP4/MOV/AVI/MKV/WebM, GIF, or PNG/JPEG/BMP/TIFF)",
        )
    return fmt


def open_media(path: str | Path) -> Media:
    """Open a DICOM file, a clip or a still; raises MediaError for anything it cannot read."""
    path = Path(os.path.expanduser(str(path)))
    fmt = detect_format(path)
    try:
        return _open_as(kind_of_format(fmt), path)
    except MediaError as first:
        if fmt != "gif" or isinstance(first, MediaLimitError):
            raise
        try:  # a GIF the still reader refuses: the video reader is the second choice
            return _open_as(kind_of_format("video"), path)
        except MediaError:
            raise first from None


def _open_as(kind: MediaKind, path: Path) -> Media:
    try:
        reader = kind.reader_class()
    except ImportError as exc:
        raise MediaError(path, f"the {kind.title} reader is not available ({exc})") from None
    return _guarded(reader, path)


def _guarded(reader: type[Media], path: Path) -> Media:
    """Readers raise MediaError; anything else escaping one is still reported as unreadable."""
    try:
        return reader(path)  # type: ignore[call-arg]
    except MediaError:
        raise
    except MemoryError:
        raise MediaError(path, "not enough memory to open the file") from None
    except Exception as exc:
        lines = str(exc).strip().splitlines()
        raise MediaError(path, f"cannot read the file ({type(exc).__name__}: {lines[0] if lines else ''})") from None
