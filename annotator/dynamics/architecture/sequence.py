"""Muscle architecture through a clip: the structures found again on every frame near where
they were, the flow between frames, and both fused without drift (``fusion``).

``analyse_sequence`` finds the imaging area and the aponeurosis pair on the first frame (or
takes a user's correction as an anchor) and follows them; ``drawn.track_structures`` follows
a user-drawn thickness, pennation or fascicle annotation the same way. Following works in the
rows around the structures only, finds each one again near its prediction (``local``) and
fuses those detections with the flow (``fusion``); see docs/adr/0010-muscle-architecture.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from annotator.dynamics.architecture.bend import bent, curvature
from annotator.dynamics.architecture.detect import (
    Work,
    _work_y,
    fascicle_orientation,
    line_candidates,
    refine,
)
from annotator.dynamics.architecture.estimate import (
    NO_APONEUROSIS,
    _line_quality,
    analyse_image,
    confidence,
    detect,
    estimate,
    tangent_at_insertion,
)
from annotator.dynamics.architecture.feed import FrameFn, prepared_frames
from annotator.dynamics.architecture.fusion import Affine, fuse, fuse_slope
from annotator.dynamics.architecture.local import (
    FascicleFollower,
    LineStats,
    line_near,
    muscle,
)
from annotator.dynamics.architecture.pairs import choose_pair
from annotator.dynamics.architecture.redetect import (
    DISAGREE,
    FAINT,
    UNSURE,
    Backoff,
    redetect_unsure,
    sure_somewhere,
    too_thin,
)
from annotator.dynamics.architecture.types import FrameArchitecture, Line
from annotator.dynamics.frames import analysis_frames
from annotator.media.bmode_area import Area, imaging_area
from annotator.media.grey import to_grey

SEARCH_ROWS = 0.06  # of the working height: how far a line is looked for around its prediction
LOST = FascicleFollower.LOST  # a detection less clear than this does not move the search
ROOM = 0.4  # of the muscle's thickness, above and below it: the region the structures are followed in
FADED = 0.35  # a line with this share of its first frame's contrast or less counts as not seen
FLOW_MISS = 0.02  # of the working height: a clear line this far from the flow's prediction
EDGE = 0.03  # of the working height: a line this near the top or bottom is at the image's edge
BEND = ("d_bend_row", "d_bend_slope", "d_bend")  # the deep band's crest around its straight line
TOO_THIN = "aponeuroses closer together than a muscle's thickness: values uncertain"
NEVER_SURE = "the muscle is not clear on any frame: values uncertain"


@dataclass
class Seed:
    """Where following starts: lines in image pixels on one frame."""

    area: Area
    superficial: Line
    deep: Line
    fascicle_slope: float | None
    measure_superficial: bool = True  # False: carried by the flow only (not drawn by the user)
    #: how sure the seed is, 0..1: a user's lines are (``None``); an automatic detection is as
    #: sure as it was clear (aponeurosis quality, fascicle clarity)
    quality: tuple[float, float] | None = None
    edges: tuple[float, float] = (0.0, 0.0)  # each band's muscle-side edge from its crest (px)
    measure_bend: bool = True  # False: the deep band's bend is not needed (a drawn annotation)


@dataclass
class _Frame:
    rows: dict[str, float]  # measured working rows / slopes, nan when not found
    quality: dict[str, float]
    flow: Affine  # from the previous frame of the walk to this one


def _to_work(work: Work, line: Line) -> tuple[float, float]:
    """(row at the working centre column, slope) of an image line."""
    w = work.ridges.shape[1]
    xc = (w - 1) / 2.0
    y = _work_y(work, line, np.array([xc], np.float32))[0]
    return float(y), float(line.slope)  # square working pixels, same scale in x and y


def _to_image(work: Work, row: float, slope: float) -> Line:
    w = work.ridges.shape[1]
    xc = (w - 1) / 2.0
    x0, y0 = work.to_image(0.0, row - slope * xc)
    x1, y1 = work.to_image(float(w - 1), row + slope * (w - 1 - xc))
    return Line(x0, y0, x1, y1)


def _detect_near(work: Work, stats: LineStats, row: float, slope: float,
                 reference: float | None = None) -> tuple[float, float, float, float]:
    """A line found again near (row, slope): (row, slope, quality, contrast) or nans. A line
    running along the image's top or bottom edge is leaving the image: its quality falls to 0.
    With the ``reference`` contrast (the same line on the first frame), a line that has faded
    well below how it looked there is not sure either: contrast scales differ between
    scanners, so within a clip the line is compared with itself."""
    h, w = work.ridges.shape
    if _inside(row, slope, w, h) <= 0.0:
        return math.nan, math.nan, 0.0, 0.0
    cand = line_near(work, stats, row, slope, max(3.0, SEARCH_ROWS * h))
    if cand is None:
        return math.nan, math.nan, 0.0, 0.0
    line, rms = refine(work, cand)
    r, s = _to_work(work, line)
    inside = _inside(r, s, w, h)
    quality = _line_quality(cand.contrast, cand.coverage, rms) * float(np.clip((inside - 0.5) / 0.4, 0.0, 1.0))
    if reference is not None and reference > 0.0:
        # a tenth of the structure left in speckle keeps about a third of the contrast
        quality *= float(np.clip((cand.contrast / reference - FADED) / (1.0 - 2.0 * FADED), 0.0, 1.0))
    return r, s, quality, cand.contrast


def _pair_again(work: Work) -> list[tuple[float, float]]:
    """The aponeurosis pair detected on this frame alone, as (row, slope) in working
    coordinates (superficial, deep); empty when none is found."""
    found = choose_pair(work, line_candidates(work))
    if found is None:
        return []
    return [_to_work(work, refine(work, cand)[0]) for cand in found]


def _inside(row: float, slope: float, w: int, h: int) -> float:
    """The share of a working line's columns clear of the image's top and bottom edge rows."""
    edge = EDGE * h
    xs = np.arange(w) - (w - 1) / 2.0
    ys = row + slope * xs
    return float(np.mean((ys > edge) & (ys < h - 1 - edge)))


def _fascicle_near(work: Work, s_line: Line, d_line: Line, around: float | None,
                   follower: FascicleFollower, jumped: bool = False) -> tuple[float | None, float, float | None]:
    """(fascicle slope or None, clarity, the slope the next frame's search starts from) near
    ``around`` (degrees), or searched over every angle when there is no prediction."""
    if around is None:
        slope, clarity = fascicle_orientation(work, s_line, d_line)
        return slope, clarity, slope
    m = muscle(work, s_line, d_line)
    if m is None:
        return None, 0.0, None
    return follower.step(m, around, jumped)


def _walk(frames: FrameFn, order: Sequence[int], seed: Seed, drift_correction: bool,
          progress: Callable[[int], bool] | None) -> tuple[list[_Frame], list[Work]] | None:
    out: list[_Frame] = []
    works: list[Work] = []
    state: dict[str, float] = {}
    follower = FascicleFollower()
    last_seen: dict[str, tuple[float, float]] = {}  # each line where it was last detected clearly
    contrast: dict[str, float] = {}  # each line's contrast on the first frame
    looks = Backoff()  # the still's pair detection, where the lines were lost
    for n, (work, flow, stats) in enumerate(prepared_frames(frames, order, seed.area, drift_correction)):
        if progress is not None and not progress(n):
            return None
        xc = (work.ridges.shape[1] - 1) / 2.0
        if n == 0:
            rs, ss = _to_work(work, seed.superficial)
            rd, sd = _to_work(work, seed.deep)
            state = {"s_row": rs, "s_slope": ss, "d_row": rd, "d_slope": sd,
                     "f": seed.fascicle_slope if seed.fascicle_slope is not None else math.nan}
        else:
            state["s_row"], state["s_slope"] = flow.move_line(state["s_row"], state["s_slope"], xc)
            state["d_row"], state["d_slope"] = flow.move_line(state["d_row"], state["d_slope"], xc)
            if math.isfinite(state["f"]):
                state["f"] = flow.move_slope(state["f"])
        rows = {k: math.nan for k in ("s_row", "s_slope", "d_row", "d_slope", "f", *BEND)}
        quality = {k: 0.0 for k in rows}
        if stats is not None:  # the first frame, and every frame with drift correction
            pair: list[tuple[float, float]] | None = None  # this frame's still-mode pair, when needed
            jumped = False  # a line was found only by that pair, or far from the flow's prediction
            tried = regained = False  # that pair looked for, and a line found by it
            for name in ("s", "d"):
                if name == "s" and not seed.measure_superficial:
                    continue
                ref = contrast.get(name)
                r, s, q, c = _detect_near(work, stats, state[f"{name}_row"], state[f"{name}_slope"], ref)
                if q < LOST and name in last_seen and last_seen[name] != (state[f"{name}_row"], state[f"{name}_slope"]):
                    # lost: the flow of unclear frames (faded, blurred) may have carried the
                    # search away; look again where the line was last seen clearly
                    again = _detect_near(work, stats, *last_seen[name], ref)
                    if again[2] >= LOST:  # only a clear sighting re-acquires it
                        r, s, q, c = again
                if q < LOST and n > 0:
                    # still lost: the structure moved further than the search reaches (frames
                    # far apart, a fast contraction); the pair is detected as on a still and
                    # the line is searched again there (its own score decides, as above)
                    if pair is None:
                        tried = looks.should_try()
                        pair = _pair_again(work) if tried else []
                    if pair:
                        again = _detect_near(work, stats, *pair[0 if name == "s" else 1], ref)
                        if again[2] >= LOST:
                            r, s, q, c = again
                            jumped = regained = True
                if n == 0 and math.isfinite(r):
                    contrast[name] = c
                if n > 0 and q >= LOST and abs(r - state[f"{name}_row"]) > FLOW_MISS * work.ridges.shape[0]:
                    jumped = True  # a clear line far from where the flow carried it
                if math.isfinite(r):
                    rows[f"{name}_row"], rows[f"{name}_slope"] = r, s
                    quality[f"{name}_row"] = quality[f"{name}_slope"] = q
                    if q >= LOST:  # centre the next search (not on what was hardly seen)
                        state[f"{name}_row"], state[f"{name}_slope"] = r, s
                        last_seen[name] = (r, s)
            if tried:
                looks.record(regained)
            s_line = _to_image(work, state["s_row"], state["s_slope"])
            d_line = _to_image(work, state["d_row"], state["d_slope"])
            around = math.degrees(math.atan(state["f"])) if math.isfinite(state["f"]) else None
            # a frame the flow could not follow may have turned as far as it moved: every angle is looked at
            f, clarity, followed = _fascicle_near(work, s_line, d_line, around, follower, jumped or not flow.ok)
            if f is not None:
                rows["f"], quality["f"] = f, clarity
                if clarity >= LOST and followed is not None:
                    state["f"] = followed
        if n == 0:
            # the first frame is measured as every other one: each line on the crest found near
            # its seed; the seed where none is clear (a seed drawn on a band's edge, held, was
            # pulled onto the crest over the next frames and read as flow and detection
            # disagreeing: confidence 0.49 on the isometric clip's frame 1)
            for name, line in (("s", seed.superficial), ("d", seed.deep)):
                if not quality[f"{name}_row"] >= LOST:
                    rows[f"{name}_row"], rows[f"{name}_slope"] = _to_work(work, line)
            apo_q, fas_q = seed.quality if seed.quality is not None else (0.9, 0.9)
            quality.update({k: max(quality[k], apo_q) for k in ("s_row", "s_slope", "d_row", "d_slope")})
            if seed.fascicle_slope is not None:
                rows["f"], quality["f"] = seed.fascicle_slope, max(quality["f"], fas_q)
        if seed.measure_bend and (n == 0 or drift_correction) and math.isfinite(rows["d_row"]) \
                and quality["d_row"] >= LOST:
            # how the deep band bends around its straight line (thickness is taken on the bend)
            gap = rows["d_row"] - (rows["s_row"] if math.isfinite(rows["s_row"]) else state["s_row"])
            bend = curvature(work, _to_image(work, rows["d_row"], rows["d_slope"]), gap)
            for key, value in zip(BEND, bend, strict=True):
                rows[key], quality[key] = value, (quality["d_row"] if math.isfinite(value) else 0.0)
        out.append(_Frame(rows, quality, flow))
        if n == 0:  # the first frame's working geometry serves the whole walk
            works.append(work)
    return out, works


def _fuse_walk(walk: list[_Frame], works: list[Work], drift_correction: bool
               ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fused rows and slopes per frame, and the agreement (0..1) per frame."""
    n = len(walk)
    xc = (works[0].ridges.shape[1] - 1) / 2.0
    kinds = {"s_row": "row", "s_slope": "slope", "d_row": "row", "d_slope": "slope", "f": "fangle",
             **dict(zip(BEND, ("row", "slope", "bend"), strict=True))}
    fused: dict[str, np.ndarray] = {}
    agreement = np.ones(n)
    # the flow's predicted change of each quantity, from the measured (or fused) previous value
    ref = {k: np.array([fr.rows[k] for fr in walk]) for k in kinds}
    followed = np.array([k == 0 or fr.flow.ok for k, fr in enumerate(walk)])
    for key, kind in kinds.items():
        measured = ref[key]
        quality = np.array([fr.quality[key] for fr in walk])
        if not np.isfinite(measured).any():
            fused[key] = np.full(n, math.nan)
            continue
        base = _fill(measured)
        rows, slopes = (_fill(ref[f"{key[0]}_row"]), _fill(ref[f"{key[0]}_slope"])) if key != "f" else (base, base)
        step = np.zeros(n)  # the bend keeps its step at zero: the flow carries lines, it does not bend them
        for k in range(1, 1 if key in BEND else n):
            flow = walk[k].flow
            if key == "f":
                step[k] = flow.move_slope(base[k - 1]) - base[k - 1]
            else:
                row, slope = rows[k - 1], slopes[k - 1]
                moved = flow.move_line(row, slope, xc)
                step[k] = (moved[0] - row) if key.endswith("row") else (moved[1] - slope)
        track = fuse_slope(measured, quality, base, step, drift_correction, followed) if key == "f" \
            else fuse(kind, measured, quality, step, drift_correction, None if key in BEND else followed)
        fused[key] = track.value
        if key in ("s_row", "d_row", "f"):
            agreement = np.minimum(agreement, track.agreement)
    return fused, agreement


def _fill(values: np.ndarray) -> np.ndarray:
    """Missing values (nan) replaced by the nearest known one."""
    out = values.copy()
    known = np.flatnonzero(np.isfinite(out))
    if len(known) == 0:
        return np.zeros_like(out)
    idx = np.clip(np.searchsorted(known, np.arange(len(out))), 0, len(known) - 1)
    prev = np.clip(idx - 1, 0, len(known) - 1)
    nearest = np.where(np.abs(known[idx] - np.arange(len(out))) <= np.abs(known[prev] - np.arange(len(out))),
                       known[idx], known[prev])
    missing = ~np.isfinite(out)
    out[missing] = out[nearest[missing]]
    return out


def _follow(frames: FrameFn, indices: Sequence[int], anchor: int, seed: Seed, drift_correction: bool,
            progress: Callable[[int], bool] | None) -> tuple[dict[int, dict[str, float]], dict[int, float],
                                                            dict[int, float], Work, set[int]] | None:
    """Walk from the anchor forwards and backwards; fused working values per frame, their
    quality and agreement, and the frames the flow could not follow into (their agreement is
    0: a cut, or a frame too far from the last for the motion to be followed, is measured on
    its own and says so; the frames around it are not held to a motion nobody saw)."""
    pos = list(indices).index(anchor)
    after, before = list(indices[pos:]), list(indices[: pos + 1])[::-1]
    done = [0]

    def tick(_n: int) -> bool:
        done[0] += 1
        return progress(done[0]) if progress is not None else True

    values: dict[int, dict[str, float]] = {}
    quality: dict[int, float] = {}
    agree: dict[int, float] = {}
    unfollowed: set[int] = set()
    work0: Work | None = None
    for order in (after, before):
        result = _walk(frames, order, seed, drift_correction, tick)
        if result is None:
            return None
        walk, works = result
        work0 = work0 or works[0]
        fused, agreement = _fuse_walk(walk, works, drift_correction)
        for k, i in enumerate(order):
            values[i] = {key: float(v[k]) for key, v in fused.items()}
            q = walk[k].quality
            apo = math.sqrt(max(q["s_row"] if seed.measure_superficial else q["d_row"], 0.0) * max(q["d_row"], 0.0))
            if not drift_correction and k > 0:
                apo = 0.6  # flow only: nothing checked against the image
            quality[i] = confidence(apo, q["f"] if drift_correction or k == 0 else 0.5)
            agree[i] = float(agreement[k])
            if k > 0 and not walk[k].flow.ok:
                agree[i] = 0.0
                unfollowed.add(i)
    assert work0 is not None
    return values, quality, agree, work0, unfollowed


def analyse_sequence(frames: FrameFn, frame_indices: Sequence[int], *,
                     mm_per_px: tuple[float, float] | None, roi: tuple[int, int, int, int] | None = None,
                     times_ms: Sequence[float] | None = None,
                     anchors: Mapping[int, FrameArchitecture] | None = None,
                     drift_correction: bool = True,
                     progress: Callable[[int], bool] | None = None) -> list[FrameArchitecture]:
    """The architecture of every frame in ``frame_indices``; ``anchors`` (a user's corrections)
    re-anchor the estimate: following restarts from each anchor until the next."""
    indices = list(frame_indices)
    unit = "mm" if mm_per_px is not None else "px"
    if not indices:
        return []
    frames = analysis_frames(frames, roi)  # colour frames: their burned-in marks left out
    times = list(times_ms) if times_ms is not None else [None] * len(indices)
    if len(indices) == 1 and not anchors:
        # a still (or one frame): measured as a still is, nothing to follow
        return [analyse_image(to_grey(frames(indices[0])), mm_per_px=mm_per_px, roi=roi, frame=indices[0],
                              time_ms=times[0])]

    def empty(reason: str) -> list[FrameArchitecture]:
        return [FrameArchitecture.empty(i, t, unit, reason) for i, t in zip(indices, times, strict=True)]

    first = to_grey(frames(indices[0]))
    area = imaging_area(first, roi)
    seeds: dict[int, Seed] = {}
    cap: tuple[float, str] | None = None  # the highest confidence any frame gets, and why
    for i, est in sorted((anchors or {}).items()):
        if i in indices and est.superficial is not None and est.deep is not None:
            deep = est.deep_overall or est.deep  # the straight line: a clip follows that one
            seeds[i] = Seed(_around(area, est.superficial, deep), est.superficial, deep,
                            est.fascicle.slope if est.fascicle else None, edges=est.edges)
    if not seeds:
        found = _first_detection(frames, indices, area)
        if found is None:
            return empty(NO_APONEUROSIS)
        found[1].area = _around(area, found[1].superficial, found[1].deep)
        seeds[found[0]] = found[1]
        if confidence(*(found[1].quality or (0.0, 0.0))) < 0.5 and \
                not sure_somewhere(lambda i: to_grey(frames(i)), indices, area):
            cap = (UNSURE, NEVER_SURE)
    keys = sorted(seeds)
    results: dict[int, FrameArchitecture] = {}
    for n, anchor in enumerate(keys):
        lo = indices.index(keys[n - 1]) + 1 if n > 0 else 0
        hi = indices.index(keys[n + 1]) if n + 1 < len(keys) else len(indices)
        span = indices[lo:hi] if anchor in indices[lo:hi] else indices[lo:hi] + [anchor]
        span = sorted(set(span))
        followed = _follow(frames, span, anchor, seeds[anchor], drift_correction, progress)
        if followed is None:
            break
        values, quality, agree, work, unfollowed = followed
        edges = seeds[anchor].edges
        for i in span:
            if i in results and i != anchor:
                continue
            v = values[i]
            s_line = _to_image(work, v["s_row"], v["s_slope"])
            d_line = _to_image(work, v["d_row"], v["d_slope"])
            f = v["f"] if math.isfinite(v["f"]) else None
            conf = quality[i] * (0.3 + 0.7 * agree[i])
            reason = None if conf >= 0.5 else UNFOLLOWED if i in unfollowed else _reason(quality[i], agree[i])
            if too_thin(area, s_line, d_line):  # followed onto lines of text, say
                conf, reason = min(conf, 0.1), TOO_THIN
            if cap is not None and conf > cap[0]:
                conf, reason = cap
            t = times[indices.index(i)]
            # the deep band's tangent where the fascicle inserts (as a still): thickness and
            # fascicle length are measured on it
            local = _on_bend(work, (v["d_bend_row"], v["d_bend_slope"], v["d_bend"]), s_line, d_line, f, edges, area)
            results[i] = estimate(i, t, s_line, local or d_line, f, area, mm_per_px, conf, reason, edges,
                                  deep_overall=d_line if local is not None else None)
        redetect_unsure(lambda i: to_grey(frames(i)), results, span, set(keys), area, mm_per_px, times, indices,
                        quality, cap)
    return [results.get(i) or FrameArchitecture.empty(i, t, unit, "not analysed (cancelled)")
            for i, t in zip(indices, times, strict=True)]


def _on_bend(work: Work, bend: tuple[float, float, float], superficial: Line, deep: Line,
             fascicle_slope: float | None, edges: tuple[float, float], area: Area) -> Line | None:
    """The tangent where the fascicle inserts on ``deep`` with the fused ``bend`` added."""
    if not all(math.isfinite(b) for b in bend) or fascicle_slope is None:
        return None
    return tangent_at_insertion(work, bent(work, deep, bend), superficial, deep, fascicle_slope, edges, area)


UNFOLLOWED = "the motion from the previous frame could not be followed (a cut, or frames far apart): values uncertain"


def _reason(quality: float, agreement: float) -> str:
    return DISAGREE if agreement < 0.5 else FAINT


def _first_detection(frames: FrameFn, indices: list[int], area: Area) -> tuple[int, Seed] | None:
    """The first frame (of the first few) where the aponeurosis pair is found clearly."""
    best: tuple[float, int, Seed] | None = None
    for i in indices[: min(len(indices), 5)]:
        found = detect(to_grey(frames(i)), area=area)
        if found is None:
            continue
        q = confidence(found.apo_quality, found.fascicle_quality)
        if best is None or q > best[0]:
            best = (q, i, Seed(area, found.superficial, found.deep, found.fascicle_slope, edges=found.edges,
                               quality=(found.apo_quality, found.fascicle_quality)))
        if q >= 0.6:
            break
    return None if best is None else (best[1], best[2])


def _around(area: Area, superficial: Line, deep: Line) -> Area:
    """The rows of ``area`` the structures are followed in: from above the superficial line to
    below the deep one, with room (``ROOM`` of the gap) to move; the rest of the image is
    never filtered. A line reaching this region's top or bottom has left it (quality 0)."""
    ys = [line.y_at(float(x)) for line in (superficial, deep) for x in (area.x0, area.x1 - 1)]
    gap = abs(0.5 * (ys[2] + ys[3]) - 0.5 * (ys[0] + ys[1]))
    room = max(ROOM * gap, 24.0)
    return Area(area.x0, max(area.y0, math.floor(min(ys) - room)), area.x1, min(area.y1, math.ceil(max(ys) + room) + 1))
