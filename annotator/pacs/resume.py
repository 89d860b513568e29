"""Completing a part file after a cut transfer: re-request only the frames that are missing.

Orthanc's DICOMweb plugin ignores HTTP ``Range`` (it answers 200 with the whole instance), so
a resumed transfer keeps the header and the whole frames already in the part file, asks for
the missing frames in ONE frames request in the original transfer syntax, and appends them
(one fragment per frame, Basic Offset Table filled in if the file has one). The elements after
Pixel Data (private elements, digital signatures, trailing padding) come from the instance's
WADO-RS metadata (DICOM JSON, bulk values through their BulkDataURI) and are written after it
in the file's transfer syntax. Their values are the server's; their bytes equal the
original's wherever the encoding is canonical (even lengths, standard padding). A server whose
metadata leaves them out cannot give them back: the file then ends at Pixel Data.
"""

from __future__ import annotations

import struct
from pathlib import Path

from annotator.media.base import MediaError
from annotator.media.dicom_header import PixelLayout
from annotator.pacs.client import DicomWebClient
from annotator.pacs.errors import PacsError

_ITEM = b"\xfe\xff\x00\xe0"
_SEQUENCE_END = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"


def complete_part_file(client: DicomWebClient, uids: tuple[str, str, str], part: Path,
                       cut: PacsError) -> int:
    """Append the missing frames to ``part``; the number of frames fetched. Raises ``cut``
    (the original error, with what was tried) when the part cannot be completed."""
    from annotator.media.dicom import DicomMedia

    pieces: list[tuple[tuple[int, int], ...]] = []
    try:
        with DicomMedia(part) as media:
            layout, have = media.layout, media.frame_count
            pieces = list(media._pieces)  # noqa: SLF001 - the frame map of this very file
    except MediaError as exc:  # a native file is refused when short: count its whole frames
        native = _native_part(part)
        if native is None:
            raise PacsError(f"{cut} (nothing could be kept: {exc.problem})", "cut") from None
        layout, have = native
    total = layout.frames
    if have >= total:  # the cut fell after the last frame: only the end of the file was lost
        _end_pixel_data(part, layout, pieces)
        _append_trailing(client, uids, part, layout, cut)
        return 0
    if not layout.encapsulated and layout.native_frame_bits % 8:
        raise PacsError(f"{cut} (frames of {layout.bits_allocated} bits cannot be resumed)", "cut")
    wanted = list(range(have + 1, total + 1))
    try:
        frames = client.retrieve_frames_as_stored(*uids, wanted)
    except PacsError as exc:
        raise PacsError(f"{cut}; resuming failed too: {exc}", exc.kind) from None
    if len(frames) != len(wanted):
        raise PacsError(f"{cut}; resuming got {len(frames)} of the {len(wanted)} missing frames", "cut")
    for syntax, _ in frames:
        if syntax is not None and syntax != str(layout.transfer_syntax):
            raise PacsError(f"{cut}; resuming got frames in {syntax}, not in the file's "
                            f"{layout.transfer_syntax}", "cut")
    if layout.encapsulated:
        _append_fragments(part, pieces, [data for _, data in frames], layout.value_offset, total)
        _append_trailing(client, uids, part, layout, cut)
    else:
        frame_bytes = layout.native_frame_bits // 8
        end = layout.value_offset + have * frame_bytes
        with open(part, "r+b") as f:
            f.truncate(end)
            f.seek(end)
            for _, data in frames:
                if len(data) < frame_bytes:
                    raise PacsError(f"{cut}; a resumed frame has {len(data)} of {frame_bytes} bytes", "cut")
                f.write(data[:frame_bytes])
            if (total * frame_bytes) % 2:
                f.write(b"\0")
        _append_trailing(client, uids, part, layout, cut)
    return len(frames)


def _native_part(part: Path) -> tuple[PixelLayout, int] | None:
    """The layout of a short uncompressed part file and its whole frames, or None."""
    from annotator.pacs.partial import NativePart

    native = NativePart.open(part)
    if native is None:
        return None
    native.close()
    return (native.layout, native.frame_count) if native.frame_count > 0 else None


def _append_fragments(part: Path, pieces: list[tuple[tuple[int, int], ...]], frames: list[bytes],
                      bot_item: int, total: int) -> None:
    """Truncate after the last whole frame and append ``frames`` as items, then the end."""
    end = pieces[-1][-1][0] + pieces[-1][-1][1]
    with open(part, "r+b") as f:
        f.seek(bot_item)
        tag, bot_length = struct.unpack("<4sL", f.read(8))
        first_item = bot_item + 8 + bot_length
        f.truncate(end)
        f.seek(end)
        offsets = _frame_starts(pieces, first_item)
        pos = end
        for data in frames:
            padded = data + (b"\0" if len(data) % 2 else b"")
            offsets.append(pos - first_item)
            f.write(_ITEM + struct.pack("<L", len(padded)) + padded)
            pos += 8 + len(padded)
        f.write(_SEQUENCE_END)
        if tag == _ITEM and bot_length == 4 * total:  # keep the offset table true
            f.seek(bot_item + 8)
            f.write(struct.pack(f"<{total}L", *offsets))


def _frame_starts(pieces: list[tuple[tuple[int, int], ...]], first_item: int) -> list[int]:
    # a piece's data starts 8 bytes after its item tag; offsets count from the first item
    return [frame[0][0] - 8 - first_item for frame in pieces]


def _end_pixel_data(part: Path, layout: PixelLayout, pieces: list[tuple[tuple[int, int], ...]]) -> None:
    """Every frame is in ``part``: cut it where Pixel Data ends (closing encapsulated data)."""
    if not layout.encapsulated:
        assert layout.value_length is not None
        with open(part, "r+b") as f:
            f.truncate(layout.value_offset + layout.value_length)
        return
    end = pieces[-1][-1][0] + pieces[-1][-1][1]
    with open(part, "r+b") as f:
        f.truncate(end)
        f.seek(end)
        f.write(_SEQUENCE_END)


def _append_trailing(client: DicomWebClient, uids: tuple[str, str, str], part: Path,
                     layout: PixelLayout, cut: PacsError) -> None:
    """Write the elements that follow Pixel Data, from the instance's metadata."""
    from pydicom.dataset import Dataset
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset

    try:
        meta = client.metadata(*uids)
        after = {k: v for k, v in (meta[0] if meta else {}).items() if int(k, 16) > 0x7FE00010}
        if not after:
            return
        trailing = Dataset.from_json(after, bulk_data_uri_handler=client.bulkdata)
    except (PacsError, ValueError, TypeError) as exc:
        raise PacsError(f"{cut}; the elements after the pixels could not be fetched: {exc}",
                        getattr(exc, "kind", "cut")) from None
    out = DicomBytesIO()
    out.is_little_endian = True
    out.is_implicit_VR = str(layout.transfer_syntax) == "1.2.840.10008.1.2"
    write_dataset(out, trailing)
    with open(part, "ab") as f:
        f.write(out.getvalue())
