"""Is a file in the local PACS cache whole? The cache is not fsynced (the PACS holds the
original; fsync alone cost as much as the transfer), so after a crash or a power cut a file
under its final name may be short. It is taken as whole only when its length is the one
recorded beside it when it was downloaded (``.NAME.length``; files without one, such as the
fsynced ones of a study download, skip this), its Pixel Data is complete to the last frame
and the elements after it end exactly at the end of the file; anything else is deleted and
downloaded again (``remote_clip.open_instance``).

A power cut may also leave a file of the right length whose last blocks read as zeros; those
are caught where zeros break the structure (encapsulated frames, trailing elements), not
inside uncompressed pixel values.
"""

from __future__ import annotations

import struct
from pathlib import Path

from annotator.media.base import MediaError

_ITEM, _ITEM_END, _SEQ_END = 0xE000FFFE, 0xE00DFFFE, 0xE0DDFFFE
_UNDEFINED = 0xFFFFFFFF
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}


def pixel_data_end(path: Path) -> tuple[int, bool]:
    """Where the Pixel Data element ends in ``path`` and whether the file is implicit VR.
    Raises ``MediaError`` when the Pixel Data is not whole."""
    from annotator.media.dicom import DicomMedia

    with DicomMedia(path) as media:
        if media.open_warnings:
            raise MediaError(path, media.open_warnings[0])
        layout = media.layout
        implicit = str(layout.transfer_syntax) == "1.2.840.10008.1.2"
        if not layout.encapsulated:
            assert layout.value_length is not None
            end = layout.value_offset + layout.value_length
            if end > path.stat().st_size:
                raise MediaError(path, "truncated: the file ends inside the Pixel Data")
            return end, implicit
    with open(path, "rb") as f:
        pos = layout.value_offset
        while True:
            f.seek(pos)
            head = f.read(8)
            if len(head) < 8:
                raise MediaError(path, "truncated: no end to the compressed frames")
            tag, length = struct.unpack("<LL", head)
            if tag == _SEQ_END:
                return pos + 8, implicit
            if tag != _ITEM:
                raise MediaError(path, f"corrupt Pixel Data at byte {pos}")
            pos += 8 + length


def tail_end(data: bytes, pos: int, implicit: bool, until: int | None = None) -> int:
    """Walk the elements of ``data`` from ``pos`` (little endian) and return where they end:
    at the end of ``data``, or after the delimiter ``until``. Raises ``ValueError`` when an
    element runs past the end."""
    size = len(data)
    while pos < size:
        if pos + 8 > size:
            raise ValueError(f"an element header is cut at byte {pos}")
        tag, = struct.unpack_from("<L", data, pos)
        if tag in (_ITEM_END, _SEQ_END):
            if until == tag:
                return pos + 8
            raise ValueError(f"an unexpected delimiter at byte {pos}")
        if tag == _ITEM or implicit:
            length, = struct.unpack_from("<L", data, pos + 4)
            pos += 8
        else:
            vr = data[pos + 4:pos + 6]
            if vr in _LONG_VRS:
                if pos + 12 > size:
                    raise ValueError(f"an element header is cut at byte {pos}")
                length, = struct.unpack_from("<L", data, pos + 8)
                pos += 12
            else:
                length, = struct.unpack_from("<H", data, pos + 6)
                pos += 8
        if length == _UNDEFINED:  # a sequence (or item) that ends with a delimiter
            pos = tail_end(data, pos, implicit, _ITEM_END if tag == _ITEM else _SEQ_END)
            continue
        if pos + length > size:
            raise ValueError(f"an element at byte {pos} runs past the end of the file")
        if tag == _ITEM and length and until is not None:
            tail_end(data[:pos + length], pos, implicit)  # the item's own elements
        pos += length
    if until is not None:
        raise ValueError("a sequence has no end")
    return pos


def length_path(path: Path) -> Path:
    """Where the expected length of the cache file ``path`` is recorded."""
    return path.parent / f".{path.name}.length"


def record_length(path: Path, length: int) -> None:
    length_path(path).write_text(str(length), encoding="ascii")


def cache_file_problem(path: Path) -> str | None:
    """None when ``path`` is a whole DICOM file, else what is wrong with it."""
    try:
        recorded = length_path(path).read_text(encoding="ascii").strip()
    except OSError:
        recorded = ""
    try:
        size = path.stat().st_size
        if recorded and (not recorded.isdigit() or int(recorded) != size):
            return f"the file has {size} bytes, {recorded} were downloaded"
        end, implicit = pixel_data_end(path)
        with open(path, "rb") as f:
            f.seek(end)
            tail = f.read()
        tail_end(tail, 0, implicit)
    except MediaError as exc:
        return exc.problem
    except (OSError, ValueError, struct.error) as exc:
        return str(exc)
    return None
