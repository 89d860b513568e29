"""Case <-> the JSON dictionary of the case file (version 1); see docs/case-format.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator import __version__
from annotator.case.errors import CaseError
from annotator.case.migrate import migrate
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef, Point, Style
from annotator.case.redaction import Redaction
from annotator.case.schema import CURRENT_VERSION, FORMAT_NAME, validate_case_dict
from annotator.media.calibration import ManualCalibration


def _num(v: float) -> float | int:
    """Whole numbers are written without ``.0`` (easier for people and scripts to read)."""
    return int(v) if float(v).is_integer() and abs(v) < 2**53 else float(v)


def _points(points: list[Point]) -> list[list[float | int]]:
    return [[_num(x), _num(y)] for x, y in points]


def case_to_dict(case: Case, media_paths: dict[str, str] | None = None,
                 verdicts: dict[str, str] | None = None) -> dict[str, Any]:
    """The case as the file's dictionary. ``media_paths`` overrides written paths by media id
    (saving elsewhere rewrites relative paths; autosave writes absolute ones). ``verdicts``
    (finding id -> words) are written for readers of the file; loading ignores them."""
    d: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": CURRENT_VERSION,
        "generator": f"us-annotator {__version__}",
        "title": case.title,
    }
    for key in ("history", "impression", "exam_date", "notes"):
        if getattr(case, key):
            d[key] = getattr(case, key)
    if case.captions:
        d["captions"] = dict(sorted(case.captions.items()))
    d["media"] = [_media_to_dict(m, (media_paths or {}).get(m.id, m.path)) for m in case.media]
    d["findings"] = [_finding_to_dict(f, (verdicts or {}).get(f.id, "")) for f in case.findings]
    d["annotations"] = [_annotation_to_dict(a) for a in case.annotations]
    if case.redactions:
        d["redactions"] = [r.to_dict() for r in case.redactions]
    return d


def _media_to_dict(m: MediaRef, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {"id": m.id, "path": path}
    if m.sha256:
        out["sha256"] = m.sha256
    if m.label:
        out["label"] = m.label
    if m.side != "none":
        out["side"] = m.side
    if m.view:
        out["view"] = m.view
    if m.calibration is not None:
        c = m.calibration
        cal: dict[str, Any] = {"mm_per_px": c.mm_per_px}
        if c.p0 is not None and c.p1 is not None:
            cal["p0"], cal["p1"] = [_num(c.p0[0]), _num(c.p0[1])], [_num(c.p1[0]), _num(c.p1[1])]
        if c.distance_mm is not None:
            cal["distance_mm"] = c.distance_mm
        if c.bounds is not None:
            cal["bounds"] = list(c.bounds)
        if c.depth_zero is not None:
            cal["depth_zero"] = [_num(c.depth_zero[0]), _num(c.depth_zero[1])]
        out["calibration"] = cal
    return out


def _finding_to_dict(f: Finding, verdict: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"id": f.id, "type": f.type, "structure": f.structure, "side": f.side}
    if f.site:
        out["site"] = f.site
    if f.grade:
        out["grade"] = f.grade
    if verdict:
        out["verdict"] = verdict
    if f.attributes:
        out["attributes"] = {name: _attribute_to_dict(v) for name, v in f.attributes.items()}
    if f.notes:
        out["notes"] = f.notes
    return out


def _attribute_to_dict(v: AttributeValue) -> dict[str, Any]:
    if v.is_link:
        out: dict[str, Any] = {"annotation": v.annotation}
        if v.quantity is not None:
            out["quantity"] = v.quantity
        if v.frame is not None:
            out["frame"] = v.frame
    else:
        out = {"value": v.value}
    if v.unit is not None:
        out["unit"] = v.unit
    return out


def _annotation_to_dict(a: Annotation) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": a.id, "media": a.media, "frame": a.frame, "kind": a.kind,
        "points": _points(a.points), "label": a.label, "finding": a.finding,
    }
    if a.frame_end is not None:
        out["frame_end"] = a.frame_end
    if a.frame_end is not None or set(a.keyframes) != {a.frame}:
        out["keyframes"] = {str(k): _points(v) for k, v in sorted(a.keyframes.items())}
    if a.text:
        out["text"] = a.text
    if a.style != Style():
        s = a.style
        style: dict[str, Any] = {"show_value": s.show_value, "show_label": s.show_label}
        if s.color is not None:
            style["color"] = s.color
        if s.line_width is not None:
            style["line_width"] = s.line_width
        out["style"] = style
    if a.confidence:
        out["confidence"] = {str(k): v for k, v in sorted(a.confidence.items())}
    if a.rest_frame is not None:
        out["rest_frame"] = a.rest_frame
    if a.peak_frame is not None:
        out["peak_frame"] = a.peak_frame
    return out


def case_from_dict(d: Any, path: str | Path | None = None) -> Case:
    """A Case from a file's dictionary: migrated, validated (CaseError lists every problem),
    then built. ``path`` is the case file's location (media paths are relative to it)."""
    d = migrate(d, path)
    issues = validate_case_dict(d)
    if issues:
        raise CaseError(path, issues)
    case = Case(
        title=d.get("title") or "Untitled case",
        notes=d.get("notes") or "",
        history=d.get("history") or "",
        impression=d.get("impression") or "",
        exam_date=d.get("exam_date") or "",
        captions=dict(d.get("captions") or {}),
        path=None if path is None else Path(path),
    )
    case.media = [_media_from_dict(m) for m in d["media"]]
    case.findings = [_finding_from_dict(f) for f in d.get("findings") or []]
    case.annotations = [_annotation_from_dict(a) for a in d["annotations"]]
    case.redactions = [Redaction.from_dict(r) for r in d.get("redactions") or []]
    return case


