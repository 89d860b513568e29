"""Where each frame's bytes lie: a thread-safe positional reader and the encapsulated-frame index.

Encapsulated Pixel Data is a Basic Offset Table item followed by fragment items. The index is
built once at open by walking the item headers (8 bytes each, no fragment data is read), then
frames are found through the Extended Offset Table, the Basic Offset Table, one fragment per
frame, or, when fragments split frames and no table says where, by the codestream start marker
at the head of each frame's first fragment (JPEG SOI FFD8, JPEG 2000 SOC FF4F).
"""

from __future__ import annotations

import os
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from annotator.media.base import MediaError

#: one frame's bytes: (offset, length) pieces in file order (one per fragment)
FramePieces = tuple[tuple[int, int], ...]

_ITEM = 0xE000FFFE  # (FFFE,E000) read as a little-endian uint32
_SEQUENCE_DELIMITER = 0xE0DDFFFE  # (FFFE,E0DD)
_FRAME_START_MARKERS = (b"\xff\xd8", b"\xff\x4f")  # JPEG / JPEG-LS SOI, JPEG 2000 SOC


class FileSource:
    """Positional reads of one open file, safe from several threads (the read-ahead workers)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self.size = os.fstat(self._fd).st_size
        # pread needs no shared file position; the lock only orders reads against close().
        self._lock = threading.Lock()

    def read(self, offset: int, length: int) -> bytes:
        parts: list[bytes] = []
        got = 0
        while got < length:  # regular files only return short at their end
            more = self._read_at(offset + got, length - got)
            if not more:
                raise MediaError(self.path, f"truncated: cannot read {length} bytes at byte {offset} (the file is shorter than its header says)")
            parts.append(more)
            got += len(more)
        return parts[0] if len(parts) == 1 else b"".join(parts)  # b"" for length 0

    def _read_at(self, offset: int, length: int) -> bytes:
        with self._lock:
            if self._fd < 0:
                raise MediaError(self.path, "the file has been closed")
            if hasattr(os, "pread"):
                return os.pread(self._fd, length, offset)
            os.lseek(self._fd, offset, os.SEEK_SET)  # Windows: no pread; the lock keeps this atomic
            return os.read(self._fd, length)

    def read_pieces(self, pieces: FramePieces) -> bytes:
        if len(pieces) == 1:
            return self.read(*pieces[0])
        return b"".join(self.read(offset, length) for offset, length in pieces)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


class MemorySource:
    """Pixel Data held in memory (deflated files), read like a file."""

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self._data = data
        self.size = len(data)

    def read(self, offset: int, length: int) -> bytes:
        if offset + length > self.size:
            raise MediaError(self.path, f"truncated: cannot read {length} bytes at byte {offset}")
        return self._data[offset:offset + length]

    def read_pieces(self, pieces: FramePieces) -> bytes:
        return b"".join(self.read(offset, length) for offset, length in pieces)

    def close(self) -> None:
        self._data = b""


Source = FileSource | MemorySource


@dataclass(frozen=True)
class Fragment:
    item_offset: int  # where the item tag starts
    data_offset: int
    length: int
    head: bytes  # the first two bytes of the data (codestream marker)


@dataclass(frozen=True)
class FragmentScan:
    basic_offsets: tuple[int, ...]
    #: offset of the first fragment's item tag; table offsets count from here
    first_item_offset: int
    fragments: tuple[Fragment, ...]
    #: the file ends inside a fragment (a partly transferred file): ``fragments`` are the whole ones
    truncated: bool = False


def scan_fragments(source: Source, start: int) -> FragmentScan:
    """Walk the item headers of encapsulated Pixel Data starting at ``start``."""
    path, size = source.path, source.size
    head = source.read(start, 8) if start + 8 <= size else b""
    if len(head) < 8:
        raise MediaError(path, "truncated: the file ends where the compressed frames should start")
    tag, length = struct.unpack("<LL", head)
    if tag != _ITEM:
        raise MediaError(path, f"corrupt Pixel Data: no Basic Offset Table item at byte {start}")
    if start + 8 + length > size:
        raise MediaError(path, "truncated: the file ends inside the Basic Offset Table")
    table = source.read(start + 8, length) if length else b""
    offsets = struct.unpack(f"<{length // 4}L", table[: length // 4 * 4])
    pos = start + 8 + length
    first_item = pos
    fragments: list[Fragment] = []
    while pos + 8 <= size:
        head = source.read(pos, min(10, size - pos))
        tag, length = struct.unpack("<LL", head[:8])
        if tag == _SEQUENCE_DELIMITER:
            break
        if tag != _ITEM:
            if not fragments:
                raise MediaError(path, f"corrupt Pixel Data: expected a fragment item at byte {pos}")
            break  # trailing garbage or padding after the last fragment
        if pos + 8 + length > size:
            if not fragments:
                raise MediaError(path, "truncated: the first frame data item runs past the end of the file")
            return FragmentScan(tuple(offsets), first_item, tuple(fragments), truncated=True)
        fragments.append(Fragment(pos, pos + 8, length, head[8:10] if length >= 2 else b""))
        pos += 8 + length
    if not fragments:
        raise MediaError(path, "the compressed Pixel Data holds no frames")
    return FragmentScan(tuple(offsets), first_item, tuple(fragments))


def frame_pieces(
    path: Path,
    scan: FragmentScan,
    frames: int,
    extended_offsets: Sequence[int] | None = None,
) -> list[FramePieces]:
    """The pieces of every frame, from the most to the least explicit source of boundaries.

    For a truncated scan, the pieces of the frames that are whole (maybe fewer than ``frames``).
    """
    if scan.truncated:
        return _intact_frames(path, scan, frames, extended_offsets)
    fragments = scan.fragments
    for table in (extended_offsets, scan.basic_offsets):
        if table and len(table) == frames:
            grouped = _group_by_offsets(scan, table)
            if grouped is not None:
                return grouped
    if len(fragments) == frames:
        return [((f.data_offset, f.length),) for f in fragments]
    if frames == 1:
        return [tuple((f.data_offset, f.length) for f in fragments)]
    if len(fragments) < frames:
        raise MediaError(path, f"the header claims {frames} frames but the Pixel Data holds only {len(fragments)} (truncated or corrupt)")
    starts = [i for i, f in enumerate(fragments) if f.head in _FRAME_START_MARKERS]
    if len(starts) == frames and starts[0] == 0:
        bounds = [*starts, len(fragments)]
        return [
            tuple((f.data_offset, f.length) for f in fragments[a:b])
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ]
    raise MediaError(
        path,
        f"cannot tell the {frames} frames apart in {len(fragments)} data fragments "
        "(no offset table and no frame start markers)",
    )


def _group_by_offsets(scan: FragmentScan, table: Sequence[int]) -> list[FramePieces] | None:
    """Frames from an offset table, or None when the table does not match the fragments."""
    by_offset = {f.item_offset - scan.first_item_offset: i for i, f in enumerate(scan.fragments)}
    try:
        first = [by_offset[int(offset)] for offset in table]
    except KeyError:
        return None
    if first[0] != 0 or any(b <= a for a, b in zip(first[:-1], first[1:], strict=True)):
        return None
    bounds = [*first, len(scan.fragments)]
    return [
        tuple((f.data_offset, f.length) for f in scan.fragments[a:b])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True)
    ]


def _intact_frames(
    path: Path, scan: FragmentScan, frames: int, extended_offsets: Sequence[int] | None
) -> list[FramePieces]:
    """The whole frames at the start of a file that ends inside a fragment (the last fragment
    read may end a frame, or not: only frames whose successor has started are known whole)."""
    fragments = scan.fragments
    by_offset = {f.item_offset - scan.first_item_offset: i for i, f in enumerate(fragments)}
    for table in (extended_offsets, scan.basic_offsets):
        if table and len(table) == frames:
            starts = []
            for offset in table:
                if int(offset) not in by_offset:
                    break
                starts.append(by_offset[int(offset)])
            if starts and starts[0] == 0 and all(b > a for a, b in zip(starts[:-1], starts[1:], strict=False)):
                last = fragments[-1]
                if len(starts) < frames and int(table[len(starts)]) == last.item_offset + 8 + last.length - scan.first_item_offset:
                    starts.append(len(fragments))  # the last frame read ends exactly where the next begins
                return [tuple((f.data_offset, f.length) for f in fragments[a:b])
                        for a, b in zip(starts[:-1], starts[1:], strict=True)]
    marked = [i for i, f in enumerate(fragments) if f.head in _FRAME_START_MARKERS]
    if marked and marked[0] == 0 and len(marked) == len(fragments):
        return [((f.data_offset, f.length),) for f in fragments]  # one fragment per frame
    if marked and marked[0] == 0:
        return [tuple((f.data_offset, f.length) for f in fragments[a:b])
                for a, b in zip(marked[:-1], marked[1:], strict=True)]
    raise MediaError(path, "truncated: the file ends inside the compressed frames and no whole frame can be told apart")
