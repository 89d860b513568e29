"""The viewer widget: the same picture as the export renderer, zoom at the cursor, pan,
a display LUT that never touches the pixels, and the status-bar read-out."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from annotator.case.commands import AddAnnotation
from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, MediaRef
from annotator.media import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region
from annotator.render import FrameScene, RenderOptions, qimage_to_numpy, render_scene
from annotator.ui.controller import AppController
from annotator.ui.cursor_info import CursorInfo
from annotator.ui.display import DisplayLut
from annotator.ui.view_transform import ViewTransform
from annotator.ui.viewer import Viewer

pytestmark = pytest.mark.qt_log_level_fail("WARNING")

W, H = 200, 150


def speckle(frames: int = 3) -> np.ndarray:
    rng = np.random.default_rng(7)
    grey = rng.integers(30, 200, size=(frames, H, W), dtype=np.uint8)
    return np.repeat(grey[..., None], 3, axis=3)


def open_viewer(qtbot: QtBot, path: str, media: ArrayMedia, size: tuple[int, int]) -> tuple[Viewer, AppController]:
    """A shown viewer of a one-media case, its first frame on screen, and its controller."""
    controller = AppController()
    doc = CaseDocument(Case(media=[MediaRef("m1", path)]))
    doc.set_media("m1", media)
    controller.set_document(doc)
    view = Viewer(controller)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.frame_image is not None, timeout=5000)
    return view, controller


@pytest.fixture
def viewer(qtbot: QtBot) -> Iterator[Viewer]:
    region = Region(10, 5, W - 11, H - 6, UNIT_CM, UNIT_CM, 0.01, 0.02)  # 0.1 x 0.2 mm per px
    view, controller = open_viewer(qtbot, "memory.dcm", ArrayMedia(speckle(), regions=[region], kind="dicom"),
                                   (320, 260))
    yield view
    controller.set_document(None)


def add_shapes(controller: AppController) -> None:
    controller.push(AddAnnotation(Annotation.single("a1", "m1", "line", 0, [(30, 40), (150, 90)], label="gap")))
    controller.push(AddAnnotation(Annotation.single("a2", "m1", "polygon", 0, [(40, 100), (90, 95), (70, 140)])))
    controller.push(AddAnnotation(Annotation.single("a3", "m1", "arrow", 0, [(180, 20), (150, 60)])))


def test_viewer_at_1_to_1_shows_the_exported_picture(qtbot: QtBot, viewer: Viewer) -> None:
    """The fixture's pixels are 0.1 x 0.2 mm: both show them twice as tall as wide."""
    add_shapes(viewer.source)
    viewer.source.select([])
    viewer.resize(260, 340)
    viewer.actual_size()
    viewer.show_regions = True
    viewer.update()
    assert (viewer.view.scale_x, viewer.view.scale_y) == (1.0, 2.0)
    screen = qimage_to_numpy(viewer.grab().toImage())
    x0, y0 = int(viewer.view.offset_x), int(viewer.view.offset_y)
    assert (viewer.view.offset_x, viewer.view.offset_y) == (x0, y0) and x0 >= 0 and y0 >= 0
    on_screen = screen[y0 : y0 + 2 * H, x0 : x0 + W].astype(int)

    scene = viewer.scene()
    assert scene is not None
    options = viewer.render_options()
    exported = qimage_to_numpy(render_scene(scene, options, pixel_aspect=(1.0, 2.0))).astype(int)
    assert exported.shape[:2] == (2 * H, W)

    diff = np.abs(on_screen - exported).max(axis=2)
    assert (diff > 8).mean() < 0.001, f"{(diff > 8).sum()} pixels differ"
    assert diff.mean() < 0.5
    bare = RenderOptions(scale_bar=False, show_labels=False, show_values=False, hidden=frozenset("x"))
    plain = qimage_to_numpy(render_scene(FrameScene(scene.image, 0, 0.0, [], scene.calibration), bare,
                                         pixel_aspect=(1.0, 2.0))).astype(int)
    assert (np.abs(exported - plain).max(axis=2) > 30).sum() > 500  # overlays were drawn


