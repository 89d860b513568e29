"""12-bit JPEG Extended (process 4, 1.2.840.10008.1.2.4.51): pydicom refuses to pass it to
gdcm, pillow reads 8-bit JPEG only, and the one other decoder (pylibjpeg-libjpeg) is GPL. gdcm's
own 12-bit decoder reads it, in the worker process that contains gdcm's aborts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.encaps import encapsulate, generate_frames

from annotator.media import open_media
from annotator.media.base import MediaError

FILES = Path(pydicom.__file__).parent / "data" / "test_files"
# JPGExtended.dcm (a 1024 x 256 nuclear medicine bone scan, 12 bits stored) decoded by
# pylibjpeg-libjpeg, outside this project: the mean of each 64 x 64 block, row by row. A lossy
# JPEG decodes within one grey level from one decoder to another (their inverse DCTs round
# differently: gdcm differs on 3,612 of its 262,144 pixels, by 1)
REFERENCE_BLOCKS = [
    [1.0, 1.0, 1.0, 1.0], [1.0, 8.7, 13.3, 1.0], [1.0, 22.2, 43.3, 2.1], [13.5, 50.4, 65.7, 22.7],
    [15.1, 39.0, 53.8, 18.8], [13.1, 27.0, 44.6, 15.9], [10.6, 39.7, 70.1, 14.6], [9.5, 29.1, 32.8, 14.8],
    [1.8, 22.6, 19.4, 3.0], [1.4, 24.4, 27.5, 1.1], [1.0, 17.9, 18.2, 1.0], [1.0, 14.1, 12.4, 1.0],
    [1.0, 19.3, 16.7, 1.0], [1.0, 4.1, 3.3, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0],
]


def _blocks(values: np.ndarray) -> np.ndarray:
    return values.astype(np.float64).reshape(16, 64, 4, 64).mean(axis=(1, 3))


@pytest.mark.parametrize("name", ["JPGExtended.dcm", "JPEG-lossy.dcm"])  # the same scan, encoded twice
def test_pydicoms_12_bit_jpeg_files_decode_as_an_independent_decoder_reads_them(name: str) -> None:
    with open_media(FILES / name) as media:
        raw = media.raw_frame(0)
        shown = media.frame(0)
    assert raw.shape == (1024, 256) and raw.dtype == np.uint16
    assert int(raw.max()) == 264  # 12 bits stored, the scan's own range
    np.testing.assert_allclose(_blocks(raw), REFERENCE_BLOCKS, atol=0.1)
    assert shown.shape == (1024, 256, 3) and shown.dtype == np.uint8 and int(shown.max()) == 255


def _rewritten(tmp_path: Path, name: str, frames: list[bytes]) -> Path:
    ds = pydicom.dcmread(FILES / "JPGExtended.dcm")
    ds.PixelData = encapsulate(frames)
    ds.NumberOfFrames = len(frames)
    path = tmp_path / name
    ds.save_as(path, enforce_file_format=True)
    return path


def _frame() -> bytes:
    ds = pydicom.dcmread(FILES / "JPGExtended.dcm")
    return next(generate_frames(ds.PixelData, number_of_frames=1))


def test_each_frame_of_a_12_bit_jpeg_clip_decodes(tmp_path: Path) -> None:
    frame = _frame()
    with open_media(_rewritten(tmp_path, "two.dcm", [frame, frame])) as media:
        assert media.frame_count == 2
        np.testing.assert_array_equal(media.raw_frame(1), media.raw_frame(0))


@pytest.mark.parametrize("cut", ["half", "garbage"])
def test_a_corrupt_12_bit_jpeg_frame_is_refused_in_one_line(tmp_path: Path, cut: str) -> None:
    frame = _frame()
    data = frame[: len(frame) // 2] if cut == "half" else frame[:200] + bytes(range(256)) * 20
    with open_media(_rewritten(tmp_path, f"{cut}.dcm", [data])) as media, pytest.raises(MediaError) as caught:
        media.raw_frame(0)
    message = str(caught.value)
    assert "\n" not in message and "12-bit JPEG data is corrupt or truncated" in message
