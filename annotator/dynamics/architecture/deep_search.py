"""A second, more permissive look for the deep aponeurosis when the chosen pair is unsure.

In thick vastus lateralis (TimTrack data set 1) the deep aponeurosis is often a faint grainy
band near the bottom of the image (contrast about 1.5, clear over a fifth of the columns):
below what any line needs to become a candidate, while long bright fascicles score higher, so
the muscle was cut at a fascicle. Only when the first pair is unsure, lines below its deep
line that run with the superficial aponeurosis are tried with lower thresholds, scored as
``choose_pair`` scores a pair (a deeper line makes a thicker muscle, which that score favours).
The line's own faint contrast and coverage still set its quality, so confidence stays low."""

from __future__ import annotations

from annotator.dynamics.architecture.detect import (
    BLOCKER_COVERAGE,
    BLOCKER_DEG,
    OBLIQUE_DEG,
    PAIR_MAX_DEG,
    Candidate,
    Work,
    _deg,
    _work_line,
    fascicle_orientation,
)

KEEP = 16  # candidates looked at in the second pass (the first looks at the 8 strongest)
FAINT_CONTRAST = 1.4
FAINT_COVERAGE = 0.12
WITH_SUPERFICIAL_DEG = 5.0  # a faint deep line runs within this of the superficial one
# the muscle was cut short: the faint line lies this much further from the superficial one
# (1.2-3.3 times on data set 1); a line just below is the same bending band (1.08 times on
# a data set 2 image whose still then seeded a clip's drawing with another line)
DEEPER = 1.15


def pair_value(work: Work, s: Candidate, d: Candidate) -> float | None:
    """``choose_pair``'s value of one pair (None where it would be refused)."""
    h = work.ridges.shape[0]
    f_slope, clarity = fascicle_orientation(work, _work_line(work, s), _work_line(work, d), step_deg=2.0)
    if f_slope is None:
        return None
    f_deg = _deg(f_slope)
    if min(abs(f_deg - _deg(s.slope)), abs(f_deg - _deg(d.slope))) < OBLIQUE_DEG:
        return None
    parallel = 1.0 - (abs(_deg(s.slope) - _deg(d.slope)) / PAIR_MAX_DEG) ** 2
    return (s.score + d.score) * ((d.row - s.row) / h) * (0.3 + clarity) * parallel


def deeper_pair(work: Work, pair: tuple[Candidate, Candidate],
                cands: list[Candidate]) -> tuple[Candidate, Candidate] | None:
    """A faint line below the chosen deep one that makes a better pair with the superficial
    aponeurosis, or None."""
    s, d = pair
    h = work.ridges.shape[0]
    edge = 0.03 * h
    faint = [c for c in cands if s.row + DEEPER * (d.row - s.row) < c.row < h - 1 - edge and c.contrast >= FAINT_CONTRAST
             and c.coverage >= FAINT_COVERAGE and abs(_deg(c.slope) - _deg(s.slope)) <= WITH_SUPERFICIAL_DEG]
    if not faint:
        return None
    base = pair_value(work, s, d)
    best: tuple[float, Candidate] | None = None
    for c in faint:
        if _blocked(s, c, cands):
            continue
        value = pair_value(work, s, c)
        if value is not None and (best is None or value > best[0]):
            best = (value, c)
    if best is None or (base is not None and best[0] <= base):
        return None
    return s, best[1]


def _blocked(s: Candidate, d: Candidate, cands: list[Candidate]) -> bool:
    """``choose_pair``'s rule: a line between them that runs with them over most of the width
    (a fascia, or the first pass's own well-covered deep aponeurosis) ends the muscle there."""
    weaker = min(s.score, d.score)
    mean = 0.5 * (_deg(s.slope) + _deg(d.slope))
    return any(s.row < c.row < d.row and c.coverage >= BLOCKER_COVERAGE and abs(_deg(c.slope) - mean) < BLOCKER_DEG
               and c.score > 0.7 * weaker for c in cands)
