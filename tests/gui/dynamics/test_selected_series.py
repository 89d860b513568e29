"""The selected series lives in the controller (``AppController.selected_series``), not on the
dynamics panel: the panel only shows it, rest and peak change by undoable commands, and the
rest/peak comparison asks the model with no panel at all."""

from __future__ import annotations

from typing import Any

import pytest
from dynamics_helpers import caliper_px
from pytestqt.qtbot import QtBot

from annotator.case.commands import SetPoints, SetRestPeak
from annotator.case.model import Annotation
from annotator.dynamics.series import Series
from annotator.ui.compare_actions import rest_peak_frames
from annotator.ui.controller import AppController
from annotator.ui.panels.dynamics_panel import DynamicsPanel

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]


def test_the_panel_follows_the_selection_in_the_model(qtbot: QtBot, panel: DynamicsPanel,
                                                      controller: AppController) -> None:
    model = controller.selected_series
    assert model.series() is None and panel.plot.series is None
    with qtbot.waitSignal(model.changed):
        controller.select(["a3"])
    series = model.series()
    assert series is not None and series.annotation_id == "a3"
    assert panel.plot.series is series  # shown, not measured again by the panel
    assert "stump" in panel.header.text() and "caliper" in panel.header.text()  # the glossary word
    controller.select(["a4"])  # an arrow measures nothing
    assert model.series() is None and panel.plot.series is None
    assert "has no measurement" in panel.plot.placeholder
    controller.select(["a2"])  # on another media than the current one: nothing selected here
    assert model.annotation() is None and "No annotation" in panel.header.text()


def test_series_is_measured_once_until_the_case_changes(controller: AppController) -> None:
    model = controller.selected_series
    controller.select(["a3"])
    first = model.series()
    assert first is not None and model.series() is first
    controller.push(SetPoints("a3", 10, caliper_px(60)))
    again = model.series()
    assert again is not None and again is not first
    now, before = again.sample(10).value, first.sample(10).value
    assert now is not None and before is not None and now > before  # 6.0 mm now, 5.0 before


def test_rest_and_peak_change_by_commands_and_undo_restores(qtbot: QtBot, panel: DynamicsPanel,
                                                            controller: AppController) -> None:
    model = controller.selected_series
    controller.select(["a3"])
    assert (panel.series.rest_frame, panel.series.peak_frame) == (0, 10)  # type: ignore[union-attr]
    steps = controller.undo_stack.count()
    model.pick("rest", 20)  # through the model: no panel method involved
    assert controller.undo_stack.count() == steps + 1
    panel.refresh_later.flush()
    shown = panel.plot.series
    assert shown is not None and shown.rest_frame == 20 and "set by hand" in panel.stats.text("rest")
    controller.push(SetRestPeak("a3", peak_frame=5))  # any command, e.g. from a script
    panel.refresh_later.flush()
    assert panel.plot.series is not None and panel.plot.series.peak_frame == 5
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    panel.refresh_later.flush()
    assert panel.plot.series is not None
    assert (panel.plot.series.rest_frame, panel.plot.series.peak_frame) == (0, 10)  # suggested again
    assert "suggested" in panel.stats.text("rest")
    controller.undo_stack.redo()
    assert model.series() is not None and model.series().rest_frame == 20  # type: ignore[union-attr]
    try:
        model.pick("peak", 25)  # outside the range: refused, the case unchanged
    except ValueError as exc:
        assert "frame 25" in str(exc)
    else:
        raise AssertionError("a frame without a value was accepted")
    assert controller.document is not None and controller.document.case.annotation("a3").peak_frame is None


def test_rest_peak_comparison_asks_the_model_without_a_panel(controller: AppController) -> None:
    # no dynamics panel anywhere: the controller alone knows
    controller.select(["a3"])
    assert rest_peak_frames(controller)[0] == [0, 10]
    controller.selected_series.pick("rest", 20)
    controller.selected_series.pick("peak", 5)
    assert rest_peak_frames(controller)[0] == [20, 5]
    controller.selected_series.use_suggestion()
    assert rest_peak_frames(controller)[0] == [0, 10]
    controller.undo_stack.undo()
    assert rest_peak_frames(controller)[0] == [20, 5]


def test_a_drag_is_measured_once_when_the_panel_refreshes(panel: DynamicsPanel, controller: AppController,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import annotator.ui.selected_series as selected

    controller.select(["a3"])
    measured: list[str] = []
    real = selected.measurement_series
    def counted(document: Any, annotation: Annotation) -> Series:
        measured.append(annotation.id)
        return real(document, annotation)

    monkeypatch.setattr(selected, "measurement_series", counted)
    for length in (52, 54, 56, 58, 60):  # the edits of one drag
        controller.push(SetPoints("a3", 10, caliper_px(length)))
    assert measured == []  # the panel still shows the last series; nothing measured per edit
    panel.refresh_later.flush()
    assert measured == ["a3"]
    assert panel.series is not None and panel.series.sample(10).value == pytest.approx(6.0)
