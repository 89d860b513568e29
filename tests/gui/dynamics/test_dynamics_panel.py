"""The dynamics panel driven through the real AppController on a generated torn-muscle clip whose
stumps retract by a known amount: the series of the selected caliper, the cursor and clicks on
the plot, rest and peak, keyframe and range edits, low-confidence frames, and the CSV and plot
files (tracking through the panel: test_dynamics_tracking.py)."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from dynamics_helpers import FRAMES, annotation, caliper_px, length_mm, track
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from pytestqt.qtbot import QtBot

from annotator.case.commands import SetKeyframes, SetPoints
from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, MediaRef
from annotator.render import qimage_to_numpy
from annotator.render.plot import paint_series_plot, plot_geometry
from annotator.ui.controller import AppController
from annotator.ui.panels.dynamics_panel import DynamicsPanel
from annotator.ui.panels.keyframe_bar import keyframe_edits
from annotator.ui.panels.series_files import EXPORT_FOLDER_KEY


# -- the layout ---------------------------------------------------------------------------------
def test_a_narrow_panel_scrolls_its_buttons_sideways_and_a_wide_one_does_not(
        qtbot: QtBot, panel: DynamicsPanel, controller: AppController) -> None:
    from PySide6.QtWidgets import QScrollArea

    controller.select(["a3"])
    scroller = panel.findChild(QScrollArea, "dynamics_controls")
    assert scroller is not None
    panel.resize(440, 300)  # the column gets two fifths: narrower than its buttons
    qtbot.waitUntil(lambda: scroller.horizontalScrollBar().maximum() > 0)
    assert scroller.horizontalScrollBar().isVisible()
    panel.resize(1000, 300)
    qtbot.waitUntil(lambda: not scroller.horizontalScrollBar().isVisible())
    right = panel.suggest_button.mapTo(scroller.viewport(), panel.suggest_button.rect().topRight()).x()
    assert right < scroller.viewport().width()


# -- the series ---------------------------------------------------------------------------------
def test_selecting_a_caliper_on_a_clip_shows_its_series(panel: DynamicsPanel, controller: AppController) -> None:
    assert panel.series is None and "No annotation" in panel.header.text()
    controller.select(["a3"])
    series = panel.series
    assert series is not None and panel.plot.series is series
    assert list(series.frames) == list(range(21))
    assert series.unit == "mm"
    assert series.sample(0).value == pytest.approx(3.0)
    assert series.sample(5).value == pytest.approx(4.0)  # interpolated between keyframes
    assert series.sample(10).value == pytest.approx(5.0)
    assert "stump" in panel.header.text()
    assert panel.stats.text("min").startswith("3.00 mm")
    assert panel.stats.text("max").startswith("5.00 mm")
    assert panel.stats.text("range").startswith("2.00 mm")
    controller.select(["a4"])  # an arrow: no value to plot, but it can be tracked
    assert panel.series is None and "no measurement" in panel.plot.placeholder
    assert panel.tracking.buttons["track_forward"].isEnabled()


def test_a_still_has_no_series_and_cannot_be_tracked(panel: DynamicsPanel, controller: AppController,
                                                     errors: list[tuple[str, str]]) -> None:
    controller.set_current_media("m2")
    controller.select(["a2"])
    assert panel.series is None and "still image" in panel.plot.placeholder
    assert not any(b.isEnabled() for b in panel.tracking.buttons.values())
    assert not panel.track_to_end()
    assert errors and "still image" in errors[-1][1]
    assert controller.undo_stack.count() == 0


def test_the_cursor_follows_the_frame_and_a_click_on_the_plot_goes_to_a_frame(
        qtbot: QtBot, panel: DynamicsPanel, controller: AppController) -> None:
    controller.select(["a3"])
    controller.set_current_frame(7)
    assert panel.plot.current_frame == 7
    assert "frame 7" in panel.stats.text("now") and panel.stats.text("now").startswith("4.40 mm")
    qtbot.mouseClick(panel.plot, Qt.MouseButton.LeftButton, pos=panel.plot.click_position(15))
    assert controller.current_frame == 15
    assert panel.plot.current_frame == 15
    assert panel.plot.frame_at(panel.plot.click_position(3).x()) == 3


def test_the_click_geometry_matches_where_the_plot_paints_the_cursor(panel: DynamicsPanel,
                                                                     controller: AppController) -> None:
    controller.select(["a3"])
    series = panel.series
    assert series is not None
    w, h = 420, 240
    rect = QRectF(0, 0, w, h)
    base = panel.plot.options()
    for frame in (2, 13, 19):
        images = []
        for cursor in (None, frame):
            image = QImage(w, h, QImage.Format.Format_RGB32)
            painter = QPainter(image)
            paint_series_plot(painter, rect, series, replace(base, current_frame=cursor))
            painter.end()
            images.append(qimage_to_numpy(image).astype(int))
        changed = np.abs(images[1] - images[0]).max(axis=2).sum(axis=0)  # per column
        painted_x = float((changed * np.arange(w)).sum() / changed.sum())
        expected = plot_geometry(rect, series, base).x(series.sample(frame).time_s)
        assert abs(painted_x - expected) < 1.5, (frame, painted_x, expected)


# -- rest and peak ------------------------------------------------------------------------------
def test_rest_and_peak_are_suggested_and_can_be_set_by_hand(panel: DynamicsPanel,
                                                            controller: AppController) -> None:
    controller.select(["a3"])
    series = panel.series
    assert series is not None and (series.rest_frame, series.peak_frame) == (0, 10)  # 3.0 -> 5.0 mm
    assert panel.stats.text("change").startswith("+66.7%")
    assert "suggested" in panel.stats.text("rest")
    assert not panel.suggest_button.isEnabled()

    controller.set_current_frame(20)
    panel.rest_button.click()
    assert panel.series is not None and panel.series.rest_frame == 20
    assert panel.stats.text("change").startswith("+25.0%")  # 4.0 -> 5.0 mm
    assert "set by hand" in panel.stats.text("rest")
    panel.plot.peak_requested.emit(5)  # "Set peak at frame 5" from the plot's menu
    assert panel.series is not None and panel.series.peak_frame == 5
    assert panel.stats.text("change").startswith("+0.0%")

    controller.push(SetPoints("a3", 10, caliper_px(60)))  # the picks survive an edit
    panel.refresh_later.flush()
    assert panel.series is not None and (panel.series.rest_frame, panel.series.peak_frame) == (20, 5)
    assert not panel.set_rest(25)  # outside the range: refused, picks unchanged
    assert panel.series.rest_frame == 20
    panel.suggest_button.click()
    assert panel.series is not None and (panel.series.rest_frame, panel.series.peak_frame) == (0, 10)


# -- keyframes and range ------------------------------------------------------------------------
def test_keyframe_navigation_delete_and_make(panel: DynamicsPanel, controller: AppController) -> None:
    controller.select(["a3"])
    controller.set_current_frame(5)
    bar = panel.keyframes
    assert not bar.buttons["delete_keyframe"].isEnabled() and "not a keyframe" in bar.buttons["delete_keyframe"].toolTip()
    bar.buttons["next_keyframe"].click()
    assert controller.current_frame == 10
    bar.buttons["next_keyframe"].click()
    assert controller.current_frame == 20
    assert not bar.buttons["next_keyframe"].isEnabled()
    bar.buttons["previous_keyframe"].click()
    assert controller.current_frame == 10
    assert "keyframe (placed by hand)" in bar.info.text()

    bar.buttons["delete_keyframe"].click()
    assert sorted(annotation(controller, "a3").keyframes) == [0, 20]
    assert length_mm(controller, "a3", 10) == pytest.approx(3.5)  # 3.0 .. 4.0 mm now
    controller.undo_stack.undo()
    assert sorted(annotation(controller, "a3").keyframes) == [0, 10, 20]

    controller.set_current_frame(5)
    bar.buttons["make_keyframe"].click()
    a = annotation(controller, "a3")
    assert sorted(a.keyframes) == [0, 5, 10, 20]
    assert np.ravel(a.keyframes[5]) == pytest.approx(np.ravel(caliper_px(40)))


def test_range_start_end_and_make_dynamic(panel: DynamicsPanel, controller: AppController) -> None:
    controller.select(["a3"])
    controller.set_current_frame(15)
    panel.keyframes.buttons["range_end_here"].click()
    assert annotation(controller, "a3").last_frame == 15
    controller.set_current_frame(3)
    panel.keyframes.buttons["range_start_here"].click()
    a = annotation(controller, "a3")
    assert (a.frame, a.last_frame) == (3, 15)
    panel.refresh_later.flush()
    assert panel.series is not None and list(panel.series.frames) == list(range(3, 16))

    controller.select(["a1"])
    controller.set_current_frame(0)
    assert panel.keyframes.buttons["make_dynamic"].isEnabled()
    panel.keyframes.buttons["make_dynamic"].click()
    a1 = annotation(controller, "a1")
    assert (a1.frame, a1.frame_end) == (0, FRAMES - 1)
    assert not panel.keyframes.buttons["make_dynamic"].isEnabled()
    assert controller.undo_stack.count() == 3


def test_keyframe_edits_say_why_not() -> None:
    single = Annotation.single("s", "m", "line", 4, caliper_px(10))
    edits = keyframe_edits(single, 4, 10)
    assert not edits["make_keyframe"].available and "make it dynamic" in edits["make_keyframe"].reason
    assert not edits["delete_keyframe"].available and "only keyframe" in edits["delete_keyframe"].reason
    assert edits["make_dynamic"].available and edits["range_end_here"].reason
    on_last = keyframe_edits(single, 4, 5)
    assert not on_last["make_dynamic"].available
    before = keyframe_edits(single, 1, 10)["range_start_here"]
    command = before.command()
    assert command is not None and command is not before.command()  # a fresh command each time


# -- confidence ---------------------------------------------------------------------------------
def test_low_confidence_frames_are_flagged_and_visited(panel: DynamicsPanel, controller: AppController) -> None:
    keyframes = {f: caliper_px(30 + f) for f in range(21)}
    confidence = {f: 0.9 for f in range(1, 21)} | {12: 0.2, 13: 0.3, 17: 0.1}
    controller.push(SetKeyframes("a3", keyframes, confidence, replace=True))
    controller.select(["a3"])
    report = panel.tracking.report.text()
    assert "12\u201313, 17" in report
    controller.set_current_frame(14)
    assert panel.next_low_confidence_frame() == 17
    assert controller.current_frame == 17
    assert "low confidence" in panel.stats.text("now")
    panel.follow_link("next-low")
    assert controller.current_frame == 12  # wraps around
    panel.follow_link("frame:3")
    assert controller.current_frame == 3
    assert "low tracking confidence 0.20" in panel.plot.sample_text(12)
    assert "tracked, confidence 0.90" in panel.plot.sample_text(4)


# -- files --------------------------------------------------------------------------------------
def test_the_series_is_saved_as_csv_with_a_row_per_frame(panel: DynamicsPanel, controller: AppController,
                                                         tmp_path: Path) -> None:
    controller.select(["a3"])
    target = panel.save_csv(tmp_path / "stump.csv")
    with target.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["frame", "time_s", "value", "unit", "confidence"]
    assert [int(r[0]) for r in rows[1:]] == list(range(21))
    assert [float(r[2]) for r in rows[1:]][::10] == pytest.approx([3.0, 5.0, 4.0])
    assert {r[3] for r in rows[1:]} == {"mm"}
    assert float(rows[11][1]) == pytest.approx(10 / 30, abs=1e-3)  # frame 10 at 30 frames/s


def test_save_dialogs_add_the_extension_and_remember_the_folder(panel: DynamicsPanel, controller: AppController,
                                                                tmp_path: Path) -> None:
    controller.select(["a3"])
    asked: list[str] = []
    folder = tmp_path / "exports"
    folder.mkdir()

    def answer(title: str, default: str, filters: str) -> tuple[str, str]:
        asked.append(default)
        return str(folder / "series"), filters.split(";;")[-1]

    panel.files.ask_save_path = answer
    written = panel.save_csv_dialog()
    assert written == folder / "series.csv" and written.is_file()
    assert panel.settings.value(EXPORT_FOLDER_KEY) == str(folder)
    pdf = panel.save_plot_dialog()  # the last filter is PDF
    assert pdf == folder / "series.pdf" and pdf.read_bytes().startswith(b"%PDF")
    assert Path(asked[-1]) == folder / "case-stump-length.png"  # PNG unless chosen otherwise
    panel.save_plot_dialog()
    assert Path(asked[-1]) == folder / "case-stump-length.pdf"  # the format chosen last
    panel.files.ask_save_path = lambda *_: ("", "")
    assert panel.save_csv_dialog() is None


def test_the_plot_is_saved_as_png_svg_and_pdf(panel: DynamicsPanel, controller: AppController, tmp_path: Path) -> None:
    controller.select(["a3"])
    png = QImage(str(panel.save_plot(tmp_path / "plot.png")))
    assert (png.width(), png.height()) == (2000, 1125)
    assert round(png.dotsPerMeterX() * 0.0254) == 300
    pixels = qimage_to_numpy(png)
    assert pixels.min() < 60 and pixels.max() > 240  # text and line on a white page
    svg = (tmp_path / "plot.svg")
    panel.save_plot(svg)
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "rest" in text and "peak" in text
    assert panel.save_plot(tmp_path / "plot.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match="cannot save a plot as .txt"):
        panel.save_plot(tmp_path / "plot.txt")
    assert not (tmp_path / "plot.txt").exists()


# -- the window's actions -----------------------------------------------------------------------
def test_the_dynamics_actions_act_and_follow_what_is_possible(panel: DynamicsPanel,
                                                             controller: AppController) -> None:
    from annotator.ui.dynamics_actions import DynamicsActions

    actions = DynamicsActions(panel, controller, panel, lambda: None).actions
    assert set(panel.bound_actions) == set(panel.handlers())  # the analysis is not the panel's
    assert "analyse_architecture" in actions and actions["analyse_architecture"].isEnabled()
    assert not actions["delete_keyframe"].isEnabled() and not actions["set_rest"].isEnabled()
    controller.select(["a3"])
    controller.set_current_frame(10)
    assert actions["delete_keyframe"].isEnabled() and actions["track_forward"].isEnabled()
    actions["set_rest"].trigger()
    assert panel.series is not None and panel.series.rest_frame == 10
    actions["delete_keyframe"].trigger()
    assert 10 not in annotation(controller, "a3").keyframes


# -- a real contraction clip --------------------------------------------------------------------
@pytest.mark.corpus
def test_a_real_contraction_clip_tracks_plots_and_saves(qtbot: QtBot, corpus: Path, tmp_path: Path) -> None:
    clip = corpus / "joshrbaxter-ultrasound_tracking" / "p6_isometric_max_01_push_02.mp4"
    case = Case(title="Real clip", media=[MediaRef("m1", str(clip))],
                annotations=[Annotation.single("a1", "m1", "line", 0, [(400.0, 200.0), (600.0, 250.0)],
                                               label="fascicle")])
    ctrl = AppController()
    ctrl.set_document(CaseDocument(case))
    widget = DynamicsPanel(ctrl)
    qtbot.addWidget(widget)
    try:
        ctrl.select(["a1"])
        outcome = track(qtbot, widget, lambda: widget.track_to_frame(40))
        assert outcome.applied and outcome.result is not None and outcome.result.complete
        assert min(outcome.result.confidence.values()) > 0.5  # stays on the tissue
        series = widget.series
        assert series is not None and len(series.samples) == 41 and series.unit == "px"  # MP4: no calibration
        assert series.rest_frame is not None and series.peak_frame is not None
        rows = widget.save_csv(tmp_path / "fascicle.csv").read_text().splitlines()
        assert len(rows) == 42
        assert QImage(str(widget.save_plot(tmp_path / "fascicle.png"))).width() == 2000
    finally:
        ctrl.shutdown()
