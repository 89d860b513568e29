"""Bring older case files forward to the current version; refuse newer ones clearly.

Version 0 is the prototype's format (no ``"format"`` key)::

    {"version": 0, "title": "...", "images": ["scan.dcm", ...],
     "shapes": [{"image": 0, "frame": 0, "shape_type": "linestrip",
                 "points": [[x, y], ...], "label": "...", "text": "..."}]}

``images`` (also accepted as ``media``) lists paths; ``image`` is an index into it. Shape types
``line``, ``polygon``, ``ellipse``, ``angle``, ``point``, ``arrow`` and ``text`` keep their
names; ``linestrip`` becomes ``polyline``, ``freehand`` a ``polygon``, and a two-corner
``rectangle`` a four-point ``polygon``. Version 0 had no findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotator.case.errors import CaseError, Issue
from annotator.case.schema import CURRENT_VERSION, FORMAT_NAME

_V0_KINDS = {
    "line": "line", "linestrip": "polyline", "polyline": "polyline", "polygon": "polygon",
    "freehand": "polygon", "ellipse": "ellipse", "angle": "angle", "point": "point",
    "arrow": "arrow", "text": "text", "rectangle": "polygon",
}


def migrate(d: Any, path: str | Path | None = None) -> dict[str, Any]:
    """``d`` as a current-version dictionary (a new dict when migrated; ``d`` is not changed)."""
    if not isinstance(d, dict):
        raise CaseError(path, "the file must hold a JSON object (a us-annotator case)")
    fmt = d.get("format")
    if fmt is None:
        if "shapes" in d or d.get("version") == 0:
            return _from_v0(d, path)
        raise CaseError(path, f'not a us-annotator case file (no "format": "{FORMAT_NAME}")')
    if fmt != FORMAT_NAME:
        raise CaseError(path, Issue("format", f"not a us-annotator case file (format is {fmt!r})"))
    version = d.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise CaseError(path, Issue("version", f"must be a whole number, not {version!r}"))
    if version > CURRENT_VERSION:
        raise CaseError(
            path,
            Issue(
                "version",
                f"the case was written by a newer us-annotator (case format version {version}); "
                f"this one reads versions up to {CURRENT_VERSION}: update us-annotator to open it",
            ),
        )
    if version == 0:
        return _from_v0(d, path)
    if version < 0:
        raise CaseError(path, Issue("version", f"unknown case format version {version}"))
    return d


def _from_v0(d: dict[str, Any], path: str | Path | None) -> dict[str, Any]:
    images = d.get("images", d.get("media", []))
    if not isinstance(images, list) or not all(isinstance(p, str) for p in images):
        raise CaseError(path, Issue("images", "a version-0 case lists its images as paths"))
    shapes = d.get("shapes", [])
    if not isinstance(shapes, list):
        raise CaseError(path, Issue("shapes", "must be a list"))
    issues: list[Issue] = []
    annotations: list[dict[str, Any]] = []
    for i, shape in enumerate(shapes):
        where = f"shapes[{i}]"
        if not isinstance(shape, dict):
            issues.append(Issue(where, "must be an object"))
            continue
        stype = shape.get("shape_type", shape.get("type"))
        if stype not in _V0_KINDS:
            issues.append(Issue(f"{where}.shape_type", f"unknown shape type {stype!r}"))
            continue
        image = shape.get("image", 0)
        if isinstance(image, bool) or not isinstance(image, int) or not 0 <= image < len(images):
            issues.append(Issue(f"{where}.image", f"must index the {len(images)} images, not {image!r}"))
            continue
        points = shape.get("points", [])
        if stype == "rectangle":
            points = _rectangle_corners(points)
        item: dict[str, Any] = {
            "id": f"a{i + 1}", "media": f"m{image + 1}", "frame": shape.get("frame", 0),
            "kind": _V0_KINDS[stype], "points": points, "label": shape.get("label", ""),
        }
        if shape.get("text"):
            item["text"] = shape["text"]
        annotations.append(item)
    if issues:
        raise CaseError(path, issues)
    return {
        "format": FORMAT_NAME,
        "version": CURRENT_VERSION,
        "title": d.get("title", "Untitled case"),
        "media": [{"id": f"m{i + 1}", "path": p} for i, p in enumerate(images)],
        "findings": [],
        "annotations": annotations,
    }


def _rectangle_corners(points: Any) -> Any:
    try:
        (x0, y0), (x1, y1) = points
    except (TypeError, ValueError):
        return points  # left for validation to report
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
