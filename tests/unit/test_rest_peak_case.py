"""Rest and peak belong to the case (issue 9): the undoable SetRestPeak, ranges that drop
them, the series that shows them, and finding links that use them, never the frame on screen."""

from __future__ import annotations

import pytest

from annotator.case.commands import CommandError, CommandStack, SetFrameRange, SetRestPeak
from annotator.case.findings import resolve_attribute
from annotator.case.model import AttributeValue
from annotator.dynamics.series import measurement_series
from tests.unit.test_findings import document, tear


def test_set_rest_peak_is_undoable_and_checked() -> None:
    doc = document()
    stack = CommandStack(doc.case)
    a = doc.case.annotation("a1")
    stack.push(SetRestPeak("a1", rest_frame=3, peak_frame=40))
    assert (a.rest_frame, a.peak_frame) == (3, 40)
    stack.push(SetRestPeak("a1", peak_frame=41))  # the rest stays
    assert (a.rest_frame, a.peak_frame) == (3, 41)
    stack.undo()
    stack.undo()
    assert (a.rest_frame, a.peak_frame) == (None, None)
    with pytest.raises(CommandError, match="outside its range"):
        SetRestPeak("a1", rest_frame=60).redo(doc.case)
    assert a.rest_frame is None


def test_a_range_that_no_longer_holds_them_drops_them_and_undo_restores() -> None:
    doc = document()
    stack = CommandStack(doc.case)
    a = doc.case.annotation("a1")
    stack.push(SetRestPeak("a1", rest_frame=2, peak_frame=40))
    stack.push(SetFrameRange("a1", 0, 30))
    assert (a.rest_frame, a.peak_frame) == (2, None)
    stack.undo()
    assert (a.rest_frame, a.peak_frame) == (2, 40)


def test_the_series_carries_the_case_rest_and_peak() -> None:
    doc = document()
    a = doc.case.annotation("a1")
    a.rest_frame, a.peak_frame = 5, 30
    series = measurement_series(doc, a)
    assert (series.rest_frame, series.peak_frame) == (5, 30)
    st = series.stats()
    assert st is not None and st.rest is not None and st.rest.frame == 5


def test_rest_and_contraction_links_use_the_annotation_frames() -> None:
    doc = document()
    a = doc.case.annotation("a1")
    f = tear(gap=AttributeValue(annotation="a1"), gap_contraction=AttributeValue(annotation="a1"))
    # no choice yet: the anchor frame, as older cases had it
    assert resolve_attribute(doc, f, "gap_contraction").value == pytest.approx(5.0)
    a.rest_frame, a.peak_frame = 0, 40
    assert resolve_attribute(doc, f, "gap").value == pytest.approx(5.0)
    assert resolve_attribute(doc, f, "gap_contraction").value == pytest.approx(11.0)
    a.peak_frame = 20  # half-way between the keyframes: 8.0 mm
    assert resolve_attribute(doc, f, "gap_contraction").value == pytest.approx(8.0)
    # a link that names its frame keeps it
    fixed = tear(gap_contraction=AttributeValue(annotation="a1", frame=40))
    assert resolve_attribute(doc, fixed, "gap_contraction").value == pytest.approx(11.0)


def test_chosen_or_suggested_keeps_the_case_choice_and_fills_the_rest() -> None:
    doc = document()
    a = doc.case.annotation("a1")
    a.peak_frame = 20
    series = measurement_series(doc, a).with_chosen_or_suggested_rest_peak()
    assert (series.rest_frame, series.peak_frame) == (0, 20)  # rest suggested, peak chosen
    a.peak_frame = None
    assert measurement_series(doc, a).with_chosen_or_suggested_rest_peak().peak_frame == 40
