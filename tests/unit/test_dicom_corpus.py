"""DicomMedia on the shared corpus (../shared/corpus; skipped where absent).

Expected values come from the corpus README (what each file is documented to hold) and from
pydicom's own decode of the same file.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.pixels import apply_color_lut, pixel_array

from annotator.media import open_media
from annotator.media.calibration import SOURCE_US_REGION
from annotator.media.dicom import DicomMedia

ORTHANC = "orthanc-tests"
MOTHERSHIP = "wearemothership-dicom-test-files"
GODCM = "grayzone-godcm"


def _reference(path: Path, index: int) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pixel_array(path, index=index)


def _assert_matches_reference(media: DicomMedia, path: Path, tolerance: float = 0.0) -> None:
    ds = dcmread(path, stop_before_pixels=True)
    for index in sorted({0, media.frame_count - 1}):
        reference = _reference(path, index)
        if ds.PhotometricInterpretation == "PALETTE COLOR":
            np.testing.assert_array_equal(media.raw_frame(index), reference)
            reference = apply_color_lut(reference, ds)
            reference = reference >> 8 if reference.max() > 255 else reference
        elif reference.ndim == 2:  # 8-bit grey without a window is shown as stored
            np.testing.assert_array_equal(media.raw_frame(index), reference)
            reference = np.repeat(reference[..., None], 3, axis=2)
        frame = media.frame(index)
        assert frame.shape == reference.shape
        diff = np.abs(frame.astype(int) - reference)
        if tolerance:
            assert diff.mean() < tolerance
        else:
            assert diff.max() == 0


@pytest.mark.corpus
def test_issue164_multiframe_jpeg_with_one_region(corpus: Path) -> None:
    path = corpus / ORTHANC / "Issue164.dcm"
    with DicomMedia(path) as media:
        assert (media.frame_count, media.height, media.width) == (87, 743, 975)
        assert media.photometric == "YBR_FULL_422"
        np.testing.assert_allclose(np.diff(media.frame_times_ms), 34.99, atol=0.01)
        assert media.timing_source == "Frame Time"  # not the disagreeing Cine Rate of 28
        (region,) = media.regions  # Pixel Spacing is present too but never mixed in
        assert region.source == SOURCE_US_REGION
        assert region.mm_per_px_x == pytest.approx(0.2594, rel=1e-3)
        assert region.mm_per_px_y == pytest.approx(0.2594, rel=1e-3)
        assert "GE" in (media.metadata.get("manufacturer") or "")
        _assert_matches_reference(media, path, tolerance=1.0)


@pytest.mark.corpus
def test_issue16_non_square_region_and_ecg(corpus: Path) -> None:
    path = corpus / ORTHANC / "Issue16.dcm"
    with DicomMedia(path) as media:
        assert media.frame_count == 34
        np.testing.assert_allclose(np.diff(media.frame_times_ms), 30.0)
        spatial = media.calibration.spatial_regions
        assert len(spatial) == 1
        assert spatial[0].mm_per_px_x == pytest.approx(0.2857, rel=1e-3)
        assert spatial[0].mm_per_px_y == pytest.approx(0.2286, rel=1e-3)
        (ecg,) = media.calibration.other_regions
        assert ecg.units_x == 4 and not ecg.is_spatial  # seconds
        inside = ((spatial[0].x0 + spatial[0].x1) / 2, (spatial[0].y0 + spatial[0].y1) / 2)
        below = ((ecg.x0 + ecg.x1) / 2, (ecg.y0 + ecg.y1) / 2)
        assert not media.calibration.scale_for([inside, below]).calibrated
        _assert_matches_reference(media, path, tolerance=1.0)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("folder", "name", "frames"),
    [
        (ORTHANC, "Implicit-vr-us-palette.dcm", 1),
        (ORTHANC, "2023-04-21-RLEPlanarConfigurationYBR_FULL.dcm", 1),
        (ORTHANC, "jp2k91YBR-ICT.dcm", 1),
        (ORTHANC, "Issue19.dcm", 1),
        (MOTHERSHIP, "US-PAL-8-10x-echo.dcm", 10),
        (MOTHERSHIP, "US-RGB-8-epicard.dcm", 1),
        (MOTHERSHIP, "US1_RLE.dcm", 1),
        (GODCM, "US-MONO2-8-8x-execho.dcm", 8),
        (GODCM, "US-RGB-8-esopecho.dcm", 1),
    ],
)
def test_lossless_files_equal_pydicom(corpus: Path, folder: str, name: str, frames: int) -> None:
    path = corpus / folder / name
    with open_media(path) as media:
        assert isinstance(media, DicomMedia)
        assert media.frame_count == frames
        tolerance = 1.0 if "jp2k" in name else 0.0  # lossy J2K: decoders may round differently
        _assert_matches_reference(media, path, tolerance)


@pytest.mark.corpus
def test_single_frame_jpeg_without_regions(corpus: Path) -> None:
    path = corpus / ORTHANC / "TS_1.2.840.10008.1.2.4.50.dcm"
    with DicomMedia(path) as media:
        assert media.frame_count == 1 and media.fps is None
        np.testing.assert_array_equal(media.frame_times_ms, [0.0])
        assert media.regions == ()
        _assert_matches_reference(media, path, tolerance=1.0)


@pytest.mark.corpus
def test_palette_clip_timing(corpus: Path) -> None:
    with DicomMedia(corpus / MOTHERSHIP / "US-PAL-8-10x-echo.dcm") as media:
        np.testing.assert_allclose(media.frame_times_ms, np.arange(10) * 76.0)


@pytest.mark.corpus
def test_retired_sop_class_is_named(corpus: Path) -> None:
    with DicomMedia(corpus / GODCM / "US-MONO2-8-8x-execho.dcm") as media:
        assert "retired" in (media.metadata.get("sop_class") or "").lower()
        assert media.metadata.get("study_date")  # an odd date format is kept as stored


@pytest.mark.corpus
def test_region_files_have_spatial_calibration(corpus: Path) -> None:
    for name in ("Implicit-vr-us-palette.dcm", "jp2k91YBR-ICT.dcm", "2023-04-21-RLEPlanarConfigurationYBR_FULL.dcm"):
        path = corpus / ORTHANC / name
        item = dcmread(path, stop_before_pixels=True).SequenceOfUltrasoundRegions[0]
        with DicomMedia(path) as media:
            assert len(media.regions) == 1
            region = media.regions[0]
            if item.PhysicalUnitsXDirection == 3 and item.PhysicalUnitsYDirection == 3:
                assert region.mm_per_px_x == pytest.approx(abs(float(item.PhysicalDeltaX)) * 10)
