"""Follow a drawn thickness's two aponeuroses from frame to frame as lines, found again on
every frame (a pennation or fascicle, whose angle needs the muscle between both aponeuroses,
is followed by ``architecture.track_structures``: ``structure_tracking.tracker_for``).

Each boundary segment stands for a line along a bright aponeurosis. On each frame the line is
searched for again along its normal, within ``SEARCH_PX`` of where it was: at samples along the
segment, the brightest point of the profile smoothed enough that a double band is one crest
(``MERGE_SIGMA``; sub-pixel), then a line fitted robustly (outliers beyond 2.5 median absolute
deviations dropped). Within a thick band that crest wanders by a few pixels as the band's
inside changes, and an edge marked at a fixed offset from it wandered too (a thickness drawn
on data set 3's isometric pushes ended 0.3-0.45 mm off its start). So the band's look across
its crest on the drawn frame is kept (``BAND_PX`` either side, ``band_look``), and each
frame's crest line is moved, by at most ``REFINE_PX``, to where the profiles match that look
best (``match_band``): the band's two edges hold it. The segment's ends move only along the
normal, so they never slide along the aponeurosis with the tissue (the aperture problem that
turned a tracked caliper), and the look is the drawn frame's, so the value on frame N carries
no error accumulated over the frames before it.

Every distance above is in pixels of a clip of about ``REFERENCE_PX_PER_MM`` (the corpus
Telemed clips and data set 2, where they were measured) and scales with the clip's own pixel
density (``pixel_scale``): a 2x clip's double band lies 22 px apart, not 11, and at the fixed
sizes a thickness drawn on one followed its crests apart (+4.8 % on the isometric clip enlarged
2x, +3.6 % at 1.6x).

Confidence per frame (0..1): the weakest of the lines' (share of samples on the fitted line
times the crest's contrast: how far it stands above its surroundings 18-24 px away, in the
spread of those surroundings along the line, 2 to 6 spreads mapping to 0..1; a line leaving
the image loses its samples).

Same call as the agreed ``annotator.dynamics.architecture.track_structures`` (ARCH_API.md), so
either can serve ``structure_tracking``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from annotator.case.kinds import kind_spec
from annotator.dynamics.architecture.detect import weighted_line
from annotator.media.bmode_area import imaging_area

Pt = tuple[float, float]
SEARCH_PX = 10.0  # how far from its last place a boundary is looked for, each frame
CONTRAST_PX = 24.0  # how far on either side a boundary's brightness is compared with
FLANK_PX = 18.0  # beyond the search and half a thick aponeurosis: the line's surroundings
CONTRAST_LOW, CONTRAST_HIGH = 2.0, 6.0  # crest over surroundings, in their spreads: 0 .. full confidence
SAMPLES = 21  # profile samples along a boundary segment
BLUR_SIGMA = 2.0  # speckle: a crest's contrast, the fascicles' structure tensor
# where the crest is: an aponeurosis is often a double band (two crests 10-12 px apart on data
# set 2's jump), and at sigma 2 the crest jumped between them from frame to frame (a drawn
# thickness read 4.7 % RMSE there); at 5 they merge into one crest, followed steadily (2.0 %;
# the Telemed clips 1.4-2.0 -> 0.9-2.0 %; at 6-8 those grew to 1.3-3.2 %)
MERGE_SIGMA = 5.0
#: the pixel density the sizes above are for: data set 2 (115.25 px/cm) and the corpus Telemed
#: clips (50 mm over 573 px)
REFERENCE_PX_PER_MM = 11.5
REFERENCE_AREA_PX = 573  # that Telemed image's height, for an uncalibrated frame (50 mm deep)
MAX_SCALE = 4.0
CREST_ROUNDS = 4  # searches for the crest a drawn segment marks, on the frame it was drawn on
#: half the width, across the line, of the band's look kept from the drawn frame and matched on
#: every frame: the band and its edges (data set 3's deep aponeurosis is 15-25 px thick)
BAND_PX = 16.0
#: how far from the crest found the band is matched by that look: within a thick band the
#: brightest point wanders by a few pixels; searched further (within ``SEARCH_PX`` of the last
#: place), the look matched other structures and a deep line tilted 13 degrees on a relaxation
REFINE_PX = 5.0


def _sample(img: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    return cv2.remap(img, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=float("nan"))


def pixel_scale(grey: np.ndarray, mm_per_px: float | None) -> float:
    """How many of this clip's pixels stand for one pixel at ``REFERENCE_PX_PER_MM``: from its
    calibration when known (0.5 to ``MAX_SCALE``); else from the height of its imaging area,
    taken as 50 mm deep as the reference clip, and never below 1 (a smaller image may be
    cropped or shallower: the sizes measured on the reference stay)."""
    if mm_per_px is not None and mm_per_px > 0:
        return float(np.clip(1.0 / (mm_per_px * REFERENCE_PX_PER_MM), 0.5, MAX_SCALE))
    area = imaging_area(grey)
    return float(np.clip((area.y1 - area.y0) / REFERENCE_AREA_PX, 1.0, MAX_SCALE))


def find_boundary(img: np.ndarray, p: Pt, q: Pt, spread: float,
                  merged: np.ndarray | None = None, scale: float = 1.0) -> tuple[Pt, Pt, float]:
    """The bright line near segment p-q in the smoothed frame ``img``: the segment's ends moved
    along its normal onto it, and a confidence 0..1. ``spread`` is the frame's grey SD. The
    crest is looked for in ``merged`` when given (the frame smoothed more, so a double band is
    one crest), its contrast is measured in ``img``. ``scale``: ``pixel_scale``. Where no line
    can be fitted (the segment off the image, too short), p-q itself at confidence 0."""
    found = _locate(img, p, q, spread, merged, scale)
    return found if found is not None else (p, q, 0.0)


def _locate(img: np.ndarray, p: Pt, q: Pt, spread: float, merged: np.ndarray | None,
            scale: float) -> tuple[Pt, Pt, float] | None:
    """``find_boundary``, None where no line can be fitted."""
    # the line is searched within SEARCH_PX; its contrast is measured against a longer
    # profile (a thick aponeurosis fills the search window: its median would be the band)
    frames = (img,) if merged is None else (img, merged)
    across = _across(p, q, CONTRAST_PX, scale, *frames)
    if across is None:
        return None
    profiles, offsets, t, n = across
    wide = profiles[0]
    step = 0.5 * scale
    search = np.abs(offsets) <= SEARCH_PX * scale
    where = profiles[-1][:, search]  # the merged frame's, where given
    found_t: list[float] = []
    found_o: list[float] = []
    rows: list[int] = []
    for i in range(SAMPLES):
        row = where[i]
        if np.isnan(row).any():
            continue
        k = int(np.argmax(row))
        found_t.append(t[i])
        found_o.append(offsets[search][k] + step * _vertex(row, k))
        rows.append(i)
    fitted = _robust_line(np.array(found_t), np.array(found_o), scale)
    if fitted is None:
        return None
    (o0, o1), keep = fitted
    strength = _strength(wide, offsets, np.array(rows)[keep], spread, scale)
    return _moved(p, n, o0), _moved(q, n, o1), float(keep.sum()) / SAMPLES * strength


def _across(p: Pt, q: Pt, half: float, scale: float, *imgs: np.ndarray
            ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray] | None:
    """The profiles across segment p-q in each of ``imgs``, on one grid: (grey at ``SAMPLES``
    positions along it x offsets along its normal within +-``half`` x ``scale``, every half
    ``scale`` px; NaN off the frame), the offsets, the positions (0..1) and the normal. None
    for a segment under 2 px."""
    d = np.array([q[0] - p[0], q[1] - p[1]], float)
    if float(np.hypot(*d)) < 2.0:
        return None
    n = np.array(_normal(p, q))
    t = np.linspace(0.0, 1.0, SAMPLES)
    # every half pixel at the reference density, counted so that two widths' grids share
    # their centre (``match_band`` slides one over the other)
    offsets = np.linspace(-half * scale, half * scale, int(round(4 * half)) + 1)
    base = np.array(p, float)[None, None, :] + (t[:, None, None] * d[None, None, :])
    grid = base + offsets[None, :, None] * n[None, None, :]
    return [_sample(img, grid[..., 0], grid[..., 1]) for img in imgs], offsets, t, n


def _vertex(row: np.ndarray, k: int) -> float:
    """Where the parabola through ``row``'s peak at k and its neighbours peaks, in steps from k."""
    if 0 < k < len(row) - 1:
        a, b, c = row[k - 1], row[k], row[k + 1]
        den = a - 2 * b + c
        if den < 0:
            return float(0.5 * (a - c) / den)
    return 0.0


