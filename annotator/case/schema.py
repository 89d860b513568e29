"""Validation of a version-1 case dictionary, with messages that name the JSON path.

Hand-written rather than jsonschema so that every message says what a user can fix, e.g.
``annotations[2].points: annotation 'a3' (line) needs 2 points, not 3``. The JSON Schema in
``resources/case.schema.json`` describes the same format for other tools.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from annotator.case.attributes import check_attribute_value
from annotator.case.errors import Issue
from annotator.case.kinds import ANNOTATION_KINDS, kind_spec
from annotator.case.model import FINDING_SIDES, FINDING_TYPES, MEDIA_VIEWS, SIDES
from annotator.case.redaction import redaction_issues

FORMAT_NAME = "us-annotator-case"
CURRENT_VERSION = 1
# Limits that keep every command bounded in time and memory (docs/limits.md); far above real use.
MAX_ANNOTATIONS = 20_000
MAX_POINTS = 100_000  # points of one shape (or one keyframe)
MAX_COORDINATE = 1_000_000.0  # pixels from the image origin, either way
MAX_MM_PER_PX = 1000.0
MAX_TEXT_CHARS = 100_000  # a title, label or note


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


class _Checker:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, where: str, problem: str) -> None:
        self.issues.append(Issue(where, problem))

    def field(self, obj: dict[str, Any], key: str, where: str, kind: str, required: bool = True) -> Any:
        """``obj[key]`` if it has the JSON type ``kind``; records an issue otherwise."""
        path = f"{where}.{key}" if where else key
        if key not in obj or (obj[key] is None and not required):
            if required:
                self.add(path, f"missing (a {kind} is required)")
            return None
        value = obj[key]
        ok = {
            "string": isinstance(value, str), "integer": _is_int(value), "number": _is_number(value),
            "object": isinstance(value, dict), "array": isinstance(value, list),
            "boolean": isinstance(value, bool),
        }[kind]
        if not ok:
            self.add(path, f"must be a {kind}, not {_json_type(value)}")
            return None
        return value

    def point(self, p: Any, where: str) -> bool:
        if not (isinstance(p, list) and len(p) == 2):
            self.add(where, "a point must be [x, y]")
            return False
        for axis, v in zip("xy", p, strict=True):
            if not _is_number(v):
                self.add(where, f"{axis} must be a number, not {_json_type(v)}")
                return False
            if not math.isfinite(v):
                self.add(where, f"{axis} is not a finite number")
                return False
            if abs(v) > MAX_COORDINATE:
                self.add(where, f"{axis} = {v:.3g} is outside the range a point can have (±{MAX_COORDINATE:,.0f} px)")
                return False
        return True

    def points(self, pts: Any, kind: str | None, where: str, who: str) -> None:
        if not isinstance(pts, list):
            self.add(where, f"must be a list of [x, y] points, not {_json_type(pts)}")
            return
        if len(pts) > MAX_POINTS:
            self.add(where, f"{who} has {len(pts):,} points; a shape may have at most {MAX_POINTS:,}")
            return
        good = all([self.point(p, f"{where}[{i}]") for i, p in enumerate(pts)])
        spec = kind_spec(kind) if good and kind is not None else None
        if spec is not None:
            lo, hi = spec.min_points, spec.max_points
            if len(pts) < lo or (hi is not None and len(pts) > hi):
                self.add(where, f"{who} ({kind}) needs {spec.point_count_text()} points, not {len(pts)}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _unique_ids(c: _Checker, items: list[Any], where: str, seen: dict[str, str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (index, item) of the object items, checking ids are strings and unique."""
    for i, item in enumerate(items):
        path = f"{where}[{i}]"
        if not isinstance(item, dict):
            c.add(path, f"must be an object, not {_json_type(item)}")
            continue
        id = c.field(item, "id", path, "string")
        if id is not None:
            if not id.strip():
                c.add(f"{path}.id", "must not be empty")
            elif id in seen:
                c.add(f"{path}.id", f"id {id!r} is used twice (also at {seen[id]})")
            else:
                seen[id] = path
        yield i, item


