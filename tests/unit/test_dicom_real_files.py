"""DicomMedia on real files nobody on the team made: pydicom-data, compared with pydicom itself."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.pixels import apply_color_lut, pixel_array

from annotator.media import MediaError, open_media
from annotator.media.dicom import DicomMedia

# (file, what it exercises)
FILES = [
    "US1_UNCR.dcm",  # RGB explicit little endian, ultrasound
    "US1_UNCI.dcm",
    "US1_J2KR.dcm",  # JPEG 2000 lossless, YBR_RCT
    "US1_J2KI.dcm",  # JPEG 2000 lossy, YBR_ICT
    "OBXXXX1A.dcm",  # PALETTE COLOR, two regions
    "OBXXXX1A_2frame.dcm",
    "OBXXXX1A_expb_2frame.dcm",  # big endian palette, OW byte-swapped 8-bit
    "OBXXXX1A_rle_2frame.dcm",  # RLE palette
    "gdcm-US-ALOKA-16.dcm",  # 16-bit segmented palette, implicit VR, three regions
    "gdcm-US-ALOKA-16_big.dcm",
    "color3d_jpeg_baseline.dcm",  # 120-frame YBR_FULL_422 JPEG
    "JPGLosslessP14SV1_1s_1f_8b.dcm",  # JPEG lossless, ultrasound with a region
    "emri_small_jpeg_ls_lossless.dcm",  # JPEG-LS multi-frame 16-bit
    "emri_small_RLE.dcm",
    "emri_small_big_endian.dcm",
    "emri_small_jpeg_2k_lossless.dcm",
    "SC_rgb_expb_2frame.dcm",
    "SC_rgb_16bit_2frame.dcm",
    "SC_rgb_32bit_2frame.dcm",
    "SC_ybr_full_uncompressed.dcm",
    "color-pl.dcm",  # RGB planar configuration 1
    "liver.dcm",  # 1 bit per pixel
]


def _reference(path: Path, index: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pixel_array(path, index=index)


def _header(path: Path) -> pydicom.Dataset:
    return pydicom.dcmread(path, stop_before_pixels=True)


# every file pydicom itself ships (its test_files folder): among them a JP2 wrapper with 1.6 kB
# of header boxes before the codestream (GDCMJ2K_TextGBR.dcm) and 8-bit RGB frames of 27 bytes
# in a big-endian OW element (SC_rgb_small_odd_big_endian.dcm), both once refused
PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
PYDICOM_SHIPPED = sorted(p.name for p in PYDICOM_FILES.glob("*.dcm"))


@pytest.mark.parametrize("name", FILES)
def test_frames_equal_pydicom_reference_decode(pydicom_data: Path, name: str) -> None:
    _assert_frames_equal_pydicom(pydicom_data / name)


def test_pydicom_ships_its_test_files() -> None:
    assert len(PYDICOM_SHIPPED) > 50 and "GDCMJ2K_TextGBR.dcm" in PYDICOM_SHIPPED


@pytest.mark.parametrize("name", PYDICOM_SHIPPED)
def test_each_file_pydicom_ships_reads_as_pydicom_reads_it_or_is_refused_in_one_line(name: str) -> None:
    """What pydicom decodes opens with the same values; what it cannot (no pixels, truncated,
    corrupt, a decoder missing) is refused with one MediaError line, never a crash."""
    path = PYDICOM_FILES / name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reference = pydicom.dcmread(path).pixel_array
        except Exception:
            reference = None
    try:
        with open_media(path) as media:
            ours = media.raw_frame(0)
    except MediaError as exc:
        assert reference is None, f"pydicom decodes {name} but it was refused: {exc}"
        assert "\n" not in str(exc)
        return
    if reference is None:  # read where pydicom cannot: at least the header's size
        ds = _header(path)
        assert ours.shape[:2] == (ds.Rows, ds.Columns)
        return
    ds = _header(path)
    first = reference[0] if int(ds.get("NumberOfFrames", 1) or 1) > 1 else reference
    if ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGBaseline8Bit:
        assert ours.shape == first.shape and np.abs(ours.astype(int) - first).mean() < 1.0
    else:
        np.testing.assert_array_equal(ours, first)


def _assert_frames_equal_pydicom(path: Path) -> None:
    ds = _header(path)
    with open_media(path) as media:
        assert isinstance(media, DicomMedia)
        assert media.frame_count == int(ds.get("NumberOfFrames", 1) or 1)
        assert (media.height, media.width) == (ds.Rows, ds.Columns)
        for index in sorted({0, media.frame_count - 1}):
            reference = _reference(path, index)
            raw = media.raw_frame(index)
            assert raw.shape == reference.shape
            if ds.file_meta.TransferSyntaxUID == pydicom.uid.JPEGBaseline8Bit:
                assert np.abs(raw.astype(int) - reference).mean() < 1.0
            else:
                np.testing.assert_array_equal(raw, reference)
            frame = media.frame(index)
            assert frame.shape == (ds.Rows, ds.Columns, 3) and frame.dtype == np.uint8
            expected = _expected_display(ds, reference)
            if expected is not None:
                assert np.abs(frame.astype(int) - expected).mean() < 1.0


def _expected_display(ds: pydicom.Dataset, reference: np.ndarray) -> np.ndarray | None:
    """What the screen should show, derived from pydicom's output where it is unambiguous."""
    if ds.PhotometricInterpretation == "PALETTE COLOR":
        rgb = apply_color_lut(reference, ds)
        return rgb >> 8 if rgb.dtype == np.uint16 and rgb.max() > 255 else rgb
    if reference.dtype != np.uint8:
        return None
    if reference.ndim == 3:
        return reference
    top = (1 << int(ds.BitsStored)) - 1  # grey of fewer bits spans the display range
    return np.repeat(np.round(reference * (255.0 / top))[..., None], 3, axis=2)


