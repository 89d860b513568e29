"""Calibration read from generated DICOM headers: regions, pixel spacing, per-frame groups."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from dicom_factory import gradient_rgb, jpeg_encode, us_region, write_encapsulated, write_native
from pydicom.dataset import Dataset

from annotator.media.calibration import SOURCE_PIXEL_SPACING, SOURCE_US_REGION
from annotator.media.dicom import DicomMedia

ROWS, COLS = 120, 160


def _dual_with_doppler(tmp_path: Path) -> Path:
    """Two B-mode images side by side (the right one non-square, axis pointing up), a
    spectral Doppler strip below with a baseline reference, and an ECG trace."""
    regions = [
        us_region(0, 0, 79, 79, 0.01, 0.01),
        us_region(80, 0, 159, 79, 0.02, -0.015),
        us_region(0, 80, 159, 109, 0.01, 2.5, units=(4, 7), spatial_format=3, data_type=3, reference=(0, 15)),
        us_region(0, 110, 159, 119, 0.004, 0.0, units=(4, 0), spatial_format=4, data_type=0x0A),
    ]
    frames = gradient_rgb(3, ROWS, COLS)
    return write_encapsulated(
        tmp_path / "duplex.dcm", [jpeg_encode(f) for f in frames], ROWS, COLS,
        SequenceOfUltrasoundRegions=regions, PixelSpacing=[0.5, 0.5], FrameTime="25",
    )


def test_every_region_is_kept_and_only_cm_regions_are_spatial(tmp_path: Path) -> None:
    with DicomMedia(_dual_with_doppler(tmp_path)) as media:
        assert len(media.regions) == 4
        left, right, doppler, ecg = media.regions
        assert (left.x0, left.y0, left.x1, left.y1) == (0, 0, 79, 79)
        assert left.mm_per_px_x == pytest.approx(0.1) and left.mm_per_px_y == pytest.approx(0.1)
        assert right.mm_per_px_x == pytest.approx(0.2) and right.mm_per_px_y == pytest.approx(0.15)
        assert not doppler.is_spatial and doppler.mm_per_px_x is None
        assert (doppler.reference_x0, doppler.reference_y0) == (0, 15)
        assert doppler.delta_y == pytest.approx(2.5)
        assert not ecg.is_spatial and ecg.data_type == 0x0A
        cal = media.calibration
        assert [r.source for r in cal.spatial_regions] == [SOURCE_US_REGION, SOURCE_US_REGION]
        # Regions are there, so Pixel Spacing (0.5 mm) is never used.
        assert all(r.source != SOURCE_PIXEL_SPACING for r in media.regions)


def test_points_map_to_their_region_and_lengths_use_its_scale(tmp_path: Path) -> None:
    with DicomMedia(_dual_with_doppler(tmp_path)) as media:
        cal = media.calibration_at(1)
        assert cal.region_index_at(10, 10) == 0
        assert cal.region_index_at(100, 10) == 1
        assert cal.region_index_at(10, 100) == 2
        assert cal.region_index_at(10, 115) == 3
        scale = cal.scale_for([(90, 10), (90, 50)])  # 40 px down in the right image
        assert scale.calibrated and scale.length_mm((90, 10), (90, 50)) == pytest.approx(6.0)
        scale = cal.scale_for([(90, 10), (120, 10)])
        assert scale.length_mm((90, 10), (120, 10)) == pytest.approx(6.0)
        across = cal.scale_for([(10, 10), (100, 10)])
        assert not across.calibrated and "different regions" in across.reason
        doppler = cal.scale_for([(10, 90), (20, 100)])
        assert not doppler.calibrated and "spectral" in doppler.reason


def test_pixel_spacing_only_without_regions(tmp_path: Path) -> None:
    pixels = np.zeros((1, 40, 50), np.uint8)
    with DicomMedia(write_native(tmp_path / "ps.dcm", pixels, PixelSpacing=[0.3, 0.2])) as media:
        (region,) = media.regions
        assert region.source == SOURCE_PIXEL_SPACING
        assert (region.x0, region.y0, region.x1, region.y1) == (0, 0, 49, 39)
        assert region.mm_per_px_x == pytest.approx(0.2)  # column spacing
        assert region.mm_per_px_y == pytest.approx(0.3)  # row spacing
    with DicomMedia(write_native(tmp_path / "ips.dcm", pixels, ImagerPixelSpacing=[0.25, 0.25])) as media:
        assert media.regions[0].mm_per_px_x == pytest.approx(0.25)
    with DicomMedia(write_native(tmp_path / "none.dcm", pixels)) as media:
        assert media.regions == ()
        assert not media.calibration.scale_for([(0, 0), (5, 5)]).calibrated


def test_doppler_only_file_is_not_calibrated_for_lengths(tmp_path: Path) -> None:
    pixels = np.zeros((1, 40, 50), np.uint8)
    doppler = us_region(0, 0, 49, 39, 0.01, 3.0, units=(4, 7), spatial_format=3, data_type=3)
    path = write_native(tmp_path / "pw.dcm", pixels, SequenceOfUltrasoundRegions=[doppler], PixelSpacing=[0.3, 0.3])
    with DicomMedia(path) as media:
        assert len(media.regions) == 1 and not media.calibration.spatial_regions
        scale = media.calibration.scale_for([(1, 1), (5, 5)])
        assert not scale.calibrated and "no spatial calibration" in scale.reason


def _per_frame_group(spacing: float) -> Dataset:
    measures = Dataset()
    measures.PixelSpacing = [spacing, spacing]
    item = Dataset()
    item.PixelMeasuresSequence = [measures]
    return item


def test_per_frame_pixel_measures_give_per_frame_calibration(tmp_path: Path) -> None:
    pixels = np.zeros((3, 20, 20), np.uint8)
    groups = [_per_frame_group(s) for s in (0.1, 0.1, 0.2)]
    with DicomMedia(write_native(tmp_path / "pf.dcm", pixels, PerFrameFunctionalGroupsSequence=groups)) as media:
        assert media.has_per_frame_calibration
        assert media.calibration_at(0).spatial_regions[0].mm_per_px_x == pytest.approx(0.1)
        assert media.calibration_at(2).spatial_regions[0].mm_per_px_x == pytest.approx(0.2)
    same = [_per_frame_group(0.1) for _ in range(3)]
    with DicomMedia(write_native(tmp_path / "same.dcm", pixels, PerFrameFunctionalGroupsSequence=same)) as media:
        assert not media.has_per_frame_calibration
        assert media.calibration_at(2).spatial_regions[0].mm_per_px_x == pytest.approx(0.1)


def test_per_frame_regions_override_the_top_level_ones(tmp_path: Path) -> None:
    pixels = np.zeros((2, 20, 20), np.uint8)
    second = Dataset()
    second.SequenceOfUltrasoundRegions = [us_region(0, 0, 19, 19, 0.05, 0.05)]
    path = write_native(
        tmp_path / "pfr.dcm", pixels,
        SequenceOfUltrasoundRegions=[us_region(0, 0, 19, 19, 0.01, 0.01)],
        PerFrameFunctionalGroupsSequence=[Dataset(), second],
    )
    with DicomMedia(path) as media:
        assert media.calibration_at(0).regions[0].mm_per_px_x == pytest.approx(0.1)
        assert media.calibration_at(1).regions[0].mm_per_px_x == pytest.approx(0.5)
