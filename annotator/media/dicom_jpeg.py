"""8-bit JPEG frames through libjpeg-turbo (``cv2.imdecode``), with pydicom's colour semantics.

Which colour space a JPEG stream holds is decided as libjpeg and pydicom agree, stream markers
first and the DICOM Photometric Interpretation last:

1. a JFIF APP0 marker means YCbCr (converted to RGB), whatever the header says;
2. an Adobe APP14 marker says it itself: transform 0 = RGB stored (no conversion), 1 = YCbCr;
3. component IDs "R", "G", "B" mean RGB stored;
4. otherwise the Photometric Interpretation decides: YBR_* is converted, RGB is not (PS3.5
   8.2.1: RGB means the encoder did no colour transform). libjpeg would guess YCbCr here, so
   an Adobe "transform 0" segment is inserted to make it keep the samples as stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
#: the Huffman-coded 8-bit processes libjpeg-turbo decodes (baseline, extended, progressive)
_CV2_SOF = frozenset({0xC0, 0xC1, 0xC2})
_RGB_COMPONENT_IDS = ((82, 71, 66), (114, 103, 98))  # "RGB", "rgb"
# APP14 "Adobe", version 100, no flags, transform 0 (samples are RGB, do not convert)
ADOBE_KEEP_RGB = b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00\x00"

_COLOR_FLAGS = getattr(cv2, "IMREAD_COLOR_RGB", cv2.IMREAD_COLOR) | cv2.IMREAD_IGNORE_ORIENTATION
_DECODES_RGB = hasattr(cv2, "IMREAD_COLOR_RGB")
_GREY_FLAGS = cv2.IMREAD_GRAYSCALE | cv2.IMREAD_IGNORE_ORIENTATION


@dataclass(frozen=True)
class JpegHeader:
    sof: int  # the start-of-frame marker's second byte (C0 baseline, C1 extended, ...)
    precision: int
    rows: int
    columns: int
    component_ids: tuple[int, ...]
    jfif: bool
    adobe_transform: int | None

    @property
    def components(self) -> int:
        return len(self.component_ids)


def parse_jpeg_header(data: bytes) -> JpegHeader | None:
    """The frame header and colour markers of a JPEG stream; None when it is not JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    jfif = False
    adobe: int | None = None
    pos, end = 2, len(data)
    try:
        while pos + 4 <= end:
            if data[pos] != 0xFF:
                return None
            marker = data[pos + 1]
            if marker == 0xFF:  # fill byte
                pos += 1
                continue
            length = int.from_bytes(data[pos + 2:pos + 4], "big")
            segment = data[pos + 4:pos + 2 + length]
            if marker == 0xE0 and segment.startswith(b"JFIF\x00"):
                jfif = True
            elif marker == 0xEE and segment.startswith(b"Adobe") and len(segment) >= 12:
                adobe = segment[11]
            elif marker in _SOF_MARKERS:
                count = segment[5]
                ids = tuple(segment[6 + 3 * k] for k in range(count))
                rows = int.from_bytes(segment[1:3], "big")
                columns = int.from_bytes(segment[3:5], "big")
                return JpegHeader(marker, segment[0], rows, columns, ids, jfif, adobe)
            elif marker in (0xDA, 0xD9):  # scan or end before a frame header
                return None
            pos += 2 + length
    except IndexError:
        return None
    return None


def stream_is_rgb(header: JpegHeader, photometric: str) -> bool:
    """True when the 3-component stream holds RGB samples (no YCbCr conversion wanted)."""
    if header.jfif:
        return False
    if header.adobe_transform is not None:
        return header.adobe_transform == 0
    if header.component_ids in _RGB_COMPONENT_IDS:
        return True
    return photometric == "RGB"


def decode_jpeg_8bit(data: bytes, photometric: str, samples: int) -> np.ndarray | None:
    """RGB (or grey) uint8 pixels of one 8-bit JPEG frame, or None to let pydicom try."""
    header = parse_jpeg_header(data)
    if header is None or header.precision != 8 or header.sof not in _CV2_SOF:
        return None
    if header.components != samples or samples not in (1, 3):
        return None
    if samples == 1:
        return cv2.imdecode(np.frombuffer(data, np.uint8), _GREY_FLAGS)
    rgb_stored = stream_is_rgb(header, photometric)
    # libjpeg keeps RGB only for Adobe transform 0, or upper-case "RGB" IDs without markers
    libjpeg_guesses_rgb = header.adobe_transform == 0 or (
        not header.jfif and header.adobe_transform is None and header.component_ids == (82, 71, 66)
    )
    if rgb_stored and not libjpeg_guesses_rgb:
        data = data[:2] + ADOBE_KEEP_RGB + data[2:]
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), _COLOR_FLAGS)
    if pixels is None:
        return None
    if not _DECODES_RGB:
        cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB, dst=pixels)
    return pixels