def validate_case_dict(d: Any) -> list[Issue]:
    """Every problem of a version-1 case dictionary (empty list = valid)."""
    c = _Checker()
    if not isinstance(d, dict):
        return [Issue("", f"the file must hold a JSON object, not {_json_type(d)}")]
    if d.get("format") != FORMAT_NAME:
        c.add("format", f"must be {FORMAT_NAME!r}")
    if d.get("version") != CURRENT_VERSION:
        c.add("version", f"must be {CURRENT_VERSION}")
    for key in ("title", "notes", "history", "impression", "exam_date"):
        text = c.field(d, key, "", "string", required=False)
        if text is not None and len(text) > MAX_TEXT_CHARS:
            c.add(key, f"{len(text):,} characters; at most {MAX_TEXT_CHARS:,}")
    captions = c.field(d, "captions", "", "object", required=False)
    for key, text in (captions or {}).items():
        if not isinstance(text, str):
            c.add(f"captions.{key}", f"must be a string, not {_json_type(text)}")
    seen: dict[str, str] = {}
    media_ids, finding_ids, annotation_ids = set(), set(), set()
    for i, m in _unique_ids(c, c.field(d, "media", "", "array") or [], "media", seen):
        where = f"media[{i}]"
        media_ids.add(m.get("id"))
        path = c.field(m, "path", where, "string")
        if path is not None and not path.strip():
            c.add(f"{where}.path", "must not be empty")
        sha = c.field(m, "sha256", where, "string", required=False)
        if sha is not None and (len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha)):
            c.add(f"{where}.sha256", "must be 64 lower-case hex digits")
        _check_side(c, m, where)
        view = c.field(m, "view", where, "string", required=False)
        if view is not None and view not in MEDIA_VIEWS:
            c.add(f"{where}.view", f"must be one of {', '.join(v for v in MEDIA_VIEWS if v)}, not {view!r}")
        cal = c.field(m, "calibration", where, "object", required=False)
        if cal is not None:
            _check_calibration(c, cal, f"{where}.calibration")
    findings = c.field(d, "findings", "", "array", required=False)  # a case may have none yet
    for i, f in _unique_ids(c, findings or [], "findings", seen):
        finding_ids.add(f.get("id"))
        where = f"findings[{i}]"
        ftype = c.field(f, "type", where, "string")
        if ftype is not None and ftype not in FINDING_TYPES:
            c.add(f"{where}.type", f"unknown finding type {ftype!r} (one of {', '.join(FINDING_TYPES)})")
        for key in ("structure", "site", "notes", "grade", "verdict"):
            c.field(f, key, where, "string", required=False)
        _check_side(c, f, where, FINDING_SIDES)
    annotations = c.field(d, "annotations", "", "array") or []
    if len(annotations) > MAX_ANNOTATIONS:
        c.add("annotations", f"{len(annotations):,} annotations; a case may hold at most {MAX_ANNOTATIONS:,}")
        return c.issues
    for i, a in _unique_ids(c, annotations, "annotations", seen):
        annotation_ids.add(a.get("id"))
        _check_annotation(c, a, f"annotations[{i}]", media_ids, finding_ids)
    for i, f in enumerate(findings or []):
        if isinstance(f, dict):
            _check_attributes(c, f, f"findings[{i}]", annotation_ids)
    for where, problem in redaction_issues(d.get("redactions"), media_ids):
        c.add(where, problem)
    return c.issues


def _check_side(c: _Checker, obj: dict[str, Any], where: str, sides: tuple[str, ...] = SIDES) -> None:
    side = c.field(obj, "side", where, "string", required=False)
    if side is not None and side not in sides:
        c.add(f"{where}.side", f"must be one of {', '.join(sides)}, not {side!r}")


def _check_calibration(c: _Checker, cal: dict[str, Any], where: str) -> None:
    mm = c.field(cal, "mm_per_px", where, "number")
    if mm is not None and not (math.isfinite(mm) and mm > 0):
        c.add(f"{where}.mm_per_px", "must be a positive number")
    elif mm is not None and mm > MAX_MM_PER_PX:
        c.add(f"{where}.mm_per_px", f"{mm:.3g} mm per pixel is not a plausible scale (at most {MAX_MM_PER_PX:g})")
    for key in ("p0", "p1", "depth_zero"):
        if cal.get(key) is not None:
            c.point(cal[key], f"{where}.{key}")
    dist = c.field(cal, "distance_mm", where, "number", required=False)
    if dist is not None and not (math.isfinite(dist) and dist > 0):
        c.add(f"{where}.distance_mm", "must be a positive number")
    bounds = c.field(cal, "bounds", where, "array", required=False)
    if bounds is not None and not (len(bounds) == 4 and all(_is_int(v) for v in bounds)):
        c.add(f"{where}.bounds", "must be [x0, y0, x1, y1] in whole pixels")


