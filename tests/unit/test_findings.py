"""Finding attributes (typed, linked to measurements, derived) and the summary sentence."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.case.document import CaseDocument
from annotator.case.findings import (
    ATTRIBUTES,
    attribute_spec,
    finding_summary,
    resolve_all,
    resolve_attribute,
)
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef
from annotator.media import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region


def document(calibrated: bool = True) -> CaseDocument:
    """A clip of 50 frames, 0.1 mm per pixel, with a tear gap traced at rest and on contraction."""
    case = Case(title="thigh")
    case.media = [MediaRef("m1", "clip.mp4")]
    case.annotations = [
        # gap: 50 px = 5.0 mm on frame 0, 110 px = 11.0 mm on frame 40
        Annotation("a1", "m1", "line", 0, {0: [(10, 10), (60, 10)], 40: [(10, 10), (120, 10)]}, frame_end=49),
        Annotation.single("a2", "m1", "line", 0, [(0, 50), (0, 70)]),  # 2.0 mm
        Annotation.single("a3", "m1", "polygon", 0, [(0, 0), (100, 0), (100, 50), (0, 50)]),  # 50 mm²
        Annotation.single("a4", "m1", "polygon", 0, [(0, 0), (50, 0), (50, 50), (0, 50)]),  # 25 mm²
        Annotation.single("a5", "m1", "ellipse", 0, [(60, 60), (70, 60), (60, 65)]),
    ]
    frames = np.full((50, 100, 150), 80, np.uint8)
    regions = [Region(0, 0, 149, 99, UNIT_CM, UNIT_CM, 0.01, 0.01)] if calibrated else []
    doc = CaseDocument(case)
    doc.set_media("m1", ArrayMedia(frames, regions=regions))
    return doc


def tear(**attrs: AttributeValue) -> Finding:
    return Finding("f1", "tear", "rectus femoris", "right", attributes=dict(attrs))


def test_typed_value_has_the_spec_unit() -> None:
    doc = document()
    r = resolve_attribute(doc, tear(retraction=AttributeValue(7.25)), "retraction")
    assert (r.value, r.unit, r.origin) == (7.25, "mm", "typed")
    assert r.display() == "7.2 mm"


def test_link_follows_the_measurement_on_its_frame() -> None:
    doc = document()
    f = tear(gap=AttributeValue(annotation="a1"), gap_contraction=AttributeValue(annotation="a1", frame=40))
    rest = resolve_attribute(doc, f, "gap")
    peak = resolve_attribute(doc, f, "gap_contraction")
    assert (rest.value, rest.unit, rest.origin) == (pytest.approx(5.0), "mm", "measured")
    assert peak.value == pytest.approx(11.0)
    assert rest.measurement is not None and rest.measurement.frame == 0
    assert peak.measurement is not None and peak.measurement.frame == 40


def test_link_to_a_named_quantity() -> None:
    doc = document()
    f = Finding("f1", "atrophy", "vastus lateralis", "left", attributes={
        "echo_intensity": AttributeValue(annotation="a3"),
        "csa": AttributeValue(annotation="a3"),
        "thickness": AttributeValue(annotation="a5", quantity="minor_axis"),
    })
    assert resolve_attribute(doc, f, "echo_intensity").value == pytest.approx(80.0)  # spec: mean_intensity
    assert resolve_attribute(doc, f, "csa").value == pytest.approx(50.0)
    assert resolve_attribute(doc, f, "thickness").value == pytest.approx(1.0)


def test_link_problems_are_reported_not_raised() -> None:
    doc = document()
    gone = resolve_attribute(doc, tear(gap=AttributeValue(annotation="zz")), "gap")
    assert not gone.ok and "gone" in gone.problem
    no_media = resolve_attribute(doc.case, tear(gap=AttributeValue(annotation="a1")), "gap")
    assert not no_media.ok and "open the media" in no_media.problem
    wrong_quantity = resolve_attribute(doc, tear(gap=AttributeValue(annotation="a1", quantity="area")), "gap")
    assert not wrong_quantity.ok and "gives no area" in wrong_quantity.problem
    unset = resolve_attribute(doc, tear(), "gap")
    assert (unset.ok, unset.display()) == (False, "—")


def test_link_on_a_case_with_a_measure_function() -> None:
    doc = document()
    r = resolve_attribute(doc.case, tear(gap=AttributeValue(annotation="a1")), "gap", measure=doc.measure)
    assert r.value == pytest.approx(5.0)


def test_uncalibrated_link_is_flagged() -> None:
    doc = document(calibrated=False)
    r = resolve_attribute(doc, tear(gap=AttributeValue(annotation="a1")), "gap")
    assert (r.value, r.unit) == (pytest.approx(50.0), "px")
    assert "px" in r.problem


def nerve(**attrs: AttributeValue) -> Finding:
    return Finding("f2", "nerve_enlargement", "median", "right", "carpal tunnel inlet", dict(attrs))


def test_nerve_ratios_and_reference_are_derived() -> None:
    doc = document()
    f = nerve(csa=AttributeValue(annotation="a3"), csa_reference_site=AttributeValue(annotation="a4"),
              csa_other_side=AttributeValue(40.0, "mm2"))
    assert resolve_attribute(doc, f, "swelling_ratio").value == pytest.approx(2.0)
    assert resolve_attribute(doc, f, "side_to_side_ratio").value == pytest.approx(1.25)
    ref = resolve_attribute(doc, f, "reference_uln")
    assert (ref.value, ref.unit, ref.origin) == (11.0, "mm2", "reference")
    assert ref.reference is not None and "Practical Neurology" in ref.reference.source


def test_typed_ratio_wins_over_the_derived_one() -> None:
    f = nerve(csa=AttributeValue(20.0, "mm2"), csa_reference_site=AttributeValue(10.0, "mm2"),
              swelling_ratio=AttributeValue(3.0))
    assert resolve_attribute(Case(), f, "swelling_ratio").value == 3.0


def test_ratio_refuses_pixels_against_mm() -> None:
    doc = document(calibrated=False)
    f = nerve(csa=AttributeValue(annotation="a3"), csa_reference_site=AttributeValue(10.0, "mm2"))
    r = resolve_attribute(doc, f, "swelling_ratio")
    assert not r.ok and "px2" in r.problem


def test_reference_for_a_site_without_a_limit_explains() -> None:
    f = Finding("f3", "nerve_enlargement", "sciatic", "left", "gluteal fold")
    r = resolve_attribute(Case(), f, "reference_uln")
    assert not r.ok and "52.7" in r.problem and "mean" in r.problem


def test_summary_of_a_tear_with_rest_and_contraction() -> None:
    doc = document()
    f = tear(thickness=AttributeValue("full"), gap=AttributeValue(annotation="a1"),
             gap_contraction=AttributeValue(annotation="a1", frame=40))
    assert finding_summary(doc, f) == (
        "Full-thickness tear of the right rectus femoris: gap 5.0 mm at rest, 11.0 mm on contraction"
    )


def test_summary_of_a_graded_partial_tear_with_hematoma() -> None:
    f = Finding("f1", "tear", "medial gastrocnemius", "left", "myotendinous junction", {
        "thickness": AttributeValue("partial"), "grade": AttributeValue(2),
        "hematoma_long": AttributeValue(31.0, "mm"), "hematoma_trans": AttributeValue(8.44, "mm"),
    })
    assert finding_summary(Case(), f) == (
        "Partial-thickness tear (grade 2) of the left medial gastrocnemius at the myotendinous "
        "junction: hematoma 31.0 mm x 8.4 mm"
    )


def test_summary_of_atrophy() -> None:
    doc = document()
    f = Finding("f1", "atrophy", "vastus lateralis", "right", attributes={
        "thickness": AttributeValue(annotation="a2"), "thickness_other_side": AttributeValue(3.1, "mm"),
        "echo_intensity": AttributeValue(annotation="a3"),
    })
    assert finding_summary(doc, f) == (
        "Atrophy of the right vastus lateralis: thickness 2.0 mm vs 3.1 mm on the other side: 35 % thinner "
        "(ratio 0.65); echo intensity 80.0"
    )


def test_summary_of_nerve_enlargement() -> None:
    doc = document()
    f = nerve(csa=AttributeValue(annotation="a3"), csa_other_side=AttributeValue(25.0, "mm2"))
    text = finding_summary(doc, f)
    assert text.startswith("The right median nerve at the carpal tunnel inlet: CSA 50.0 mm², enlarged, "
                           "355 % above the upper limit of normal (")
    assert "upper limit of normal 11 mm²" in text
    assert text.endswith("side-to-side ratio 2.00")


def test_an_uncalibrated_nerve_area_is_not_compared_with_the_limit_in_mm2() -> None:
    doc = document(calibrated=False)
    text = finding_summary(doc, nerve(csa=AttributeValue(annotation="a3")))
    assert "CSA 5000.0 px²" in text
    assert "not compared with the upper limit of normal" in text
    assert "11 mm²" not in text


def test_summary_without_attributes() -> None:
    assert finding_summary(Case(), Finding("f", "other", "", "none")) == "Finding of an unnamed structure"
    assert finding_summary(Case(), Finding("f", "tear", "soleus", "none")) == "Tear of the soleus"


def test_every_type_has_specs_with_units_for_numbers() -> None:
    assert set(ATTRIBUTES) == {"tear", "atrophy", "nerve_enlargement", "other"}
    for specs in ATTRIBUTES.values():
        for spec in specs:
            if spec.kind in ("length", "area", "grey", "angle", "ratio"):
                assert spec.unit is not None, spec
    grade = attribute_spec("tear", "grade")
    assert grade is not None and (grade.minimum, grade.maximum) == (0, 3)
    thickness = attribute_spec("tear", "thickness")
    assert thickness is not None and thickness.choices == ("partial", "full")


def test_resolve_all_lists_spec_attributes_then_extras() -> None:
    f = tear(extra=AttributeValue("yes"))
    names = list(resolve_all(Case(), f))
    assert names[:2] == ["thickness", "grade"] and names[-1] == "extra"