def test_non_square_pixels_map_the_pointer_exactly(qtbot: QtBot, viewer: Viewer) -> None:
    """Shown at true aspect, a pointer position still maps to the exact image pixel."""
    view = viewer.view
    assert view.aspect_y == pytest.approx(2 * view.aspect_x)
    for x, y in ((0.0, 0.0), (57.0, 33.0), (W - 1.0, H - 1.0)):
        p = view.to_widget().map(QPointF(x, y))
        assert view.widget_to_image(p.x(), p.y()) == pytest.approx((x, y))
    viewer.set_true_aspect(False)
    assert (view.aspect_x, view.aspect_y) == (1.0, 1.0)


def test_wheel_zooms_at_the_cursor(qtbot: QtBot, viewer: Viewer) -> None:
    viewer.fit()
    at = QPointF(120, 90)
    before = viewer.view.widget_to_image(at.x(), at.y())
    viewer.zoom_by(2.0, at)
    after = viewer.view.widget_to_image(at.x(), at.y())
    assert after == pytest.approx(before)
    assert not viewer.view.fit


def test_view_transform_maps_pixel_centres() -> None:
    view = ViewTransform()
    view.actual_size(100, 80, 300, 200)
    assert (view.offset_x, view.offset_y) == (100, 60)
    p = view.to_widget().map(QPointF(0, 0))
    assert (p.x(), p.y()) == (100.5, 60.5)  # the centre of widget pixel (100, 60)
    assert view.widget_to_image(100.5, 60.5) == pytest.approx((0, 0))
    view.fit_to(100, 80, 300, 200, margin=0)
    assert view.zoom == pytest.approx(2.5)


def test_middle_drag_pans(qtbot: QtBot, viewer: Viewer) -> None:
    viewer.actual_size()
    x, y = viewer.view.offset_x, viewer.view.offset_y
    QTest.mousePress(viewer, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 100))
    QTest.mouseMove(viewer, QPoint(130, 90))
    QTest.mouseRelease(viewer, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, QPoint(130, 90))
    assert (viewer.view.offset_x, viewer.view.offset_y) == (x + 30, y - 10)
    assert viewer.source.document is not None and viewer.source.document.case.annotations == []


def test_display_lut_changes_the_screen_not_the_pixels(qtbot: QtBot, viewer: Viewer) -> None:
    viewer.actual_size()
    stored = viewer.frame_image.copy() if viewer.frame_image is not None else None
    plain = qimage_to_numpy(viewer.grab().toImage())
    viewer.set_display(DisplayLut(brightness=0.2, contrast=1.5, gamma=1.2))
    bright = qimage_to_numpy(viewer.grab().toImage())
    assert bright.astype(int).mean() > plain.astype(int).mean() + 10
    media = viewer.source.current_media()
    assert media is not None and stored is not None
    assert np.array_equal(media.frame(0), stored)
    assert viewer.frame_image is not None and np.array_equal(viewer.frame_image, stored)


def test_lut_table_is_identity_by_default_and_monotonic() -> None:
    assert np.array_equal(DisplayLut().table(), np.arange(256))
    table = DisplayLut(0.1, 2.0, 0.7).table().astype(int)
    assert (np.diff(table) >= 0).all() and table[0] == 0 and table[-1] == 255


def test_cursor_read_out_gives_px_mm_grey_and_source(qtbot: QtBot, viewer: Viewer) -> None:
    viewer.actual_size()
    seen: list[CursorInfo | None] = []
    viewer.cursor_moved.connect(seen.append)
    target = viewer.view.to_widget().map(QPointF(60, 45))
    QTest.mouseMove(viewer, QPoint(math.floor(target.x()), math.floor(target.y())))
    info = seen[-1]
    # a screen pixel is half an image row tall here (0.2 mm rows shown at true aspect)
    assert info is not None and info.x == 60 and info.y == pytest.approx(45, abs=0.5)
    assert info.mm == pytest.approx(((60 - 10) * 0.1, (45 - 5) * 0.2), abs=0.2)
    assert info.value == f"grey {speckle()[0, 45, 60, 0]}"
    assert "us-region" in info.calibration and "0.100 x 0.200 mm/px" in info.calibration
    assert "frame 0" in info.text()


def test_frames_are_shown_when_decoded_not_before(qtbot: QtBot, viewer: Viewer) -> None:
    with qtbot.waitSignal(viewer.frame_shown, timeout=3000) as shown:
        viewer.source.set_current_frame(2)
    assert shown.args == [2]
    assert viewer.frame_index == 2
    assert viewer.frame_image is not None and np.array_equal(viewer.frame_image, speckle()[2])


