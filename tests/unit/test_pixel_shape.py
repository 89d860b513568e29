"""Pixel shapes a file declares without lengths (DICOM Pixel Aspect Ratio, a video's sample
aspect ratio) reach ``render.aspect.pixel_aspect``, the one place that reads the pixels' shape,
so the viewer and every export draw them at their true shape."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from annotator.case.document import CaseDocument
from annotator.case.io import save_case
from annotator.case.model import Case, MediaRef
from annotator.export.context import ExportContext, ExportOptions
from annotator.media import Calibration, ManualCalibration, open_media
from annotator.media.calibration import UNIT_CM, Region
from annotator.render import pixel_aspect
from tests.unit.dicom_factory import write_native

ROWS, COLS = 40, 60


def pixels() -> np.ndarray:
    return np.tile(np.arange(COLS, dtype=np.uint8) * 4, (2, ROWS, 1))


@pytest.mark.parametrize(("ratio", "shape", "aspect"), [
    ([5, 4], (4.0, 5.0), (1.0, 1.25)),  # vertical size first: rows a quarter taller
    ([3, 4], (4.0, 3.0), (4.0 / 3.0, 1.0)),
    ([1, 1], None, (1.0, 1.0)),
])
def test_dicom_pixel_aspect_ratio_shapes_the_picture(tmp_path: Path, ratio: list[int],
                                                     shape: tuple[float, float] | None,
                                                     aspect: tuple[float, float]) -> None:
    media = open_media(write_native(tmp_path / "par.dcm", pixels(), PixelAspectRatio=ratio))
    try:
        assert media.pixel_shape == shape
        calibration = media.calibration_at(1)
        assert calibration.pixel_shape == shape
        assert not calibration.spatial_regions  # a shape, no lengths
        assert pixel_aspect(calibration, COLS, ROWS) == pytest.approx(aspect)
        # a manual (isotropic) calibration gives lengths but does not undo the declared shape
        manual = calibration.with_manual(ManualCalibration(0.3), COLS, ROWS)
        assert pixel_aspect(manual, COLS, ROWS) == pytest.approx(aspect)
    finally:
        media.close()


def test_malformed_or_absent_ratio_is_ignored(tmp_path: Path) -> None:
    for name, ratio in (("none.dcm", None), ("zero.dcm", [0, 4]), ("one.dcm", [4])):
        path = write_native(tmp_path / name, pixels()) if ratio is None else \
            write_native(tmp_path / name, pixels(), PixelAspectRatio=ratio)
        media = open_media(path)
        try:
            assert media.pixel_shape is None
            assert pixel_aspect(media.calibration, COLS, ROWS) == (1.0, 1.0)
        finally:
            media.close()


def test_calibrated_regions_win_over_a_declared_shape() -> None:
    square_mm = Region(0, 0, COLS - 1, ROWS - 1, UNIT_CM, UNIT_CM, 0.02, 0.02)
    assert pixel_aspect(Calibration((square_mm,), (4.0, 5.0)), COLS, ROWS) == (1.0, 1.0)
    assert pixel_aspect(Calibration((), (4.0, 5.0)), COLS, ROWS) == pytest.approx((1.0, 1.25))


def test_exports_use_the_declared_shape(tmp_path: Path) -> None:
    write_native(tmp_path / "par.dcm", pixels(), PixelAspectRatio=[5, 4])
    case_path = tmp_path / "case.uscase.json"
    save_case(Case(media=[MediaRef("m1", "par.dcm")]), case_path)
    doc = CaseDocument.load(case_path)
    try:
        assert ExportContext(doc).pixel_aspect("m1") == pytest.approx((1.0, 1.25))
        assert ExportContext(doc, ExportOptions(true_aspect=False)).pixel_aspect("m1") == (1.0, 1.0)
    finally:
        doc.close()


def _anamorphic(path: Path, rotation: int = 0) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.sample_aspect_ratio = Fraction(4, 3)
        if rotation:
            stream.set_display_rotation(rotation)
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 40 * i, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize(("rotation", "aspect"), [(0, (4.0 / 3.0, 1.0)), (90, (1.0, 4.0 / 3.0))])
def test_a_videos_sample_aspect_ratio_shapes_the_picture(tmp_path: Path, rotation: int,
                                                          aspect: tuple[float, float]) -> None:
    media = open_media(_anamorphic(tmp_path / f"sar{rotation}.mp4", rotation))
    try:
        if media.metadata.get("sample_aspect_ratio") is None:
            pytest.fail("the encoder dropped the sample aspect ratio: the test clip is not anamorphic")
        assert pixel_aspect(media.calibration, media.width, media.height) == pytest.approx(aspect)
    finally:
        media.close()
