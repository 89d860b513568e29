"""Every kind of bad case file gives a CaseError naming the file, where, and what."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.case.errors import CaseError
from annotator.case.io import load_case
from annotator.case.schema import validate_case_dict


def good() -> dict[str, Any]:
    return {
        "format": "us-annotator-case", "version": 1, "title": "t",
        "media": [{"id": "m1", "path": "scan.png"}],
        "findings": [{"id": "f1", "type": "tear", "structure": "rectus femoris", "side": "right",
                      "attributes": {"gap": {"annotation": "a1", "quantity": "length"},
                                     "grade": {"value": 2}}}],
        "annotations": [
            {"id": "a1", "media": "m1", "frame": 0, "kind": "line", "points": [[0, 0], [10, 0]],
             "label": "gap", "finding": "f1"},
            {"id": "a2", "media": "m1", "frame": 2, "frame_end": 9, "kind": "polygon",
             "points": [[0, 0], [4, 0], [4, 4]], "keyframes": {"2": [[0, 0], [4, 0], [4, 4]],
                                                               "9": [[1, 0], [5, 0], [5, 4]]},
             "label": "", "finding": None},
        ],
    }


def test_the_good_case_is_valid() -> None:
    assert validate_case_dict(good()) == []


Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(d: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        target: Any = d
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if value is _DELETE:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return edit


_DELETE = object()

BAD: list[tuple[str, Edit, str]] = [
    ("missing annotations", _set("annotations", _DELETE), "annotations: missing"),
    ("missing media", _set("media", _DELETE), "media: missing"),
    ("findings not a list", _set("findings", {}), "findings: must be a array"),
    ("media not a list", _set("media", {"m1": "x"}), "media: must be a array"),
    ("missing id", _set("annotations/0/id", _DELETE), "annotations[0].id: missing"),
    ("missing points", _set("annotations/0/points", _DELETE), "annotations[0].points: must be a list"),
    ("unknown kind", _set("annotations/0/kind", "circle"), "annotations[0].kind: annotation 'a1': unknown kind 'circle'"),
    ("too many points", _set("annotations/0/points", [[0, 0], [1, 1], [2, 2]]),
     "annotations[0].points: annotation 'a1' (line) needs 2 points, not 3"),
    ("too few polygon points", _set("annotations/1/keyframes/9", [[0, 0], [1, 1]]),
     "annotations[1].keyframes['9']: annotation 'a2' (polygon) needs at least 3 points, not 2"),
    ("string coordinate", _set("annotations/0/points/1", [10, "0"]), "annotations[0].points[1]: y must be a number"),
    ("point of three", _set("annotations/0/points/1", [1, 2, 3]), "annotations[0].points[1]: a point must be [x, y]"),
    ("boolean coordinate", _set("annotations/0/points/0", [True, 0]), "annotations[0].points[0]: x must be a number"),
    ("huge coordinate", _set("annotations/0/points/0", [1e400, 0]), "annotations[0].points[0]: x is not a finite number"),
    ("frame negative", _set("annotations/0/frame", -1), "annotations[0].frame: annotation 'a1': frame must be 0 or more"),
    ("frame not integer", _set("annotations/0/frame", 1.5), "annotations[0].frame: must be a integer"),
    ("frame_end before frame", _set("annotations/1/frame_end", 1), "annotations[1].frame_end: annotation 'a2': frame_end 1 is before frame 2"),
    ("keyframe out of range", _set("annotations/1/keyframes/12", [[0, 0], [4, 0], [4, 4]]),
     "annotations[1].keyframes['12']: annotation 'a2': keyframe 12 lies outside frames 2..9"),
    ("keyframe key not a frame", _set("annotations/1/keyframes/x", [[0, 0], [4, 0], [4, 4]]),
     "keyframe keys must be frame numbers"),
    ("duplicate annotation id", _set("annotations/1/id", "a1"), "annotations[1].id: id 'a1' is used twice (also at annotations[0])"),
    ("id shared with media", _set("findings/0/id", "m1"), "findings[0].id: id 'm1' is used twice"),
    ("unknown media", _set("annotations/0/media", "m7"), "annotations[0].media: annotation 'a1' refers to media 'm7'"),
    ("unknown finding", _set("annotations/0/finding", "f7"), "annotations[0].finding: annotation 'a1' links to finding 'f7'"),
    ("unknown finding type", _set("findings/0/type", "sprain"), "findings[0].type: unknown finding type 'sprain'"),
    ("bad side", _set("findings/0/side", "up"), "findings[0].side: must be one of left, right, bilateral, none"),
    ("attribute link to nothing", _set("findings/0/attributes/gap/annotation", "a9"),
     "findings[0].attributes.gap.annotation: links to annotation 'a9'"),
    ("attribute without value", _set("findings/0/attributes/grade", {"unit": "mm"}), "findings[0].attributes.grade: needs a \"value\""),
    ("attribute a list", _set("findings/0/attributes/grade", [2]), "findings[0].attributes.grade: must be a value or an object"),
    ("bare attribute out of range", _set("findings/0/attributes/grade", 9), "findings[0].attributes.grade.value: grade must be 0 to 3"),
    ("attribute not finite", _set("findings/0/attributes/grade", {"value": 1e999}), "findings[0].attributes.grade.value: must be a finite number"),
    ("grade out of range", _set("findings/0/attributes/grade", {"value": 5}), "findings[0].attributes.grade.value: grade must be 0 to 3, not 5"),
    ("grade not whole", _set("findings/0/attributes/grade", {"value": 1.5}), "grade must be a whole number"),
    ("unknown thickness", _set("findings/0/attributes/thickness", {"value": "medium"}),
     "findings[0].attributes.thickness.value: thickness must be one of partial, full, not 'medium'"),
    ("negative gap", _set("findings/0/attributes/gap", {"value": -2.0, "unit": "mm"}), "gap must be at least 0"),
    ("bad colour", _set("annotations/0/style", {"color": "red"}), "annotations[0].style.color: must be #rrggbb"),
    ("bad confidence", _set("annotations/1/confidence", {"3": 1.5}), "annotations[1].confidence['3']: must map a frame number"),
    ("bad calibration", _set("media/0/calibration", {"mm_per_px": 0}), "media[0].calibration.mm_per_px: must be a positive number"),
    ("bad sha", _set("media/0/sha256", "abc"), "media[0].sha256: must be 64 lower-case hex digits"),
    ("empty path", _set("media/0/path", " "), "media[0].path: must not be empty"),
    ("title not text", _set("title", 5), "title: must be a string"),
    ("wrong format", _set("format", "labelme"), "format: not a us-annotator case file (format is 'labelme')"),
    ("version text", _set("version", "1"), "version: must be a whole number"),
    ("newer version", _set("version", 7), "version: the case was written by a newer us-annotator (case format version 7)"),
]


@pytest.mark.parametrize("name,edit,message", BAD, ids=[b[0] for b in BAD])
def test_bad_case_names_file_path_and_problem(tmp_path: Path, name: str, edit: Edit, message: str) -> None:
    d = copy.deepcopy(good())
    edit(d)
    path = tmp_path / "bad.uscase.json"
    path.write_text(json.dumps(d))
    with pytest.raises(CaseError) as info:
        load_case(path)
    text = str(info.value)
    assert text.startswith(f"{path}: ")
    assert any(message in line for line in info.value.lines()), info.value.lines()


def test_every_problem_is_listed(tmp_path: Path) -> None:
    d = good()
    d["annotations"][0]["kind"] = "circle"
    d["annotations"][1]["media"] = "m9"
    d["media"][0]["path"] = 3
    path = tmp_path / "bad.uscase.json"
    path.write_text(json.dumps(d))
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert len(info.value.issues) == 3
    assert "(and 2 more problems)" in str(info.value)


@pytest.mark.parametrize(
    "text,message",
    [
        ('{"format": "us-annotator-case",\n "version": 1,\n "media": [}', "line 3, column 12: not valid JSON"),
        ("", "line 1, column 1: not valid JSON"),
        ('{"format": "us-annotator-case", "version": 1, "media": [{"id": "m1", "path": "a.png"}], "findings": [],'
         ' "annotations": [{"id": "a1", "media": "m1", "frame": 0, "kind": "line", "points": [[0, NaN], [1e400, 1]]}]}',
         "annotations[0].points[0]: y is not a finite number (and 1 more problem)"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"title": "x"}', 'not a us-annotator case file (no "format"'),
    ],
)
def test_unreadable_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.uscase.json"
    path.write_text(text)
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_binary_file_and_missing_file_and_folder(tmp_path: Path) -> None:
    binary = tmp_path / "scan.uscase.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(CaseError, match="not UTF-8"):
        load_case(binary)
    with pytest.raises(CaseError, match="file not found"):
        load_case(tmp_path / "missing.uscase.json")
    with pytest.raises(CaseError, match="folder"):
        load_case(tmp_path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.uscase.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(good()).encode())
    assert load_case(path, check_media=False).annotation("a1").label == "gap"


def test_load_does_not_touch_the_file(tmp_path: Path) -> None:
    d = good()
    d["annotations"][0]["kind"] = "circle"
    path = tmp_path / "bad.uscase.json"
    path.write_text(json.dumps(d))
    before = path.read_bytes()
    with pytest.raises(CaseError):
        load_case(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.uscase.json"]


def test_json_schema_agrees_with_the_model() -> None:
    from importlib.resources import files

    from annotator.case.model import ANNOTATION_KINDS, FINDING_TYPES, POINT_COUNTS, SIDES

    schema = json.loads(files("annotator.resources").joinpath("case.schema.json").read_text())
    defs = schema["$defs"]
    assert defs["annotation"]["properties"]["kind"]["enum"] == list(ANNOTATION_KINDS)
    assert defs["finding"]["properties"]["type"]["enum"] == list(FINDING_TYPES)
    assert defs["side"]["enum"] == list(SIDES)
    counts: dict[str, tuple[int, int | None]] = {}
    for rule in defs["annotation"]["allOf"]:
        cond = rule["if"]["properties"]["kind"]
        kinds = cond.get("enum", [cond.get("const")])
        points = rule["then"]["properties"]["points"]
        for kind in kinds:
            counts[kind] = (points["minItems"], points.get("maxItems"))
    assert counts == POINT_COUNTS
    assert set(schema["required"]) == {"format", "version", "media", "annotations"}


def test_lenient_forms_are_accepted(tmp_path: Path) -> None:
    d = good()
    del d["findings"]
    d["annotations"][0]["finding"] = None
    path = tmp_path / "no-findings.uscase.json"
    path.write_text(json.dumps(d))
    assert load_case(path, check_media=False).findings == []
    d = good()
    d["findings"][0]["attributes"] = {"grade": 2, "thickness": "full", "gap": {"annotation": "a1"}}
    path.write_text(json.dumps(d))
    f = load_case(path, check_media=False).finding("f1")
    assert (f.attributes["grade"].value, f.attributes["thickness"].value) == (2, "full")
    assert f.attributes["gap"].annotation == "a1"