def test_a_caliper_being_drawn_shows_its_live_value(qtbot: QtBot, viewer: Viewer) -> None:
    from annotator.render import primary_value_text
    from annotator.ui.tools import CaliperTool

    viewer.actual_size()
    viewer.set_tool(CaliperTool(viewer.tool_context))
    start = viewer.view.to_widget().map(QPointF(20, 30))
    end = viewer.view.to_widget().map(QPointF(120, 30))
    QTest.mousePress(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(math.floor(start.x()), math.floor(start.y())))
    QTest.mouseMove(viewer, QPoint(math.floor(end.x()), math.floor(end.y())))
    scene = viewer.scene()
    assert scene is not None
    preview = scene.annotations[-1]
    assert preview.id == "__preview__"
    assert primary_value_text(scene, preview) == "10.0 mm"  # 100 px at 0.1 mm/px
    QTest.mouseRelease(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(math.floor(end.x()), math.floor(end.y())))
    scene = viewer.scene()
    assert scene is not None and all(a.id != "__preview__" for a in scene.annotations)
    assert viewer.source.document is not None and len(viewer.source.document.case.annotations) == 1


def test_timeline_marks_annotated_frames_and_keyframes(qtbot: QtBot, viewer: Viewer) -> None:
    from annotator.ui.timeline import Timeline, collect_marks

    c = viewer.source
    c.push(AddAnnotation(Annotation.single("s1", "m1", "point", 1, [(5, 5)])))
    c.push(AddAnnotation(Annotation("d1", "m1", "line", 0, {0: [(1, 1), (9, 9)], 2: [(2, 2), (8, 8)]},
                                    frame_end=2)))
    c.select(["d1"])
    marks = collect_marks(c)
    assert marks.annotated == {1} and marks.ranges == [(0, 2)]
    assert marks.keyframes == {0, 2} and marks.selected_keyframes == {0, 2}
    timeline = Timeline(c)
    qtbot.addWidget(timeline)
    timeline.resize(220, 34)
    timeline.refresh()
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(210, 17))
    assert c.current_frame == 2


def test_with_regions_shown_a_screen_capture_outlines_the_image_found_in_it(qtbot: QtBot) -> None:
    """A scanner's screen saved as a video declares no region: with Regions on, the viewer
    outlines the B-mode image the app found (a fascicle past it is extrapolated), in its own
    colour; a DICOM that declares its region outlines that one only."""
    from annotator.media.bmode_area import SOURCE_FOUND
    from tests.unit.test_bmode_area import IMAGE_BOX, screen

    grey = screen()
    view, controller = open_viewer(qtbot, "screen.mp4", ArrayMedia(np.stack([grey, grey]), kind="video"), (760, 520))
    try:
        scene = view.scene()
        assert scene is not None and scene.found_image is None  # regions hidden: nothing asked
        view.show_regions = True
        scene = view.scene()
        assert scene is not None and scene.found_image is not None
        assert scene.found_image.source == SOURCE_FOUND and abs(scene.found_image.x0 - IMAGE_BOX[0]) <= 8
        on = qimage_to_numpy(render_scene(scene, view.render_options())).astype(int)
        off = qimage_to_numpy(render_scene(scene, RenderOptions(scale_bar=True))).astype(int)
        changed = np.abs(on - off).max(axis=2) > 30
        x0, y0, x1, y1 = scene.found_image.x0, scene.found_image.y0, scene.found_image.x1, scene.found_image.y1
        assert changed[(y0 + y1) // 2, x0 - 2 : x0 + 3].any() and changed[(y0 + y1) // 2, x1 - 2 : x1 + 3].any()
        blue = on[..., 2] - on[..., 0] > 60  # the found image's outline is blue, the others green or grey
        assert blue[y0 + 40 : y1 - 40, x0 - 2 : x0 + 3].sum() > 20
    finally:
        controller.set_document(None)


def test_a_declared_region_is_outlined_alone(qtbot: QtBot, viewer: Viewer) -> None:
    viewer.show_regions = True
    scene = viewer.scene()
    assert scene is not None and scene.found_image is None and len(scene.calibration.regions) == 1
