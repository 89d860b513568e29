"""The thickness, pennation and fascicle tools: one drag along each structure, in the order a
sonographer marks them (issue 9)."""

from __future__ import annotations

import pytest

from annotator.case.model import Annotation
from annotator.ui.tools import Button, FascicleTool, Key, Mod, PennationTool, ThicknessTool
from tests.gui.test_tools import Harness


@pytest.fixture
def h() -> Harness:
    return Harness()


def only(h: Harness) -> Annotation:
    (a,) = h.case.annotations
    return a


def test_thickness_is_a_drag_along_each_boundary(h: Harness) -> None:
    tool = ThicknessTool(h.context)
    first = h.drag(tool, (10, 20), (60, 20), (100, 22))
    assert not h.case.annotations and first.preview is not None and first.preview.kind == "line"
    assert "deep" in first.hint
    last = h.drag(tool, (10, 80), (100, 80))
    assert last.done and only(h).kind == "thickness"
    assert only(h).points == [(10, 20), (100, 22), (10, 80), (100, 80)]
    assert h.selection == [only(h).id]
    h.stack.undo()
    assert not h.case.annotations


def test_pennation_is_fascicle_then_deep_aponeurosis_with_click_click(h: Harness) -> None:
    tool = PennationTool(h.context)
    h.click(tool, (20, 80))
    h.click(tool, (60, 40))  # a click, then a click: the fascicle
    preview = tool.move((30, 90), Button.NONE, Mod.NONE).preview
    assert preview is not None and preview.kind == "line"
    h.drag(tool, (10, 90), (150, 90))
    assert only(h).kind == "pennation" and only(h).points[:2] == [(20, 80), (60, 40)]


def test_fascicle_takes_three_segments_and_backspace_takes_one_back(h: Harness) -> None:
    tool = FascicleTool(h.context)
    h.drag(tool, (50, 60), (70, 40))
    h.drag(tool, (0, 10), (150, 10))
    assert tool.busy and not h.case.annotations
    tool.key(Key.BACKSPACE, Mod.NONE)  # the superficial line again
    h.drag(tool, (0, 12), (150, 12))
    partial = tool.move((5, 90), Button.LEFT, Mod.NONE)
    assert "deep" in partial.hint
    h.drag(tool, (0, 90), (150, 90))
    assert only(h).kind == "fascicle"
    assert only(h).points == [(50, 60), (70, 40), (0, 12), (150, 12), (0, 90), (150, 90)]


def test_a_shaky_click_is_not_a_segment_and_escape_cancels(h: Harness) -> None:
    tool = ThicknessTool(h.context)
    h.drag(tool, (10, 20), (60, 20))
    h.drag(tool, (10, 80), (10.5, 80))  # too short: waits for the other end
    assert tool.busy and not h.case.annotations
    tool.key(Key.ESCAPE, Mod.NONE)
    assert not tool.busy and not h.case.annotations


def test_the_select_tool_hits_a_thickness_on_its_segments_and_its_perpendicular(h: Harness) -> None:
    from annotator.ui.tools.hit import hits_shape

    a = Annotation.single("t1", "m1", "thickness", 0, [(10, 20), (60, 20), (100, 80), (150, 80)])
    pts = a.points
    assert hits_shape(a, pts, (30, 21), 3.0) and hits_shape(a, pts, (120, 79), 3.0)
    assert hits_shape(a, pts, (80, 50), 3.0)  # on the perpendicular at the marked position (x=80)
    assert not hits_shape(a, pts, (30, 50), 3.0)


def test_the_analysis_action_says_so_when_the_analysis_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.ui import architecture_action

    class Signal:
        def __init__(self) -> None:
            self.seen: list[tuple[str, ...]] = []

        def emit(self, *args: str) -> None:
            self.seen.append(args)

    class Controller:
        error = Signal()
        document = None
        current_media_id = None

    controller = Controller()
    monkeypatch.setattr(architecture_action, "analysis_available", lambda: False)
    assert architecture_action.analyse_architecture(controller) is None  # type: ignore[arg-type]
    assert "not part of this build" in controller.error.seen[0][1]
