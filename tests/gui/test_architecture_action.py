"""Tools > Analyse Muscle Architecture on a generated clip and a still with known geometry
(issue 9): three keyed annotations in one undoable step, their plot, per-frame confidence."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.case.measure import find_measurement
from annotator.case.model import Case, MediaRef
from annotator.media import ArrayMedia
from annotator.ui.main_window import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from muscle_clips import MM_PER_PX, muscle_clip  # noqa: E402

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints")]
# the analysis itself is the `arch` helper's annotator.dynamics.architecture (ARCH_API.md)


def open_clip(window: MainWindow, qtbot: QtBot, media: ArrayMedia) -> CaseDocument:
    doc = CaseDocument(Case(title="architecture", media=[MediaRef("m1", "muscle.dcm")]))
    doc.set_media("m1", media)
    window.controller.set_document(doc)
    qtbot.waitUntil(lambda: window.viewer.frame_image is not None, timeout=5000)
    return doc


def run(window: MainWindow, qtbot: QtBot) -> None:
    task = window.window_actions.dynamics.analyse_architecture(show_dialog=False)
    assert task is not None
    with qtbot.waitSignal(task.ended, timeout=60000):
        pass
    qtbot.waitUntil(lambda: bool(window.controller.document and window.controller.document.case.annotations)
                    or bool(window.controller.undo_stack.count()), timeout=5000)


def test_a_clip_gets_keyed_thickness_pennation_and_fascicle(qtbot: QtBot, window: MainWindow,
                                                              errors: list[tuple[str, str]]) -> None:
    clip = muscle_clip(frames=24)
    doc = open_clip(window, qtbot, clip.media)
    run(window, qtbot)
    assert errors == []
    kinds = {a.kind: a for a in doc.case.annotations}
    assert set(kinds) == {"thickness", "pennation", "fascicle"}
    thickness = kinds["thickness"]
    assert thickness.is_dynamic and (thickness.frame, thickness.last_frame) == (0, 23)
    assert len(thickness.keyframes) > 12 and set(thickness.confidence) <= set(range(24))
    for frame in (0, 12, 23):
        m = find_measurement(doc.measure(thickness, frame), "thickness")
        assert m is not None and m.unit == "mm"
        # marked where the row measured it: the fascicle's insertion (the deep line rises along x)
        pts = thickness.points_at(frame)
        assert pts is not None
        x = 0.25 * sum(p[0] for p in pts)
        assert abs(m.value - clip.inner_thickness_px_at(frame, x) * MM_PER_PX) < 0.5, (frame, m.value)
        p = find_measurement(doc.measure(kinds["pennation"], frame), "pennation")
        assert p is not None and abs(p.value - clip.pennation_deg(frame)) < 3.0, (frame, p.value)
    # one undo step removes all three; the plot shows the selected thickness
    assert window.controller.undo_stack.count() == 1
    assert window.controller.selection == [thickness.id]
    dynamics = window.panels["dynamics"]
    qtbot.waitUntil(lambda: dynamics.series is not None, timeout=5000)  # type: ignore[attr-defined]
    assert dynamics.series.quantity == "thickness"  # type: ignore[attr-defined]
    window.controller.undo_stack.undo()
    assert doc.case.annotations == []


def test_noise_gives_a_message_and_no_annotation(qtbot: QtBot, window: MainWindow,
                                                 errors: list[tuple[str, str]]) -> None:
    noise = np.random.default_rng(0).integers(0, 255, (6, 240, 320), dtype=np.uint8)
    doc = open_clip(window, qtbot, ArrayMedia(noise, np.arange(6) * 40.0, path="noise.mp4", kind="video"))
    task = window.window_actions.dynamics.analyse_architecture(show_dialog=False)
    assert task is not None
    with qtbot.waitSignal(task.ended, timeout=60000):
        pass
    qtbot.waitUntil(lambda: bool(errors) or bool(doc.case.annotations), timeout=5000)
    # either nothing is found, or what is found is flagged low confidence on every frame
    if doc.case.annotations:
        assert all(c < 0.5 for a in doc.case.annotations for c in a.confidence.values())
    else:
        assert "No aponeuroses" in errors[0][1]


def test_a_still_gets_three_single_frame_annotations(qtbot: QtBot, window: MainWindow,
                                                      errors: list[tuple[str, str]]) -> None:
    clip = muscle_clip(frames=2)
    still = ArrayMedia(clip.media.frame(0)[None, ...], path="muscle.png", kind="image",
                       regions=list(clip.media.calibration.regions))
    doc = open_clip(window, qtbot, still)
    run(window, qtbot)
    assert errors == []
    kinds = {a.kind: a for a in doc.case.annotations}
    assert set(kinds) == {"thickness", "pennation", "fascicle"}
    assert not any(a.is_dynamic for a in kinds.values())
    m = find_measurement(doc.measure(kinds["thickness"], 0), "thickness")
    # a still's thickness is taken at its row's column (thickness_x), and its annotation is marked there
    from annotator.dynamics.architecture import analyse_image
    from annotator.dynamics.frames import to_grey

    # ... in the image its DICOM region declares, as the app reads it
    row = analyse_image(to_grey(still.frame(0)), mm_per_px=(MM_PER_PX, MM_PER_PX),
                        roi=still.calibration.scanner_image_roi())
    assert row.thickness is not None and row.thickness_x is not None
    assert m is not None and m.value == pytest.approx(row.thickness, rel=1e-6)
    assert abs(m.value - clip.inner_thickness_px_at(0, row.thickness_x) * MM_PER_PX) < 0.5
    # each keeps the analysis' confidence (flagged below 0.5 on the image and in every export);
    # the user's correction makes the value theirs, and undo brings the analysis' back
    assert all(a.confidence == {0: pytest.approx(row.confidence)} for a in kinds.values())
    from annotator.case.annotation_commands import MoveAnnotation, SetPoints

    thickness = kinds["thickness"]
    pts = thickness.points_at(0)
    assert pts is not None
    window.controller.push(SetPoints(thickness.id, 0, [(x, y + 1.0) for x, y in pts]))
    assert thickness.confidence == {}
    window.controller.undo_stack.undo()
    assert thickness.confidence == {0: pytest.approx(row.confidence)}
    window.controller.push(MoveAnnotation(kinds["pennation"].id, 0, 2.0, 0.0))
    assert kinds["pennation"].confidence == {}


def test_a_dual_view_is_read_in_the_scanners_largest_image(qtbot: QtBot, window: MainWindow,
                                                             errors: list[tuple[str, str]]) -> None:
    """Two images side by side, each a DICOM region: the app analyses the largest, as the
    command does, not the pair as one image."""
    from annotator.media.calibration import UNIT_CM, Region
    from tests.unit.test_architecture_analysis import dual_view

    screen, left_w = dual_view()
    h, w = screen.shape
    regions = [Region(0, 0, left_w - 1, h - 1, UNIT_CM, UNIT_CM, 0.01, 0.01),
               Region(left_w + 8, 0, w - 1, h - 1, UNIT_CM, UNIT_CM, 0.01, 0.01)]
    still = ArrayMedia(np.repeat(screen[None, :, :, None], 3, axis=3), path="dual.dcm", kind="dicom", regions=regions)
    doc = open_clip(window, qtbot, still)
    run(window, qtbot)
    assert errors == []
    kinds = {a.kind: a for a in doc.case.annotations}
    p = find_measurement(doc.measure(kinds["pennation"], 0), "pennation")
    assert p is not None and abs(p.value - 20.0) < 2.5, p
    pts = kinds["thickness"].points_at(0)
    assert pts is not None and all(x < left_w for x, _ in pts)


def test_the_scale_is_the_region_the_analysis_reads() -> None:
    """A scanner's region and a manual calibration over the whole frame: the analysis reads
    the scanner's image, in the scanner's scale (the manual one applies only where no region
    does), as the command takes it; without a region, the manual one."""
    from annotator.media.calibration import UNIT_CM, Calibration, ManualCalibration, Region

    scanner = Calibration((Region(40, 30, 439, 329, UNIT_CM, UNIT_CM, 0.01, 0.01),))
    both = scanner.with_manual(ManualCalibration(0.2), 640, 480)
    roi = both.scanner_image_roi()
    assert roi == (40, 30, 440, 330)
    assert both.analysis_scale(roi, 640, 480) == ((pytest.approx(0.1), pytest.approx(0.1)), None, True)
    manual_only = Calibration().with_manual(ManualCalibration(0.2), 640, 480)
    assert manual_only.scanner_image_roi() is None
    assert manual_only.analysis_scale(None, 640, 480)[0] == pytest.approx((0.2, 0.2))
    scale, why, tissue = Calibration().analysis_scale(None, 640, 480)
    assert scale is None and tissue and why is not None and why.startswith("uncalibrated")


def test_a_doppler_image_is_not_analysed(qtbot: QtBot, window: MainWindow, errors: list[tuple[str, str]]) -> None:
    """A spectral Doppler region and no 2D one: no muscle to read, said so (the command
    answers rows of nulls with the same reason), and no annotation is invented."""
    from annotator.media.calibration import UNIT_CM_PER_S, UNIT_SECONDS, Region

    doppler = Region(0, 0, 319, 239, UNIT_SECONDS, UNIT_CM_PER_S, 0.01, 1.0, spatial_format=3, data_type=3)
    noise = np.random.default_rng(3).integers(0, 255, (240, 320), dtype=np.uint8)
    doc = open_clip(window, qtbot, ArrayMedia(noise, path="pw.dcm", kind="dicom", regions=[doppler]))
    assert window.window_actions.dynamics.analyse_architecture(show_dialog=False) is None
    assert errors == [("Cannot analyse",
                       "No muscle to analyse: the image centre lies in a spectral PW doppler region, "
                       "not a 2D tissue image.")]
    assert doc.case.annotations == []


def _still(qtbot: QtBot, window: MainWindow) -> CaseDocument:
    clip = muscle_clip(frames=2)
    still = ArrayMedia(clip.media.frame(0)[None, ...], path="muscle.png", kind="image",
                       regions=list(clip.media.calibration.regions))
    return open_clip(window, qtbot, still)


def _run_again(window: MainWindow, qtbot: QtBot) -> None:
    steps = window.controller.undo_stack.index()
    task = window.window_actions.dynamics.analyse_architecture(show_dialog=False)
    assert task is not None
    with qtbot.waitSignal(task.ended, timeout=60000):
        pass
    qtbot.waitUntil(lambda: window.controller.undo_stack.index() > steps, timeout=5000)


def test_analysing_again_asks_and_replaces_the_earlier_analysis_in_one_step(
        qtbot: QtBot, window: MainWindow, errors: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Run twice on one image, the analysis asks what becomes of the first: replaced (one undo
    step brings it back; a set the user renamed is theirs and stays), kept beside a second
    set, or nothing done."""
    from annotator.case.annotation_commands import ChangeAnnotation
    from annotator.ui import prompts

    asked: list[tuple[str, list[str]]] = []
    answer = ["replace"]

    def ask(_parent: object, named: str, linked: list[str], what: str) -> str:
        assert what == "image"
        asked.append((named, list(linked)))
        return answer[0]

    monkeypatch.setattr(prompts, "ask_earlier_analysis", ask)
    doc = _still(qtbot, window)
    _run_again(window, qtbot)
    assert asked == [] and errors == []
    first = [a.id for a in doc.case.annotations]
    assert len(first) == 3

    _run_again(window, qtbot)
    assert len(asked) == 1 and all(i in asked[0][0] for i in first) and asked[0][1] == []
    assert len(doc.case.annotations) == 3 and not set(first) & {a.id for a in doc.case.annotations}
    window.controller.undo_stack.undo()  # one step: the earlier analysis is back, the new one gone
    assert [a.id for a in doc.case.annotations] == first

    answer[0] = "cancel"
    assert window.window_actions.dynamics.analyse_architecture(show_dialog=False) is None
    assert [a.id for a in doc.case.annotations] == first

    answer[0] = "add"
    _run_again(window, qtbot)
    assert len(doc.case.annotations) == 6 and [a.id for a in doc.case.annotations][:3] == first

    # the user's renamed thickness is not the analysis' any more: replacing leaves it
    window.controller.undo_stack.undo()
    thickness = next(a for a in doc.case.annotations if a.kind == "thickness")
    window.controller.push(ChangeAnnotation(thickness.id, label="VL thickness at 50 %"))
    answer[0] = "replace"
    _run_again(window, qtbot)
    assert thickness.id not in asked[-1][0]
    assert thickness in doc.case.annotations and len(doc.case.annotations) == 4


