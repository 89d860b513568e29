"""The case model: media references, annotations and findings (plain Python, no Qt).

Coordinates are image pixels: x to the right, y down, pixel centres at integer coordinates.
An annotation lives on one frame, or on a frame range with keyframes; between keyframes its
points interpolate linearly (``Annotation.points_at``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from annotator.case.kinds import ANNOTATION_KINDS as ANNOTATION_KINDS  # re-exported: older imports
from annotator.case.kinds import ARCHITECTURE_KINDS as ARCHITECTURE_KINDS
from annotator.case.kinds import POINT_COUNTS as POINT_COUNTS
from annotator.case.redaction import Redaction
from annotator.media.calibration import ManualCalibration

Point = tuple[float, float]

# the kinds themselves are declared once, in annotator.case.kinds

FindingType = Literal["tear", "atrophy", "nerve_enlargement", "other"]
FINDING_TYPES: tuple[str, ...] = ("tear", "atrophy", "nerve_enlargement", "other")
Side = Literal["left", "right", "none"]
SIDES: tuple[str, ...] = ("left", "right", "none")
#: a finding may also concern both sides; a media file shows one side or none
FINDING_SIDES: tuple[str, ...] = ("left", "right", "bilateral", "none")
#: how a media file was scanned: along the structure's long axis or across it
MEDIA_VIEWS: tuple[str, ...] = ("", "longitudinal", "transverse")


@dataclass
class Style:
    color: str | None = None  # "#rrggbb"; None = the renderer's default for the kind
    line_width: float | None = None  # in screen/export points; None = default
    show_value: bool = True
    show_label: bool = True


@dataclass
class Annotation:
    id: str
    media: str
    kind: str
    frame: int
    #: points per keyframe; a single-frame annotation has exactly one key, at ``frame``
    keyframes: dict[int, list[Point]]
    #: last frame of the range (inclusive); None = only ``frame``
    frame_end: int | None = None
    label: str = ""
    text: str = ""  # the words of a ``text`` annotation, or a note
    style: Style = field(default_factory=Style)
    finding: str | None = None
    #: per-frame confidence (0..1) where the points came from tracking, or from the automatic
    #: analysis of a still; editing a frame's points removes its entry
    confidence: dict[int, float] = field(default_factory=dict)
    #: the frames a finding's "at rest" and "contraction" links use (None = not chosen)
    rest_frame: int | None = None
    peak_frame: int | None = None

    @classmethod
    def single(
        cls, id: str, media: str, kind: str, frame: int, points: Sequence[Sequence[float]], **kw: Any
    ) -> Annotation:
        return cls(id, media, kind, frame, {frame: [(float(p[0]), float(p[1])) for p in points]}, **kw)

    @property
    def points(self) -> list[Point]:
        """Points at the anchor frame (the first keyframe for a range)."""
        key = self.frame if self.frame in self.keyframes else min(self.keyframes)
        return self.keyframes[key]

    @property
    def is_dynamic(self) -> bool:
        return self.frame_end is not None

    @property
    def confidence_source(self) -> str:
        """What a stored confidence rates: "tracking" on a clip (followed frame to frame,
        also by the architecture analysis), "analysis" on a still (read once, on its own)."""
        return "tracking" if self.is_dynamic else "analysis"

    @property
    def last_frame(self) -> int:
        return self.frame if self.frame_end is None else self.frame_end

    def on_frame(self, frame: int) -> bool:
        return self.frame <= frame <= self.last_frame

    def points_at(self, frame: int) -> list[Point] | None:
        """Points on ``frame``: a keyframe's, linearly interpolated between keyframes, held
        before the first and after the last keyframe within the range; None off the range."""
        if not self.on_frame(frame):
            return None
        if frame in self.keyframes:
            return list(self.keyframes[frame])
        keys = sorted(self.keyframes)
        before = [k for k in keys if k < frame]
        after = [k for k in keys if k > frame]
        if not before:
            return list(self.keyframes[after[0]])
        if not after:
            return list(self.keyframes[before[-1]])
        k0, k1 = before[-1], after[0]
        p0, p1 = self.keyframes[k0], self.keyframes[k1]
        if len(p0) != len(p1):  # a trace re-drawn with another point count: no blending
            return list(p0)
        t = (frame - k0) / (k1 - k0)
        return [(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t) for a, b in zip(p0, p1, strict=True)]

    def is_keyframe(self, frame: int) -> bool:
        return frame in self.keyframes


@dataclass
class AttributeValue:
    """A finding attribute: a number (or word) typed in, or a link to a measurement."""

    value: float | int | str | None = None
    unit: str | None = None
    annotation: str | None = None  # link: annotation id
    quantity: str | None = None  # link: e.g. "length", "area", "mean_intensity"
    frame: int | None = None  # link: which frame of a dynamic annotation (None = its anchor)

    @property
    def is_link(self) -> bool:
        return self.annotation is not None


@dataclass
class Finding:
    id: str
    type: str
    structure: str = ""
    side: str = "none"
    site: str = ""
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
    notes: str = ""
    #: a grade of a published grading, as the vocabulary names it (e.g. "BAMIC 3b"); "" = none
    grade: str = ""


@dataclass
class MediaRef:
    id: str
    path: str  # as written in the case file: relative to the case file, or absolute
    sha256: str | None = None
    calibration: ManualCalibration | None = None
    label: str = ""
    side: str = "none"  # for side-to-side comparison
    view: str = ""  # "longitudinal", "transverse" or "" (not said)


@dataclass(frozen=True)
class CaseEvent:
    """What changed, for views that observe the case: ("annotation"|"finding"|"media"|"case",
    id, "added"|"changed"|"removed")."""

    what: str
    id: str
    change: str


Listener = Callable[[CaseEvent], None]


@dataclass
class Case:
    title: str = "Untitled case"
    media: list[MediaRef] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    notes: str = ""
    #: boxes of pixels painted black in every output (annotator.case.redaction)
    redactions: list[Redaction] = field(default_factory=list)
    #: the clinical story of a case report: why the scan was done, and what it concludes
    history: str = ""
    impression: str = ""
    exam_date: str = ""  # ISO date; an identifier, shown only when identifiers are kept
    #: figure captions the user wrote, by figure key (``annotator.export.figure.figure_key``)
    captions: dict[str, str] = field(default_factory=dict)
    #: where the case file lives (media paths are relative to its folder); None = unsaved
    path: Path | None = None
    listeners: list[Listener] = field(default_factory=list, repr=False, compare=False)
    #: problems found when the case was loaded (missing or changed media), for the user
    load_warnings: list[str] = field(default_factory=list, repr=False, compare=False)

    # -- lookups ---------------------------------------------------------------------------
    def annotation(self, id: str) -> Annotation:
        for a in self.annotations:
            if a.id == id:
                return a
        raise KeyError(f"no annotation {id!r}")

    def finding(self, id: str) -> Finding:
        for f in self.findings:
            if f.id == id:
                return f
        raise KeyError(f"no finding {id!r}")

    def media_ref(self, id: str) -> MediaRef:
        for m in self.media:
            if m.id == id:
                return m
        raise KeyError(f"no media {id!r}")

    def annotations_on(self, media: str, frame: int | None = None) -> Iterator[Annotation]:
        for a in self.annotations:
            if a.media == media and (frame is None or a.on_frame(frame)):
                yield a

    def new_id(self, prefix: str) -> str:
        """A fresh id like ``a7``, unique across media, findings and annotations."""
        used = {m.id for m in self.media} | {f.id for f in self.findings}
        used |= {a.id for a in self.annotations}
        for n in itertools.count(1):
            candidate = f"{prefix}{n}"
            if candidate not in used:
                return candidate
        raise AssertionError("unreachable")

    def media_dir(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def resolve_media_path(self, ref: MediaRef) -> Path:
        p = Path(ref.path).expanduser()
        return p if p.is_absolute() else (self.media_dir() / p)

    # -- observers -------------------------------------------------------------------------
    def notify(self, what: str, id: str, change: str) -> None:
        event = CaseEvent(what, id, change)
        for listener in list(self.listeners):
            listener(event)
