"""One transform, the same pixels: the viewer, the export dialog's previews and every export
(figure, annotated image, annotated clip, slides, DICOM Secondary Capture) draw the same
frame with the same caliper, ellipse and text identically, on non-square pixels (0.2 x 0.25 mm:
each row a quarter taller than a column is wide). Every path is set up to give a 600 x 600
picture at one symbol size, so their pixel arrays can be compared directly; a path that drew
square pixels (600 x 480) or stretched a square picture afterwards fails."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.case.io import save_case
from annotator.case.model import Annotation, Case, MediaRef
from annotator.export.clip import ClipPainter, default_clip_spec
from annotator.export.context import ExportContext, ExportOptions
from annotator.export.figure import figure_spec_from_options, plan_figure
from annotator.export.registry import export
from annotator.render import FrameScene, RenderOptions, qimage_to_numpy, render_scene
from annotator.ui.controller import AppController
from annotator.ui.dialogs.export_choices import ExportChoices
from annotator.ui.dialogs.export_preview import PreviewJob, compute_preview
from annotator.ui.tools import CaliperTool, SelectTool
from annotator.ui.viewer import Viewer

pytestmark = pytest.mark.qt_log_level_fail("WARNING")

COLS, ROWS, FRAMES = 600, 480, 3
MM_X, MM_Y = 0.20, 0.25  # mm per pixel: true shape = 600 x 600
OUT = (600, 600)  # every path's picture (width, height)
FRAME = 1  # the frame every path shows
#: figures at 128 dpi have the screen's symbol size (128 / 96 * 0.75 = 1); 600 px wide
DPI, WIDTH_MM = 128, 600 / 128 * 25.4
#: a 600 x 600 clip frame has the screen's symbol size too (min(w, h) / 600)


def frames() -> np.ndarray:
    """Speckle (resampling shows) with a bright disc that moves a little from frame to frame
    (showing the wrong frame shows)."""
    rng = np.random.default_rng(14)
    out = rng.integers(20, 120, size=(FRAMES, ROWS, COLS), dtype=np.uint8)
    for i in range(FRAMES):
        cv2.circle(out[i], (200 + 40 * i, 260), 60, 230, thickness=-1)
    return out


def write_dicom(path: Path) -> Path:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.3.1")
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.PatientName, ds.PatientID = "US", "Test^Transform", "TRANSFORM1"
    ds.Rows, ds.Columns, ds.NumberOfFrames = ROWS, COLS, FRAMES
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.FrameTime, ds.FrameIncrementPointer = 40.0, 0x00181063
    region = Dataset()
    region.RegionSpatialFormat, region.RegionDataType, region.RegionFlags = 1, 1, 0
    region.RegionLocationMinX0, region.RegionLocationMinY0 = 0, 0
    region.RegionLocationMaxX1, region.RegionLocationMaxY1 = COLS - 1, ROWS - 1
    region.PhysicalUnitsXDirection = region.PhysicalUnitsYDirection = 3  # cm
    region.PhysicalDeltaX, region.PhysicalDeltaY = MM_X / 10.0, MM_Y / 10.0
    ds.SequenceOfUltrasoundRegions = [region]
    ds.PixelData = frames().tobytes()
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    return path


def shapes() -> list[Annotation]:
    return [
        Annotation.single("a1", "m1", "line", FRAME, [(80, 90), (420, 330)], label="gap"),
        Annotation.single("a2", "m1", "ellipse", FRAME, [(300, 240), (380, 240), (300, 290)], label="area"),
        Annotation.single("a3", "m1", "text", FRAME, [(460, 80)], text="VL"),
    ]


@pytest.fixture(scope="module")
def case_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("one-transform")
    write_dicom(folder / "scan.dcm")
    case = Case(title="one transform", media=[MediaRef("m1", "scan.dcm")], annotations=shapes())
    path = folder / "case.uscase.json"
    save_case(case, path)
    return path


@pytest.fixture
def doc(case_path: Path) -> Iterator[CaseDocument]:
    document = CaseDocument.load(case_path)
    yield document
    document.close()


def figure_choices(kind: str = "figure-current", suffix: str = ".png") -> ExportChoices:
    from annotator.export.panel_spec import PanelSpec

    return ExportChoices(kind=kind, suffix=suffix, panels=[PanelSpec("m1", FRAME)], width_mm=WIDTH_MM,
                         dpi=DPI, legend=False, layout="1x1")


def clip_choices(suffix: str = ".mp4") -> ExportChoices:
    return ExportChoices(kind="clip", suffix=suffix, clip_media="m1", frame_from=FRAME, frame_to=FRAMES - 1)


def rgb(image: QImage) -> np.ndarray:
    return qimage_to_numpy(image)[..., :3].astype(int)


def assert_same_pixels(got: np.ndarray, want: np.ndarray, what: str) -> None:
    """Equal up to anti-aliasing: a few pixels along edges may differ slightly, nothing more."""
    assert got.shape[:2] == want.shape[:2], f"{what}: {got.shape[1]}x{got.shape[0]}, not {want.shape[1]}x{want.shape[0]}"
    diff = np.abs(got[..., :3].astype(int) - want[..., :3].astype(int)).max(axis=2)
    assert (diff > 8).mean() < 0.001, f"{what}: {(diff > 8).sum()} pixels differ by more than 8"
    assert diff.mean() < 0.5, f"{what}: mean difference {diff.mean():.2f}"


def viewer_picture(qtbot: QtBot, doc: CaseDocument) -> tuple[np.ndarray, Viewer, AppController]:
    """What the viewer shows at zoom 1 (fitted into a widget 8 px larger all round)."""
    controller = AppController()
    controller.set_document(doc)
    view = Viewer(controller)
    qtbot.addWidget(view)
    view.resize(OUT[0] + 16, OUT[1] + 16)
    view.show()
    qtbot.waitExposed(view)
    controller.set_current_frame(FRAME)
    qtbot.waitUntil(lambda: view.frame_image is not None and view.frame_index == FRAME, timeout=5000)
    view.fit()
    assert (view.view.zoom, view.view.offset_x, view.view.offset_y) == (1.0, 8.0, 8.0)
    screen = rgb(view.grab().toImage())
    return screen[8 : 8 + OUT[1], 8 : 8 + OUT[0]], view, controller


def test_viewer_previews_and_every_export_draw_the_same_pixels(qtbot: QtBot, doc: CaseDocument,
                                                                tmp_path: Path) -> None:
    shown, view, controller = viewer_picture(qtbot, doc)
    assert view.view.image_rect_in_widget(COLS, ROWS).size().toTuple() == OUT  # true shape on screen
    pictures: dict[str, np.ndarray] = {}

    # the export dialog's previews: the figure (still) and the clip's first frame
    for name, choices in (("figure preview", figure_choices()), ("clip preview", clip_choices()),
                          ("DICOM SC preview", figure_choices("dicom-sc", ".dcm"))):
        result = compute_preview(PreviewJob(doc, choices, {}, max_width=OUT[0]))
        assert result.image is not None, name
        pictures[name] = rgb(result.image)[: OUT[1], : OUT[0]]
        if name == "clip preview":
            assert rgb(result.image).shape[:2] == (OUT[1], OUT[0])

    # the annotated image (a one-panel figure) and the DICOM Secondary Capture of it
    export(doc, tmp_path / "image.png", figure_choices().to_options())
    png = rgb(QImage(str(tmp_path / "image.png")))
    pictures["figure PNG"] = png[: OUT[1], : OUT[0]]
    export(doc, tmp_path / "figure.dcm", figure_choices("dicom-sc", ".dcm").to_options())
    sc = pydicom.dcmread(tmp_path / "figure.dcm").pixel_array
    assert sc.shape == png.shape, "the SC holds the figure's pixels"
    pictures["DICOM SC"] = sc[: OUT[1], : OUT[0]].astype(int)

    # the annotated clip: the frames its painter hands the encoder, and the decoded MP4
    ctx = ExportContext(doc, clip_choices().to_options())
    frames_painter = ClipPainter.for_spec(ctx, default_clip_spec(ctx), "mp4")
    assert (frames_painter.width, frames_painter.height) == OUT
    pictures["clip frame"] = frames_painter.paint(FRAME)[..., 2::-1].astype(int)  # BGRA -> RGB
    export(doc, tmp_path / "clip.mp4", clip_choices().to_options())
    with av.open(str(tmp_path / "clip.mp4")) as container:
        decoded = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    assert decoded.shape[:2] == (OUT[1], OUT[0])
    # H.264 is lossy: the same picture, not the same bytes
    assert np.abs(decoded - pictures["clip frame"]).mean() < 6

    for name, picture in pictures.items():
        assert_same_pixels(picture, shown, name)

    # the frame really carries the shapes, and is the chosen frame: the test can fail
    scene = view.scene()
    assert scene is not None
    bare = render_scene(FrameScene(scene.image, FRAME, 0.0, [], scene.calibration),
                        RenderOptions(scale_bar=False), pixel_aspect=(1.0, MM_Y / MM_X))
    assert (np.abs(rgb(bare) - shown).max(axis=2) > 30).sum() > 2000
    controller.set_document(None)


def test_slides_show_the_clip_as_the_viewer_does(qtbot: QtBot, doc: CaseDocument, tmp_path: Path) -> None:
    """The clip slide's poster (frame 0 of the embedded movie) is the viewer's frame 0."""
    controller = AppController()
    controller.set_document(doc)
    view = Viewer(controller)
    qtbot.addWidget(view)
    view.resize(OUT[0] + 16, OUT[1] + 16)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.frame_image is not None and view.frame_index == 0, timeout=5000)
    view.fit()
    shown = rgb(view.grab().toImage())[8 : 8 + OUT[1], 8 : 8 + OUT[0]]
    out = tmp_path / "slides.pptx"
    export(doc, out, ExportOptions())
    with zipfile.ZipFile(out) as pptx:
        posters = []
        for name in pptx.namelist():
            if name.startswith("ppt/media/") and name.endswith(".png"):
                image = QImage.fromData(pptx.read(name))
                if (image.width(), image.height()) == OUT:
                    posters.append(rgb(image))
    assert len(posters) == 1, "one clip slide with its 600 x 600 poster"
    assert_same_pixels(posters[0], shown, "slides' clip poster")
    controller.set_document(None)


def test_slides_pictures_have_the_true_shape(doc: CaseDocument, tmp_path: Path) -> None:
    """A figure slide's picture: the frame at its true shape (600 x 480 pixels of 0.2 x 0.25 mm
    are a square), at the slide's symbol size, as the renderer draws it through that transform."""
    from annotator.export.slides import slide_plan

    options = ExportOptions(frame=FRAME)
    out = tmp_path / "figure.pptx"
    export(doc, out, options)
    ctx = ExportContext(doc, options)
    plan = slide_plan(figure_spec_from_options(ctx), ctx)
    box = plan.panels[0].box
    assert (box.x, box.y) == (0, 0) and box.w == box.h == round(box.w)  # true shape: square
    side = round(box.w)
    with zipfile.ZipFile(out) as pptx:
        pictures = [QImage.fromData(pptx.read(n)) for n in pptx.namelist() if n.endswith(".png")]
    figure = [rgb(p) for p in pictures if (p.width(), p.height()) == (plan.width, plan.height)]
    assert len(figure) == 1
    want = render_scene(ctx.scene("m1", FRAME), RenderOptions(symbol_scale=plan.symbol_scale),
                        scale=side / COLS, pixel_aspect=(1.0, MM_Y / MM_X))
    assert_same_pixels(figure[0][:side, :side], rgb(want), "slides' figure picture")


