"""One frame's muscle architecture from its detected lines: pennation, thickness, fascicle
length (extrapolated past the image when it must be), and a confidence that says how clearly
the structures were seen."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from annotator.case.architecture_geometry import share_outside
from annotator.case.architecture_geometry import thickness as marked_thickness
from annotator.dynamics.architecture.bend import MAX_BEND
from annotator.dynamics.architecture.detect import (
    FASCICLE_MIN_DEG,
    MAX_EDGE,
    MAX_EDGE_SUPERFICIAL,
    Candidate,
    Work,
    crest_curve,
    fascicle_reading,
    inner_edge,
    line_candidates,
    prepare,
    refine,
    tangent,
)
from annotator.dynamics.architecture.detect import _work_y as work_rows
from annotator.dynamics.architecture.pairs import (
    KEEP,
    RIVAL_SHARE,
    deeper_pair,
    ranked_pairs,
    rival_share,
)
from annotator.dynamics.architecture.types import FrameArchitecture, Line, Point, acute_deg
from annotator.media.bmode_area import Area, imaging_area
from annotator.media.grey import to_grey
from annotator.media.marks import image_marks

FAINT_CONFIDENCE = 0.45  # the highest confidence of a pair only the second look found, or rivalled
# thickness is read this far (of the area's width) in from the edge where the fascicles reach
# the deep aponeurosis: TimTrack reads it 20 px in from that edge and its observers there
# (docs/adr/0010); 8 % keeps the annotation's boundary segments long enough to follow (16 %
# of the width: at 4 % in, the range-of-motion sequence's drawn thickness read 3.1 % RMSE)
THICKNESS_INSET = 0.08
NO_APONEUROSIS = "no aponeurosis pair found (is this a longitudinal view of a pennate muscle?)"
RIVALLED = ("another pair of lines fits nearly as well (a neighbouring muscle or fascia?): "
            "thickness and pennation uncertain")


@dataclass(frozen=True)
class Detection:
    """What one frame shows: both aponeuroses and the fascicle slope, with their clarity."""

    area: Area
    superficial: Line
    deep: Line
    fascicle_slope: float | None  # dy/dx in image pixels
    apo_quality: float  # 0..1
    fascicle_quality: float  # 0..1
    edges: tuple[float, float] = (0.0, 0.0)  # muscle-side edge of each band from its crest (px)
    #: the deep aponeurosis as it runs where the fascicle inserts (it may bend): a still's
    #: deep line; a clip follows the straight one
    deep_local: Line | None = None
    #: another pair of lines fits nearly as well (``pairs.rival_share`` >= ``RIVAL_SHARE``)
    rivalled: bool = False
    #: each line's own clarity (superficial, deep), 0..1: a reason names the faint one
    line_quality: tuple[float, float] = (1.0, 1.0)
    #: another fascicle orientation nearly as clear (``detect.Orientation.rival``): its slope
    fascicle_rival: float | None = None


def detect(grey: np.ndarray, roi: tuple[int, int, int, int] | None = None,
           area: Area | None = None, faint_deep: bool = False) -> Detection | None:
    """Both aponeuroses and the fascicles of one frame. ``faint_deep`` (a still): when the pair
    is unsure, a faint deep aponeurosis below it is looked for too (``pairs.deeper_pair``); a clip
    follows its pair from a sure frame and re-detects only to confirm it, so it does not."""
    area = area or imaging_area(grey, roi)
    work = prepare(grey, area, wide=True)
    cands = line_candidates(work, keep=KEEP)
    ranked = ranked_pairs(work, cands)  # the clear lines, and faint deep ones
    if not ranked:
        return None
    pair = ranked[0][1]
    found = _from_pair(work, area, pair)
    if faint_deep and confidence(found.apo_quality, found.fascicle_quality) < 0.5:
        # unsure: the deep aponeurosis may be a faint band further down (docs/adr/0010)
        deeper = deeper_pair(work, pair, cands)
        if deeper is not None:
            # a pair only the permissive pass found is never sure (an image on set 1 went
            # 17 % too thick at 0.52 without this)
            return _unsure(_from_pair(work, area, deeper))
    if confidence(found.apo_quality, found.fascicle_quality) >= 0.5 and rival_share(work, ranked) >= RIVAL_SHARE:
        # two different pairs fit nearly as well: which lines bound the muscle is a guess (the
        # reason says so only where it is why: a faint pair has its own)
        return dataclasses.replace(_unsure(found), rivalled=True)
    return found


def _unsure(found: Detection) -> Detection:
    """``found`` with its confidence held at ``FAINT_CONFIDENCE`` or below."""
    limit = (FAINT_CONFIDENCE / (0.35 + 0.65 * found.fascicle_quality)) ** 2
    return dataclasses.replace(found, apo_quality=min(found.apo_quality, limit))


def _from_pair(work: Work, area: Area, pair: tuple[Candidate, Candidate]) -> Detection:
    (s_line, s_rms), (d_line, d_rms) = refine(work, pair[0]), refine(work, pair[1])
    fascicles = fascicle_reading(work, s_line, d_line)
    slope = fascicles.slope
    q = [_line_quality(c.contrast, c.coverage, rms) for c, rms in zip(pair, (s_rms, d_rms), strict=True)]
    reach = 0.3 * (pair[1].row - pair[0].row)
    edges = (inner_edge(work, s_line, +1, reach, MAX_EDGE_SUPERFICIAL), inner_edge(work, d_line, -1, reach, MAX_EDGE))
    return Detection(area, s_line, d_line, slope, math.sqrt(q[0] * q[1]), fascicles.clarity, edges,
                     _local_deep(work, s_line, d_line, slope, edges, area), line_quality=(q[0], q[1]),
                     fascicle_rival=fascicles.rival)


def _local_deep(work: Work, superficial: Line, deep: Line, slope: float | None,
                edges: tuple[float, float], area: Area) -> Line | None:
    """The tangent to the bending deep aponeurosis where the fascicle meets it."""
    coef = crest_curve(work, deep)
    if coef is None or slope is None:
        return None
    xs = np.arange(work.ridges.shape[1], dtype=np.float64)
    straight = work_rows(work, deep, xs.astype(np.float32))
    gap = (deep.y_at(area.centre_x) - superficial.y_at(area.centre_x)) * work.scale
    if np.max(np.abs(np.polyval(coef, xs) - straight)) > MAX_BEND * gap:
        return None  # not a gentle bend: another structure
    return tangent_at_insertion(work, coef, superficial, deep, slope, edges, area)


def tangent_at_insertion(work: Work, coef: np.ndarray, superficial: Line, deep: Line,
                         fascicle_slope: float | None, edges: tuple[float, float], area: Area) -> Line | None:
    """The tangent to the curve ``coef`` where the representative fascicle meets it (found on
    the straight line first, then once more on the tangent: it meets it a little elsewhere)."""
    if fascicle_slope is None:
        return None
    line = deep
    for _ in range(2):
        est = estimate(0, None, superficial, line, fascicle_slope, area, None, 0.0, None, edges)
        if est.fascicle is None:
            return None if line is deep else line
        line = tangent(work, coef, min(max(est.fascicle.x1, float(area.x0)), float(area.x1 - 1)))
    return line


def _line_quality(contrast: float, coverage: float, rms: float) -> float:
    return float(np.clip((contrast - 1.6) / 2.5, 0, 1) * np.clip((coverage - 0.3) / 0.4, 0, 1)
                 * np.clip(2.0 - rms / 1.5, 0, 1))


def confidence(apo_quality: float, fascicle_quality: float) -> float:
    return float(np.clip(math.sqrt(apo_quality) * (0.35 + 0.65 * fascicle_quality), 0.0, 1.0))


def estimate(frame: int, time_ms: float | None, superficial: Line, deep: Line,
             fascicle_slope: float | None, area: Area, mm_per_px: tuple[float, float] | None,
             conf: float, reason: str | None = None,
             edges: tuple[float, float] = (0.0, 0.0),
             deep_overall: Line | None = None) -> FrameArchitecture:
    """Values from the lines (the crests of the aponeurosis bands) and ``edges``, how far
    each band's muscle-side edge lies from its crest. The representative fascicle runs
    through the middle of the muscle at the area's centre column, from one inner edge to the
    other (centred on the image, so it is extrapolated as little as it can be); thickness is
    measured near the edge on the side where it inserts on the deep aponeurosis
    (``thickness_column``, where TimTrack and its observers read it), between the inner
    edges, as the ``thickness`` annotation made from the row measures it (along the deep
    line's normal at the marked position; perpendicular to the superficial line instead, as
    TimTrack's ``height x cos(beta)``, measured no closer to the observers: docs/adr/0010).
    A clip is measured the same way on every frame, on the deep band's bend it follows.
    ``deep_overall``, when ``deep`` is a bending aponeurosis' tangent at the insertion, is the
    straight fit whose angle pennation refers to (observers' gamma is that angle)."""
    unit = "mm" if mm_per_px is not None else "px"
    scale = mm_per_px or (1.0, 1.0)
    s_in, d_in = superficial.shifted(edges[0]), deep.shifted(-edges[1])
    xc = area.centre_x
    if d_in.y_at(xc) <= s_in.y_at(xc):
        s_in, d_in, edges = superficial, deep, (0.0, 0.0)  # bands that touch: measure the crests
    mid = (xc, 0.5 * (s_in.y_at(xc) + d_in.y_at(xc)))
    beta = (deep_overall or deep).angle_deg(scale)
    beta_s = superficial.angle_deg(scale)
    fascicle = fascicle_between(mid, fascicle_slope, s_in, d_in) if fascicle_slope is not None else None
    at_x = xc if fascicle is None else thickness_column(fascicle, area)
    # the thickness annotation's own geometry (the kind's definition: along the deep line's
    # normal at the marked position), so the row and the annotation made from it agree
    marked = [(x * scale[0], y * scale[1]) for x, y in thickness_points(s_in, d_in, at_x)]
    along_normal = marked_thickness(marked)
    thickness = along_normal if along_normal is not None else thickness_at(s_in, d_in, at_x, scale)

    def out(fas: Line | None, pen: float | None, alpha: float | None, length: float | None,
            c: float, why: str | None) -> FrameArchitecture:
        return FrameArchitecture(frame, time_ms, superficial, deep, fas, pen, alpha, beta, thickness, length,
                                 None if fas is None else unseen_share(fas, area), unit, c, why, beta_s, edges,
                                 deep_overall, at_x)

    if fascicle_slope is None:
        return out(None, None, None, None, conf * 0.5, reason or "fascicle orientation not found")
    if fascicle is None or any(acute_deg(fascicle.angle_deg(scale) - line.angle_deg(scale)) < FASCICLE_MIN_DEG
                               for line in (superficial, deep_overall or deep)):
        # a line along an aponeurosis crosses the muscle nowhere near the image: pydicom's
        # image_dfl.dcm (no muscle) read a 6555 px "fascicle" 0.5 degrees off its superficial line
        return out(None, None, None, None, conf * 0.5, reason or PARALLEL)
    alpha = fascicle.angle_deg(scale)
    pennation = acute_deg(alpha - beta)
    length = math.hypot((fascicle.x1 - fascicle.x0) * scale[0], (fascicle.y1 - fascicle.y0) * scale[1])
    return out(fascicle, pennation, alpha, length, conf, reason)


MIN_SIDE = 16  # pixels: smaller is a thumbnail or a test pattern, nothing to measure
PARALLEL = "fascicle (nearly) parallel to an aponeurosis: no pennation or fascicle length"


def unseen_share(fascicle: Line, image: Area) -> float:
    """The share of ``fascicle``'s length outside ``image`` (pixel centres at integer
    coordinates, exclusive end); above 0, its length is extrapolated."""
    f = fascicle
    return share_outside((f.x0, f.y0), (f.x1, f.y1), image.x0 - 0.5, image.y0 - 0.5, image.x1 - 0.5, image.y1 - 0.5)


def judged_in(est: FrameArchitecture, image: Area) -> FrameArchitecture:
    """``est`` with its fascicle's extrapolation judged against ``image``, the B-mode image,
    instead of the rectangle searched (a user's ``--roi`` narrows the search; a fascicle that
    runs past it but stays in the image was seen, not extrapolated)."""
    if est.fascicle is None:
        return est
    return dataclasses.replace(est, fascicle_extrapolated_fraction=unseen_share(est.fascicle, image))


def thickness_column(fascicle: Line, area: Area) -> float:
    """The column thickness is measured at: ``THICKNESS_INSET`` of the width in from the side
    of the area where the fascicle (superficial end first) reaches the deep aponeurosis."""
    inset = THICKNESS_INSET * area.width
    return area.x0 + inset if fascicle.x1 < fascicle.x0 else area.x1 - 1 - inset


def thickness_at(superficial: Line, deep: Line, x: float, scale: tuple[float, float]) -> float:
    """The distance from the deep line at column ``x`` to the superficial line, perpendicular
    to the superficial line (mm space): the vertical gap there times cos(superficial angle)."""
    sx, sy = scale
    gap = (deep.y_at(x) - superficial.y_at(x)) * sy
    return abs(gap) * math.cos(math.radians(superficial.angle_deg(scale)))


def thickness_between(superficial: Line, deep: Line, at: Point, scale: tuple[float, float]) -> float:
    """Distance between the two lines along the deep line's normal through ``at`` (mm space)."""
    sx, sy = scale
    dx, dy = (deep.x1 - deep.x0) * sx, (deep.y1 - deep.y0) * sy
    norm = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / norm, dx / norm
    p = (at[0] * sx, at[1] * sy)
    hits = []
    for line in (superficial, deep):
        a = (line.x0 * sx, line.y0 * sy)
        ux, uy = (line.x1 - line.x0) * sx, (line.y1 - line.y0) * sy
        t = _intersect(p, (nx, ny), a, (ux, uy))
        if t is None:
            return float("nan")
        hits.append(t)
    return abs(hits[0] - hits[1])


def fascicle_between(mid: Point, slope: float, superficial: Line, deep: Line) -> Line | None:
    """The segment of the line through ``mid`` with ``slope`` between the two aponeuroses."""
    direction = (1.0, slope)
    ends = []
    for line in (superficial, deep):
        t = _intersect(mid, direction, (line.x0, line.y0), (line.x1 - line.x0, line.y1 - line.y0))
        if t is None:
            return None
        ends.append((mid[0] + t * direction[0], mid[1] + t * direction[1]))
    return Line(ends[0][0], ends[0][1], ends[1][0], ends[1][1])


def _intersect(p: Point, d: Point, a: Point, u: Point) -> float | None:
    """t where p + t d meets the line a + s u (None when parallel)."""
    det = d[0] * (-u[1]) - d[1] * (-u[0])
    if abs(det) < 1e-9:
        return None
    bx, by = a[0] - p[0], a[1] - p[1]
    return (bx * (-u[1]) - by * (-u[0])) / det


def analyse_image(grey: np.ndarray, *, mm_per_px: tuple[float, float] | None,
                  roi: tuple[int, int, int, int] | None = None, frame: int = 0,
                  time_ms: float | None = None) -> FrameArchitecture:
    """The architecture of one grey frame (2-D uint8), or null values with a reason. A colour
    frame's burned-in coloured marks are left out (``media.marks``)."""
    unit = "mm" if mm_per_px is not None else "px"
    plain = _as_grey(grey)
    if plain is None:
        return FrameArchitecture.empty(frame, time_ms, unit, _not_measurable(grey))
    marks = image_marks(grey, roi)
    if marks is not None:
        plain = marks.fill(plain)
    found = detect(plain, roi, faint_deep=True)
    if found is None:
        return FrameArchitecture.empty(frame, time_ms, unit, NO_APONEUROSIS)
    conf = confidence(found.apo_quality, found.fascicle_quality)
    reason = low_reason(found) if conf < 0.5 else None
    return estimate(frame, time_ms, found.superficial, found.deep_local or found.deep, found.fascicle_slope,
                    found.area, mm_per_px, conf, reason, found.edges,
                    deep_overall=found.deep if found.deep_local is not None else None)


def low_reason(found: Detection) -> str:
    """Why a detection is unsure."""
    if found.rivalled:
        return RIVALLED
    if found.apo_quality < 0.5:
        return _faint_lines(*found.line_quality)
    if found.fascicle_rival is not None and found.fascicle_slope is not None:
        return _two_directions(found.superficial, found.fascicle_slope, found.fascicle_rival)
    return "fascicles unclear: pennation and fascicle length uncertain"


def _two_directions(superficial: Line, read: float, rival: float) -> str:
    """Where a second fascicle direction lies from the one read (screen slopes), as the
    sonographer checks it: steeper or flatter to the superficial aponeurosis, and by how much."""
    def to_superficial(slope: float) -> float:
        return acute_deg(math.degrees(math.atan(slope)) - math.degrees(math.atan(superficial.slope)))

    apart = to_superficial(rival) - to_superficial(read)
    return (f"a second fascicle direction, {abs(apart):.0f} degrees {'steeper' if apart > 0 else 'flatter'}, "
            "is nearly as clear: pennation and fascicle length uncertain")


def _faint_lines(superficial: float, deep: float) -> str:
    """Which aponeurosis to check (and correct), from each line's clarity: both when each is
    so faint (< 0.25 = 0.5 squared) that it alone leaves the pair unsure, else the fainter.
    Both clear and the pair still unsure is the second look's faint deep line
    (``pairs.deeper_pair``)."""
    if superficial < 0.25 and deep < 0.25:
        return "both aponeuroses faint or broken: thickness and pennation uncertain"
    if superficial < min(deep, 0.5):
        return "superficial aponeurosis faint or broken: thickness and pennation uncertain"
    return "deep aponeurosis faint or broken: thickness and pennation uncertain"


def _not_measurable(image: np.ndarray) -> str:
    """Why ``_as_grey`` refused an image."""
    shape = np.shape(image)
    if len(shape) in (2, 3) and min(shape[:2]) < MIN_SIDE:
        return f"the image is too small to measure ({shape[1]} x {shape[0]} pixels)"
    return "not a grey or colour image"


def _as_grey(image: np.ndarray) -> np.ndarray | None:
    """One grey channel of ``image``, or None when it is no image large enough to measure. A
    uint8 colour frame reads as the app and the command read it (``media.grey.to_grey``: luma)."""
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] in (1, 3, 4):
        arr = to_grey(arr) if arr.dtype == np.uint8 else arr[..., :3].mean(axis=2)
    if arr.ndim != 2 or min(arr.shape) < MIN_SIDE:
        return None
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    return arr


def architecture_points(est: FrameArchitecture) -> dict[str, list[Point]]:
    """Annotation points of each kind for an estimate (see the case kinds): thickness
    [s0, s1, d0, d1], pennation [f0, f1, a0, a1], fascicle [f0, f1, s0, s1, d0, d1]."""
    out: dict[str, list[Point]] = {}
    inner = est.inner_lines()  # thickness and fascicles are measured between the inner edges
    if inner is None:
        return out
    s, d = _middle(inner[0]), _middle(inner[1])
    # the thickness annotation is marked where the row's thickness was measured
    x = est.thickness_x
    out["thickness"] = [*s.points(), *d.points()] if x is None else thickness_points(*inner, x)
    if est.fascicle is not None:
        f = est.fascicle
        # the angle's aponeurosis: the straight deep fit's inner edge (on the band, so the
        # annotation can be followed through a clip)
        apo = d if est.deep_overall is None else _middle(est.deep_overall.shifted(-est.edges[1]))
        out["pennation"] = [*f.points(), *apo.points()]
        # a bending deep line is its tangent where the fascicle inserts: marked there, on the
        # band (the tangent's middle may run well off it), the values unchanged
        ins = d if est.deep_overall is None else _centred(inner[1], f.x1)
        out["fascicle"] = [*f.points(), *s.points(), *ins.points()]
    return out


def thickness_points(superficial: Line, deep: Line, x: float) -> list[Point]:
    """A thickness annotation's [s0, s1, d0, d1], marked at column ``x``."""
    return [*_centred(superficial, x).points(), *_centred(deep, x).points()]


def _centred(line: Line, x: float, fraction: float = 0.5) -> Line:
    """A part of ``line`` centred on column ``x``: as long as ``_middle``'s where it fits, shorter
    near an end of the line; a column at the very end moves in by 4 % of the width."""
    width = line.x1 - line.x0
    least = 0.04 * width  # the handles stay apart, the points inside the line's extent
    x = min(max(x, line.x0 + least), line.x1 - least)
    half = max(min(0.5 * fraction * width, x - line.x0, line.x1 - x), least)
    return Line(x - half, line.y_at(x - half), x + half, line.y_at(x + half))


def _middle(line: Line, fraction: float = 0.5) -> Line:
    """The middle part of a line (annotation segments need not span the whole image)."""
    return _centred(line, 0.5 * (line.x0 + line.x1), fraction)
