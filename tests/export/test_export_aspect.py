"""Exports of non-square pixels (0.2857 x 0.2286 mm, as in Orthanc's Issue16.dcm) at their
true physical aspect: a circle drawn in millimetres stays a circle, the scale bar's length in
output pixels matches its millimetre label, clips keep even H.264 dimensions, and square
output pixels stay available (``ExportOptions.true_aspect=False``)."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from annotator.case.document import CaseDocument
from annotator.case.io import save_case
from annotator.case.model import Case, MediaRef
from annotator.export.clip import output_size
from annotator.export.context import ExportContext, ExportOptions
from annotator.export.figure import figure_spec_from_options, plan_figure
from annotator.export.registry import export
from annotator.render import qimage_to_numpy

ROWS, COLS, FRAMES = 240, 320, 3
MM_X, MM_Y = 0.2857, 0.2286  # per pixel: pixels 1.25 times wider than tall
#: two side-by-side regions (a dual view), inclusive x0, y0, x1, y1; the crop's centre lies in
#: the right one, so the scale bar is drawn there, away from the disc
REGIONS = ((10, 20, 139, 229), (150, 20, 309, 229))
#: radius 36 px in x and 45 px in y (both whole to 0.02%), centre (px) in the left region
CIRCLE_MM, CIRCLE_CENTRE = 36 * MM_X, (75, 110)


@pytest.fixture(scope="module", autouse=True)
def _app() -> None:
    QApplication.instance() or QApplication([])


def circle_frames() -> np.ndarray:
    """Black frames with a white disc of CIRCLE_MM radius in millimetres: an ellipse in pixels."""
    frame = np.zeros((ROWS, COLS), dtype=np.uint8)
    axes = (round(CIRCLE_MM / MM_X), round(CIRCLE_MM / MM_Y))
    cv2.ellipse(frame, CIRCLE_CENTRE, axes, 0, 0, 360, 255, thickness=-1)
    return np.repeat(frame[None], FRAMES, axis=0)


def write_non_square_dicom(path: Path) -> Path:
    frames = circle_frames()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.3.1")
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.PatientName, ds.PatientID = "US", "Test^Aspect", "ASPECT1"
    ds.Rows, ds.Columns, ds.NumberOfFrames = ROWS, COLS, FRAMES
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.FrameTime, ds.FrameIncrementPointer = 40.0, 0x00181063
    regions = []
    for x0, y0, x1, y1 in REGIONS:
        region = Dataset()
        region.RegionSpatialFormat, region.RegionDataType, region.RegionFlags = 1, 1, 0
        region.RegionLocationMinX0, region.RegionLocationMinY0 = x0, y0
        region.RegionLocationMaxX1, region.RegionLocationMaxY1 = x1, y1
        region.PhysicalUnitsXDirection = region.PhysicalUnitsYDirection = 3  # cm
        region.PhysicalDeltaX, region.PhysicalDeltaY = MM_X / 10.0, MM_Y / 10.0
        regions.append(region)
    ds.SequenceOfUltrasoundRegions = regions
    ds.PixelData = frames.tobytes()
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture(scope="module")
def case_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("aspect")
    write_non_square_dicom(folder / "scan.dcm")
    case = Case(title="non-square pixels")
    case.media.append(MediaRef("m1", "scan.dcm"))
    path = folder / "case.uscase.json"
    save_case(case, path)
    return path


def _read_png(path: Path) -> np.ndarray:
    image = QImage(str(path))
    assert not image.isNull(), f"cannot read {path}"
    return qimage_to_numpy(image)[..., :3]


def _white(rgb: np.ndarray) -> np.ndarray:
    return np.all(rgb > 200, axis=2)


def _longest_run(mask_row: np.ndarray) -> int:
    padded = np.concatenate([[0], mask_row.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[0::2]).max()) if edges.size else 0


def _export_figure(case_path: Path, out: Path, **options: object) -> tuple[np.ndarray, ExportContext]:
    doc = CaseDocument.load(case_path)
    opts = ExportOptions(**options)  # type: ignore[arg-type]
    export(doc, out, opts)
    return _read_png(out), ExportContext(doc, opts)


def test_circle_in_mm_stays_round_and_scale_bar_matches_label(case_path: Path, tmp_path: Path) -> None:
    rgb, ctx = _export_figure(case_path, tmp_path / "fig.png")
    plan = plan_figure(figure_spec_from_options(ctx), ctx)
    panel = plan.panels[0]
    assert panel.aspect == pytest.approx((MM_X / MM_Y, 1.0))
    x, y, w, h = panel.crop or (0, 0, 0, 0)
    assert panel.box.w / panel.box.h == pytest.approx(w * MM_X / (h * MM_Y), rel=1e-6)
    b = panel.box
    # the disc, in the left half of the picture (the scale bar sits at the right)
    left = _white(rgb[round(b.y) : round(b.bottom), round(b.x) : round(b.x + b.w / 2)])
    ys, xs = np.nonzero(left)
    disc_w, disc_h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    assert disc_w == pytest.approx(disc_h, rel=0.02)
    # output pixels per millimetre along each axis, measured on the disc
    px_per_mm_x, px_per_mm_y = disc_w / (2 * CIRCLE_MM), disc_h / (2 * CIRCLE_MM)
    label_mm = panel.content.scale_bar_mm if panel.content else None
    assert label_mm is not None and label_mm > 0
    # the horizontal bar: the longest white run at the bottom right; the end ticks, 3 px wide
    # (times the symbol scale), add half their width at each end
    corner = _white(rgb[round(b.bottom - 0.3 * b.h) : round(b.bottom), round(b.x + b.w / 2) : round(b.right)])
    tick_width = 3.0 * plan.symbol_scale
    bar_px = max(_longest_run(row) for row in corner)
    assert bar_px - tick_width == pytest.approx(label_mm * px_per_mm_x, rel=0.02)
    # the same from the export geometry: mm / (mm per image px) * output px per image px in x
    assert bar_px - tick_width == pytest.approx(label_mm / MM_X * b.w / w, rel=0.02)
    # the upright bar of non-square pixels: as long as the horizontal one once the pixels are
    # true to shape (its span runs down to the right tick's foot, 0.4 of a 5 px tick below)
    spans = [np.flatnonzero(col) for col in corner.T]
    upright = max(int(c[-1] - c[0]) + 1 for c in spans if c.size)
    assert upright - 2.0 * plan.symbol_scale == pytest.approx(label_mm * px_per_mm_y, rel=0.02)


def test_square_output_pixels_on_request(case_path: Path, tmp_path: Path) -> None:
    rgb, ctx = _export_figure(case_path, tmp_path / "square.png", true_aspect=False)
    plan = plan_figure(figure_spec_from_options(ctx), ctx)
    panel = plan.panels[0]
    assert panel.aspect == (1.0, 1.0)
    _x, _y, w, h = panel.crop or (0, 0, 0, 0)
    assert panel.box.w / panel.box.h == pytest.approx(w / h, rel=1e-6)
    b = panel.box
    ys, xs = np.nonzero(_white(rgb[round(b.y) : round(b.bottom), round(b.x) : round(b.x + b.w / 2)]))
    # one image pixel per output pixel shape: the disc is as squashed as the stored pixels
    ratio = (ys.max() - ys.min() + 1) / (xs.max() - xs.min() + 1)
    assert ratio == pytest.approx(MM_X / MM_Y, rel=0.03)


def test_clip_has_true_aspect_and_even_size(case_path: Path, tmp_path: Path) -> None:
    doc = CaseDocument.load(case_path)
    out = tmp_path / "clip.mp4"
    export(doc, out, ExportOptions())
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        width, height = stream.codec_context.width, stream.codec_context.height
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert width % 2 == 0 and height % 2 == 0
    _x, _y, w, h = ExportContext(doc).area("m1").rect
    assert width / height == pytest.approx(w * MM_X / (h * MM_Y), rel=0.01)
    ys, xs = np.nonzero(np.all(frame[:, : width // 2] > 200, axis=2))
    assert xs.max() - xs.min() + 1 == pytest.approx(ys.max() - ys.min() + 1, rel=0.03)


def test_output_size_stretches_then_fits_and_stays_even() -> None:
    assert output_size((0, 0, 320, 240), None) == (320, 240)  # square pixels: unchanged
    assert output_size((0, 0, 321, 241), None, (1.25, 1.0)) == (400, 240)
    assert output_size((0, 0, 320, 240), 200, (1.25, 1.0)) == (200, 120)
    width, height = output_size((0, 0, 145, 211), None, (1.0, 1.3))
    assert width % 2 == 0 and height % 2 == 0 and (width, height) == (144, 274)


def test_the_dialogs_clip_preview_has_the_clips_true_aspect(case_path: Path) -> None:
    """The export dialog previews a clip with the same physical shape the MP4 will have."""
    from annotator.ui.dialogs.export_choices import ExportChoices
    from annotator.ui.dialogs.export_preview import _clip_preview

    doc = CaseDocument.load(case_path)
    ctx = ExportContext(doc)
    result = _clip_preview(ctx, ExportChoices(kind="clip", suffix=".mp4"), 800)
    _x, _y, w, h = ctx.area("m1").rect
    assert result.image.width() / result.image.height() == pytest.approx(w * MM_X / (h * MM_Y), rel=0.02)
