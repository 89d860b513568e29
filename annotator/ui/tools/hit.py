"""Which annotation, or which of its handles, lies under a point (image coordinates)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from annotator.case.kinds import kind_spec
from annotator.case.model import Annotation, Point
from annotator.render.geometry import (
    distance_to_ellipse_outline,
    distance_to_polyline,
    ellipse_geometry,
    inside_ellipse,
    point_in_polygon,
)
from annotator.ui.tools.base import Rect

#: screen size of label text, in units of the tolerance (~6 screen px): for hitting text
_TEXT_CHAR_W, _TEXT_HALF_H = 8.0 / 6.0, 10.0 / 6.0


@dataclass(frozen=True)
class Hit:
    annotation: Annotation
    points: list[Point]  # on the current frame
    handle: int | None = None  # index of the point under the cursor


def hit_handle(points: list[Point], pos: Point, tolerance: float) -> int | None:
    best, best_d = None, tolerance
    for i, p in enumerate(points):
        d = math.dist(p, pos)
        if d <= best_d:
            best, best_d = i, d
    return best


def hits_shape(annotation: Annotation, points: list[Point], pos: Point, tolerance: float) -> bool:
    spec = kind_spec(annotation.kind)
    geometry = spec.geometry if spec is not None else None
    if geometry in ("segment", "arrow", "path", "angle"):
        return distance_to_polyline(pos, points) <= tolerance
    if geometry == "outline":
        return point_in_polygon(pos, points) or distance_to_polyline(pos, points, closed=True) <= tolerance
    if geometry == "ellipse":
        e = ellipse_geometry(points)
        return inside_ellipse(pos, e) or distance_to_ellipse_outline(pos, e) <= tolerance
    if geometry == "structure":  # any marked segment, or the measured line between them
        assert spec is not None
        pieces = [points[i:i + 2] for i in range(0, len(points) - 1, 2)]
        measured = spec.measured_path(points) if spec.measured_path is not None else None
        if measured is not None:
            pieces.append(list(measured))  # a pennation's two arms (3 points) are its marked lines
        return any(distance_to_polyline(pos, piece) <= tolerance for piece in pieces if len(piece) == 2)
    if geometry == "point":
        return math.dist(pos, points[0]) <= tolerance * 1.5
    if geometry == "text":
        ax, ay = points[0]
        words = (annotation.text or annotation.label).splitlines() or [""]
        width = (max(len(w) for w in words) * _TEXT_CHAR_W + 1) * tolerance
        height = _TEXT_HALF_H * tolerance * len(words)
        return ax - tolerance <= pos[0] <= ax + width and ay - height <= pos[1] <= ay + height
    return False


def visible_on_frame(annotations: Iterable[Annotation], media_id: str, frame: int,
                     hidden: frozenset[str]) -> list[tuple[Annotation, list[Point]]]:
    out = []
    for a in annotations:
        if a.media != media_id or a.id in hidden or not a.on_frame(frame):
            continue
        points = a.points_at(frame)
        if points:
            out.append((a, points))
    return out


def label_at(labels: Sequence[tuple[str, Rect]], pos: Point) -> str | None:
    """The annotation whose label box holds ``pos`` (the top one: labels are painted in order)."""
    for ident, (x0, y0, x1, y1) in reversed(labels):
        if x0 <= pos[0] <= x1 and y0 <= pos[1] <= y1:
            return ident
    return None


def hit_test(annotations: Iterable[Annotation], media_id: str, frame: int, pos: Point,
             tolerance: float, selected: Iterable[str] = (), hidden: frozenset[str] = frozenset(),
             labels: Sequence[tuple[str, Rect]] = ()) -> Hit | None:
    """Handles of selected annotations first, then labels (painted over the shapes), then
    shapes from the top (last drawn) down."""
    shown = visible_on_frame(annotations, media_id, frame, hidden)
    chosen = set(selected)
    for a, points in reversed(shown):
        if a.id in chosen:
            handle = hit_handle(points, pos, tolerance)
            if handle is not None:
                return Hit(a, points, handle)
    labelled = label_at(labels, pos)
    for a, points in shown:
        if a.id == labelled:
            return Hit(a, points)
    for a, points in reversed(shown):
        if hits_shape(a, points, pos, tolerance):
            return Hit(a, points)
    return None