def test_an_analysis_a_finding_links_to_is_not_replaced(
        qtbot: QtBot, window: MainWindow, errors: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    """Replacing would unlink the finding's value: the question names the finding and only a
    second set can be added."""
    from annotator.case.model import AttributeValue, Finding
    from annotator.ui import prompts

    asked: list[list[str]] = []

    def ask(_parent: object, _named: str, linked: list[str], _what: str) -> str:
        asked.append(list(linked))
        return "replace"  # not offered when linked: what a stale answer would do

    monkeypatch.setattr(prompts, "ask_earlier_analysis", ask)
    doc = _still(qtbot, window)
    _run_again(window, qtbot)
    first = list(doc.case.annotations)
    thickness = next(a for a in first if a.kind == "thickness")
    doc.case.findings = [Finding("f1", "atrophy", "vastus lateralis", "right", attributes={
        "thickness": AttributeValue(annotation=thickness.id, quantity="thickness")})]
    _run_again(window, qtbot)
    assert asked == [["f1"]]
    assert all(a in doc.case.annotations for a in first) and len(doc.case.annotations) == 6
    assert doc.case.findings[0].attributes["thickness"].annotation == thickness.id
    assert errors == []
    # an annotation attached to a finding (its evidence) counts as linked too
    doc.case.findings.append(Finding("f2", "atrophy", "vastus lateralis", "left"))
    doc.case.findings[0].attributes.clear()
    next(a for a in first if a.kind == "pennation").finding = "f2"
    _run_again(window, qtbot)
    assert asked[-1] == ["f2"] and all(a in doc.case.annotations for a in first)


@pytest.mark.parametrize(("linked", "click", "expected"), [
    ([], "Replace Earlier Analysis", "replace"), ([], "Add Another Set", "add"), ([], "Cancel", "cancel"),
    (["f1"], "Add Another Set", "add"), (["f1"], "Cancel", "cancel")])
def test_the_question_offers_replacing_only_when_no_finding_links(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, linked: list[str], click: str, expected: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    from annotator.ui import prompts

    shown: list[tuple[list[str], str]] = []

    def exec_(box: QMessageBox) -> int:
        buttons = {b.text().replace("&", ""): b for b in box.buttons()}
        shown.append((sorted(buttons), box.text() + " " + box.informativeText()))
        buttons[click].click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    assert prompts.ask_earlier_analysis(None, "a1 (thickness), a2 (pennation), a3 (fascicle)", linked,
                                        "clip") == expected
    (buttons, text), = shown
    assert ("Replace Earlier Analysis" in buttons) == (not linked)
    assert "This clip" in text and "a1 (thickness)" in text and ("f1" in text) == bool(linked)


def test_a_set_linked_while_the_analysis_ran_is_kept(qtbot: QtBot, window: MainWindow,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Replacing was chosen, then a finding linked to the earlier set before the analysis
    ended: the link is not lost, the new set goes beside the earlier one."""
    from annotator.case.model import AttributeValue, Finding
    from annotator.ui import prompts

    monkeypatch.setattr(prompts, "ask_earlier_analysis", lambda *_args: "replace")
    doc = _still(qtbot, window)
    _run_again(window, qtbot)
    first = list(doc.case.annotations)
    steps = window.controller.undo_stack.index()
    task = window.window_actions.dynamics.analyse_architecture(show_dialog=False)
    assert task is not None
    doc.case.findings = [Finding("f1", "atrophy", "vastus lateralis", "right", attributes={
        "thickness": AttributeValue(annotation=first[0].id, quantity="thickness")})]
    with qtbot.waitSignal(task.ended, timeout=60000):
        pass
    qtbot.waitUntil(lambda: window.controller.undo_stack.index() > steps, timeout=5000)
    assert all(a in doc.case.annotations for a in first) and len(doc.case.annotations) == 6
    assert doc.case.findings[0].attributes["thickness"].annotation == first[0].id