def _moved(p: Pt, n: np.ndarray, offset: float) -> Pt:
    return float(p[0] + n[0] * offset), float(p[1] + n[1] * offset)


def _strength(wide: np.ndarray, offsets: np.ndarray, rows: np.ndarray, spread: float, scale: float) -> float:
    """How far the crest stands above its surroundings (0..1), at the profiles ``rows`` of
    ``wide`` (``_across``): the brightest grey within ``SEARCH_PX`` of the line (in the less
    smoothed frame) over the median of the profile beyond ``FLANK_PX``, in the spread of those
    surroundings along the line (speckle and fascicles; not the band's own edges across it),
    ``CONTRAST_LOW`` to ``CONTRAST_HIGH`` spreads mapping to 0..1: a faint line in noise scores
    low."""
    search = np.abs(offsets) <= SEARCH_PX * scale
    flank_at = np.abs(offsets) >= FLANK_PX * scale
    beside = wide[:, flank_at]
    beside = beside[:, np.isfinite(beside).all(axis=0)]  # offsets inside the image all along
    mad = np.median(np.abs(beside - np.median(beside, axis=0)), axis=0) if beside.size else np.array([spread])
    noise = max(1.4826 * float(np.median(mad)), 0.01 * max(spread, 1e-6), 1e-6)
    if not len(rows):
        return 0.0
    # every row at once (a loop of small medians was a tenth of a followed frame's time)
    at = wide[rows]
    top = np.nanmax(at[:, search], axis=1)
    flanks = at[:, flank_at]
    level = top.astype(np.float64)  # a profile with no flank inside the image stands out by nothing
    seen = np.isfinite(flanks).any(axis=1)
    if seen.any():
        level[seen] = np.nanmedian(flanks[seen], axis=1)
    contrast = (top - level) / noise
    return float(np.clip((np.median(contrast) - CONTRAST_LOW) / (CONTRAST_HIGH - CONTRAST_LOW), 0.0, 1.0))


