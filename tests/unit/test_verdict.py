"""Verdicts follow the numbers; atrophy side to side; tear vocabulary and grading; new case fields."""

from __future__ import annotations

import json

import pytest

from annotator.case.commands import (
    ChangeFinding,
    ChangeMedia,
    CommandError,
    CommandStack,
    SetCaseInfo,
)
from annotator.case.findings import finding_summary, finding_verdict
from annotator.case.model import FINDING_SIDES, AttributeValue, Case, Finding, MediaRef
from annotator.case.serialize import case_from_dict, case_to_dict
from annotator.case.vocabulary import load_reference_table, load_vocabulary


def nerve(structure: str, site: str, csa: float, **extra: AttributeValue) -> Finding:
    return Finding("f1", "nerve_enlargement", structure, "right", site,
                   {"csa": AttributeValue(csa, "mm2"), **extra})


def test_a_normal_median_nerve_is_within_normal_limits_everywhere() -> None:
    f = nerve("median", "carpal tunnel inlet", 8.0)
    v = finding_verdict(Case(), f)
    assert (v.status, v.text) == ("within", "within normal limits")
    assert v.percent == pytest.approx(-27.27, abs=0.01)
    text = finding_summary(Case(), f)
    assert "within normal limits" in text
    assert "nlargement" not in text and "enlarged" not in text


def test_an_enlarged_nerve_says_by_how_much() -> None:
    v = finding_verdict(Case(), nerve("median", "wrist", 16.5))
    assert v.status == "enlarged"
    assert v.text == "enlarged, 50 % above the upper limit of normal"
    assert "11 mm²" in v.detail


def test_a_csa_at_the_limit_is_within() -> None:
    assert finding_verdict(Case(), nerve("median", "wrist", 11.0)).status == "within"


@pytest.mark.parametrize("structure", ["superior gluteal", "cluneal", "superior gluteal nerve"])
def test_nerves_without_a_reference_say_so(structure: str) -> None:
    f = nerve(structure, "", 12.0, csa_other_side=AttributeValue(6.0, "mm2"))
    v = finding_verdict(Case(), f)
    assert (v.status, v.text) == ("no_reference", "no reference value for this nerve")
    assert v.comparisons and v.comparisons[0].ratio == pytest.approx(2.0)
    text = finding_summary(Case(), f)
    assert "no reference value for this nerve" in text and "side-to-side ratio 2.00" in text


def test_the_reference_table_marks_nerves_without_a_value() -> None:
    table = load_reference_table()
    for name in ("superior gluteal", "cluneal"):
        row = table.lookup(name, "")
        assert row is not None and row.upper_limit is None and row.note


def test_an_uncalibrated_csa_is_not_judged() -> None:
    v = finding_verdict(Case(), Finding("f", "nerve_enlargement", "median", "left", "wrist",
                                        {"csa": AttributeValue(500.0, "px2")}))
    assert v.status == "uncalibrated" and "within" not in v.text and "enlarged" not in v.text


def test_atrophy_side_to_side_difference_and_ratio() -> None:
    f = Finding("f2", "atrophy", "gluteus medius", "left", attributes={
        "thickness": AttributeValue(11.7, "mm"), "thickness_other_side": AttributeValue(16.0, "mm"),
        "csa": AttributeValue(300.0, "mm2"), "csa_other_side": AttributeValue(400.0, "mm2"),
        "echo_intensity": AttributeValue(90.0), "echo_intensity_other_side": AttributeValue(60.0),
    })
    v = finding_verdict(Case(), f)
    by = {c.name: c for c in v.comparisons}
    assert by["thickness"].difference_pct == pytest.approx(-26.875)
    assert by["thickness"].ratio == pytest.approx(0.73125)
    assert by["csa"].difference_pct == pytest.approx(-25.0)
    assert by["echo_intensity"].difference_pct == pytest.approx(50.0)
    assert "thickness 11.7 mm vs 16.0 mm on the other side: 27 % thinner (ratio 0.73)" in v.text
    assert "50 % higher (ratio 1.50)" in v.text
    assert "27 % thinner" in finding_summary(Case(), f)


def test_atrophy_with_one_side_only_computes_nothing_false() -> None:
    f = Finding("f2", "atrophy", "gluteus medius", "left", attributes={"thickness": AttributeValue(11.7, "mm")})
    v = finding_verdict(Case(), f)
    assert v.comparisons == () and v.text == ""