def test_a_picture_stretched_from_square_pixels_is_told_apart(doc: CaseDocument) -> None:
    """The comparison sees the old drift: square pixels painted, then resized to the true shape."""
    ctx = ExportContext(doc)
    scene = ctx.scene("m1", FRAME)
    true = rgb(render_scene(scene, RenderOptions(), pixel_aspect=(1.0, MM_Y / MM_X)))
    square = rgb(render_scene(scene, RenderOptions()))
    assert square.shape[:2] == (ROWS, COLS)
    stretched = cv2.resize(square.astype(np.uint8), OUT, interpolation=cv2.INTER_LINEAR).astype(int)
    with pytest.raises(AssertionError):
        assert_same_pixels(stretched, true, "stretched")
    with pytest.raises(AssertionError):
        assert_same_pixels(square, true, "square")


def test_clicks_map_back_through_the_same_transform(qtbot: QtBot, doc: CaseDocument) -> None:
    """On non-square pixels, a caliper dragged on screen lands on the image points under the
    pointer, and a click on it (hit-testing in image pixels) selects it."""
    _shown, view, controller = viewer_picture(qtbot, doc)
    view.zoom_by(1.5, QPointF(200, 170))  # an awkward zoom about an off-centre point
    xf = view.view.image_transform()
    assert xf.scale_y / xf.scale_x == pytest.approx(MM_Y / MM_X)
    view.set_tool(CaliperTool(view.tool_context))
    start, end = QPoint(100, 120), QPoint(380, 300)
    QTest.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(view, QPoint(240, 210))
    QTest.mouseMove(view, end)
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    doc_case = controller.document.case if controller.document is not None else None
    assert doc_case is not None
    added = [a for a in doc_case.annotations if a.id not in {"a1", "a2", "a3"}]
    assert len(added) == 1
    points = added[0].points_at(FRAME)
    assert points is not None

    def expected(p: QPoint) -> tuple[float, float]:
        # worked out here from the pixel size, not by the app: the pixel centre under the pointer
        sx = view.view.zoom
        sy = view.view.zoom * MM_Y / MM_X
        return ((p.x() + 0.5 - view.view.offset_x) / sx - 0.5, (p.y() + 0.5 - view.view.offset_y) / sy - 0.5)

    assert points[0] == pytest.approx(expected(start), abs=1e-6)
    assert points[-1] == pytest.approx(expected(end), abs=1e-6)
    # and back: the caliper's ends drawn where the pointer was
    for (x, y), p in zip((points[0], points[-1]), (start, end), strict=True):
        assert xf.map(x, y) == pytest.approx((p.x() + 0.5, p.y() + 0.5), abs=1e-6)

    # hit-testing goes through the inverse too: a click on the new caliper's middle selects it
    controller.select([])
    view.set_tool(SelectTool(view.tool_context))
    mid = xf.map((points[0][0] + points[-1][0]) / 2, (points[0][1] + points[-1][1]) / 2)
    QTest.mouseClick(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(int(mid[0]), int(mid[1])))
    assert controller.selection == [added[0].id]
    controller.set_document(None)


def test_the_figure_plan_has_the_viewers_shape(doc: CaseDocument) -> None:
    """The panel box is the crop at its true shape (what the comparison above relies on)."""
    ctx = ExportContext(doc, figure_choices().to_options())
    plan = plan_figure(figure_spec_from_options(ctx), ctx)
    box = plan.panels[0].box
    assert (box.x, box.y, box.w, box.h) == pytest.approx((0, 0, *OUT))
    assert plan.symbol_scale == pytest.approx(1.0)