def _media_from_dict(m: dict[str, Any]) -> MediaRef:
    cal = m.get("calibration")
    manual = None
    if cal is not None:
        p0, p1 = cal.get("p0"), cal.get("p1")
        bounds = cal.get("bounds")
        manual = ManualCalibration(
            float(cal["mm_per_px"]),
            None if p0 is None else (float(p0[0]), float(p0[1])),
            None if p1 is None else (float(p1[0]), float(p1[1])),
            None if cal.get("distance_mm") is None else float(cal["distance_mm"]),
            None if bounds is None else (int(bounds[0]), int(bounds[1]), int(bounds[2]), int(bounds[3])),
            None if cal.get("depth_zero") is None else (float(cal["depth_zero"][0]), float(cal["depth_zero"][1])),
        )
    return MediaRef(
        m["id"], m["path"], m.get("sha256"), manual, m.get("label") or "", m.get("side") or "none",
        m.get("view") or "",
    )


def _finding_from_dict(f: dict[str, Any]) -> Finding:
    attributes = {}
    for name, v in (f.get("attributes") or {}).items():
        if not isinstance(v, dict):
            v = {"value": v}  # shorthand: "grade": 2
        attributes[name] = AttributeValue(
            value=v.get("value"), unit=v.get("unit"), annotation=v.get("annotation"),
            quantity=v.get("quantity"), frame=v.get("frame"),
        )
    return Finding(
        f["id"], f["type"], f.get("structure") or "", f.get("side") or "none",
        f.get("site") or "", attributes, f.get("notes") or "", f.get("grade") or "",
    )  # "verdict" is not read: it is recomputed from the values


def _to_points(raw: list[list[float]]) -> list[Point]:
    return [(float(x), float(y)) for x, y in raw]


def _annotation_from_dict(a: dict[str, Any]) -> Annotation:
    frame = int(a["frame"])
    if a.get("keyframes"):
        keyframes = {int(k): _to_points(v) for k, v in sorted(a["keyframes"].items(), key=lambda kv: int(kv[0]))}
    else:
        keyframes = {frame: _to_points(a["points"])}
    s = a.get("style") or {}
    style = Style(
        color=s.get("color"),
        line_width=None if s.get("line_width") is None else float(s["line_width"]),
        show_value=bool(s.get("show_value", True)),
        show_label=bool(s.get("show_label", True)),
    )
    return Annotation(
        id=a["id"], media=a["media"], kind=a["kind"], frame=frame, keyframes=keyframes,
        frame_end=a.get("frame_end"), label=a.get("label") or "", text=a.get("text") or "",
        style=style, finding=a.get("finding"),
        confidence={int(k): float(v) for k, v in (a.get("confidence") or {}).items()},
        rest_frame=a.get("rest_frame"), peak_frame=a.get("peak_frame"),
    )