def test_tear_grade_names_its_grading_and_the_gap_change() -> None:
    f = Finding("f3", "tear", "rectus femoris", "right", "central aponeurosis (rectus femoris)",
                {"gap": AttributeValue(5.0, "mm"), "gap_contraction": AttributeValue(11.0, "mm")}, grade="BAMIC 3b")
    v = finding_verdict(Case(), f)
    assert v.text.startswith("BAMIC 3b: extensive injury")
    assert "Br J Sports Med 2014" in v.detail
    assert "gap widens on contraction (5.0 mm to 11.0 mm: +6.0 mm, +120 %)" in v.text
    assert finding_summary(Case(), f).startswith("Tear (BAMIC 3b) of the right rectus femoris")


def test_vocabulary_has_tear_sites_gradings_and_bilateral() -> None:
    vocab = load_vocabulary()
    for site in ("myotendinous junction", "central aponeurosis (rectus femoris)", "free edge",
                 "proximal tendon", "distal tendon", "muscle belly"):
        assert site in vocab.tear_sites
    names = {g.name for g in vocab.gradings}
    assert {"BAMIC", "Peetrons"} <= names
    bamic = next(g for g in vocab.gradings if g.name == "BAMIC")
    assert "Pollock" in bamic.source
    codes = [c for c, _ in bamic.grades]
    assert {"0a", "1a", "2b", "3c", "4", "4c"} <= set(codes)
    assert "bilateral" in FINDING_SIDES


def test_case_story_fields_round_trip_and_old_cases_load() -> None:
    case = Case(title="RF tear", history="Footballer, pain on kicking", impression="Missed RF tear",
                exam_date="2026-11-02", captions={"m1@0": "My caption"})
    case.media = [MediaRef("m1", "a.dcm", label="Longitudinal RF", view="longitudinal")]
    case.findings = [Finding("f1", "tear", "rectus femoris", "bilateral", grade="BAMIC 2b")]
    d = case_to_dict(case, verdicts={"f1": "BAMIC 2b: moderate"})
    assert d["findings"][0]["verdict"] == "BAMIC 2b: moderate"
    d["findings"][0]["verdict"] = "stale words"  # recomputed, never read back
    back = case_from_dict(json.loads(json.dumps(d)))
    assert (back.history, back.impression, back.exam_date) == (case.history, case.impression, case.exam_date)
    assert back.captions == {"m1@0": "My caption"}
    assert (back.media[0].label, back.media[0].view) == ("Longitudinal RF", "longitudinal")
    assert (back.findings[0].grade, back.findings[0].side) == ("BAMIC 2b", "bilateral")
    old = {"format": "us-annotator-case", "version": 1, "media": [{"id": "m1", "path": "a.png"}],
           "annotations": []}
    loaded = case_from_dict(old)
    assert (loaded.history, loaded.media[0].view) == ("", "")


def test_bad_view_is_refused_by_validation() -> None:
    d = {"format": "us-annotator-case", "version": 1,
         "media": [{"id": "m1", "path": "a.png", "view": "oblique"}], "annotations": []}
    with pytest.raises(Exception, match="view"):
        case_from_dict(d)


def test_case_info_and_media_view_are_undoable_commands() -> None:
    case = Case()
    case.media = [MediaRef("m1", "a.dcm")]
    case.findings = [Finding("f1", "tear", "rectus femoris")]
    stack = CommandStack(case)
    stack.push(SetCaseInfo(title="RF", history="h", impression="i"))
    stack.push(ChangeMedia("m1", label="Longitudinal RF", view="transverse"))
    stack.push(ChangeFinding("f1", grade="BAMIC 1a", side="bilateral"))
    assert (case.title, case.history, case.media[0].view, case.findings[0].grade) == ("RF", "h", "transverse", "BAMIC 1a")
    stack.undo()
    stack.undo()
    stack.undo()
    assert (case.title, case.history, case.media[0].view, case.findings[0].grade) == ("Untitled case", "", "", "")
    with pytest.raises(CommandError):
        stack.push(ChangeMedia("m1", view="oblique"))


def test_saving_writes_the_verdict_for_readers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from annotator.case.document import CaseDocument

    case = Case(title="wrist")
    case.findings = [nerve("median", "carpal tunnel inlet", 8.0)]
    path = CaseDocument(case).save(tmp_path / "c.uscase.json")
    d = json.loads(path.read_text(encoding="utf-8"))
    assert d["findings"][0]["verdict"].startswith("within normal limits (upper limit of normal 11 mm²")
