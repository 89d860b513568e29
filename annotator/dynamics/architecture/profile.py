"""The angular profile a fascicle orientation is read from: for each angle, how peaked the
mean streak strength is across parallel lines at that angle (a weighted Hough transform,
corrected for what speckle alone gives), its refinement between angles, and how alone its
peak stands."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

# another fascicle orientation more than this far from the best makes it ambiguous, three
# times the 2 degree target and beyond one fascicle's own peak (1-2 degrees either side). At 8,
# data set 1's S10_R20_125 read 6.3 degrees off at confidence 0.64 (its profile's other peak,
# 7 degrees away, at 0.79 of its height), and data set 2's range of motion 452 under a darker
# grey map (gamma 1.6) 5.6 degrees off at 1.00 (0.92, 7 degrees away). At 6, of the 659
# observer images, figures and clip frames read alone, 11 go below 0.5 (that one wrong, 10
# within 3 degrees of the observers: their profiles hold two peaks as well); clip mode reads
# the 320 observed frames as before (docs/adr/0010)
RIVAL_DEG = 6.0
DEEP_WINDOW_DEG = 6.0  # the deep half's angle is looked for this near the whole band's
DEEP_TIE = 0.95  # deep-half peaks this close to the best are a tie ...
TIE_RAMP = 0.06  # ... counted in proportion over this band of heights around DEEP_TIE
# how far from the whole band's angle towards the deep half's a fascicle is read: a third
# where the fascicles lie within SHALLOW_DEG of the deep aponeurosis (every still set reads
# closer than at half; a quarter to 0.4 read alike), all the way from STEEP_DEG (contracted
# muscle: the observers read its fascicles nearer their deep course), in proportion between;
# never more than MAX_TOWARDS_DEG from the whole band's angle (a deep-half peak 4-6 degrees
# off read 2-4 degrees beyond the observers). Chosen on data sets 1, 2, 4 and the three
# corpus clips; data set 3's 29 other clips, never tuned on, read 1.32 -> 1.16 degrees frame
# by frame (docs/adr/0010)
TOWARDS_DEEP = 1 / 3
STEEP_TOWARDS_DEEP = 1.0
SHALLOW_DEG, STEEP_DEG = 30.0, 40.0
MAX_TOWARDS_DEG = 2.0
UNCLEAR_RATIO = 2.0  # a whole band's peak this little above its median shows no clear orientation
PART_GAIN = 3.0  # ... and a lateral part whose peak stands this many times higher shows one
PARTS = ((0.0, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 1.0), (0.0, 0.5), (0.5, 1.0))  # of the width


def projection_peakedness(pos: np.ndarray, values: np.ndarray, squares: np.ndarray, min_line: float,
                          min_lines: int = 5, shared: bool = False) -> float:
    """Variance of the mean streak strength along parallel lines, less what speckle alone
    gives lines of their length: short lines (a steep fascicle across a thin muscle) scatter
    more, and a raw variance would favour them, while a length floor would leave no steep line
    to measure. ``pos`` (>= 0) is each pixel's place across the lines, rounded half up to the
    nearest line (rounded half to even, as np.rint does, the pixels of a 45 degree projection,
    all halfway between two lines, merged lines in pairs: that angle stood out by a third);
    ``shared``: each pixel is shared between the two lines it lies between, for a profile
    that is smooth between angles (a still's final refinement; a sweep for the peak rounds, 5
    times faster; a clip's follower rounds too: its clarity and its choice between peaks are
    measured against a rounded background, and sharing there let a synthetic clip lock onto 66
    degrees after a gap, tests/unit/test_clip_confidence.py).
    Lines shorter than half the longest (or ``min_line``) are left out, and fewer than
    ``min_lines`` lines measure nothing."""
    if not shared:
        # integer positions are line indices already (a clip's follower truncates its own)
        index = pos if pos.dtype.kind in "iu" else (pos + 0.5).astype(np.intp)
        counts = np.bincount(index)
        use = counts > max(min_line, 0.5 * float(counts.max()))
        lines = int(np.count_nonzero(use))
        if lines < min_lines:
            return 0.0
        n = counts[use].astype(np.float64)
        means = np.bincount(index, weights=values)[use] / n
        within = np.maximum(np.bincount(index, weights=squares)[use] / n - means * means, 0.0)
        mean = float(means.sum()) / lines
        spread = float(np.dot(means, means)) / lines - mean * mean  # np.var, without its overhead
        return max(spread - float((within / n).sum()) / lines, 0.0)
    lo = pos.astype(np.intp)  # pos >= 0: truncation is the floor
    f = (pos - lo).astype(np.float64)
    size = int(lo.max()) + 2 if len(lo) else 2

    def per_line(whole: np.ndarray | None, part: np.ndarray) -> np.ndarray:
        # sum of x * (1 - f) on the lower line and x * f on the next: whole - part, shifted part
        out = (np.bincount(lo, whole, size) if whole is not None else np.bincount(lo, minlength=size)) \
            - np.bincount(lo, part, size)
        out[1:] += np.bincount(lo, part, size)[:-1]
        return out

    counts = per_line(None, f)
    use = counts > max(min_line, 0.5 * float(counts.max()))
    if use.sum() < min_lines:
        return 0.0
    weight = counts[use].astype(np.float64)
    means = per_line(values, values * f)[use] / weight
    within = np.maximum(per_line(squares, squares * f)[use] / weight - means ** 2, 0.0)
    # a weighted mean of independent samples scatters sum(w^2) / sum(w)^2 of theirs; w^2
    # summed per line is about its weight times the mean of (1 - f)^2 + f^2 over all pixels
    share = 1.0 - 2.0 * (float(np.mean(f)) - float(np.mean(f * f)))
    return max(float(np.var(means) - share * np.mean(within / weight)), 0.0)


def angular_profile(yf: np.ndarray, dx: np.ndarray, values: np.ndarray, min_line: float
                    ) -> Callable[..., float]:
    """``peakedness(deg, shared=False)`` of these pixels' streak values (rows ``yf``, columns
    from the centre ``dx``) along lines at ``deg``."""
    squares = values * values

    def peakedness(deg: float, shared: bool = False) -> float:
        pos = yf - math.tan(math.radians(deg)) * dx
        return projection_peakedness(pos - pos.min(), values, squares, min_line, shared=shared)

    return peakedness


def peak_ratio(peakedness: Callable[..., float], angles: list[float]) -> float:
    """The profile's peak over its median; 0 when the peak is on the edge of ``angles``."""
    return values_peak_ratio(np.array([peakedness(a) for a in angles]))


