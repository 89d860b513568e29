"""Commands that add, change, move and delete annotations and their keyframes."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.case.command_base import Command, CommandError
from annotator.case.kinds import ANNOTATION_KINDS, can_change, display_name, kind_spec
from annotator.case.model import Annotation, Case, Point, Style

CHANGEABLE_FIELDS = frozenset({"label", "text", "style", "finding", "kind"})


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


def check_points(kind: str, points: Sequence[Sequence[float]], what: str) -> list[Point]:
    """The points as float tuples, or CommandError naming ``what`` and the problem."""
    spec = kind_spec(kind)
    if spec is None:
        raise CommandError(f"{what}: unknown kind {kind!r} (one of {', '.join(ANNOTATION_KINDS)})")
    lo, hi = spec.min_points, spec.max_points
    n = len(points)
    if n < lo or (hi is not None and n > hi):
        raise CommandError(f"{what}: a {kind} needs {spec.point_count_text()} points, not {n}")
    out: list[Point] = []
    for p in points:
        if len(p) != 2:
            raise CommandError(f"{what}: a point needs x and y, not {list(p)!r}")
        x, y = float(p[0]), float(p[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            raise CommandError(f"{what}: point ({x}, {y}) is not finite")
        out.append((x, y))
    return out


def _annotation(case: Case, id: str) -> Annotation:
    try:
        return case.annotation(id)
    except KeyError:
        raise CommandError(f"there is no annotation {id!r}") from None


@dataclass
class _Geometry:
    """Everything about where an annotation is, to restore on undo."""

    frame: int
    frame_end: int | None
    keyframes: dict[int, list[Point]]
    confidence: dict[int, float]
    rest_frame: int | None = None
    peak_frame: int | None = None

    @classmethod
    def of(cls, a: Annotation) -> _Geometry:
        return cls(a.frame, a.frame_end, {k: list(v) for k, v in a.keyframes.items()}, dict(a.confidence),
                   a.rest_frame, a.peak_frame)

    def apply(self, a: Annotation) -> None:
        a.frame, a.frame_end = self.frame, self.frame_end
        a.keyframes = {k: list(v) for k, v in self.keyframes.items()}
        a.confidence = dict(self.confidence)
        a.rest_frame, a.peak_frame = self.rest_frame, self.peak_frame


class _GeometryCommand(Command):
    """Base for commands that edit an annotation's points: undo restores a snapshot."""

    id: str
    _before: _Geometry | None = None

    def redo(self, case: Case) -> None:
        a = _annotation(case, self.id)
        before = _Geometry.of(a)
        try:
            self._apply(a)
        except Exception:
            before.apply(a)  # a refused edit leaves no trace
            raise
        # a range that no longer holds the rest or peak frame forgets it (back to the suggestion)
        if a.rest_frame is not None and not a.on_frame(a.rest_frame):
            a.rest_frame = None
        if a.peak_frame is not None and not a.on_frame(a.peak_frame):
            a.peak_frame = None
        self._before = before
        case.notify("annotation", a.id, "changed")

    def undo(self, case: Case) -> None:
        a = _annotation(case, self.id)
        assert self._before is not None, "undo before redo"
        self._before.apply(a)
        case.notify("annotation", a.id, "changed")

    def _apply(self, a: Annotation) -> None:
        raise NotImplementedError


class AddAnnotation(Command):
    def __init__(self, annotation: Annotation, index: int | None = None) -> None:
        self.annotation = annotation
        self.index = index
        self.text = f"Add {display_name(annotation.kind)}"  # "Add caliper" in the Edit menu

    def redo(self, case: Case) -> None:
        a = self.annotation
        if any(x.id == a.id for x in case.annotations):
            raise CommandError(f"annotation id {a.id!r} is already used")
        try:
            case.media_ref(a.media)
        except KeyError:
            raise CommandError(f"annotation {a.id!r}: there is no media {a.media!r}") from None
        if not a.keyframes:
            raise CommandError(f"annotation {a.id!r} has no points")
        if a.frame < 0 or (a.frame_end is not None and a.frame_end < a.frame):
            raise CommandError(f"annotation {a.id!r}: frames {a.frame}..{a.last_frame} are not a range")
        outside = sorted(k for k in a.keyframes if not a.on_frame(k))
        if outside:
            raise CommandError(f"annotation {a.id!r}: keyframes {outside} lie outside frames {a.frame}..{a.last_frame}")
        if a.finding is not None and not any(f.id == a.finding for f in case.findings):
            raise CommandError(f"annotation {a.id!r}: there is no finding {a.finding!r}")
        for frame, points in a.keyframes.items():
            a.keyframes[frame] = check_points(a.kind, points, f"annotation {a.id!r}")
        index = len(case.annotations) if self.index is None else self.index
        case.annotations.insert(index, a)
        case.notify("annotation", a.id, "added")

    def undo(self, case: Case) -> None:
        case.annotations.remove(case.annotation(self.annotation.id))
        case.notify("annotation", self.annotation.id, "removed")


