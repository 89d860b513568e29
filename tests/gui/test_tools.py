"""Annotation tools driven with plain values (no widgets): events in, commands out."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from annotator.case.commands import CommandStack, SetCalibration
from annotator.case.model import Annotation, Case, MediaRef
from annotator.render.geometry import ellipse_geometry
from annotator.ui.tools import (
    AngleTool,
    ArrowTool,
    Button,
    CalibrationTool,
    CaliperTool,
    EllipseTool,
    Key,
    Mod,
    PolygonTool,
    PolylineTool,
    SelectTool,
    TextTool,
    ToolContext,
    ToolResult,
    TraceTool,
)
from annotator.ui.tools.base import Tool

L, NONE = Button.LEFT, Mod.NONE


class Harness:
    """A case with one 200x100 media, a command stack, and the selection a window would keep."""

    def __init__(self) -> None:
        self.case = Case(media=[MediaRef("m1", "clip.mp4")])
        self.stack = CommandStack(self.case)
        self.selection: list[str] = []
        self.frame = 0

    def context(self) -> ToolContext:
        return ToolContext(self.case, "m1", self.frame, (200, 100), tolerance=3.0, selection=list(self.selection))

    def apply(self, result: ToolResult) -> ToolResult:
        for command in result.commands:
            self.stack.push(command)
        if result.select is not None:
            self.selection = result.select
        return result

    def drag(self, tool: Tool, *points: tuple[float, float], mods: Mod = NONE) -> ToolResult:
        self.apply(tool.press(points[0], L, mods))
        for p in points[1:]:
            self.apply(tool.move(p, L, mods))
        return self.apply(tool.release(points[-1], L, mods))

    def click(self, tool: Tool, p: tuple[float, float], mods: Mod = NONE) -> ToolResult:
        self.apply(tool.press(p, L, mods))
        return self.apply(tool.release(p, L, mods))


@pytest.fixture
def h() -> Harness:
    return Harness()


def only(case: Case) -> Annotation:
    assert len(case.annotations) == 1
    return case.annotations[0]


def test_caliper_by_drag_gives_a_line_and_selects_it(h: Harness) -> None:
    tool = CaliperTool(h.context)
    preview = tool.press((10, 10), L, NONE)
    moved = tool.move((40, 50), L, NONE)
    assert moved.preview is not None and moved.preview.points == [(10, 10), (40, 50)]
    assert not h.case.annotations and preview.commands == []
    result = h.apply(tool.release((40, 50), L, NONE))
    ann = only(h.case)
    assert (ann.kind, ann.points, ann.frame) == ("line", [(10, 10), (40, 50)], 0)
    assert result.done and h.selection == [ann.id]
    h.stack.undo()
    assert h.case.annotations == []


def test_caliper_by_two_clicks_and_shift_constrains(h: Harness) -> None:
    tool = CaliperTool(h.context)
    h.click(tool, (10, 10))
    assert tool.busy and not h.case.annotations
    h.click(tool, (60, 13), Mod.SHIFT)
    assert only(h.case).points == [(10, 10), (60, 10)]


def test_tiny_drag_is_not_a_caliper_and_points_stay_on_the_image(h: Harness) -> None:
    tool = CaliperTool(h.context)
    h.drag(tool, (10, 10), (10.5, 10))  # becomes click-click mode
    h.click(tool, (500, -40))
    assert only(h.case).points == [(10, 10), (199.5, -0.5)]


def test_escape_cancels_a_shape_in_progress(h: Harness) -> None:
    tool = PolylineTool(h.context)
    h.click(tool, (1, 1))
    h.click(tool, (20, 20))
    assert tool.key(Key.ESCAPE, NONE).preview is None
    assert not tool.busy and not h.case.annotations


def test_polyline_double_click_finishes_and_backspace_undoes_a_point(h: Harness) -> None:
    tool = PolylineTool(h.context)
    for p in [(10, 10), (30, 10), (99, 99), (30, 40)]:
        h.click(tool, p)
    tool.key(Key.BACKSPACE, NONE)  # drops (30, 40)
    h.apply(tool.double_click((30, 40), L, NONE))
    assert only(h.case).points == [(10, 10), (30, 10), (99, 99)]


def test_polygon_closes_on_its_first_point_and_needs_three(h: Harness) -> None:
    tool = PolygonTool(h.context)
    h.click(tool, (10, 10))
    h.click(tool, (50, 10))
    assert h.apply(tool.key(Key.ENTER, NONE)).commands == []  # two points are not a polygon
    for p in [(10, 10), (50, 10), (50, 50), (11, 11)]:
        h.click(tool, p)
    ann = only(h.case)
    assert ann.kind == "polygon" and ann.points == [(10, 10), (50, 10), (50, 50)]


def test_angle_takes_three_clicks(h: Harness) -> None:
    tool = AngleTool(h.context)
    h.click(tool, (50, 10))
    h.click(tool, (10, 10))
    assert tool.move((10, 50), Button.NONE, NONE).preview is not None
    h.click(tool, (10, 50))
    assert only(h.case).points == [(50, 10), (10, 10), (10, 50)]


def test_arrow_runs_tail_to_head(h: Harness) -> None:
    h.drag(ArrowTool(h.context), (5, 5), (25, 30))
    ann = only(h.case)
    assert (ann.kind, ann.points) == ("arrow", [(5, 5), (25, 30)])


def test_freehand_trace_becomes_a_simplified_polygon(h: Harness) -> None:
    tool = TraceTool(h.context)
    circle = [(100 + 30 * math.cos(t / 100 * 2 * math.pi), 50 + 30 * math.sin(t / 100 * 2 * math.pi))
              for t in range(101)]
    h.drag(tool, *circle)
    ann = only(h.case)
    assert ann.kind == "polygon"
    assert 8 <= len(ann.points) < 60  # fewer points than the drag, still round
    assert all(abs(math.dist(p, (100, 50)) - 30) < 0.6 for p in ann.points)


def test_ellipse_from_a_box_and_shift_gives_a_circle(h: Harness) -> None:
    tool = EllipseTool(h.context)
    h.drag(tool, (10, 20), (50, 40))
    e = ellipse_geometry(only(h.case).points)
    assert (e.cx, e.cy, e.rx, e.ry) == pytest.approx((30, 30, 20, 10))
    h.drag(tool, (100, 10), (130, 60), mods=Mod.SHIFT)
    circle = ellipse_geometry(h.case.annotations[1].points)
    assert circle.rx == pytest.approx(circle.ry) == pytest.approx(25)


def test_text_tool_asks_for_words(h: Harness) -> None:
    answers: list[str | None] = [None, "  proximal  "]
    tool = TextTool(h.context, lambda: answers.pop(0))
    h.click(tool, (5, 5))
    assert not h.case.annotations  # cancelled
    h.click(tool, (5, 5))
    ann = only(h.case)
    assert (ann.kind, ann.text) == ("text", "proximal")


def test_calibration_line_asks_the_distance_and_sets_a_manual_calibration(h: Harness) -> None:
    asked: list[float] = []

    def ask(px: float) -> float | None:
        asked.append(px)
        return 10.0

    h.drag(CalibrationTool(h.context, ask), (20, 10), (20, 90))
    assert asked == [pytest.approx(80.0)]
    assert h.case.annotations == []
    manual = h.case.media_ref("m1").calibration
    assert manual is not None and manual.mm_per_px == pytest.approx(0.125)
    h.stack.undo()
    assert h.case.media_ref("m1").calibration is None


def test_calibration_refuses_nonsense_without_a_command(h: Harness) -> None:
    result = h.drag(CalibrationTool(h.context, lambda px: -3.0), (20, 10), (20, 90))
    assert not any(isinstance(c, SetCalibration) for c in result.commands)
    assert "not set" in result.hint


def _add_line(h: Harness, a: tuple[float, float] = (10, 10), b: tuple[float, float] = (50, 10)) -> str:
    h.drag(CaliperTool(h.context), a, b)
    return h.case.annotations[-1].id


def test_select_click_drag_moves_and_one_undo_restores(h: Harness) -> None:
    ident = _add_line(h)
    h.selection = []
    tool = SelectTool(h.context)
    h.drag(tool, (30, 10), (35, 12), (40, 15), (45, 20))
    assert h.selection == [ident]
    assert h.case.annotation(ident).points == [(25, 20), (65, 20)]
    h.stack.undo()  # the whole drag is one step
    assert h.case.annotation(ident).points == [(10, 10), (50, 10)]
    h.stack.undo()
    assert h.case.annotations == []


def test_select_handle_drag_reshapes_with_merged_undo(h: Harness) -> None:
    ident = _add_line(h)
    tool = SelectTool(h.context)
    h.drag(tool, (50, 10), (60, 20), (70, 30))
    assert h.case.annotation(ident).points == [(10, 10), (70, 30)]
    assert len(h.stack) == 2
    h.stack.undo()
    assert h.case.annotation(ident).points == [(10, 10), (50, 10)]


def test_ellipse_axis_handle_rotates_and_keeps_the_other_axis(h: Harness) -> None:
    h.drag(EllipseTool(h.context), (10, 20), (50, 40))  # centre (30, 30), rx 20, ry 10
    tool = SelectTool(h.context)
    h.drag(tool, (50, 30), (30, 60))  # axis end dragged straight down
    e = ellipse_geometry(h.case.annotations[0].points)
    assert (e.rx, e.ry, e.angle_deg) == pytest.approx((30, 10, 90))


def test_rubber_band_selects_shapes_inside_and_delete_removes_them(h: Harness) -> None:
    a = _add_line(h, (10, 10), (20, 10))
    b = _add_line(h, (10, 50), (20, 50))
    _add_line(h, (150, 50), (190, 50))
    tool = SelectTool(h.context)
    result = h.drag(tool, (5, 5), (100, 80))
    assert h.selection == [a, b] and result.band is None
    h.apply(tool.key(Key.DELETE, NONE))
    assert len(h.case.annotations) == 1 and h.selection == []
    h.stack.undo()
    assert len(h.case.annotations) == 3


def test_ctrl_click_toggles_and_group_move_is_one_step(h: Harness) -> None:
    a = _add_line(h, (10, 10), (20, 10))
    b = _add_line(h, (10, 50), (20, 50))
    tool = SelectTool(h.context)
    h.click(tool, (15, 10))
    h.click(tool, (15, 50), Mod.CTRL)
    assert h.selection == [a, b]
    h.drag(tool, (15, 50), (25, 50), (35, 55))
    assert h.case.annotation(a).points == [(30, 15), (40, 15)]
    assert h.case.annotation(b).points == [(30, 55), (40, 55)]
    h.stack.undo()
    assert h.case.annotation(a).points == [(10, 10), (20, 10)]
    h.click(tool, (15, 50), Mod.CTRL)
    assert h.selection == [a]


def test_editing_a_dynamic_annotation_makes_a_keyframe_on_that_frame(h: Harness) -> None:
    ann = Annotation("d1", "m1", "line", 0, {0: [(10, 10), (50, 10)], 10: [(10, 10), (70, 10)]}, frame_end=10)
    h.case.annotations.append(ann)
    h.frame = 5
    h.selection = ["d1"]  # selected: its handle (interpolated end at x=60) can be dragged
    h.drag(SelectTool(h.context), (60, 10), (60, 30))
    assert sorted(ann.keyframes) == [0, 5, 10]
    assert ann.keyframes[5] == [(10, 10), (60, 30)]
    assert ann.points_at(3) == [(10, 10), pytest.approx((56, 22))]


def test_select_picks_an_annotation_by_its_label_and_double_click_asks_to_edit(h: Harness) -> None:
    h.case.annotations.append(Annotation.single("a1", "m1", "line", 0, [(10, 80), (60, 80)], label="gap"))
    label_box = (100.0, 10.0, 140.0, 20.0)  # far from the line, where the renderer put its label
    tool = SelectTool(lambda: replace(h.context(), labels=[("a1", label_box)]))
    h.click(tool, (120, 15))
    assert h.selection == ["a1"]
    h.click(tool, (120, 40))  # empty image: nothing
    assert h.selection == []
    edit = h.apply(tool.double_click((120, 15), L, NONE))
    assert edit.edit == "a1" and h.selection == ["a1"] and not edit.commands
    assert tool.double_click((35, 80.5), L, NONE).edit == "a1"  # on the line itself
    assert tool.double_click((120, 40), L, NONE).edit is None
    hidden = SelectTool(lambda: replace(h.context(), labels=[("a1", label_box)], hidden=frozenset({"a1"})))
    assert hidden.double_click((120, 15), L, NONE).edit is None
