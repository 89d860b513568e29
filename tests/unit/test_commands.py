"""Every command does, undoes and redoes exactly, notifies the case, and merges where asked."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from annotator.case.commands import (
    AddAnnotation,
    AddFinding,
    AddMedia,
    ChangeAnnotation,
    ChangeFinding,
    ChangeMedia,
    Command,
    CommandError,
    CommandStack,
    DeleteKeyframe,
    LinkAnnotation,
    Macro,
    MoveAnnotation,
    RemoveAnnotations,
    RemoveFinding,
    RemoveMedia,
    SetAttribute,
    SetCalibration,
    SetFrameRange,
    SetKeyframes,
    SetPoints,
    SetTitle,
)
from annotator.case.model import (
    Annotation,
    AttributeValue,
    Case,
    CaseEvent,
    Finding,
    MediaRef,
    Style,
)
from annotator.case.serialize import case_to_dict
from annotator.media.calibration import ManualCalibration


def make_case() -> Case:
    case = Case(title="Knee")
    case.media = [MediaRef("m1", "a.png", "0" * 64), MediaRef("m2", "b.png")]
    case.findings = [
        Finding("f1", "tear", "rectus femoris", "right", attributes={"gap": AttributeValue(annotation="a1")}),
        Finding("f2", "atrophy", "vastus lateralis", "left"),
    ]
    case.annotations = [
        Annotation.single("a1", "m1", "line", 0, [(0, 0), (10, 0)], label="gap", finding="f1"),
        Annotation.single("a2", "m1", "polygon", 0, [(0, 0), (10, 0), (10, 10)]),
        Annotation("a3", "m1", "line", 5, {5: [(0, 0), (10, 0)], 15: [(0, 0), (20, 0)]}, frame_end=20,
                   confidence={15: 0.9}),
        Annotation.single("a4", "m2", "angle", 3, [(10, 0), (0, 0), (0, 10)], finding="f2"),
    ]
    return case


def snapshot(case: Case) -> dict:
    return copy.deepcopy(case_to_dict(case))


COMMANDS: dict[str, Callable[[], Command]] = {
    "add annotation": lambda: AddAnnotation(Annotation.single("a9", "m2", "point", 0, [(1, 2)])),
    "remove annotations": lambda: RemoveAnnotations(["a1", "a4"]),
    "change annotation": lambda: ChangeAnnotation("a1", label="retraction", text="note", style=Style("#ff0000", 2.0)),
    "change kind": lambda: ChangeAnnotation("a1", kind="arrow"),
    "set points single": lambda: SetPoints("a1", 0, [(1, 1), (50, 50)]),
    "set points keyframe": lambda: SetPoints("a3", 10, [(3, 3), (30, 3)]),
    "set points existing key": lambda: SetPoints("a3", 15, [(3, 3), (30, 3)]),
    "move single": lambda: MoveAnnotation("a2", 0, 5, -2),
    "move dynamic": lambda: MoveAnnotation("a3", 12, 1, 1),
    "move all frames": lambda: MoveAnnotation("a3", 12, 1, 1, all_frames=True),
    "set keyframes": lambda: SetKeyframes("a3", {16: [(0, 0), (21, 0)], 30: [(0, 0), (25, 0)]}, {16: 0.8, 30: 0.4}),
    "set keyframes replace": lambda: SetKeyframes("a1", {0: [(0, 0), (1, 0)], 4: [(0, 0), (2, 0)]}, replace=True),
    "delete keyframe": lambda: DeleteKeyframe("a3", 15),
    "set frame range": lambda: SetFrameRange("a3", 8, 12),
    "make single frame": lambda: SetFrameRange("a3", 9, None),
    "add finding": lambda: AddFinding(Finding("f9", "nerve_enlargement", "median", "left")),
    "remove finding": lambda: RemoveFinding("f1"),
    "change finding": lambda: ChangeFinding("f1", side="left", site="myotendinous junction", notes="x"),
    "set attribute": lambda: SetAttribute("f1", "grade", AttributeValue(2)),
    "replace attribute": lambda: SetAttribute("f1", "gap", AttributeValue(4.5, "mm")),
    "remove attribute": lambda: SetAttribute("f1", "gap", None),
    "link annotation": lambda: LinkAnnotation("a2", "f2"),
    "unlink annotation": lambda: LinkAnnotation("a1", None),
    "add media": lambda: AddMedia(MediaRef("m3", "c.dcm")),
    "remove media": lambda: RemoveMedia("m1"),
    "change media": lambda: ChangeMedia("m2", label="other side", side="left"),
    "set calibration": lambda: SetCalibration("m1", ManualCalibration.from_line((0, 0), (100, 0), 10.0)),
    "set title": lambda: SetTitle("Thigh"),
    "macro": lambda: Macro("Two things", [SetTitle("T"), MoveAnnotation("a1", 0, 1, 1)]),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_redo_undo_redo_is_exact_and_notifies(name: str) -> None:
    case = make_case()
    events: list[CaseEvent] = []
    case.listeners.append(events.append)
    before = snapshot(case)
    stack = CommandStack(case)
    stack.push(COMMANDS[name]())
    after = snapshot(case)
    assert after != before, "the command changed nothing"
    assert events, "redo did not notify"
    events.clear()
    stack.undo()
    assert snapshot(case) == before
    assert events, "undo did not notify"
    stack.redo()
    assert snapshot(case) == after
    stack.undo()
    assert snapshot(case) == before


def test_set_points_on_a_single_frame_annotation_replaces_its_points() -> None:
    case = make_case()
    SetPoints("a1", 7, [(1, 1), (2, 2)]).redo(case)  # the frame of a still annotation does not matter
    assert case.annotation("a1").keyframes == {0: [(1.0, 1.0), (2.0, 2.0)]}


def test_set_points_on_a_dynamic_annotation_creates_a_keyframe() -> None:
    case = make_case()
    SetPoints("a3", 10, [(1, 1), (2, 2)]).redo(case)
    assert sorted(case.annotation("a3").keyframes) == [5, 10, 15]
    with pytest.raises(CommandError, match="outside its range"):
        SetPoints("a3", 40, [(1, 1), (2, 2)]).redo(case)


def test_set_points_merge_into_one_undo_step() -> None:
    case = make_case()
    stack = CommandStack(case)
    before = snapshot(case)
    for x in range(11, 20):
        stack.push(SetPoints("a1", 0, [(0, 0), (x, 0)], merge_id="drag-a1"))
    assert len(stack) == 1
    assert case.annotation("a1").points == [(0.0, 0.0), (19.0, 0.0)]
    stack.undo()
    assert snapshot(case) == before
    stack.redo()
    assert case.annotation("a1").points == [(0.0, 0.0), (19.0, 0.0)]


def test_commands_without_merge_id_or_other_targets_do_not_merge() -> None:
    case = make_case()
    stack = CommandStack(case)
    stack.push(SetPoints("a1", 0, [(0, 0), (11, 0)]))
    stack.push(SetPoints("a1", 0, [(0, 0), (12, 0)]))
    stack.push(SetPoints("a2", 0, [(0, 0), (5, 0), (5, 5)], merge_id="drag"))
    stack.push(SetPoints("a1", 0, [(0, 0), (13, 0)], merge_id="drag"))
    assert len(stack) == 4


def test_moves_merge_and_accumulate() -> None:
    case = make_case()
    stack = CommandStack(case)
    for _ in range(5):
        stack.push(MoveAnnotation("a2", 0, 1.0, 2.0, merge_id="move"))
    assert len(stack) == 1
    assert case.annotation("a2").points[0] == (5.0, 10.0)
    stack.undo()
    assert case.annotation("a2").points[0] == (0.0, 0.0)
    stack.redo()
    assert case.annotation("a2").points[0] == (5.0, 10.0)


def test_clean_state_follows_the_stack() -> None:
    case = make_case()
    stack = CommandStack(case)
    assert stack.is_clean()
    stack.push(SetTitle("A"))
    assert not stack.is_clean()
    stack.set_clean()
    stack.push(SetTitle("B"))
    stack.undo()
    assert stack.is_clean()
    stack.undo()
    assert not stack.is_clean() and stack.can_redo()
    stack.push(SetTitle("C"))  # the saved state is no longer reachable
    assert not stack.is_clean()
    assert not stack.can_redo()


def test_merging_into_the_saved_step_makes_the_stack_dirty() -> None:
    case = make_case()
    stack = CommandStack(case)
    stack.push(MoveAnnotation("a2", 0, 1, 0, merge_id="m"))
    stack.set_clean()
    stack.push(MoveAnnotation("a2", 0, 1, 0, merge_id="m"))
    assert not stack.is_clean()


def test_undo_redo_texts_and_limits() -> None:
    case = make_case()
    stack = CommandStack(case, limit=2)
    assert stack.undo_text() == "" and not stack.can_undo()
    stack.push(SetTitle("A"))
    stack.push(RemoveAnnotations(["a2"]))
    stack.push(AddFinding(Finding("f9", "other")))
    assert len(stack) == 2
    assert stack.undo_text() == "Add finding"
    stack.undo()
    assert stack.redo_text() == "Add finding"


def test_failed_command_is_not_recorded_and_changes_nothing() -> None:
    case = make_case()
    stack = CommandStack(case)
    before = snapshot(case)
    bad: list[Command] = [
        AddAnnotation(Annotation.single("a1", "m1", "point", 0, [(0, 0)])),  # duplicate id
        AddAnnotation(Annotation.single("a9", "m7", "point", 0, [(0, 0)])),  # unknown media
        AddAnnotation(Annotation.single("a9", "m1", "line", 0, [(0, 0)])),  # one point for a line
        SetPoints("a1", 0, [(0, 0), (1, 1), (2, 2)]),
        SetPoints("a1", 0, [(0, 0), (float("nan"), 1)]),
        ChangeAnnotation("a2", kind="ellipse"),
        ChangeAnnotation("a1", finding="f99"),
        DeleteKeyframe("a1", 0),  # its only keyframe
        DeleteKeyframe("a3", 7),
        SetKeyframes("a3", {8: [(0, 0), (1, 1)]}, frame_end=6),
        SetKeyframes("a3", {8: [(0, 0), (1, 1)]}, {8: 1.5}),
        SetFrameRange("a3", 10, 5),
        RemoveAnnotations(["a1", "nope"]),
        RemoveFinding("f99"),
        ChangeFinding("f1", type="sprain"),
        ChangeFinding("f1", side="up"),
        SetAttribute("f1", "gap", AttributeValue(annotation="a99")),
        LinkAnnotation("a1", "f99"),
        AddMedia(MediaRef("m1", "dup.png")),
        RemoveMedia("m9"),
        SetCalibration("m1", ManualCalibration(-1.0)),
        AddFinding(Finding("f1", "tear")),
        AddFinding(Finding("f8", "tear", attributes={"grade": AttributeValue(4)})),
        SetAttribute("f1", "grade", AttributeValue(7)),
        SetAttribute("f1", "thickness", AttributeValue("half")),
        AddAnnotation(Annotation.single("a9", "m1", "point", 0, [(0, 0)], finding="f99")),
        AddAnnotation(Annotation("a9", "m1", "line", 0, {0: [(0, 0), (1, 1)], 5: [(0, 0), (1, 1)]})),
        SetKeyframes("a3", {8: [(0, 0), (1, 1), (2, 2)]}),
        Macro("half", [SetTitle("changed"), SetPoints("nope", 0, [(0, 0)])]),
    ]
    for command in bad:
        with pytest.raises(CommandError):
            stack.push(command)
        assert snapshot(case) == before, command
    assert len(stack) == 0


def test_unknown_fields_are_refused_when_built() -> None:
    with pytest.raises(CommandError):
        ChangeAnnotation("a1", points=[(0, 0)])
    with pytest.raises(CommandError):
        ChangeFinding("f1", attributes={})


def test_remove_annotations_unlinks_attributes_and_restores_them() -> None:
    case = make_case()
    stack = CommandStack(case)
    stack.push(RemoveAnnotations(["a1"]))
    assert "gap" not in case.finding("f1").attributes
    stack.undo()
    assert case.finding("f1").attributes["gap"].annotation == "a1"
    assert [a.id for a in case.annotations] == ["a1", "a2", "a3", "a4"]


def test_remove_finding_unlinks_its_annotations() -> None:
    case = make_case()
    events: list[CaseEvent] = []
    case.listeners.append(events.append)
    stack = CommandStack(case)
    stack.push(RemoveFinding("f1"))
    assert case.annotation("a1").finding is None
    assert CaseEvent("finding", "f1", "removed") in events
    assert CaseEvent("annotation", "a1", "changed") in events
    stack.undo()
    assert case.annotation("a1").finding == "f1"


def test_remove_media_takes_its_annotations() -> None:
    case = make_case()
    stack = CommandStack(case)
    stack.push(RemoveMedia("m1"))
    assert [a.id for a in case.annotations] == ["a4"]
    assert "gap" not in case.finding("f1").attributes
    stack.undo()
    assert [a.id for a in case.annotations] == ["a1", "a2", "a3", "a4"]
    assert [m.id for m in case.media] == ["m1", "m2"]


def test_set_keyframes_merges_tracking_results_and_grows_the_range() -> None:
    case = make_case()
    SetKeyframes("a1", {k: [(0, 0), (10 + k, 0)] for k in range(1, 6)}, {k: 0.5 for k in range(1, 6)}).redo(case)
    a = case.annotation("a1")
    assert (a.frame, a.frame_end) == (0, 5)
    assert sorted(a.keyframes) == [0, 1, 2, 3, 4, 5]
    assert a.confidence == {k: 0.5 for k in range(1, 6)}
    assert a.points_at(3) == [(0.0, 0.0), (13.0, 0.0)]


def test_hand_edit_clears_tracking_confidence_on_that_frame() -> None:
    case = make_case()
    SetPoints("a3", 15, [(0, 0), (9, 9)]).redo(case)
    assert 15 not in case.annotation("a3").confidence


def test_set_frame_range_keeps_shapes_inside_the_range() -> None:
    case = make_case()
    a = case.annotation("a3")

    def flat(f: int) -> list[float]:
        return [c for p in a.points_at(f) or [] for c in p]

    inside = {f: flat(f) for f in range(8, 13)}
    SetFrameRange("a3", 8, 12).redo(case)
    assert (a.frame, a.frame_end) == (8, 12)
    for f in range(8, 13):
        assert flat(f) == pytest.approx(inside[f])
    assert a.points_at(13) is None


def test_notifications_name_what_changed() -> None:
    case = make_case()
    events: list[CaseEvent] = []
    case.listeners.append(events.append)
    stack = CommandStack(case)
    stack.push(AddAnnotation(Annotation.single("a9", "m2", "point", 0, [(1, 2)])))
    stack.push(SetTitle("New"))
    stack.push(SetCalibration("m2", ManualCalibration(0.1)))
    stack.undo()
    assert events == [
        CaseEvent("annotation", "a9", "added"),
        CaseEvent("case", "title", "changed"),
        CaseEvent("media", "m2", "changed"),
        CaseEvent("media", "m2", "changed"),
    ]


def test_stack_listeners_hear_every_change() -> None:
    case = make_case()
    stack = CommandStack(case)
    calls: list[int] = []
    stack.listeners.append(lambda: calls.append(stack.index))
    stack.push(SetTitle("A"))
    stack.undo()
    stack.redo()
    stack.set_clean()
    assert calls == [1, 0, 1, 1]


def test_changing_a_finding_type_keeps_attributes_valid() -> None:
    case = make_case()
    stack = CommandStack(case)
    stack.push(SetAttribute("f1", "thickness", AttributeValue("full")))
    with pytest.raises(CommandError, match="thickness must be a finite number"):
        stack.push(ChangeFinding("f1", type="atrophy"))
    stack.push(SetAttribute("f1", "thickness", None))
    stack.push(ChangeFinding("f1", type="atrophy"))
    assert case.finding("f1").type == "atrophy"