class RemoveAnnotations(Command):
    """Delete annotations; finding attributes linked to them are unlinked (undoably)."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = list(dict.fromkeys(ids))
        self.text = "Delete annotation" if len(self.ids) == 1 else f"Delete {len(self.ids)} annotations"
        self._removed: list[tuple[int, Annotation]] = []
        self._links: list[tuple[str, str, Any]] = []

    def redo(self, case: Case) -> None:
        for id in self.ids:
            _annotation(case, id)
        gone = set(self.ids)
        self._removed = [(i, a) for i, a in enumerate(case.annotations) if a.id in gone]
        self._links = [
            (f.id, name, value)
            for f in case.findings
            for name, value in f.attributes.items()
            if value.annotation in gone
        ]
        for fid, name, _ in self._links:
            del case.finding(fid).attributes[name]
        case.annotations[:] = [a for a in case.annotations if a.id not in gone]
        for _, a in self._removed:
            case.notify("annotation", a.id, "removed")
        for fid in dict.fromkeys(fid for fid, _, _ in self._links):
            case.notify("finding", fid, "changed")

    def undo(self, case: Case) -> None:
        for index, a in self._removed:
            case.annotations.insert(index, a)
        for fid, name, value in self._links:
            case.finding(fid).attributes[name] = value
        for _, a in self._removed:
            case.notify("annotation", a.id, "added")
        for fid in dict.fromkeys(fid for fid, _, _ in self._links):
            case.notify("finding", fid, "changed")


class ChangeAnnotation(Command):
    """Change label, text, style, finding link or kind (only within a family of kinds that
    share the point layout: line/arrow, polyline/polygon, point/text)."""

    def __init__(self, id: str, **fields: Any) -> None:
        unknown = set(fields) - CHANGEABLE_FIELDS
        if unknown:
            raise CommandError(f"cannot change {', '.join(sorted(unknown))} of an annotation this way")
        self.id = id
        self.fields = fields
        self._old: dict[str, Any] = {}
        self.text = "Change " + ", ".join(sorted(fields)) if fields else "Change annotation"

    def redo(self, case: Case) -> None:
        a = _annotation(case, self.id)
        self._check(case, a)
        self._old = {name: copy.deepcopy(getattr(a, name)) for name in self.fields}
        for name, value in self.fields.items():
            setattr(a, name, copy.deepcopy(value))
        case.notify("annotation", a.id, "changed")

    def undo(self, case: Case) -> None:
        a = _annotation(case, self.id)
        for name, value in self._old.items():
            setattr(a, name, value)
        case.notify("annotation", a.id, "changed")

    def _check(self, case: Case, a: Annotation) -> None:
        kind = self.fields.get("kind", a.kind)
        if kind != a.kind:
            if not can_change(a.kind, kind):
                raise CommandError(f"annotation {a.id!r}: a {a.kind} cannot become a {kind}")
            for points in a.keyframes.values():
                check_points(kind, points, f"annotation {a.id!r}")
        finding = self.fields.get("finding")
        if finding is not None and not any(f.id == finding for f in case.findings):
            raise CommandError(f"annotation {a.id!r}: there is no finding {finding!r}")
        style = self.fields.get("style", a.style)
        if not isinstance(style, Style):
            raise CommandError(f"annotation {a.id!r}: style must be a Style")
        for name in ("label", "text"):
            if not isinstance(self.fields.get(name, ""), str):
                raise CommandError(f"annotation {a.id!r}: {name} must be text")


class SetPoints(_GeometryCommand):
    """Set the points on ``frame``: a keyframe of a dynamic annotation (created if needed),
    or the points of a single-frame one. Same ``merge_id`` merges (one step per drag)."""

    def __init__(self, id: str, frame: int, points: Sequence[Sequence[float]], merge_id: str | None = None) -> None:
        self.id, self.frame = id, int(frame)
        self.points = [(float(p[0]), float(p[1])) for p in points]
        self.merge_id = merge_id
        self.text = "Edit points"

    def _apply(self, a: Annotation) -> None:
        points = check_points(a.kind, self.points, f"annotation {a.id!r}")
        if not a.is_dynamic:
            a.keyframes = {a.frame: points}
            a.confidence.pop(a.frame, None)  # an automatic still's value is now the user's
            return
        if not a.on_frame(self.frame):
            raise CommandError(
                f"annotation {a.id!r}: frame {self.frame} is outside its range {a.frame}..{a.last_frame}"
            )
        a.keyframes[self.frame] = points
        a.confidence.pop(self.frame, None)  # a hand-placed keyframe is certain

    def merge_with(self, other: Command) -> bool:
        if not (isinstance(other, SetPoints) and other.id == self.id and other.frame == self.frame):
            return False
        self.points = other.points
        return True


class MoveAnnotation(_GeometryCommand):
    """Shift the whole shape by (dx, dy) on ``frame`` (a keyframe is made there for a dynamic
    annotation), or on every keyframe with ``all_frames``."""

    def __init__(
        self, id: str, frame: int, dx: float, dy: float, merge_id: str | None = None, all_frames: bool = False
    ) -> None:
        self.id, self.frame, self.dx, self.dy = id, int(frame), float(dx), float(dy)
        self.merge_id = merge_id
        self.all_frames = all_frames
        self.text = "Move annotation"

    def _apply(self, a: Annotation) -> None:
        if not (math.isfinite(self.dx) and math.isfinite(self.dy)):
            raise CommandError(f"annotation {a.id!r}: the move is not finite")
        if a.is_dynamic and not self.all_frames:
            points = a.points_at(self.frame)
            if points is None:
                raise CommandError(
                    f"annotation {a.id!r}: frame {self.frame} is outside its range {a.frame}..{a.last_frame}"
                )
            a.keyframes[self.frame] = [(x + self.dx, y + self.dy) for x, y in points]
            a.confidence.pop(self.frame, None)
            return
        a.keyframes = {k: [(x + self.dx, y + self.dy) for x, y in v] for k, v in a.keyframes.items()}
        if not a.is_dynamic:
            a.confidence.pop(a.frame, None)  # placed by the user now

    def redo(self, case: Case) -> None:
        if self._before is not None:  # redo after undo, or after a merge: start from the snapshot
            self._before.apply(_annotation(case, self.id))
        super().redo(case)

    def merge_with(self, other: Command) -> bool:
        if not (
            isinstance(other, MoveAnnotation)
            and (other.id, other.frame, other.all_frames) == (self.id, self.frame, self.all_frames)
        ):
            return False
        self.dx += other.dx
        self.dy += other.dy
        return True


class SetKeyframes(_GeometryCommand):
    """Write tracking results: the given keyframes (and confidences) replace those frames.

    With ``replace`` the annotation keeps only the given keyframes. The range grows to hold
    every keyframe unless ``frame``/``frame_end`` are given, which must then hold them.
    """

    def __init__(
        self,
        id: str,
        keyframes: Mapping[int, Sequence[Sequence[float]]],
        confidence: Mapping[int, float] | None = None,
        frame_end: int | None = UNCHANGED,
        frame: int = UNCHANGED,
        replace: bool = False,
    ) -> None:
        self.id = id
        self.keyframes = {int(k): [(float(p[0]), float(p[1])) for p in v] for k, v in keyframes.items()}
        self.confidence = {int(k): float(v) for k, v in (confidence or {}).items()}
        self.frame_end, self.frame, self.replace = frame_end, frame, replace
        self.text = "Set keyframes"

    def _apply(self, a: Annotation) -> None:
        if not self.keyframes and self.replace:
            raise CommandError(f"annotation {a.id!r}: an annotation needs at least one keyframe")
        for k, pts in self.keyframes.items():
            self.keyframes[k] = check_points(a.kind, pts, f"annotation {a.id!r}, frame {k}")
        for k, c in self.confidence.items():
            if not (0.0 <= c <= 1.0):
                raise CommandError(f"annotation {a.id!r}: confidence {c} on frame {k} is not in 0..1")
        keys = {**({} if self.replace else a.keyframes), **self.keyframes}
        conf = {} if self.replace else {k: v for k, v in a.confidence.items() if k not in self.keyframes}
        conf.update({k: v for k, v in self.confidence.items() if k in keys})
        start = min(a.frame, min(keys)) if self.frame is UNCHANGED else int(self.frame)
        if self.frame_end is UNCHANGED:
            end: int | None = max(a.last_frame, max(keys))
            end = None if end == start and a.frame_end is None else end
        else:
            end = None if self.frame_end is None else int(self.frame_end)
        last = start if end is None else end
        outside = sorted(k for k in keys if not start <= k <= last)
        if (end is not None and end < start) or outside:
            raise CommandError(f"annotation {a.id!r}: keyframes {outside} lie outside frames {start}..{last}")
        a.frame, a.frame_end, a.keyframes, a.confidence = start, end, dict(sorted(keys.items())), conf


class DeleteKeyframe(_GeometryCommand):
    def __init__(self, id: str, frame: int) -> None:
        self.id, self.frame = id, int(frame)
        self.text = "Delete keyframe"

    def _apply(self, a: Annotation) -> None:
        if self.frame not in a.keyframes:
            raise CommandError(f"annotation {a.id!r} has no keyframe on frame {self.frame}")
        if len(a.keyframes) == 1:
            raise CommandError(f"annotation {a.id!r}: cannot delete its only keyframe")
        del a.keyframes[self.frame]
        a.confidence.pop(self.frame, None)


class SetFrameRange(_GeometryCommand):
    """Set the frames an annotation spans (``frame_end`` None = only ``frame``).

    Keyframes outside the new range are dropped; the shape at each new end is kept as a
    keyframe there, so nothing inside the range moves.
    """

    def __init__(self, id: str, frame: int, frame_end: int | None) -> None:
        self.id, self.frame = id, int(frame)
        self.frame_end = None if frame_end is None else int(frame_end)
        self.text = "Set frame range"

    def _apply(self, a: Annotation) -> None:
        start, last = self.frame, self.frame if self.frame_end is None else self.frame_end
        if start < 0 or last < start:
            raise CommandError(f"annotation {a.id!r}: frame range {start}..{last} is empty or negative")
        keys = {k: v for k, v in a.keyframes.items() if start <= k <= last}
        if self.frame_end is None:
            keys = {start: _shape_near(a, start)}
        else:
            # Keyframes dropped beyond an end leave the shape they gave on that end behind.
            if not keys or min(a.keyframes) < start:
                keys.setdefault(start, _shape_near(a, start))
            if max(a.keyframes) > last:
                keys.setdefault(last, _shape_near(a, last))
        a.frame, a.frame_end = start, self.frame_end
        a.keyframes = dict(sorted(keys.items()))
        a.confidence = {k: v for k, v in a.confidence.items() if k in keys}


def _shape_near(a: Annotation, frame: int) -> list[Point]:
    """The points on ``frame``, or at the nearest end of the current range outside it."""
    clamped = min(max(frame, a.frame), a.last_frame)
    points = a.points_at(clamped)
    assert points is not None
    return points


class SetRestPeak(_GeometryCommand):
    """Choose the annotation's rest and peak frames (what a finding's "at rest" and
    "contraction" links use); ``UNCHANGED`` leaves one as it is, None clears it."""

    def __init__(self, id: str, rest_frame: int | None | object = UNCHANGED,
                 peak_frame: int | None | object = UNCHANGED) -> None:
        self.id = id
        self.rest_frame, self.peak_frame = rest_frame, peak_frame
        which = [n for n, v in (("rest", rest_frame), ("peak", peak_frame)) if v is not UNCHANGED]
        self.text = f"Set {' and '.join(which) or 'rest and peak'}"

    def _apply(self, a: Annotation) -> None:
        for name in ("rest_frame", "peak_frame"):
            value = getattr(self, name)
            if value is UNCHANGED:
                continue
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise CommandError(f"annotation {a.id!r}: {name} must be a frame number, not {value!r}")
                if not a.on_frame(value):
                    raise CommandError(
                        f"annotation {a.id!r}: frame {value} is outside its range {a.frame}..{a.last_frame}"
                    )
            setattr(a, name, value)
