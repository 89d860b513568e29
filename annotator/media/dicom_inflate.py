"""Inflating a Deflated Explicit VR Little Endian data set without a decompression bomb.

The data set is inflated in 1 MB steps. While it grows, its top-level element headers are
walked: a non-pixel element longer than 64 MB, or more inflated bytes than the image header
implies (rows x columns x samples x bytes x frames, plus a margin), stops the inflation with
a clear error before memory runs out.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from annotator.media.base import MediaError

MAX_ELEMENT_BYTES = 64 * 1024 * 1024  # no header element of an image is this long
MARGIN_BYTES = 16 * 1024 * 1024
HARD_CAP_BYTES = 1024 * 1024 * 1024  # before the image header is known
_STEP = 1024 * 1024
_LONG_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"})
_UNDEFINED = 0xFFFFFFFF
_GEOMETRY = {0x0010: "rows", 0x0011: "columns", 0x0002: "samples", 0x0100: "bits"}


@dataclass
class _Walker:
    """Follows top-level elements through the growing buffer; knows the implied size at Pixel Data."""

    pos: int = 0
    values: dict[str, int] = field(default_factory=dict)
    frames: int = 1
    limit: int | None = None  # the most bytes the data set may inflate to, once known
    lost: bool = False  # a sequence of undefined length: stop walking, keep the hard cap

    def advance(self, buf: bytearray) -> str | None:
        while not self.lost and self.limit is None and self.pos + 8 <= len(buf):
            group, elem = struct.unpack_from("<HH", buf, self.pos)
            vr = bytes(buf[self.pos + 4:self.pos + 6])
            if vr in _LONG_VRS:
                if self.pos + 12 > len(buf):
                    return None
                (length,) = struct.unpack_from("<L", buf, self.pos + 8)
                head = 12
            else:
                (length,) = struct.unpack_from("<H", buf, self.pos + 6)
                head = 8
            if (group, elem) == (0x7FE0, 0x0010):
                return self._at_pixels(length)
            if length == _UNDEFINED:
                self.lost = True
                return None
            if length > MAX_ELEMENT_BYTES:
                return f"element ({group:04X},{elem:04X}) claims {length / 1e6:,.0f} MB: refused (a decompression bomb?)"
            if self.pos + head + length > len(buf):
                return None  # wait for more inflated bytes (the value is read whole below)
            value = bytes(buf[self.pos + head:self.pos + head + length])
            if group == 0x0028 and elem in _GEOMETRY and vr == b"US" and length >= 2:
                self.values[_GEOMETRY[elem]] = struct.unpack_from("<H", value)[0]
            elif (group, elem) == (0x0028, 0x0008):
                try:
                    self.frames = max(1, int(value.decode("ascii", "replace").strip("\0 ").split("\\")[0]))
                except ValueError:
                    self.frames = 1
            self.pos += head + length
        return None

    def _at_pixels(self, length: int) -> str | None:
        v = self.values
        if not {"rows", "columns"} <= v.keys():
            self.lost = True
            return None
        implied = v["rows"] * v["columns"] * v.get("samples", 1) * ((v.get("bits", 8) + 7) // 8) * self.frames
        if length != _UNDEFINED and length > implied + MARGIN_BYTES:
            return f"its Pixel Data claims {length / 1e6:,.0f} MB where the image header implies {implied / 1e6:,.1f} MB: refused"
        self.limit = self.pos + 12 + implied + MARGIN_BYTES
        return None


def inflate_capped(path: Path, deflated: bytes) -> bytes:
    """The inflated data set of a deflated file (raw deflate), or MediaError past the limits."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    out = bytearray()
    walker = _Walker()
    pending = deflated
    try:
        while True:
            chunk = inflater.decompress(pending, _STEP)
            pending = inflater.unconsumed_tail
            out += chunk
            problem = walker.advance(out)
            if problem:
                raise MediaError(path, f"the deflated data set {problem}")
            limit = walker.limit if walker.limit is not None else HARD_CAP_BYTES
            if len(out) > limit:
                raise MediaError(path, f"the deflated data set inflates past {limit / 1e6:,.0f} MB, more than its image header implies: refused (a decompression bomb?)")
            if not chunk and not pending:
                break
    except zlib.error as exc:
        raise MediaError(path, f"the deflated data set is corrupt ({exc})") from None
    return bytes(out)