def values_peak_ratio(values: np.ndarray) -> float:
    """``peak_ratio`` of a profile already swept (``values`` in the order of the angles)."""
    if len(values) == 0:
        return 0.0
    j = best_inside(values)
    return 0.0 if j in (0, len(values) - 1) else float(values[j] / (np.median(values) + 1e-9))


def best_inside(values: np.ndarray) -> int:
    """The index of the profile's best angle, not counting the steepest angle each way that
    still has lines enough to be measured (``projection_peakedness``: 0 beyond): measured on
    barely ``min_lines`` lines, the variance there is a guess. A real clip with noise added
    over the whole screen (its margins searched as image, the muscle's band running into pure
    noise) spiked there to six times the median, one degree wide, and read its fascicles at
    64 degrees where they ran at 29, confidence 0.95. A fascicle's own peak is degrees wide.
    On the 559 observer images and clip frames the best angle was never there."""
    values = np.asarray(values, np.float64)
    i = int(np.argmax(values))
    edges = support_edges(values)
    if i not in edges:
        return i
    inside = values.copy()
    inside[list(edges)] = -1.0
    return int(np.argmax(inside))


def support_edges(values: np.ndarray) -> tuple[int, ...]:
    """The steepest angle each way still measured (``best_inside``), where the profile is 0
    beyond it. Where it is the angles' own first or last it is not: a peak there is the
    caller's edge (what stands out lies beyond the angles looked at, not a fascicle)."""
    seen = np.flatnonzero(np.asarray(values) > 0)
    if len(seen) <= 2:
        return ()
    return tuple(int(k) for k in (seen[0], seen[-1]) if 0 < k < len(values) - 1)


