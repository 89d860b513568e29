"""Detection near a known position, cheap enough for every frame of a clip.

The still-image detector (``detect``) searches the whole image: every row and angle for the
aponeuroses, every fascicle angle. Following a clip, where each structure was on the last
frame is known, so:

- an aponeurosis is scored only on a small grid of lines around its prediction (rows within
  a band, slopes within a few degrees), sampled with one ``remap`` on every other column
  instead of shearing the image per slope; the scores mean what ``line_candidates`` scores
  mean (ridge strength along the line, over the image's typical row), so the same quality
  applies, and the crest is then fitted by ``refine`` as on a still;
- the fascicle angle is searched 1 degree apart within a few degrees of its prediction, the
  window widened only when the best angle sits on its edge (the fascicles turn fast in a
  contraction: the search climbs on, 1 degree at a time), then refined to 0.25 degree. The clarity
  is measured against this frame's background (the median over a few angles across the range).
  Every few frames all angles are swept coarsely: that shows when the followed angle is a
  lesser, local peak while another angle clearly stands out (``FascicleFollower``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from annotator.dynamics.architecture.detect import (
    DEEP_BAND,
    FASCICLE_MAX_DEG,
    FASCICLE_MIN_DEG,
    MIN_LINE_PX,
    MIN_MUSCLE_PX,
    Candidate,
    Work,
    _work_y,
)
from annotator.dynamics.architecture.profile import (
    UNCLEAR_RATIO,
    best_inside,
    clearest_part,
    projection_peakedness,
    refine_angle,
    towards_deep,
    values_peak_ratio,
)
from annotator.dynamics.architecture.types import Line

LINE_DEG = 3.0  # how far an aponeurosis may turn between frames
LINE_STEP_DEG = 0.5
FASCICLE_STEP_DEG = 1.0
FASCICLE_WIDEN_DEG = 16.0
BACKGROUND_DEG = (10.0, 22.0, 34.0)  # from the deep aponeurosis, each side: the background's angles
# parallel lines an angle's projection needs to say anything: near the steepest angle the
# muscle allows only a few pass, and their means differ by where they run, not by any streak
MIN_LINES = 8  # parallel lines a projection needs before it measures anything (fewer: noise wins)


@dataclass(frozen=True)
class LineStats:
    """What ``line_candidates`` measures a line against, once per frame."""

    clipped: np.ndarray  # ridges capped at their 99th percentile, best of three rows
    present: float  # ridge strength counted as "the line is there" (90th percentile)
    background: float  # the typical row's mean strength


def line_stats(work: Work) -> LineStats:
    ridges = work.ridges
    p90, p99 = np.percentile(ridges[::2, ::2], [90.0, 99.0])  # a quarter of the pixels: same levels
    clipped = cv2.dilate(np.minimum(ridges, float(p99) or 1.0), np.ones((3, 1), np.uint8))
    return LineStats(clipped, float(p90), float(np.median(clipped.mean(axis=1))) + 1e-6)


def line_near(work: Work, stats: LineStats, row: float, slope: float, band: float) -> Candidate | None:
    """The strongest line through rows ``row +- band`` at the centre column, within
    ``LINE_DEG`` of ``slope`` (working pixels), as a ``line_candidates`` candidate."""
    h, w = stats.clipped.shape
    xc = (w - 1) / 2.0
    d = math.tan(math.radians(LINE_DEG))
    step = math.tan(math.radians(LINE_STEP_DEG))
    slopes = np.arange(slope - d, slope + d + step / 2, step, dtype=np.float32)
    offsets = np.arange(-math.ceil(band), math.ceil(band) + 1, dtype=np.float32)
    xs = np.arange(0, w, 2, dtype=np.float32)
    ys = row + offsets[None, :, None] + slopes[:, None, None] * (xs[None, None, :] - xc)
    grid_x = np.broadcast_to(xs, ys.shape).astype(np.float32)
    flat = (ys.shape[0] * ys.shape[1], ys.shape[2])
    values = cv2.remap(stats.clipped, grid_x.reshape(flat), ys.astype(np.float32).reshape(flat),
                       cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0).reshape(ys.shape)
    valid = (ys >= 0) & (ys <= h - 1)
    n = np.maximum(valid.sum(axis=2), 1)
    scores = values.sum(axis=2) / n * np.minimum(1.0, n / (0.6 * len(xs)))
    coverage = ((values > stats.present) & valid).sum(axis=2) / n
    k, j = np.unravel_index(int(np.argmax(scores)), scores.shape)
    best = float(scores[k, j])
    if best <= 0:
        return None
    found = row + float(offsets[j])
    if 0 < j < len(offsets) - 1:  # sub-pixel peak across rows
        a, b, c = scores[k, j - 1], scores[k, j], scores[k, j + 1]
        denom = a - 2 * b + c
        if denom < 0:
            found += float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5))
    return Candidate(found, float(slopes[k]), best, best / stats.background, float(coverage[k, j]))


@dataclass(frozen=True)
class Muscle:
    """The fascicle streak values inside the muscle of one frame, ready to be projected."""

    values: np.ndarray
    rows: np.ndarray  # rows of those pixels + 0.5 + a margin (float32): truncated, they round
    dx: np.ndarray  # their columns minus the centre column (float32)
    width: int  # columns used
    apo_deg: float  # the deep line's angle (screen slope angle, degrees)
    squares: np.ndarray  # values ** 2 (for the speckle's own scatter along each line)
    depth: np.ndarray | None = None  # each pixel's place across the gap, 0 superficial .. 1 deep
    columns: int = 0  # the working image's width (the pixels' columns are dx + (columns - 1) / 2)

    def deep_half(self) -> Muscle | None:
        """The pixels of the deep half (``DEEP_BAND``), or None when too few."""
        if self.depth is None:
            return None
        keep = self.depth >= DEEP_BAND[0]
        if keep.sum() < MIN_MUSCLE_PX:
            return None
        return self.part(keep)

    def part(self, keep: np.ndarray) -> Muscle:
        """The pixels ``keep`` selects (a lateral part of the muscle, or its deep half)."""
        return Muscle(self.values[keep], self.rows[keep], self.dx[keep], self.width, self.apo_deg,
                      self.squares[keep], None if self.depth is None else self.depth[keep], self.columns)

    def clear_part(self, whole_ratio: float) -> Muscle | None:
        """The lateral part the fascicle angle is read in when the whole band shows none
        clearly and the part does, as on a still (``profile.clearest_part``); None: the whole."""
        if self.columns <= 0:
            return None
        cols = self.dx + (self.columns - 1) / 2.0
        keep = clearest_part(cols, self.columns, whole_ratio, lambda k: sweep(self.part(k))[3],
                             MIN_MUSCLE_PX // 2)  # every other column: half a still's pixels
        return None if keep is None else self.part(keep)


def muscle(work: Work, superficial: Line, deep: Line) -> Muscle | None:
    """The streak map between the two lines, 15 % of the gap away from each (as on a still)."""
    streaks = work.streaks
    h, w = streaks.shape
    xs = np.arange(w, dtype=np.float32)
    s0 = _work_y(work, superficial, xs)
    d0 = _work_y(work, deep, xs)
    gap = d0 - s0
    top = np.clip(np.ceil(np.min(s0 + 0.15 * gap)), 0, h).astype(int)
    bottom = np.clip(np.floor(np.max(d0 - 0.15 * gap)) + 1, 0, h).astype(int)
    if bottom <= top:
        return None
    yy = np.arange(top, bottom, dtype=np.float32)[:, None]
    inside = (yy > s0 + 0.15 * gap) & (yy < d0 - 0.15 * gap)
    if inside.sum() < MIN_MUSCLE_PX:
        return None
    inside[:, 1::2] = False  # every other column: the same lines and peaks, half the pixels
    ys, xi = np.nonzero(inside)
    values = streaks[ys + top, xi].astype(np.float64)
    apo = math.degrees(math.atan(float((d0[-1] - d0[0]) / max(w - 1, 1))))
    # the margin keeps every projected row index positive for slopes up to 80 degrees
    margin = 0.5 + math.ceil(math.tan(math.radians(80.0)) * w / 2.0) + 1.0
    depth = ((ys + top - s0[xi]) / gap[xi]).astype(np.float32)
    return Muscle(values, (ys + top + margin).astype(np.float32), (xi - (w - 1) / 2.0).astype(np.float32),
                  (w + 1) // 2, apo, values * values, depth, w)


def with_deep_half(m: Muscle, slope: float) -> float:
    """The fascicle slope read part of the way towards the deep half's angle, as a still is
    (``profile.towards_deep``); ``slope`` where the deep half is too small. (Searching near
    the last frame's deep angle first was cheaper but locked onto lesser peaks in fast frames:
    the jump clip's pennation went 1.70 -> 3.17 deg.)"""
    deep = m.deep_half()
    if deep is None:
        return slope
    deg = towards_deep(math.degrees(math.atan(slope)), lambda a: peakedness(deep, a),
                       half=0.5, apo_deg=m.apo_deg)
    return math.tan(math.radians(deg))


def peakedness(m: Muscle, deg: float) -> float:
    """Variance of the mean streak strength along parallel lines at ``deg``, less what speckle
    alone gives lines of their length (the weighted Hough transform of
    ``detect.fascicle_orientation``, with the same correction for short steep lines)."""
    if abs(deg) >= 80.0:  # beyond the rows' margin (and no fascicle is that steep)
        return 0.0
    index = (m.rows - np.float32(math.tan(math.radians(deg))) * m.dx).astype(np.intp)
    return projection_peakedness(index, m.values, m.squares, MIN_LINE_PX / 2, MIN_LINES)  # every other column


def background(m: Muscle) -> float:
    """The median peakedness over six angles on both sides of the deep aponeurosis: what this
    frame's speckle gives along any direction (the image changes fast in a contraction:
    blur, gain, how much of the muscle is in view)."""
    angles = [m.apo_deg + side * d for side in (-1, 1) for d in BACKGROUND_DEG if abs(m.apo_deg + side * d) < 80]
    return _median_seen([peakedness(m, a) for a in angles])


def _median_seen(values: list[float]) -> float:
    """The median over the angles the muscle's extent lets a projection see (others are 0)."""
    seen = [v for v in values if v > 0]
    return float(np.median(seen)) + 1e-9 if seen else 1e-9


def sweep(m: Muscle, step_deg: float = 4.0, finer: bool = False) -> tuple[float, float, float, float]:
    """Every fascicle angle, ``step_deg`` apart: (the best angle, its peakedness, the median
    peakedness: the background a clear angle stands out from, and the peak over the median
    of all, 0 when on the edge of the angles: ``profile.peak_ratio``). ``finer``: the best
    angle is looked for half as far apart (two peaks 4-5 degrees apart are told apart, not
    rounded onto one); the other three stay those of the ``step_deg`` grid."""
    step = step_deg / 2 if finer else step_deg
    grid = np.arange(m.apo_deg - FASCICLE_MAX_DEG, m.apo_deg + FASCICLE_MAX_DEG + 0.01, step)
    coarse = np.arange(len(grid)) % 2 == 0 if finer else np.ones(len(grid), bool)
    keep = (np.abs(grid - m.apo_deg) >= FASCICLE_MIN_DEG) & (np.abs(grid) < 80)
    wide, coarse = [float(a) for a in grid[keep]], coarse[keep]
    if not coarse.any():
        return math.nan, 0.0, 1e-9, 0.0
    values = np.array([peakedness(m, a) for a in wide])
    i = best_inside(values)
    on_grid = values[coarse]
    return wide[i], float(on_grid[best_inside(on_grid)]), _median_seen(list(on_grid)), values_peak_ratio(on_grid)


def fascicle_near(m: Muscle, around_deg: float, window_deg: float, base: float) -> tuple[float, float, float]:
    """(screen slope of the fascicles, clarity 0..1, peakedness) searched from ``around_deg
    +- window``, widened while the best angle is on the window's edge."""
    lo_limit = max(around_deg - FASCICLE_WIDEN_DEG, -80.0)
    hi_limit = min(around_deg + FASCICLE_WIDEN_DEG, 80.0)
    seen: dict[float, float] = {}

    def at(deg: float) -> float:
        key = round(deg, 3)
        if key not in seen:
            seen[key] = -1.0 if abs(deg - m.apo_deg) < FASCICLE_MIN_DEG else peakedness(m, deg)
        return seen[key]

    lo, hi = around_deg - window_deg, around_deg + window_deg
    while True:  # climb towards the peak while it lies on the window's edge
        angles = np.arange(lo, hi + 0.01, FASCICLE_STEP_DEG)
        scores = [at(a) for a in angles]
        i = int(np.argmax(scores))
        if i == 0 and lo - FASCICLE_STEP_DEG >= lo_limit:
            lo -= FASCICLE_STEP_DEG
        elif i == len(angles) - 1 and hi + FASCICLE_STEP_DEG <= hi_limit:
            hi += FASCICLE_STEP_DEG
        else:
            break
    centre = float(angles[i])
    best, value = refine_angle(at, centre, 0.5)
    clarity = float(np.clip((value / base - 1.15) / 1.5, 0.0, 1.0))
    return math.tan(math.radians(best)), clarity, value


class FascicleFollower:
    """The fascicle angle from frame to frame of one walk: searched near its prediction, with
    every angle swept every ``SWEEP_EVERY`` frames. A clearly stronger angle elsewhere
    (``SWITCH_RATIO``) is followed instead only when the next sweep, ``CONFIRM_AFTER`` frames
    later, finds it again: a transient (a probe tilt, a vessel crossing) does not take the
    search with it, a lasting one (a lock onto a lesser peak) is left. While the followed
    angle is unclear (``LOST``: the fascicles faded, the probe lifted), every frame is swept
    and a clear angle anywhere is taken at once. After a jump (the frame moved beyond what the
    flow follows) the sweep is finer and any stronger peak beyond the window is taken."""

    WINDOW_DEG = 3.0  # searched around the prediction, whole (the projection ripples)
    SWEEP_EVERY = 12
    CONFIRM_AFTER = 4
    FAR_DEG = 5.0  # a peak this far from the followed angle is another one
    SWITCH_RATIO = 1.25
    LOST = 0.25  # clarity below which the followed angle is not seen

    def __init__(self) -> None:
        self.pending: float | None = None  # a stronger angle seen once, in degrees
        self.since = 0
        self.lost = False

    def step(self, m: Muscle, around_deg: float, jumped: bool = False) -> tuple[float, float, float]:
        """(screen slope, clarity, followed slope) on this frame; ``jumped``: the aponeuroses
        moved beyond their search on this frame, so every angle is swept (the fascicles may
        have too). The slope is read part of the way towards the deep half's angle, as a still's is;
        the followed slope is the whole band's peak, where the next frame's search starts."""
        self.since += 1
        base: float
        whole: float | None = None  # the whole band's peak ratio, when swept on this frame
        far: float | None = None
        due = jumped or self.since >= (self.CONFIRM_AFTER if self.pending is not None else self.SWEEP_EVERY)
        if due or self.lost:
            # after a jump, finer (a sparse clip kept the lesser of two peaks 4.8 degrees
            # apart, 3.4 degrees off its frame alone)
            best_deg, _value, base, whole = sweep(m, finer=jumped)
            self.since = 0
            far = best_deg if math.isfinite(best_deg) else None
        else:
            base = background(m)
        f, clarity, value = fascicle_near(m, around_deg, self.WINDOW_DEG, base)
        # after a jump the last angle is no prediction: a peak beyond the window is another one
        beyond = self.WINDOW_DEG if jumped else self.FAR_DEG
        if far is not None and abs(far - math.degrees(math.atan(f))) > beyond:
            f2, clarity2, value2 = fascicle_near(m, far, self.WINDOW_DEG, base)
            if self.lost and (clarity < self.LOST or value2 > value) and clarity2 >= 2 * self.LOST:
                # found again, wherever it is: after unclear frames the last angle is no
                # prediction to hold on to, and a nearby lesser peak is not preferred
                f, clarity, self.pending = f2, clarity2, None
            elif jumped and value2 > value:
                # the frame moved beyond what the flow follows: the last angle is no
                # prediction to hold on to, the stronger one is taken
                f, clarity, self.pending = f2, clarity2, None
            elif value2 > self.SWITCH_RATIO * value:
                confirmed = self.pending is not None and abs(self.pending - math.degrees(math.atan(f2))) < self.FAR_DEG
                self.pending = None if confirmed else math.degrees(math.atan(f2))
                if confirmed:
                    f, clarity = f2, clarity2
            else:
                self.pending = None
        elif far is not None:
            self.pending = None
        self.lost = clarity < self.LOST
        # the whole band unclear means its best angle anywhere, not this search's (which is
        # low when the prediction is off: after a jump the figures read as a clip took parts
        # where the whole band was clear, 1.48 -> 4.62 deg); swept only when it may be
        part = None
        if value / base < UNCLEAR_RATIO:
            part = m.clear_part(whole if whole is not None else sweep(m)[3])
        if part is not None:
            # fascicles clear over part of the muscle only: read there, as a still is (the
            # clarity stays the whole band's, as a still's does); the next search starts there
            f, _clarity, _value = fascicle_near(part, math.degrees(math.atan(f)) if self.lost else around_deg,
                                                self.WINDOW_DEG, background(part))
            return with_deep_half(part, f), clarity, f
        return (f if self.lost else with_deep_half(m, f)), clarity, f
