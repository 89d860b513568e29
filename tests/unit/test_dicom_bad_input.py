"""Every kind of bad DICOM input gives a MediaError naming the file and the problem, quickly."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from dicom_factory import (
    base_dataset,
    gradient_rgb,
    jpeg_encode,
    save,
    write_encapsulated,
    write_native,
)
from pydicom.uid import MPEG4HP41, JPEGLSLossless

from annotator.media import MediaError, open_media
from annotator.media.dicom import DicomMedia


def _expect_error(path: Path, *fragments: str, opener: Callable[[Path], object] = open_media) -> MediaError:
    started = time.perf_counter()
    with pytest.raises(MediaError) as err:
        opener(path)
    assert time.perf_counter() - started < 5.0
    message = str(err.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message.lower(), message
    assert "\n" not in message
    return err.value


def _truncate(path: Path, keep: int) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    return path


def test_missing_file_and_folder(tmp_path: Path) -> None:
    _expect_error(tmp_path / "absent.dcm", "not found")
    _expect_error(tmp_path / "absent.dcm", "not found", opener=DicomMedia)
    _expect_error(tmp_path, "folder")
    _expect_error(tmp_path, "folder", opener=DicomMedia)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    _expect_error(path, "empty")
    _expect_error(path, "empty", opener=DicomMedia)


def test_garbage_is_not_dicom(tmp_path: Path) -> None:
    path = tmp_path / "garbage.dcm"
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    _expect_error(path, "not a dicom file")


def test_dicm_marker_then_garbage(tmp_path: Path) -> None:
    path = tmp_path / "corrupt_header.dcm"
    path.write_bytes(b"\x00" * 128 + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f" + b"x" * 300)
    _expect_error(path, "dicom")


def test_truncated_uncompressed_pixel_data(tmp_path: Path) -> None:
    path = write_native(tmp_path / "native.dcm", np.zeros((10, 64, 64), np.uint8))
    _truncate(path, path.stat().st_size - 64 * 64 * 4)
    _expect_error(path, "truncated")


def test_truncated_compressed_frames(tmp_path: Path) -> None:
    frames = [jpeg_encode(f) for f in gradient_rgb(6, 48, 64)]
    path = write_encapsulated(tmp_path / "jpeg.dcm", frames, 48, 64)
    _truncate(path, path.stat().st_size - len(frames[-1]) // 2 - 8)
    # A partial transfer: the whole frames open and the missing one is named (issue 11).
    with open_media(path) as media:
        assert media.frame_count == 5
        assert media.frame(4).shape == (48, 64, 3)
        assert "only 5 of 6 frames" in media.open_warnings[0]
    _truncate(path, path.stat().st_size - sum(len(f) for f in frames[1:]) - len(frames[0]) // 2)
    _expect_error(path, "truncated")  # not even the first frame is whole


def test_no_pixel_data(tmp_path: Path) -> None:
    path = save(base_dataset(64, 64, 1), tmp_path / "nopixels.dcm")
    _expect_error(path, "no pixel data")


@pytest.mark.parametrize(
    ("attributes", "fragment"),
    [
        ({"Rows": 0}, "0 rows"),
        ({"Columns": 0}, "0 columns"),
        ({"NumberOfFrames": 0}, "0 frames"),
        ({"Rows": 60000, "Columns": 60000}, "too large"),
        ({"Rows": 4000, "Columns": 4000}, "header claims"),
        ({"NumberOfFrames": 1_000_000_000}, "header claims"),
        ({"BitsAllocated": 12}, "bits allocated"),
        ({"SamplesPerPixel": 4}, "samples per pixel"),
    ],
)
def test_header_dimensions_that_do_not_fit(tmp_path: Path, attributes: dict[str, int], fragment: str) -> None:
    ds = base_dataset(64, 64, 2)
    ds.PixelData = bytes(2 * 64 * 64)
    for key, value in attributes.items():
        setattr(ds, key, value)
    _expect_error(save(ds, tmp_path / "absurd.dcm"), fragment)


def test_more_frames_claimed_than_fragments(tmp_path: Path) -> None:
    frames = [jpeg_encode(f) for f in gradient_rgb(3, 48, 64)]
    path = write_encapsulated(tmp_path / "few.dcm", frames, 48, 64, basic_offsets=False, NumberOfFrames=1000)
    _expect_error(path, "1000 frames")


def test_frame_whose_size_disagrees_with_the_header(tmp_path: Path) -> None:
    frames = [jpeg_encode(f) for f in gradient_rgb(2, 32, 32)]
    path = write_encapsulated(tmp_path / "size.dcm", frames, 48, 64)
    with DicomMedia(path) as media, pytest.raises(MediaError, match="frame 1 decodes to 32 x 32"):
        media.frame(1)


def test_missing_decoder_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydicom.pixels.decoders.base import Decoder

    path = write_encapsulated(tmp_path / "jls.dcm", [b"\xff\xd8\xff\xf7" + bytes(40)], 48, 64, samples=1, photometric="MONOCHROME2", transfer_syntax=JPEGLSLossless)
    monkeypatch.setattr(Decoder, "is_available", property(lambda self: False))
    _expect_error(path, "pyjpegls")


def test_video_in_dicom_is_refused_clearly(tmp_path: Path) -> None:
    path = write_encapsulated(tmp_path / "mpeg.dcm", [b"\x00\x00\x01\xb3" + bytes(40)], 48, 64, transfer_syntax=MPEG4HP41)
    _expect_error(path, "not supported")


def test_unknown_transfer_syntax(tmp_path: Path) -> None:
    frames = [jpeg_encode(f) for f in gradient_rgb(2, 8, 8)]
    path = write_encapsulated(tmp_path / "private.dcm", frames, 8, 8)
    path.write_bytes(path.read_bytes().replace(b"1.2.840.10008.1.2.4.50", b"1.2.840.99999.1.2.4.50"))
    _expect_error(path, "unknown transfer syntax 1.2.840.99999.1.2.4.50")
