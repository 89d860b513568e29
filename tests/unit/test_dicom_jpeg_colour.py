"""JPEG colour handling: stream markers and Photometric Interpretation, against pydicom and the truth.

Each variant is a real JPEG stream (libjpeg-turbo via OpenCV, or Pillow keeping RGB) edited the
way scanners write them: with or without JFIF/Adobe markers, with "RGB" component IDs, and
labelled RGB or YBR_FULL_422 in the DICOM header.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from dicom_factory import write_encapsulated
from PIL import Image
from pydicom.pixels import pixel_array
from pydicom.uid import JPEGBaseline8Bit, JPEGExtended12Bit

from annotator.media import dicom as dicom_module
from annotator.media.dicom import DicomMedia
from annotator.media.dicom_jpeg import parse_jpeg_header

H, W = 64, 80


@pytest.fixture(scope="module")
def truth() -> np.ndarray:
    image = np.zeros((H, W, 3), np.uint8)
    image[..., 0] = np.linspace(0, 255, W)[None]
    image[..., 1] = np.linspace(0, 255, H)[:, None]
    image[..., 2] = 128
    image[20:40, 20:50] = (200, 30, 60)
    return image


def _segments(data: bytes) -> list[tuple[int, int, int]]:
    out, pos = [], 2
    while data[pos] == 0xFF and data[pos + 1] != 0xDA:
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        out.append((data[pos + 1], pos, pos + 2 + length))
        pos += 2 + length
    return out


def _strip(data: bytes, marker: int) -> bytes:
    for m, start, end in _segments(data):
        if m == marker:
            return data[:start] + data[end:]
    return data


def _with_ids(data: bytes, ids: bytes) -> bytes:
    """Rename the components (frame header and scan header alike)."""
    out = bytearray(data)
    old: list[int] = []
    for m, start, _ in _segments(data):
        if m == 0xC0:
            for k, new in enumerate(ids):
                old.append(out[start + 10 + 3 * k])
                out[start + 10 + 3 * k] = new
    sos = bytes(out).index(b"\xff\xda")
    for k in range(out[sos + 4]):
        out[sos + 5 + 2 * k] = ids[old.index(out[sos + 5 + 2 * k])]
    return bytes(out)


def _adobe(transform: int) -> bytes:
    return b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00" + bytes([transform])


def _ycbcr_jfif(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buf.tobytes()


def _rgb_adobe0(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, "JPEG", quality=95, keep_rgb=True, subsampling=0)
    return out.getvalue()


def _variants(image: np.ndarray) -> dict[str, bytes]:
    ycc, rgb = _ycbcr_jfif(image), _rgb_adobe0(image)
    bare_ycc = _strip(ycc, 0xE0)
    bare_rgb = _strip(rgb, 0xEE)
    return {
        "ycc-jfif": ycc,
        "ycc-bare": bare_ycc,
        "ycc-adobe1": bare_ycc[:2] + _adobe(1) + bare_ycc[2:],
        "rgb-adobe0": rgb,
        "rgb-bare": _with_ids(bare_rgb, b"\x01\x02\x03"),
        "rgb-ids": _with_ids(bare_rgb, b"RGB"),
    }


# (variant, Photometric Interpretation): the stream's colour space is unambiguous in each, and
# pydicom's default decode agrees with it.
CASES = [
    ("ycc-jfif", "YBR_FULL_422"),
    ("ycc-jfif", "RGB"),  # labelled RGB, but JFIF says YCbCr
    ("ycc-bare", "YBR_FULL_422"),
    ("ycc-adobe1", "YBR_FULL_422"),
    ("rgb-adobe0", "RGB"),
    ("rgb-adobe0", "YBR_FULL_422"),  # Adobe transform 0: RGB stored, whatever the label
    ("rgb-bare", "RGB"),  # no markers: the label decides; libjpeg alone would convert
    ("rgb-ids", "YBR_FULL_422"),  # "R", "G", "B" component IDs
    ("rgb-ids", "RGB"),
]


@pytest.mark.parametrize(("variant", "photometric"), CASES)
def test_colours_match_the_truth_and_pydicom(tmp_path: Path, truth: np.ndarray, variant: str, photometric: str) -> None:
    stream = _variants(truth)[variant]
    path = write_encapsulated(tmp_path / "v.dcm", [stream], H, W, photometric=photometric)
    with DicomMedia(path) as media:
        frame = media.frame(0).astype(int)
    assert np.abs(frame - truth).mean() < 3.0
    reference = pixel_array(path, index=0).astype(int)
    assert np.abs(frame - reference).mean() < 1.0


def test_the_marker_parser_reads_what_libjpeg_reads(truth: np.ndarray) -> None:
    variants = _variants(truth)
    assert parse_jpeg_header(variants["ycc-jfif"]).jfif  # type: ignore[union-attr]
    assert parse_jpeg_header(variants["rgb-adobe0"]).adobe_transform == 0  # type: ignore[union-attr]
    assert parse_jpeg_header(variants["ycc-adobe1"]).adobe_transform == 1  # type: ignore[union-attr]
    header = parse_jpeg_header(variants["rgb-ids"])
    assert header is not None and header.component_ids == (82, 71, 66) and header.precision == 8
    assert (header.rows, header.columns) == (H, W)
    assert parse_jpeg_header(b"not a jpeg") is None


def test_grey_jpeg_and_jpeg_extended_8bit(tmp_path: Path, truth: np.ndarray) -> None:
    grey = cv2.cvtColor(truth, cv2.COLOR_RGB2GRAY)
    ok, buf = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    mono = write_encapsulated(tmp_path / "mono.dcm", [buf.tobytes()], H, W, samples=1, photometric="MONOCHROME2")
    extended = write_encapsulated(tmp_path / "ext.dcm", [_ycbcr_jfif(truth)], H, W, transfer_syntax=JPEGExtended12Bit)
    for path in (mono, extended):
        with DicomMedia(path) as media:
            reference = pixel_array(path, index=0)
            if reference.ndim == 2:
                reference = np.repeat(reference[..., None], 3, axis=2)
            assert np.abs(media.frame(0).astype(int) - reference).mean() < 1.0


def test_pydicom_decodes_a_frame_libjpeg_turbo_refuses(tmp_path: Path, truth: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_encapsulated(tmp_path / "fallback.dcm", [_ycbcr_jfif(truth)] * 2, H, W, transfer_syntax=JPEGBaseline8Bit)
    with DicomMedia(path) as media:
        fast = media.frame(1).copy()
    monkeypatch.setattr(dicom_module, "decode_jpeg_8bit", lambda *args: None)
    with DicomMedia(path) as media:
        slow = media.frame(1)
    assert np.abs(fast.astype(int) - slow).mean() < 1.0
