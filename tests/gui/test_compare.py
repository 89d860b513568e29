"""Comparison views: rest vs peak frames of one clip with linked zoom and pan, and two media
played in step by normalised time. Generated in-memory clips; waits on conditions, no sleeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, MediaRef
from annotator.dynamics.series import measurement_series, suggest_rest_peak
from annotator.media import ArrayMedia, Media
from annotator.media.calibration import UNIT_CM, Region
from annotator.media.playback_clock import frame_at_phase
from annotator.render import qimage_to_numpy
from annotator.ui.compare import (
    ComparisonError,
    FrameComparison,
    MediaComparison,
    open_frame_comparison,
    open_media_comparison,
)
from annotator.ui.compare.panel import CompareViewer
from annotator.ui.compare.view_sync import shared_view
from annotator.ui.controller import AppController

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]

W, H = 160, 120


def clip(frames: int, fps: float, mm_per_px: float | None = 0.1, width: int = W, height: int = H) -> ArrayMedia:
    """A grey field with a bright block that moves 2 px a frame; calibrated when asked."""
    data = np.full((frames, height, width, 3), 70, np.uint8)
    for i in range(frames):
        x = 10 + (2 * i) % (width - 30)
        data[i, 20:40, x:x + 12] = 190
    regions = []
    if mm_per_px is not None:
        d = mm_per_px / 10.0
        regions.append(Region(0, 0, width - 1, height - 1, UNIT_CM, UNIT_CM, d, d))
    return ArrayMedia(data, np.arange(frames) * (1000.0 / fps), regions, path=f"clip{frames}.mp4")


def still() -> ArrayMedia:
    return ArrayMedia(np.full((1, H, W, 3), 90, np.uint8), path="still.png")


def make_controller(media: dict[str, Media], refs: list[MediaRef], annotations: list[Annotation]) -> AppController:
    doc = CaseDocument(Case(title="compare", media=refs, annotations=annotations))
    for media_id, m in media.items():
        doc.set_media(media_id, m)
    controller = AppController()
    controller.set_document(doc)
    return controller


def gap(keyframes: dict[int, list[tuple[float, float]]], last: int) -> Annotation:
    """A tracked caliper across a tear gap."""
    first = min(keyframes)
    return Annotation("a1", "m1", "line", first, keyframes, frame_end=last, label="gap")


@pytest.fixture
def controller() -> Iterator[AppController]:
    keys = {0: [(40.0, 60.0), (80.0, 60.0)], 15: [(30.0, 60.0), (120.0, 60.0)], 29: [(40.0, 60.0), (80.0, 60.0)]}
    c = make_controller(
        {"m1": clip(30, 30.0), "m2": clip(61, 61.0, mm_per_px=0.05), "m3": still()},
        [MediaRef("m1", "vl_left.mp4", label="vastus lateralis", side="left"),
         MediaRef("m2", "vl_right.mp4", side="right"), MediaRef("m3", "nerve.png")],
        [gap(keys, 29)],
    )
    yield c
    c.set_document(None)  # closes the media and their read-ahead workers


def shown(viewer: CompareViewer, frame: int) -> bool:
    return viewer.frame_image is not None and viewer.frame_index == frame


def wait_frames(qtbot: QtBot, comparison: FrameComparison) -> None:
    qtbot.waitUntil(lambda: all(shown(p.viewer, p.frame) for p in comparison.panels), timeout=5000)


def open_frames(qtbot: QtBot, controller: AppController, frames: list[int]) -> FrameComparison:
    widget = open_frame_comparison(controller, "m1", frames)
    assert isinstance(widget, FrameComparison)
    qtbot.addWidget(widget)
    qtbot.waitExposed(widget)
    wait_frames(qtbot, widget)
    return widget


def yellow(image: np.ndarray) -> np.ndarray:
    r, g, b = (image[..., i].astype(int) for i in range(3))
    return (r > 200) & (g > 170) & (b < 90)


def yellow_near(viewer: CompareViewer, x: float, y: float, radius: int = 3) -> int:
    """Caliper-yellow screen pixels around image point (x, y) of the viewer."""
    image = qimage_to_numpy(viewer.grab().toImage())
    ratio = image.shape[1] / max(viewer.width(), 1)  # device pixels per widget pixel
    p = viewer.view.to_widget().map(QPointF(x, y))
    cx, cy, r = round(p.x() * ratio), round(p.y() * ratio), max(round(radius * ratio), 1)
    return int(yellow(image[cy - r:cy + r + 1, cx - r:cx + r + 1]).sum())


# -- rest vs peak -----------------------------------------------------------------------------
def test_panels_draw_each_frame_with_its_interpolated_points_and_title(qtbot: QtBot,
                                                                       controller: AppController) -> None:
    comparison = open_frames(qtbot, controller, [3, 15])
    doc = controller.document
    assert doc is not None
    media, annotation = doc.media("m1"), doc.case.annotation("a1")
    rest, peak = comparison.panels
    assert (rest.frame, peak.frame) == (3, 15)
    for panel in comparison.panels:
        value = doc.measure(annotation, panel.frame)[0]
        assert value.unit == "mm"
        role = "Rest" if panel is rest else "Peak"
        assert panel.title.text() == (f"{role}, frame {panel.frame}, {media.time_ms(panel.frame) / 1000:.2f} s: "
                                      f"gap {value.display()}")
    assert re.fullmatch(r"Rest, frame 3, 0\.10 s: gap \d+\.\d mm", rest.title.text())
    # the real renderer draws the caliper where it is on each panel's frame
    points_peak, points_rest = annotation.points_at(15), annotation.points_at(3)
    assert points_peak is not None and points_rest is not None
    right_end_peak, right_end_rest = points_peak[1], points_rest[1]
    assert right_end_peak[0] - right_end_rest[0] > 20
    assert yellow_near(peak.viewer, *right_end_peak) > 0
    assert yellow_near(rest.viewer, *right_end_peak) == 0
    assert yellow_near(rest.viewer, *right_end_rest) > 0
    # the summary gives the change between the two
    rest_m, peak_m = doc.measure(annotation, 3)[0], doc.measure(annotation, 15)[0]
    change = (peak_m.value / rest_m.value - 1) * 100
    assert comparison.summary.text() == (f"gap: rest {rest_m.display()} \u2192 peak {peak_m.display()} "
                                         f"({change:+.0f}%)")


def test_frame_picker_moves_one_panel_and_updates_its_title(qtbot: QtBot, controller: AppController) -> None:
    comparison = open_frames(qtbot, controller, [0, 29])
    first, second = comparison.panels
    with qtbot.waitSignal(second.viewer.frame_shown, timeout=5000):
        second.spin.setValue(10)
    assert (first.frame, second.frame) == (0, 10)
    assert second.viewer.frame_index == 10 and second.slider.value() == 10
    assert second.title.text().startswith("Peak, frame 10, 0.33 s: gap ")
    second.viewer.setFocus()
    with qtbot.waitSignal(second.viewer.frame_shown, timeout=5000):
        QTest.keyClick(second.viewer, Qt.Key.Key_Right)
    assert second.frame == 11 and first.frame == 0
    assert controller.current_frame == 0  # the main window's frame is left alone


def test_zoom_and_pan_in_one_panel_move_the_other_exactly(qtbot: QtBot, controller: AppController) -> None:
    comparison = open_frames(qtbot, controller, [0, 15])
    a, b = (p.viewer for p in comparison.panels)
    qtbot.waitUntil(lambda: a.width() == b.width() and a.height() == b.height(), timeout=2000)
    before = b.view.zoom
    a.zoom_by(2.0, QPointF(a.width() * 0.3, a.height() * 0.4))  # what a wheel notch does
    assert b.view.zoom == pytest.approx(a.view.zoom) == pytest.approx(before * 2.0)

    def same_view() -> None:
        for x, y in ((0.0, 0.0), (55.5, 70.25), (W - 1.0, H - 1.0)):
            pa, pb = a.view.to_widget().map(QPointF(x, y)), b.view.to_widget().map(QPointF(x, y))
            assert (pb.x(), pb.y()) == (pytest.approx(pa.x()), pytest.approx(pa.y()))

    same_view()
    # pan the other panel with a right-button drag: the first follows
    start = QPoint(b.width() // 2, b.height() // 2)
    offset_before = (b.view.offset_x, b.view.offset_y)
    QTest.mousePress(b, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(b, start + QPoint(-25, 12))
    QTest.mouseRelease(b, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, start + QPoint(-25, 12))
    assert (b.view.offset_x - offset_before[0], b.view.offset_y - offset_before[1]) == (-25, 12)
    same_view()
    centre_a = a.view.widget_to_image(a.width() / 2, a.height() / 2)
    centre_b = b.view.widget_to_image(b.width() / 2, b.height() / 2)
    assert centre_a == (pytest.approx(centre_b[0]), pytest.approx(centre_b[1]))
    # unlinked: the other panel stays put
    comparison.link.setChecked(False)
    kept = (b.view.zoom, b.view.offset_x, b.view.offset_y)
    a.zoom_by(1.5)
    assert (b.view.zoom, b.view.offset_x, b.view.offset_y) == kept
    comparison.link.setChecked(True)  # linking again brings the other to the last moved one
    same_view()
    comparison.fit_all()
    assert a.view.fit and b.view.fit


def test_wheel_zoom_follows(qtbot: QtBot, controller: AppController) -> None:
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    comparison = open_frames(qtbot, controller, [0, 15])
    a, b = (p.viewer for p in comparison.panels)
    at = QPointF(a.width() * 0.7, a.height() * 0.6)
    event = QWheelEvent(at, a.mapToGlobal(at), QPoint(0, 0), QPoint(0, 240), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    zoom = a.view.zoom
    QApplication.sendEvent(a, event)
    assert a.view.zoom == pytest.approx(zoom * 1.25**2)
    assert b.view.zoom == pytest.approx(a.view.zoom)
    sa = shared_view(a.view, a.width(), a.height(), comparison.sync.frame_of(a))
    sb = shared_view(b.view, b.width(), b.height(), comparison.sync.frame_of(b))
    assert (sb.centre_x, sb.centre_y) == (pytest.approx(sa.centre_x), pytest.approx(sa.centre_y))


def test_suggest_rest_peak_from_the_tracked_series(qtbot: QtBot, controller: AppController) -> None:
    comparison = open_frames(qtbot, controller, [5, 6])
    doc = controller.document
    assert doc is not None
    expected = suggest_rest_peak(measurement_series(doc, doc.case.annotation("a1")))
    assert expected == (0, 15)  # the gap opens to its widest at the middle keyframe
    comparison.suggest.click()
    wait_frames(qtbot, comparison)
    assert [p.frame for p in comparison.panels] == list(expected)
    assert comparison.titles()[1].startswith("Peak, frame 15, 0.50 s: gap ")


def test_no_frames_given_opens_on_the_suggestion(qtbot: QtBot, controller: AppController) -> None:
    comparison = open_frames(qtbot, controller, [])
    assert [p.frame for p in comparison.panels] == [0, 15]


def test_three_panels_without_roles(qtbot: QtBot, controller: AppController) -> None:
    comparison = open_frames(qtbot, controller, [0, 15, 29])
    assert [t.split(":")[0] for t in comparison.titles()] == ["Frame 0, 0.00 s", "Frame 15, 0.50 s",
                                                              "Frame 29, 0.97 s"]
    assert comparison.summary.text().startswith("gap: frame 0 4.0 mm \u2192 frame 15 9.0 mm")
    a, c = comparison.panels[0].viewer, comparison.panels[2].viewer
    a.zoom_by(1.5)
    assert c.view.zoom == pytest.approx(a.view.zoom)


def test_picking_a_shape_in_a_panel_selects_it(qtbot: QtBot, controller: AppController) -> None:
    doc = controller.document
    assert doc is not None
    doc.case.annotations.append(Annotation.single("a2", "m1", "line", 0, [(20, 100), (60, 100)],
                                                  frame_end=29, label="depth"))
    comparison = open_frames(qtbot, controller, [0, 15])
    viewer = comparison.panels[0].viewer
    p = viewer.view.to_widget().map(QPointF(40, 100))
    QTest.mouseClick(viewer, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p.toPoint())
    assert controller.selection == ["a2"]
    assert comparison.annotation_id == "a2"
    assert comparison.titles()[0].endswith(": depth 4.0 mm")
    assert doc.case.annotation("a2").keyframes == {0: [(20.0, 100.0), (60.0, 100.0)]}  # nothing edited


@pytest.mark.parametrize(("media_id", "frames", "words"), [
    ("m3", [0, 0], "still image"),
    ("m1", [0, 30], "Frame 30 is outside"),
    ("m9", [0, 1], "no media 'm9'"),
    ("m1", [0, 1, 2, 3, 4], "At most 4"),
])
def test_frame_comparison_refuses_with_a_clear_message(controller: AppController, media_id: str,
                                                       frames: list[int], words: str) -> None:
    with pytest.raises(ComparisonError, match=re.escape(words)):
        open_frame_comparison(controller, media_id, frames)


# -- normalised time --------------------------------------------------------------------------
def open_pair(qtbot: QtBot, controller: AppController) -> MediaComparison:
    widget = open_media_comparison(controller, "m1", "m2")
    assert isinstance(widget, MediaComparison)
    qtbot.addWidget(widget)
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: all(shown(s.viewer, s.frame) for s in widget.sides), timeout=5000)
    return widget


def test_media_sides_are_labelled_and_scrub_in_step(qtbot: QtBot, controller: AppController) -> None:
    pair = open_pair(qtbot, controller)
    left, right = pair.sides
    assert left.title.text() == "Left: vastus lateralis"
    assert right.title.text() == "Right: vl_right.mp4"
    pair.scrubber.setValue(500)
    assert (left.frame, right.frame) == (15, 30)
    qtbot.waitUntil(lambda: shown(left.viewer, 15) and shown(right.viewer, 30), timeout=5000)
    assert left.position.text() == "frame 15 / 29   0.50 s" and pair.phase_label.text() == "50%"
    pair.playback.step(1)  # a frame of the finer clip
    assert (left.frame, right.frame) == (15, 31)
    assert pair.scrubber.value() == round(31 / 61 * 1000)


def test_media_playback_advances_both_sides_in_phase(qtbot: QtBot, controller: AppController) -> None:
    pair = open_pair(qtbot, controller)
    doc = controller.document
    assert doc is not None
    ma, mb = doc.media("m1"), doc.media("m2")
    seen: list[tuple[float, int, int]] = []
    pair.playback.phase_changed.connect(lambda p: seen.append((p, pair.sides[0].frame, pair.sides[1].frame)))
    pair.play_button.click()
    assert pair.playback.playing and pair.play_button.isChecked()
    qtbot.waitUntil(lambda: pair.playback.shown >= 4 and pair.sides[0].frame > 0 and pair.sides[1].frame > 0,
                    timeout=5000)
    pair.play_button.click()
    assert not pair.playback.playing
    assert seen
    for phase, fa, fb in seen:
        assert (fa, fb) == (frame_at_phase(ma, phase), frame_at_phase(mb, phase))


def test_media_link_zoom_at_the_same_physical_scale(qtbot: QtBot, controller: AppController) -> None:
    pair = open_pair(qtbot, controller)
    a, b = (s.viewer for s in pair.sides)
    assert "mm" in pair.link.text()
    # Same Scale: both whole, at one physical scale (the right clip has half the mm per pixel)
    pair.fit_same_scale()
    assert a.view.fit and b.view.fit
    assert a.view.zoom / 0.1 == pytest.approx(b.view.zoom / 0.05)
    for v in (a, b):
        rect = v.view.image_rect_in_widget(*v.image_size())
        assert rect.left() >= -1e-6 and rect.right() <= v.width() + 1e-6
        assert rect.top() >= -1e-6 and rect.bottom() <= v.height() + 1e-6
    a.zoom_by(3.0, QPointF(a.width() * 0.4, a.height() * 0.5))
    # 0.1 mm per pixel on the left, 0.05 on the right: the same screen pixels per mm
    assert a.view.zoom / 0.1 == pytest.approx(b.view.zoom / 0.05)
    sa = shared_view(a.view, a.width(), a.height(), pair.sync.frame_of(a))
    sb = shared_view(b.view, b.width(), b.height(), pair.sync.frame_of(b))
    assert (sb.scale, sb.centre_x, sb.centre_y) == (pytest.approx(sa.scale), pytest.approx(sa.centre_x),
                                                     pytest.approx(sa.centre_y))
    pair.link.setChecked(False)
    kept = b.view.zoom
    a.zoom_by(2.0)
    assert b.view.zoom == kept


def test_media_comparison_refuses_with_a_clear_message(controller: AppController) -> None:
    with pytest.raises(ComparisonError, match="two different media"):
        open_media_comparison(controller, "m1", "m1")
    with pytest.raises(ComparisonError, match="no media 'm7'"):
        open_media_comparison(controller, "m1", "m7")


def test_a_still_beside_a_clip_stays_put(qtbot: QtBot, controller: AppController) -> None:
    widget = open_media_comparison(controller, "m3", "m1")
    assert isinstance(widget, MediaComparison)
    qtbot.addWidget(widget)
    widget.scrubber.setValue(700)
    assert [s.frame for s in widget.sides] == [0, frame_at_phase(clip(30, 30.0), 0.7)]
    assert widget.sides[0].position.text() == "still image"
    # a calibrated clip beside an uncalibrated still: linked relative to each image's size
    assert "relative" in widget.link.text()


# -- closing ----------------------------------------------------------------------------------
def test_windows_close_cleanly_and_with_the_case(qtbot: QtBot, controller: AppController) -> None:
    frames = open_frames(qtbot, controller, [0, 15])
    pair = open_pair(qtbot, controller)
    pair.play_button.click()
    with qtbot.waitSignal(pair.destroyed, timeout=5000):
        pair.close()
    windows: list[QWidget] = [frames, open_pair(qtbot, controller)]
    signals = [w.destroyed for w in windows]
    with qtbot.waitSignals(signals, timeout=5000):
        controller.set_document(None)  # closing the case closes its comparisons


# -- real clips -------------------------------------------------------------------------------
@pytest.mark.corpus
def test_real_clips_of_different_rates_play_in_step(qtbot: QtBot, corpus: Path) -> None:
    """A 61 fps H.264 clip beside a 33 fps GIF: scrub and play keep them at one fraction."""
    paths = [corpus / "joshrbaxter-ultrasound_tracking" / "p6_isokinetic500_01_push_01.mp4",
             corpus / "luuleitner-MotorEndplate" / "contraction.gif"]
    case = Case(title="real", media=[MediaRef("m1", paths[0].as_posix(), side="left"),
                                     MediaRef("m2", paths[1].as_posix(), side="right")])
    controller = AppController()
    controller.set_document(CaseDocument(case))
    try:
        pair = open_media_comparison(controller, "m1", "m2")
        assert isinstance(pair, MediaComparison)
        qtbot.addWidget(pair)
        medias = [s.source.current_media() for s in pair.sides]
        assert all(m is not None and m.frame_count > 10 for m in medias)
        pair.scrubber.setValue(400)
        expected = [frame_at_phase(m, 0.4) for m in medias if m is not None]
        qtbot.waitUntil(lambda: all(shown(s.viewer, f) for s, f in zip(pair.sides, expected, strict=True)),
                        timeout=15_000)
        pair.playback.play()
        qtbot.waitUntil(lambda: pair.playback.shown >= 3, timeout=15_000)
        assert all(s.viewer.render_options().draft for s in pair.sides)  # both sides in draft
        pair.playback.pause()
        assert not any(s.viewer.render_options().draft for s in pair.sides)
        phase = pair.playback.phase
        assert [s.frame for s in pair.sides] == [frame_at_phase(m, phase) for m in medias if m is not None]
        pair.close()
    finally:
        controller.set_document(None)


def test_media_sides_fit_each_on_its_own_and_say_when_uncalibrated(qtbot: QtBot) -> None:
    """A small uncalibrated image beside a big clip: Fit makes each fill its own panel, and the
    small side says that its values are in px."""
    c = make_controller({"m1": clip(10, 25.0, width=4 * W, height=4 * H), "m2": clip(10, 25.0, mm_per_px=None)},
                        [MediaRef("m1", "big.mp4", side="left"), MediaRef("m2", "small.mp4")], [])
    try:
        widget = open_media_comparison(c, "m1", "m2")
        assert isinstance(widget, MediaComparison)
        widget.resize(1000, 500)
        widget.show()
        qtbot.waitExposed(widget)
        qtbot.waitUntil(lambda: all(shown(s.viewer, s.frame) for s in widget.sides), timeout=5000)
        big, small = widget.sides
        assert big.title.text() == "Left: big.mp4" and small.title.text() == "small.mp4"
        assert big.notice.isHidden() and not small.notice.isHidden()
        assert "Uncalibrated" in small.notice.text()
        widget.fit_all()
        fitted = small.viewer.view.zoom
        big.viewer.zoom_by(2.0)  # linked relative to each image: the small side doubles too
        assert small.viewer.view.zoom == pytest.approx(2 * fitted, rel=0.05)
        widget.fit_all()
        for side in widget.sides:  # each image fills its panel along one axis
            v = side.viewer
            rect = v.view.image_rect_in_widget(*v.image_size())
            # (the fit leaves an 8 px margin all round)
            assert (rect.width() == pytest.approx(v.width() - 16, abs=1.0)
                    or rect.height() == pytest.approx(v.height() - 16, abs=1.0))
        assert small.viewer.view.zoom > 3 * big.viewer.view.zoom
    finally:
        c.set_document(None)  # closes the comparison window with the case