def band_look(img: np.ndarray, p: Pt, q: Pt, scale: float) -> np.ndarray | None:
    """The band's profile across its crest line p-q, within +-``BAND_PX``: the median of the
    profiles along it in ``img`` (the frame at ``BLUR_SIGMA``); None where the band is flat
    or lies off the frame."""
    across = _across(p, q, BAND_PX, scale, img)
    if across is None:
        return None
    prof = across[0][0]
    prof = prof[np.isfinite(prof).all(axis=1)]
    if len(prof) < 4:
        return None
    look = np.median(prof, axis=0)
    return look if float(look.std()) > 1e-3 else None


def match_band(img: np.ndarray, p: Pt, q: Pt, look: np.ndarray, scale: float) -> tuple[Pt, Pt] | None:
    """Segment p-q (a crest line just found) moved along its normal, by at most ``REFINE_PX``,
    onto the band that looks like ``look`` (``band_look`` on the drawn frame): at each position
    along it, the shift where the profile across it correlates best with ``look``
    (normalised, sub-pixel), a line fitted robustly through those shifts. None where no line
    can be fitted."""
    across = _across(p, q, BAND_PX + REFINE_PX, scale, img)
    if across is None:
        return None
    (wide,), _offsets, t, n = across
    step = 0.5 * scale
    m = len(look)
    shifts = wide.shape[1] - m + 1
    centred = look - look.mean()
    centred /= float(np.linalg.norm(centred))
    windows = np.lib.stride_tricks.sliding_window_view(wide, m, axis=1)  # (samples, shifts, m)
    windows = windows - windows.mean(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (windows @ centred) / np.linalg.norm(windows, axis=2)
    rows = np.flatnonzero(np.isfinite(score).all(axis=1))
    best = [int(np.argmax(score[i])) for i in rows]
    found_o = [(k - (shifts - 1) / 2 + _vertex(score[i], k)) * step for i, k in zip(rows, best, strict=True)]
    fitted = _robust_line(t[rows], np.array(found_o), scale)
    if fitted is None:
        return None
    o0, o1 = fitted[0]
    return _moved(p, n, o0), _moved(q, n, o1)


def _robust_line(ft: np.ndarray, fo: np.ndarray, scale: float) -> tuple[tuple[float, float], np.ndarray] | None:
    """The offsets ``fo`` found at positions ``ft`` (0..1 along the segment) fitted with a
    line, outliers beyond 2.5 median absolute deviations dropped: (offset at 0, offset at 1)
    and which samples were kept; None where fewer than 4 remain (or they do not span a line)."""
    if len(ft) < 4:
        return None
    keep = np.ones(len(ft), bool)
    for _ in range(3):
        fit = _line_fit(ft[keep], fo[keep])
        if fit is None:
            return None
        slope, at0 = fit
        resid = fo - (at0 + slope * ft)
        mad = float(np.median(np.abs(resid[keep]))) + 0.25 * scale
        keep = np.abs(resid) <= 2.5 * 1.4826 * mad
        if keep.sum() < 4:
            return None
    fit = _line_fit(ft[keep], fo[keep])
    if fit is None:
        return None
    slope, at0 = fit
    return (at0, at0 + slope), keep


def _line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """(slope, intercept) of the least-squares line, as ``np.polyfit(x, y, 1)`` gives them, in
    the architecture's closed form (a tenth of polyfit's time; called a dozen times a frame);
    None without two distinct positions ``x``."""
    return weighted_line(x, y, np.ones(len(x)))


def _crest(img: np.ndarray, p: Pt, q: Pt, spread: float, merged: np.ndarray,
           scale: float) -> tuple[Pt, Pt, float] | None:
    """The crest of the band a drawn segment marks, searched again from where it was found
    until it stays put (at most ``CREST_ROUNDS`` searches). A segment drawn on the band's edge
    lies about a half band from its crest, and the first search, centred on the edge, stops
    short where the window ends; the next frame's search, centred there, went on to the crest,
    and the marked edge jumped with it (+2.6 px on the isometric clip's deep aponeurosis from
    frame 0 to 1, +10 px at twice the resolution). The first search's contrast does not
    decide (measured from the edge, the flanks may lie inside the band), the last one's does:
    None where no line can be fitted, where the crest found has no contrast, or where it lies
    further than two searches from the segment (no band there: the search wandered)."""
    found = _locate(img, p, q, spread, merged, scale)
    if found is None:
        return None
    for _ in range(CREST_ROUNDS - 1):
        again = _locate(img, found[0], found[1], spread, merged, scale)
        if again is None:
            break
        moved = max(math.dist(again[0], found[0]), math.dist(again[1], found[1]))
        found = again
        if moved < 0.25 * scale:
            break
    away = max(math.dist(found[0], p), math.dist(found[1], q))
    return found if found[2] > 0 and away <= 2 * SEARCH_PX * scale else None


def _smoothed_around(grey: np.ndarray, points: Sequence[Pt], margin: float,
                     scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, float]:
    """The frame smoothed only where the structures can be found this frame (the box around
    ``points`` grown by ``margin``; zero elsewhere, never sampled) at ``BLUR_SIGMA`` and at
    ``MERGE_SIGMA``, and the first box's grey SD."""
    h, w = grey.shape
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = max(0, int(min(xs) - margin)), min(w, int(max(xs) + margin) + 1)
    y0, y1 = max(0, int(min(ys) - margin)), min(h, int(max(ys) + margin) + 1)
    out, merged = np.zeros((h, w), np.float32), np.zeros((h, w), np.float32)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return out, merged, 0.0
    box = grey[y0:y1, x0:x1].astype(np.float32)
    fine = cv2.GaussianBlur(box, (0, 0), BLUR_SIGMA * scale)
    out[y0:y1, x0:x1] = fine
    merged[y0:y1, x0:x1] = cv2.GaussianBlur(box, (0, 0), MERGE_SIGMA * scale)
    return out, merged, float(fine.std())


def track_structures(frames: Callable[[int], np.ndarray], kind: str, anchor_frame: int,
                     anchor_points: Sequence[tuple[float, float]], start: int, end: int, *,
                     drift_correction: bool = True,
                     progress: Callable[[int], bool] | None = None,
                     mm_per_px: float | None = None,
                     ) -> tuple[dict[int, list[tuple[float, float]]], dict[int, float]]:
    """Points (the kind's layout) and confidence per frame from ``anchor_frame`` to ``end``
    (and back to ``start`` when it lies on the other side). Every frame's lines are found
    again in that frame; ``drift_correction`` is always in effect here (nothing is chained
    but the search window's centre). ``progress(done)`` returning False stops early.
    ``mm_per_px``: the frame's calibration where the annotation lies, if any (its pixel
    density sets the sizes searched, ``pixel_scale``)."""
    del drift_correction  # the lines are re-detected every frame: there is no drift to correct
    spec = kind_spec(kind)
    if spec is None or not spec.segments:
        raise KeyError(kind)
    if "fascicle" in spec.segments:
        raise ValueError(f"a {kind} is followed with its fascicle by architecture.track_structures")
    pts: list[Pt] = [(float(x), float(y)) for x, y in anchor_points]
    pairs: list[tuple[Pt, Pt]] = [(pts[2 * i], pts[2 * i + 1]) for i in range(len(spec.segments))]
    points: dict[int, list[Pt]] = {anchor_frame: list(pts)}
    confidence: dict[int, float] = {anchor_frame: 1.0}
    # A boundary is followed by its crest, but the user may have marked the band's muscle-side
    # edge (where thickness is measured): keep each end's offset from the crest, along the
    # normal, so the marked edge is followed rather than pulled onto the crest.
    first = frames(anchor_frame)
    scale = pixel_scale(first, mm_per_px)
    margin = (SEARCH_PX + 4 * MERGE_SIGMA + 16.0) * scale + 8
    img0, merged0, spread0 = _smoothed_around(first, pts, margin, scale)
    crests = list(pairs)
    offsets: list[tuple[float, float]] = []
    looks: list[np.ndarray | None] = []
    for b, (p, q) in enumerate(pairs):
        crest = _crest(img0, p, q, spread0, merged0, scale)
        if crest is None:
            offsets.append((0.0, 0.0))  # nothing to hold on to: the marked line is followed as it is
            looks.append(None)
            continue
        cp, cq, _c = crest
        n = _normal(p, q)
        offsets.append(((p[0] - cp[0]) * n[0] + (p[1] - cp[1]) * n[1],
                        (q[0] - cq[0]) * n[0] + (q[1] - cq[1]) * n[1]))
        crests[b] = (cp, cq)
        looks.append(band_look(img0, cp, cq, scale))
    done = 0
    for stop in (end, start):
        step = 1 if stop >= anchor_frame else -1
        current = list(crests)
        for frame in range(anchor_frame + step, stop + step, step):
            if stop == anchor_frame:
                break
            img, merged, spread = _smoothed_around(frames(frame), [p for pair in current for p in pair], margin,
                                                   scale)
            found = [_follow(img, p, q, look, spread, merged, scale) for (p, q), look in zip(current, looks, strict=True)]
            current = [(np_, nq) for np_, nq, _c in found]
            points[frame] = [p for (np_, nq), off in zip(current, offsets, strict=True)
                             for p in _shifted(np_, nq, off)]
            confidence[frame] = float(min(c for _p, _q, c in found))
            done += 1
            if progress is not None and not progress(done):
                return points, confidence
    return points, confidence


def _follow(img: np.ndarray, p: Pt, q: Pt, look: np.ndarray | None, spread: float, merged: np.ndarray,
            scale: float) -> tuple[Pt, Pt, float]:
    """One boundary on the next frame: its crest, then, where the drawn frame gave the band's
    look, the band matched by that look near the crest; the crest's confidence."""
    crest = find_boundary(img, p, q, spread, merged, scale)
    if look is None or crest[2] <= 0.0:
        return crest
    matched = match_band(img, crest[0], crest[1], look, scale)
    return crest if matched is None else (matched[0], matched[1], crest[2])


def _normal(p: Pt, q: Pt) -> tuple[float, float]:
    length = math.dist(p, q) or 1.0
    return -(q[1] - p[1]) / length, (q[0] - p[0]) / length


def _shifted(p: Pt, q: Pt, offsets: tuple[float, float]) -> tuple[Pt, Pt]:
    """Segment p-q with each end moved along its normal by its offset."""
    n = _normal(p, q)
    return (p[0] + n[0] * offsets[0], p[1] + n[1] * offsets[0]), (q[0] + n[0] * offsets[1], q[1] + n[1] * offsets[1])