def refine_angle(score: Callable[[float], float], centre: float, half: float) -> tuple[float, float]:
    """The best angle within ``centre`` +- ``half`` degrees, 0.25 degree apart, refined by a
    parabola through the peak and its neighbours; and the score there."""
    fine = np.arange(centre - half, centre + half + 0.01, 0.25)
    values = np.array([score(float(a)) for a in fine])
    j = int(np.argmax(values))
    best = float(fine[j])
    if 0 < j < len(fine) - 1:
        a, b, c = values[j - 1], values[j], values[j + 1]
        denom = a - 2 * b + c
        if denom < 0:
            best += 0.25 * float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5))
    return best, float(values[j])


def clearest_part(columns: np.ndarray, width: int, whole_ratio: float,
                  ratio_of: Callable[[np.ndarray], float], min_pixels: int) -> np.ndarray | None:
    """Which pixels (by their ``columns``, 0..``width``) to read the fascicle orientation
    from when the whole band shows none clearly (its peak-to-median ``whole_ratio`` below
    ``UNCLEAR_RATIO``) but a lateral third or half of it does (``ratio_of`` that part at
    least ``PART_GAIN`` times the whole's); None: the whole band. Fascicles are often clear
    over part of the muscle only, a sonographer reads them there: on data set 1's
    S10_R20_375 vessels and shadows across the middle made the whole band's profile a broad
    hump from 20 to 60 deg (read 40 deg), while its lateral third peaked at the observers'
    19.5 deg. Only a part's own clear peak counts (not one on the edge of the angles
    looked at)."""
    if whole_ratio >= UNCLEAR_RATIO:
        return None
    best, chosen = PART_GAIN * whole_ratio, None
    for lo, hi in PARTS:
        keep = (columns >= int(lo * width)) & (columns < int(hi * width))
        if int(keep.sum()) < min_pixels:
            continue
        ratio = ratio_of(keep)
        if ratio > best:
            best, chosen = ratio, keep
    return chosen


def distinct(angles: np.ndarray, values: np.ndarray, best: int) -> float:
    """1 when the best orientation stands alone, falling to 0 as the strongest other peak
    (``strongest_rival``) reaches its height."""
    return alone_beside(values, best, strongest_rival(angles, values, best))


def alone_beside(values: np.ndarray, best: int, rival: int | None) -> float:
    """``distinct``, the strongest rival's index (or None) found already."""
    if rival is None or values[best] <= 0:
        return 1.0
    return float(np.clip((1.0 - values[rival] / values[best]) / 0.4, 0.0, 1.0))


def strongest_rival(angles: np.ndarray, values: np.ndarray, best: int) -> int | None:
    """The index of the highest other local maximum more than ``RIVAL_DEG`` from ``best``, or
    None. The steepest angles still measured are no rival (``best_inside``): their spike (the
    noisy screen there) left right readings at confidence 0.33."""
    inner = values[1:-1]
    peaks = np.flatnonzero((inner >= values[:-2]) & (inner >= values[2:])) + 1
    edges = support_edges(values)
    rivals = [int(k) for k in peaks if abs(angles[k] - angles[best]) > RIVAL_DEG and k not in edges]
    return max(rivals, key=lambda k: float(values[k])) if rivals else None