@pytest.mark.parametrize("name", ["OBXXXX1A.dcm", "gdcm-US-ALOKA-16.dcm", "JPGLosslessP14SV1_1s_1f_8b.dcm", "color3d_jpeg_baseline.dcm"])
def test_regions_equal_the_header(pydicom_data: Path, name: str) -> None:
    path = pydicom_data / name
    items = _header(path).SequenceOfUltrasoundRegions
    with DicomMedia(path) as media:
        assert len(media.regions) == len(items)
        for region, item in zip(media.regions, items, strict=True):
            assert (region.x0, region.y0, region.x1, region.y1) == (
                item.RegionLocationMinX0, item.RegionLocationMinY0, item.RegionLocationMaxX1, item.RegionLocationMaxY1,
            )
            spatial = item.PhysicalUnitsXDirection == 3 and item.PhysicalUnitsYDirection == 3
            assert region.is_spatial == (spatial and item.PhysicalDeltaX != 0 and item.PhysicalDeltaY != 0)
            if region.is_spatial:
                assert region.mm_per_px_x == pytest.approx(abs(item.PhysicalDeltaX) * 10)
                assert region.mm_per_px_y == pytest.approx(abs(item.PhysicalDeltaY) * 10)
                centre = ((region.x0 + region.x1) / 2, (region.y0 + region.y1) / 2)
                assert media.calibration.region_at(*centre) is not None


def test_multiframe_jpeg_timing(pydicom_data: Path) -> None:
    path = pydicom_data / "color3d_jpeg_baseline.dcm"
    frame_time = float(_header(path).FrameTime)
    with DicomMedia(path) as media:
        np.testing.assert_allclose(np.diff(media.frame_times_ms), frame_time)
        assert media.fps == pytest.approx(1000.0 / frame_time)


def test_file_without_preamble(pydicom_data: Path) -> None:
    path = pydicom_data / "OT-PAL-8-face.dcm"
    with open_media(path) as media:
        assert media.kind == "dicom" and media.frame(0).shape == (media.height, media.width, 3)
        ds = pydicom.dcmread(path, force=True)
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian
        expected = apply_color_lut(ds.pixel_array, ds)
        expected = expected >> 8 if expected.max() > 255 else expected
        np.testing.assert_array_equal(media.frame(0), expected.astype(np.uint8))


def test_metadata_flags_identifiers(pydicom_data: Path) -> None:
    with DicomMedia(pydicom_data / "US1_UNCR.dcm") as media:
        items = {item.key: item for item in media.metadata.items}
        assert items["modality"].value == "US" and not items["modality"].identifier
        assert items["sop_class"].value.startswith("Ultrasound")
        for key in ("study_uid", "sop_instance_uid"):
            assert items[key].identifier
        if "patient_name" in items:
            assert items["patient_name"].identifier


def test_voi_lut_is_applied_without_a_float_input_warning(pydicom_data: Path) -> None:
    # found by the real-file sweep: float input made pydicom warn "Applying a VOI LUT on a
    # float input array may give incorrect results", which `info` printed as a note
    from pydicom.pixels import apply_voi_lut

    path = pydicom_data / "vlut_04.dcm"
    ds = pydicom.dcmread(path)
    top = (1 << int(ds.VOILUTSequence[0].LUTDescriptor[2])) - 1
    expected = np.round(np.clip(apply_voi_lut(ds.pixel_array, ds) / top, 0.0, 1.0) * 255.0).astype(np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with DicomMedia(path) as media:
            frame = media.frame(0)
            assert media.display_mapping == "VOI LUT"
    np.testing.assert_array_equal(frame[..., 0], expected)
