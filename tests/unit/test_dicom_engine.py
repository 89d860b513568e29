"""DicomMedia on generated files with known content: frames, fragments, colour mapping, laziness."""

from __future__ import annotations

import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pydicom
import pytest
from dicom_factory import (
    base_dataset,
    gradient_rgb,
    jpeg_encode,
    save,
    write_encapsulated,
    write_native,
)
from pydicom.pixels import pixel_array
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    JPEG2000Lossless,
    RLELossless,
)

from annotator.media import MediaError, open_media
from annotator.media.dicom import DicomMedia

ROWS, COLS = 48, 64


@pytest.fixture
def rgb_frames() -> np.ndarray:
    return gradient_rgb(5, ROWS, COLS)


def _jpeg_clip(tmp_path: Path, frames: np.ndarray, name: str = "clip.dcm", **kwargs: object) -> Path:
    return write_encapsulated(tmp_path / name, [jpeg_encode(f) for f in frames], ROWS, COLS, **kwargs)  # type: ignore[arg-type]


def test_jpeg_clip_frames_are_rgb_and_close_to_the_source(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    with DicomMedia(_jpeg_clip(tmp_path, rgb_frames)) as media:
        assert (media.frame_count, media.height, media.width) == (5, ROWS, COLS)
        for i in range(media.frame_count):
            frame = media.frame(i)
            assert frame.shape == (ROWS, COLS, 3) and frame.dtype == np.uint8
            assert not frame.flags.writeable
            assert np.abs(frame.astype(int) - rgb_frames[i]).mean() < 3.0


def test_jpeg_frames_match_pydicom_reference_decode(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    path = _jpeg_clip(tmp_path, rgb_frames)
    with DicomMedia(path) as media:
        for i in (0, media.frame_count - 1):
            reference = pixel_array(path, index=i)
            assert np.abs(media.frame(i).astype(int) - reference).mean() < 1.0


@pytest.mark.parametrize(
    "layout",
    [
        {"fragments_per_frame": 3, "basic_offsets": False},
        {"fragments_per_frame": 3, "basic_offsets": True},
        {"basic_offsets": False},
        {"extended_offsets": True, "basic_offsets": False},
    ],
    ids=["split-no-table", "split-with-bot", "one-per-frame-no-bot", "extended-offset-table"],
)
def test_frames_are_found_whatever_the_fragment_layout(tmp_path: Path, rgb_frames: np.ndarray, layout: dict[str, object]) -> None:
    reference_path = _jpeg_clip(tmp_path, rgb_frames, "reference.dcm")
    path = _jpeg_clip(tmp_path, rgb_frames, "layout.dcm", **layout)
    with DicomMedia(reference_path) as reference, DicomMedia(path) as media:
        assert media.frame_count == reference.frame_count
        for i in range(media.frame_count):
            assert media.frame_bytes(i).rstrip(b"\x00") == reference.frame_bytes(i).rstrip(b"\x00")
            np.testing.assert_array_equal(media.frame(i), reference.frame(i))


def test_opening_decodes_nothing_and_a_corrupt_frame_fails_alone(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    encoded = [jpeg_encode(f) for f in rgb_frames]
    encoded[2] = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4  # a JPEG start, then garbage
    path = write_encapsulated(tmp_path / "corrupt.dcm", encoded, ROWS, COLS)
    with DicomMedia(path) as media:  # opens: no frame is decoded at open
        assert media.frame(1).shape == (ROWS, COLS, 3)
        with pytest.raises(MediaError, match="frame 2") as err:
            media.frame(2)
        assert str(path) in str(err.value)
        assert media.frame(3).shape == (ROWS, COLS, 3)


def test_parallel_reads_match_sequential(tmp_path: Path) -> None:
    frames = gradient_rgb(16, ROWS, COLS)
    path = _jpeg_clip(tmp_path, frames)
    with DicomMedia(path) as sequential:
        expected = [sequential.frame(i).copy() for i in range(16)]
    with DicomMedia(path) as media:
        assert media.serial_decode is False
        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(media.raw_frame, range(16)))
        futures = [media.frame_future(i) for i in reversed(range(16))]
        results = [f.result() for f in reversed(futures)]
    for i in range(16):
        np.testing.assert_array_equal(got[i], expected[i])
        np.testing.assert_array_equal(results[i], expected[i])


def test_rgb_planar_configurations_and_big_endian(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    paths = [
        write_native(tmp_path / "pc0.dcm", rgb_frames, planar=0),
        write_native(tmp_path / "pc1.dcm", rgb_frames, planar=1),
        write_native(tmp_path / "be.dcm", rgb_frames, planar=1, transfer_syntax=ExplicitVRBigEndian),
    ]
    for path in paths:
        with DicomMedia(path) as media:
            for i in (0, 4):
                np.testing.assert_array_equal(media.frame(i), rgb_frames[i])


@pytest.mark.parametrize("planar", [0, 1])
def test_big_endian_ow_8bit_frames_of_odd_size(tmp_path: Path, planar: int) -> None:
    """8-bit samples in a big-endian OW element are swapped in 16-bit words across the whole
    element: a 3 x 3 RGB frame is 27 bytes, so frame 1 begins in the middle of a word."""
    frames = np.arange(3 * 27, dtype=np.uint8).reshape(3, 3, 3, 3)
    ds = base_dataset(3, 3, 3, samples=3, photometric="RGB", transfer_syntax=ExplicitVRBigEndian)
    ds.PlanarConfiguration = planar
    stored = np.ascontiguousarray(frames.transpose(0, 3, 1, 2) if planar else frames).tobytes() + b"\x00"
    ds.PixelData = np.frombuffer(stored, np.uint8).reshape(-1, 2)[:, ::-1].tobytes()
    ds["PixelData"].VR = "OW"
    path = save(ds, tmp_path / "odd_be.dcm")
    with DicomMedia(path) as media:
        for i in range(3):
            np.testing.assert_array_equal(media.raw_frame(i), pixel_array(path, index=i))
            np.testing.assert_array_equal(media.raw_frame(i), frames[i])


def _jp2(grey: np.ndarray, before_codestream: bytes, xl_length: bool = False) -> bytes:
    """A JP2 file (openjpeg's) with ``before_codestream`` boxes inserted before its jp2c box,
    as GDCM writes them (kilobytes of header and uuid boxes before the codestream)."""
    import openjpeg

    jp2 = openjpeg.encode(grey, codec_format=1)
    at = jp2.index(b"jp2c") - 4
    codestream = jp2[at + 8:]
    box = (struct.pack(">I4sQ", 1, b"jp2c", 16 + len(codestream)) if xl_length
           else struct.pack(">I4s", 8 + len(codestream), b"jp2c"))
    return jp2[:at] + before_codestream + box + codestream


@pytest.mark.parametrize("xl_length", [False, True])
def test_jp2_wrapped_frames_with_long_headers_decode(tmp_path: Path, xl_length: bool) -> None:
    grey = (np.arange(ROWS * COLS) % 251).astype(np.uint8).reshape(ROWS, COLS)
    uuid_box = struct.pack(">I4s", 8 + 16 + 2000, b"uuid") + bytes(16) + b"x" * 2000
    frame = _jp2(grey, uuid_box, xl_length)
    path = write_encapsulated(tmp_path / "jp2.dcm", [frame], ROWS, COLS, samples=1, photometric="MONOCHROME2",
                              transfer_syntax=JPEG2000Lossless)
    with DicomMedia(path) as media:
        np.testing.assert_array_equal(media.raw_frame(0), grey)


def test_jp2_with_a_corrupt_box_is_a_clear_error(tmp_path: Path) -> None:
    grey = np.zeros((ROWS, COLS), np.uint8)
    frame = _jp2(grey, struct.pack(">I4s", 3, b"uuid"))  # shorter than its own header
    path = write_encapsulated(tmp_path / "bad_jp2.dcm", [frame], ROWS, COLS, samples=1, photometric="MONOCHROME2",
                              transfer_syntax=JPEG2000Lossless)
    with DicomMedia(path) as media, pytest.raises(MediaError, match="not a JPEG 2000 codestream"):
        media.raw_frame(0)


def test_ybr_full_uncompressed_matches_pydicom(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    from pydicom.pixels import convert_color_space

    ybr = np.stack([convert_color_space(f, "RGB", "YBR_FULL") for f in rgb_frames])
    path = write_native(tmp_path / "ybr.dcm", ybr, photometric="YBR_FULL")
    with DicomMedia(path) as media:
        for i in (0, 4):
            np.testing.assert_array_equal(media.frame(i), pixel_array(path, index=i))
            assert np.abs(media.frame(i).astype(int) - rgb_frames[i]).max() <= 2


def test_rle_multiframe_is_lossless(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    native = write_native(tmp_path / "native.dcm", rgb_frames)
    ds = pydicom.dcmread(native)
    ds.compress(RLELossless)
    rle = tmp_path / "rle.dcm"
    ds.save_as(rle)
    with DicomMedia(rle) as media:
        assert media.transfer_syntax == RLELossless
        for i in range(5):
            np.testing.assert_array_equal(media.frame(i), rgb_frames[i])


def test_deflated_file(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    ds = pydicom.dcmread(write_native(tmp_path / "native.dcm", rgb_frames))
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    path = tmp_path / "deflated.dcm"
    ds.save_as(path, enforce_file_format=True)
    with DicomMedia(path) as media:
        assert media.frame_count == 5
        np.testing.assert_array_equal(media.frame(4), rgb_frames[4])


def test_uncompressed_pixels_under_a_compressed_transfer_syntax(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    path = write_native(tmp_path / "mislabelled.dcm", rgb_frames)
    data = path.read_bytes()
    explicit_le = b"1.2.840.10008.1.2.1\x00"
    assert data.count(explicit_le) == 1
    path.write_bytes(data.replace(explicit_le, RLELossless.encode() + b"\x00"))  # as some exporters do
    with DicomMedia(path) as media:
        np.testing.assert_array_equal(media.frame(2), rgb_frames[2])


def test_uncompressed_pixels_under_a_private_transfer_syntax(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    path = write_native(tmp_path / "private.dcm", rgb_frames)
    path.write_bytes(path.read_bytes().replace(b"1.2.840.10008.1.2.1\x00", b"1.2.840.99999.1.2.1\x00"))
    with DicomMedia(path) as media:  # read as the header was encoded
        np.testing.assert_array_equal(media.frame(3), rgb_frames[3])


def test_grey_8bit_is_shown_as_stored_and_monochrome1_inverted(tmp_path: Path) -> None:
    grey = (np.arange(3 * ROWS * COLS) % 256).astype(np.uint8).reshape(3, ROWS, COLS)
    for photometric, expected in (("MONOCHROME2", grey), ("MONOCHROME1", 255 - grey)):
        with DicomMedia(write_native(tmp_path / f"{photometric}.dcm", grey, photometric=photometric)) as media:
            frame = media.frame(2)
            np.testing.assert_array_equal(frame, np.repeat(expected[2][..., None], 3, axis=2))
            np.testing.assert_array_equal(media.raw_frame(2), grey[2])


def test_16bit_grey_uses_the_window_and_keeps_raw_values(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    values = rng.integers(0, 4096, (2, ROWS, COLS), dtype=np.uint16)
    path = write_native(tmp_path / "window.dcm", values, WindowCenter=2000, WindowWidth=1001, BitsStored=12, HighBit=11)
    with DicomMedia(path) as media:
        np.testing.assert_array_equal(media.raw_frame(1), values[1])
        shown = media.frame(1)[..., 0].astype(float)
        # PS3.3 C.11.2.1.2 linear window, centre 2000, width 1001: 1499.5 -> 0, 2500.5 -> 255
        expected = np.clip((values[1] - 1999.5) / 1000.0 + 0.5, 0, 1) * 255
        assert np.abs(shown - expected).max() <= 0.5 + 1e-9
        assert "window" in media.display_mapping


def test_16bit_grey_without_window_stretches_the_first_frame_range(tmp_path: Path) -> None:
    values = np.stack([np.full((ROWS, COLS), 1000, np.uint16), np.full((ROWS, COLS), 3000, np.uint16)])
    values[0, 0, 0], values[0, 0, 1] = 500, 2500
    with DicomMedia(write_native(tmp_path / "range.dcm", values)) as media:
        frame0 = media.frame(0)[..., 0]
        assert frame0[0, 0] == 0 and frame0[0, 1] == 255
        assert frame0[5, 5] == round((1000 - 500) / 2000 * 255)
        assert media.frame(1)[..., 0].min() == 255  # above the range: clipped, no per-frame flicker


def test_signed_16bit_with_rescale(tmp_path: Path) -> None:
    values = np.linspace(-1000, 1000, ROWS * COLS).astype(np.int16).reshape(1, ROWS, COLS)
    path = write_native(tmp_path / "signed.dcm", values, RescaleSlope=2, RescaleIntercept=-10, WindowCenter=-10, WindowWidth=4001)
    with DicomMedia(path) as media:
        np.testing.assert_array_equal(media.raw_frame(0), values[0])
        shown = media.frame(0)[..., 0].astype(float)
        hu = values[0] * 2.0 - 10
        expected = np.clip((hu - (-10.5)) / 4000 + 0.5, 0, 1) * 255
        assert np.abs(shown - expected).max() <= 0.5 + 1e-9


def test_palette_colour_8_and_16_bit_tables(tmp_path: Path) -> None:
    index = (np.arange(ROWS * COLS) % 256).astype(np.uint8).reshape(1, ROWS, COLS)
    table = np.stack([np.arange(256), 255 - np.arange(256), (np.arange(256) * 7) % 256], axis=1)
    for bits in (8, 16):
        ds = base_dataset(ROWS, COLS, None, 1, "PALETTE COLOR")
        for channel, name in enumerate(("Red", "Green", "Blue")):
            entries = table[:, channel].astype(np.uint16) * (257 if bits == 16 else 1)
            setattr(ds, f"{name}PaletteColorLookupTableDescriptor", [256, 0, bits])
            data = entries.astype("<u2").tobytes() if bits == 16 else entries.astype(np.uint8).tobytes()
            setattr(ds, f"{name}PaletteColorLookupTableData", data)
        ds.PixelData = index.tobytes()
        path = save(ds, tmp_path / f"palette{bits}.dcm")
        with DicomMedia(path) as media:
            np.testing.assert_array_equal(media.frame(0), table[index[0]].astype(np.uint8))
            np.testing.assert_array_equal(media.raw_frame(0), index[0])


def test_open_media_dispatches_dicom_without_extension(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    path = _jpeg_clip(tmp_path, rgb_frames, "IM_0001")
    with open_media(path) as media:
        assert isinstance(media, DicomMedia) and media.kind == "dicom"


def test_close_releases_the_file(tmp_path: Path, rgb_frames: np.ndarray) -> None:
    media = DicomMedia(_jpeg_clip(tmp_path, rgb_frames))
    media.frame(0)
    media.close()
    with pytest.raises(MediaError):
        media.frame_bytes(1)