def _check_annotation(
    c: _Checker, a: dict[str, Any], where: str, media_ids: set[Any], finding_ids: set[Any]
) -> None:
    who = f"annotation {a['id']!r}" if isinstance(a.get("id"), str) else "the annotation"
    media = c.field(a, "media", where, "string")
    if media is not None and media not in media_ids:
        c.add(f"{where}.media", f"{who} refers to media {media!r}, which the case does not list")
    kind = c.field(a, "kind", where, "string")
    if kind is not None and kind not in ANNOTATION_KINDS:
        c.add(f"{where}.kind", f"{who}: unknown kind {kind!r} (one of {', '.join(ANNOTATION_KINDS)})")
        kind = None
    frame = c.field(a, "frame", where, "integer")
    if frame is not None and frame < 0:
        c.add(f"{where}.frame", f"{who}: frame must be 0 or more, not {frame}")
    frame_end = c.field(a, "frame_end", where, "integer", required=False)
    if frame is not None and frame_end is not None and frame_end < frame:
        c.add(f"{where}.frame_end", f"{who}: frame_end {frame_end} is before frame {frame}")
    keyframes = c.field(a, "keyframes", where, "object", required=False)
    if keyframes is None or "points" in a:
        c.points(a.get("points"), kind, f"{where}.points", who)
    last = frame_end if frame_end is not None else frame
    for key, pts in (keyframes or {}).items():
        kwhere = f"{where}.keyframes[{key!r}]"
        if not (key.isdigit() and str(int(key)) == key):
            c.add(kwhere, f"{who}: keyframe keys must be frame numbers, not {key!r}")
            continue
        if frame is not None and last is not None and not frame <= int(key) <= last:
            c.add(kwhere, f"{who}: keyframe {key} lies outside frames {frame}..{last}")
        c.points(pts, kind, kwhere, who)
    if keyframes is not None and not keyframes:
        c.add(f"{where}.keyframes", f"{who}: needs at least one keyframe")
    for key in ("label", "text"):
        c.field(a, key, where, "string", required=False)
    finding = c.field(a, "finding", where, "string", required=False)
    if finding is not None and finding not in finding_ids:
        c.add(f"{where}.finding", f"{who} links to finding {finding!r}, which the case does not list")
    style = c.field(a, "style", where, "object", required=False)
    if style is not None:
        color = c.field(style, "color", f"{where}.style", "string", required=False)
        if color is not None and not _is_colour(color):
            c.add(f"{where}.style.color", f"must be #rrggbb, not {color!r}")
        width = c.field(style, "line_width", f"{where}.style", "number", required=False)
        if width is not None and not (math.isfinite(width) and width > 0):
            c.add(f"{where}.style.line_width", "must be a positive number")
        for key in ("show_value", "show_label"):
            c.field(style, key, f"{where}.style", "boolean", required=False)
    confidence = c.field(a, "confidence", where, "object", required=False)
    for key, value in (confidence or {}).items():
        if not (key.isdigit() and _is_number(value) and 0 <= value <= 1):
            c.add(f"{where}.confidence[{key!r}]", "must map a frame number to a number in 0..1")
    for key in ("rest_frame", "peak_frame"):
        value = c.field(a, key, where, "integer", required=False)
        if value is not None and frame is not None and last is not None and not frame <= value <= last:
            c.add(f"{where}.{key}", f"{who}: {key} {value} lies outside frames {frame}..{last}")


def _is_colour(s: str) -> bool:
    return len(s) == 7 and s[0] == "#" and all(ch in "0123456789abcdefABCDEF" for ch in s[1:])


def _check_attributes(c: _Checker, f: dict[str, Any], where: str, annotation_ids: set[Any]) -> None:
    attributes = c.field(f, "attributes", where, "object", required=False)
    for name, value in (attributes or {}).items():
        path = f"{where}.attributes.{name}"
        if value is None or isinstance(value, (str, int, float)):
            value = {"value": value}  # a bare value is shorthand for {"value": ...}
        if not isinstance(value, dict):
            c.add(path, f"must be a value or an object like {{\"value\": 5.0, \"unit\": \"mm\"}}, not {_json_type(value)}")
            continue
        if "annotation" in value and value["annotation"] is not None:
            link = c.field(value, "annotation", path, "string")
            if link is not None and link not in annotation_ids:
                c.add(f"{path}.annotation", f"links to annotation {link!r}, which the case does not list")
            c.field(value, "quantity", path, "string", required=False)
            fr = c.field(value, "frame", path, "integer", required=False)
            if fr is not None and fr < 0:
                c.add(f"{path}.frame", "must be 0 or more")
        elif "value" not in value:
            c.add(path, "needs a \"value\" or an \"annotation\" link")
        else:
            v = value["value"]
            if not (v is None or isinstance(v, str) or (_is_number(v) and math.isfinite(v))):
                c.add(f"{path}.value", f"must be a finite number or text, not {_json_type(v)}")
            elif isinstance(f.get("type"), str):
                problem = check_attribute_value(f["type"], name, v)
                if problem:
                    c.add(f"{path}.value", problem)
        c.field(value, "unit", path, "string", required=False)
