"""Rest and peak chosen on the dynamics panel are the annotation's own (issue 9): undoable,
saved with the case, and shown again by a new panel."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from annotator.case.serialize import case_from_dict, case_to_dict
from annotator.ui.controller import AppController
from annotator.ui.panels.dynamics_panel import DynamicsPanel


def test_a_pick_is_an_undoable_edit_of_the_case(qtbot: QtBot, panel: DynamicsPanel,
                                                controller: AppController) -> None:
    controller.select(["a3"])
    doc = controller.document
    assert doc is not None
    a3 = doc.case.annotation("a3")
    assert (a3.rest_frame, a3.peak_frame) == (None, None)  # only suggested so far
    controller.set_current_frame(20)
    steps = controller.undo_stack.count()
    panel.rest_button.click()
    assert a3.rest_frame == 20 and controller.undo_stack.count() == steps + 1
    assert "Set rest" in controller.undo_stack.undoText()
    saved = case_to_dict(doc.case)
    assert next(a for a in saved["annotations"] if a["id"] == "a3")["rest_frame"] == 20
    assert case_from_dict(saved).annotation("a3").rest_frame == 20

    other = DynamicsPanel(controller)  # a fresh view shows the case's choice
    qtbot.addWidget(other)
    other.refresh()
    assert other.series is not None and other.series.rest_frame == 20
    assert "set by hand" in other.stats.text("rest")

    controller.undo_stack.undo()
    assert a3.rest_frame is None
    panel.refresh_later.flush()
    assert panel.series is not None and panel.series.rest_frame == 0  # the suggestion again
