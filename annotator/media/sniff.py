"""Recognise a media file by its first bytes, then by its extension (no heavy imports here).

Content wins over the extension: scanners and PACS exports often name DICOM files without an
extension (or ``.img``, ``IM_0001``), and clips get renamed.
"""

from __future__ import annotations

from pathlib import Path

from annotator.media.kinds import Format, kind_of_path

#: bytes read from the start of a file to recognise it
HEAD_BYTES = 512

# Explicit VR codes: a file without the 128-byte preamble still starts with a tag and a VR.
_VRS = frozenset(
    b.encode()
    for b in ["AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"]
)
# Groups a DICOM data set without preamble starts with: file meta, identifying, (rarely) others.
_FIRST_GROUPS = frozenset({0x0002, 0x0008, 0x0010, 0x0018, 0x0020, 0x0028})

_BMP_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})

# QuickTime/MP4 top-level box types seen at offset 4 of clips without an ``ftyp`` first.
_QT_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})


def looks_like_dicom_without_preamble(head: bytes) -> bool:
    """True for a DICOM data set that starts at byte 0 (no preamble, no "DICM")."""
    if len(head) < 8:
        return False
    group = int.from_bytes(head[0:2], "little")
    element = int.from_bytes(head[2:4], "little")
    if group not in _FIRST_GROUPS:
        return False
    if head[4:6] in _VRS:  # explicit VR little endian
        return True
    # Implicit VR: a 32-bit length that is small and even (or undefined for a sequence)
    length = int.from_bytes(head[4:8], "little")
    return element <= 0x0100 and (length < 1024 and length % 2 == 0 or length == 0xFFFFFFFF)


def sniff_content(head: bytes) -> Format | None:
    """The format from a file's first bytes, or None when they say nothing known."""
    if len(head) >= 132 and head[128:132] == b"DICM":
        return "dicom"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image"
    if head.startswith(b"\xff\xd8\xff"):
        return "image"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "image"
    if head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return "image"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image"
    if head.startswith(b"RIFF") and head[8:12] in (b"AVI ", b"AVIX"):
        return "video"
    if head[4:8] in _QT_BOXES:
        return "video"
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska / WebM
        return "video"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):  # ASF / WMV
        return "video"
    if head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):  # MPEG program / video stream
        return "video"
    if len(head) > 376 and head[0] == head[188] == head[376] == 0x47:  # MPEG-TS packets
        return "video"
    if looks_like_dicom_without_preamble(head):
        return "dicom"
    return None


def sniff_extension(path: Path) -> Format | None:
    kind = kind_of_path(path)
    return None if kind is None else kind.format


def sniff_format(path: Path, head: bytes) -> Format | None:
    """Content first, then the extension."""
    return sniff_content(head) or sniff_extension(path)
