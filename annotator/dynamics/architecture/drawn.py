"""A user-drawn ``thickness``, ``pennation`` or ``fascicle`` followed through a clip by the
same machinery as the automatic analysis (``sequence``): its segments become the seed lines,
and each frame's lines and fascicle are turned back into points in the kind's layout."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from annotator.case.kinds import kind_spec
from annotator.dynamics.architecture.detect import (
    line_candidates,
    prepare,
    refine,
)
from annotator.dynamics.architecture.feed import FrameFn
from annotator.dynamics.architecture.redetect import (
    Backoff,
    Values,
    redetected_confidence,
    surer_detection,
)
from annotator.dynamics.architecture.sequence import (
    Seed,
    _around,
    _follow,
    _to_image,
    _to_work,
)
from annotator.dynamics.architecture.types import Line, Point
from annotator.media.bmode_area import Area, imaging_area
from annotator.media.grey import to_grey


def track_structures(frames: FrameFn, kind: str, anchor_frame: int, anchor_points: Sequence[Point],
                     start: int, end: int, *, drift_correction: bool = True,
                     progress: Callable[[int], bool] | None = None,
                     mm_per_px: float | None = None,
                     ) -> tuple[dict[int, list[Point]], dict[int, float]]:
    """Follow a user-drawn ``thickness``, ``pennation`` or ``fascicle`` annotation from
    ``anchor_frame`` over ``start..end``: points per frame in the kind's layout (the user's
    segments keep their extent along x and follow their structures) and a confidence.
    ``mm_per_px`` is accepted as ``structure_lines`` takes it, and not needed: the analysis
    works on a copy of the frame ``WORK_WIDTH`` wide, whatever its pixel density."""
    del mm_per_px
    pts = [(float(x), float(y)) for x, y in anchor_points]
    grey = to_grey(frames(anchor_frame))
    h, w = grey.shape
    seg = lambda a, b: Line(a[0], a[1], b[0], b[1]) if a[0] <= b[0] else Line(b[0], b[1], a[0], a[1])  # noqa: E731
    spec = kind_spec(kind)  # which structures the kind's segments mark, in point order
    roles = spec.segments if spec is not None else ()
    if "deep" not in roles or len(pts) != 2 * len(roles):
        raise ValueError(f"cannot follow a {kind!r} annotation with {len(pts)} points")
    marked = {role: seg(pts[2 * k], pts[2 * k + 1]) for k, role in enumerate(roles)}
    superficial, deep, fascicle = marked.get("superficial"), marked["deep"], marked.get("fascicle")
    # the boundaries must lie in the searched area (a fascicle may reach past the image: it
    # is extrapolated, and says nothing of where the image is)
    search = imaging_area(grey)  # where a frame's own detection looks
    area = _covering(search, [p for line in (superficial, deep) if line for p in line.points()], w, h)
    measure_superficial = superficial is not None
    if superficial is None:
        superficial = _superficial_above(grey, area, deep)
        measure_superficial = superficial is not None
    if superficial is None:
        # the muscle above the deep aponeurosis, as high as the fascicle reaches
        rise = max(abs(fascicle.y1 - fascicle.y0), 0.1 * h) if fascicle else 0.2 * h
        superficial = deep.shifted(-rise)
    seed = Seed(_around(area, superficial, deep), _full(superficial, w), _full(deep, w),
                fascicle.slope if fascicle else None, measure_superficial, measure_bend=False)
    indices = list(range(min(start, end), max(start, end) + 1))
    if anchor_frame not in indices:
        raise ValueError(f"the anchor frame {anchor_frame} is outside {start}..{end}")
    followed = _follow(frames, indices, anchor_frame, seed, drift_correction, progress)
    if followed is None:
        return {}, {}
    values, quality, agree, work, _unfollowed = followed
    v0 = values[anchor_frame]
    found = {"superficial": _to_image(work, v0["s_row"], v0["s_slope"]),
             "deep": _to_image(work, v0["d_row"], v0["d_slope"])}
    # The lines followed are the bands' crests; the user may have marked a band's muscle-side
    # edge (where thickness and length are measured). Each end keeps its offset from the crest
    # followed on the anchor frame, so the marked edge is followed rather than pulled onto the
    # crest over the next frames (the isometric clip's fascicle kind: -7 and +7 px by frame 1).
    offsets = {role: (pts[2 * k][1] - found[role].y_at(pts[2 * k][0]),
                      pts[2 * k + 1][1] - found[role].y_at(pts[2 * k + 1][0]))
               for k, role in enumerate(roles) if role in found}
    mid = ((fascicle.x0 + fascicle.x1) / 2, (fascicle.y0 + fascicle.y1) / 2) if fascicle else None
    # where the fascicle's centre sits between the aponeuroses, kept from the anchor
    frac = None
    if mid is not None:
        sy, dy = found["superficial"].y_at(mid[0]), found["deep"].y_at(mid[0])
        frac = (mid[1] - sy) / (dy - sy) if abs(dy - sy) > 1e-6 else 0.5
    points: dict[int, list[Point]] = {}
    conf: dict[int, float] = {}
    looks = Backoff()
    before: Values | None = None  # the frame before's lines and fascicle slope
    for i in indices:
        v = values[i]
        s_line = _to_image(work, v["s_row"], v["s_slope"])
        d_line = _to_image(work, v["d_row"], v["d_slope"])
        conf[i] = float(quality[i] * (0.3 + 0.7 * agree[i]))
        followed_slope = v["f"] if math.isfinite(v["f"]) else None
        last, before = before, (s_line, d_line, followed_slope)
        if i == anchor_frame:
            points[i] = list(pts)
            continue
        f_slope = followed_slope if followed_slope is not None else (fascicle.slope if fascicle else 0.0)
        if fascicle is not None and conf[i] < 0.5 and measure_superficial and looks.should_try():
            # unsure: the frame's own detection decides the angle where it is surer and finds
            # these aponeuroses (as the analysis does); the frame stays flagged unless that
            # detection measures what was followed
            surer = surer_detection(to_grey(frames(i)), search, s_line, d_line, conf[i])
            looks.record(surer is not None)
            if surer is not None and surer[0].fascicle_slope is not None:
                f_slope = surer[0].fascicle_slope
                conf[i], _why = redetected_confidence(*surer, (s_line, d_line, followed_slope), last,
                                                      float(quality[i]), search.centre_x)
                before = (s_line, d_line, f_slope)
        out: list[Point] = []
        if fascicle is not None and mid is not None and frac is not None:
            cy = s_line.y_at(mid[0]) + frac * (d_line.y_at(mid[0]) - s_line.y_at(mid[0]))
            half = 0.5 * math.hypot(fascicle.x1 - fascicle.x0, fascicle.y1 - fascicle.y0)
            dx = half / math.sqrt(1.0 + f_slope * f_slope)
            lo, hi = _within(mid[0], cy, f_slope, dx, (s_line, d_line))
            f_pts = [(lo, cy + (lo - mid[0]) * f_slope), (hi, cy + (hi - mid[0]) * f_slope)]
            if pts[0][0] > pts[1][0]:
                f_pts.reverse()
        boundary = {"superficial": s_line, "deep": d_line}
        for k, role in enumerate(roles):  # the fascicle moved as a whole; boundaries keep their extent
            line = boundary.get(role)
            if line is None:
                out += f_pts
                continue
            off = offsets[role]
            out += [_on(line, pts[2 * k], off[0]), _on(line, pts[2 * k + 1], off[1])]
        points[i] = out
    return points, conf


def _within(x: float, y: float, slope: float, dx: float, lines: Sequence[Line]) -> tuple[float, float]:
    """The columns from ``x - dx`` to ``x + dx`` of the fascicle through (x, y) at ``slope``,
    cut where it crosses ``lines`` (the aponeuroses) on either side of (x, y): a drawn
    fascicle keeps its length as it turns, and at 50 degrees a fascicle drawn across the
    muscle at rest reached 60 px above the image (the isometric clip), its points outside the
    calibration, so the whole series read in px."""
    lo, hi = x - dx, x + dx
    for line in lines:
        run = slope - line.slope
        if abs(run) < 1e-9:
            continue  # parallel: it never leaves between them
        cross = x + (line.y_at(x) - y) / run
        if cross < x:
            lo = max(lo, cross)
        else:
            hi = min(hi, cross)
    return lo, hi


def _superficial_above(grey: np.ndarray, area: Area, deep: Line) -> Line | None:
    """The strongest long line above a drawn deep aponeurosis (a pennation has no superficial
    line of its own, but its fascicle region needs one)."""
    work = prepare(grey, area)
    row, slope = _to_work(work, deep)
    h = work.ridges.shape[0]
    d = math.tan(math.radians(15.0))
    cands = [c for c in line_candidates(work, (slope - d, slope + d), (0.03 * h, row - 0.12 * h), keep=3)
             if c.coverage >= 0.35 and c.contrast >= 1.6]
    if not cands:
        return None
    line, _rms = refine(work, max(cands, key=lambda c: c.score))
    return line


def _covering(area: Area, points: Sequence[Point], w: int, h: int) -> Area:
    """``area`` grown to hold ``points`` (within the w x h frame)."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return Area(max(0, min(area.x0, math.floor(min(xs)))), max(0, min(area.y0, math.floor(min(ys)))),
                min(w, max(area.x1, math.ceil(max(xs)) + 1)), min(h, max(area.y1, math.ceil(max(ys)) + 1)))


def _full(line: Line, width: int) -> Line:
    return Line(0.0, line.y_at(0.0), float(width - 1), line.y_at(float(width - 1)))


def _on(line: Line, p: Point, offset: float = 0.0) -> Point:
    """``p``'s column on ``line``, ``offset`` px below it."""
    return (p[0], line.y_at(p[0]) + offset)

