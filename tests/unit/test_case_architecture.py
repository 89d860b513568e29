"""The structure-aware kinds and rest/peak frames in the case file: round trip, validation,
and older files without them (issue 9)."""

from __future__ import annotations

from typing import Any

from annotator.case.schema import validate_case_dict
from annotator.case.serialize import case_from_dict, case_to_dict


def case_dict(**extra: Any) -> dict[str, Any]:
    ann: dict[str, Any] = {
        "id": "a1", "media": "m1", "frame": 0, "frame_end": 20, "kind": "thickness",
        "points": [[0, 10], [100, 10], [0, 90], [100, 92]], "label": "RF thickness",
        **extra,
    }
    return {
        "format": "us-annotator-case", "version": 1, "title": "t",
        "media": [{"id": "m1", "path": "clip.mp4"}],
        "annotations": [
            ann,
            {"id": "a2", "media": "m1", "frame": 3, "kind": "pennation",
             "points": [[0, 80], [50, 40], [0, 90], [100, 92]]},
            {"id": "a3", "media": "m1", "frame": 3, "kind": "fascicle",
             "points": [[20, 70], [40, 50], [0, 10], [100, 10], [0, 90], [100, 92]]},
        ],
    }


def test_new_kinds_and_rest_peak_round_trip() -> None:
    d = case_dict(rest_frame=2, peak_frame=14)
    assert validate_case_dict(d) == []
    case = case_from_dict(d)
    a1 = case.annotation("a1")
    assert (a1.kind, a1.rest_frame, a1.peak_frame) == ("thickness", 2, 14)
    assert case.annotation("a3").kind == "fascicle" and len(case.annotation("a3").points) == 6
    out = case_to_dict(case)
    assert out["annotations"][0]["rest_frame"] == 2 and out["annotations"][0]["peak_frame"] == 14
    assert "rest_frame" not in out["annotations"][1]  # None is not written


def test_older_files_without_rest_peak_load_as_none() -> None:
    case = case_from_dict(case_dict())
    assert case.annotation("a1").rest_frame is None and case.annotation("a1").peak_frame is None


def test_bad_point_counts_and_rest_outside_the_range_are_named() -> None:
    d = case_dict(rest_frame=30)
    d["annotations"][2]["points"] = d["annotations"][2]["points"][:4]
    problems = [str(i) for i in validate_case_dict(d)]
    assert any("annotations[0].rest_frame" in p and "outside frames 0..20" in p for p in problems)
    assert any("annotations[2].points" in p and "6" in p for p in problems)
    bad_type = case_dict(peak_frame="x")
    assert any("peak_frame" in str(i) for i in validate_case_dict(bad_type))