def towards_deep(deg: float, deep_score: Callable[[float], float],
                 refine_score: Callable[[float], float] | None = None, *,
                 half: float = 1.0, apo_deg: float = 0.0) -> float:
    """The fascicle angle part of the way (``deep_share``, at most ``MAX_TOWARDS_DEG``)
    from ``deg`` (the whole band's dominant streak) to the deep half's peak within
    ``DEEP_WINDOW_DEG`` of it
    (``deep_score``: its profile, swept 1 degree apart, then refined within +-``half`` by
    ``refine_score``, default the same); ``deg`` where the deep half shows no peak. Fascicles
    curve, steeper in the deep half where they insert, and the whole band favours the
    brighter superficial half: part of the way there, RMSE fell on every observer set (the
    deep half alone overshoots at rest; contracted fascicles read nearer it; docs/adr/0010).
    Of nearly equal deep peaks, the steepest
    counts, the more the nearer it comes to the highest (``_steepest_of_the_best``;
    ``apo_deg`` is the deep aponeurosis' angle). A peak on the window's edge counts (data set
    3 as stills 1.45 -> 1.37 deg with it). A clip's follower reads its frames the same way but
    starts each search from the whole band's peak, not from this reading: fed back, edge
    peaks walked it away (the jump clip 1.70 -> 3.41 deg) and leaving them out made it read
    3.5 deg below the still on the isokinetic push's plateau, both at confidence 1.0."""
    angles = np.arange(deg - DEEP_WINDOW_DEG, deg + DEEP_WINDOW_DEG + 0.01, 1.0)
    scores = np.array([deep_score(float(a)) for a in angles])
    top = int(np.argmax(scores))
    if scores[top] <= 0:
        return deg
    j, weight = _steepest_of_the_best(angles, scores, apo_deg)

    def peak(k: int) -> float:
        return refine_angle(refine_score or deep_score, float(angles[k]), half)[0]

    if j == top or weight <= 0.0:
        best = peak(top)
    elif weight >= 1.0:  # the steeper counts fully: the highest need not be refined
        best = peak(j)
    else:
        highest = peak(top)
        best = highest + weight * (peak(j) - highest)
    move = deep_share(abs(deg - apo_deg)) * (best - deg)
    return deg + max(-MAX_TOWARDS_DEG, min(MAX_TOWARDS_DEG, move))


def deep_share(pennation_deg: float) -> float:
    """How far towards the deep half's angle a fascicle at ``pennation_deg`` to the deep
    aponeurosis is read: ``TOWARDS_DEEP`` up to ``SHALLOW_DEG``, ``STEEP_TOWARDS_DEEP`` from
    ``STEEP_DEG``, in proportion between (no step: a contraction passes through)."""
    t = min(1.0, max(0.0, (pennation_deg - SHALLOW_DEG) / (STEEP_DEG - SHALLOW_DEG)))
    return TOWARDS_DEEP + t * (STEEP_TOWARDS_DEEP - TOWARDS_DEEP)


def _steepest_of_the_best(angles: np.ndarray, scores: np.ndarray, apo_deg: float) -> tuple[int, float]:
    """The deep half's peak: of its local maxima near the highest, the steepest (furthest from
    the aponeurosis at ``apo_deg``: fascicles steepen where they insert), and how much it
    counts against the highest (0..1): nothing below ``DEEP_TIE`` - ``TIE_RAMP`` / 2 of the
    highest's height, fully from ``DEEP_TIE`` + ``TIE_RAMP`` / 2, in proportion between. Two
    nearly equal peaks either side of the whole band's angle otherwise went to whichever won
    by a hair, and that changed with the image's orientation: data set 4's GM_T_10 read 3.8
    degrees apart plain and mirrored. (The peak nearest the whole band's angle was as
    symmetric and read the GM clips lower: isometric clip 1.20 -> 1.47 deg.) A single
    threshold (the steeper peak counted fully from 95 %) made a passive clip's frames read
    17.5 and 20.0 degrees by turns at confidence 0.93; in proportion, 18.5-19.3, and every
    observer set reads the same or closer (docs/adr/0010)."""
    best = float(scores.max())
    inner = np.zeros(len(scores), bool)
    inner[1:-1] = (scores[1:-1] >= scores[:-2]) & (scores[1:-1] >= scores[2:])
    inner[0], inner[-1] = scores[0] >= scores[1], scores[-1] >= scores[-2]
    low = DEEP_TIE - TIE_RAMP / 2
    # the highest (``best`` > 0: ``towards_deep`` returns before) is always among them
    tied = [int(k) for k in np.flatnonzero(inner) if scores[k] > low * best]
    k = max(tied, key=lambda k: (abs(float(angles[k]) - apo_deg), float(scores[k])))
    return k, min(1.0, (float(scores[k]) / best - low) / TIE_RAMP)
