"""The rules under which a faint line may be a deep aponeurosis (annotator/dynamics/architecture/
pairs.py): data set 1's vastus lateralis has a shadowed deep aponeurosis weaker than the
fascicle bundles above it; a fascicle, a deeper muscle's line or the same band's bend must not
take its place."""

from __future__ import annotations

import math
from dataclasses import dataclass

from annotator.dynamics.architecture.detect import PAIR_MAX_DEG, Candidate
from annotator.dynamics.architecture.pairs import (
    DEEPER_PARALLEL_DEG,
    deeper_lines,
    faint_lines,
    faint_partners,
    under_a_stronger_line_across,
)

H = 300


@dataclass(frozen=True)
class Cand:
    row: float
    deg: float = 0.0
    contrast: float = 1.5
    coverage: float = 0.2

    @property
    def slope(self) -> float:
        return math.tan(math.radians(self.deg))


SUPERFICIAL = Cand(30, 0.5, 3.5, 1.0)
BUNDLE = Cand(120, -3.0, 1.8, 0.4)  # fascicle bundles stand out over a third of the columns


def partners(faint: Cand, *others: Cand, s: Cand = SUPERFICIAL) -> list[Cand]:
    clear = [s, BUNDLE, *others]
    return faint_partners(s, faint_lines([*clear, faint], clear, H, 0.03 * H), clear)


def test_a_faint_line_running_with_a_clear_superficial_line_may_be_the_deep_one() -> None:
    deep = Cand(260, 2.0)
    assert partners(deep) == [deep]


def test_a_faint_line_at_a_fascicle_slant_is_not() -> None:
    assert partners(Cand(260, -12.0)) == []


def test_not_below_a_clear_long_line_that_is_the_deep_aponeurosis() -> None:
    # gastrocnemius over soleus: the faint line lies in the deeper muscle
    assert partners(Cand(260, 1.0), Cand(180, -6.0, 4.6, 0.98)) == []


def test_not_beside_a_clear_line_it_is_that_bands_bend() -> None:
    assert partners(Cand(BUNDLE.row + 0.05 * H, -2.0)) == []


def test_not_with_a_superficial_line_that_does_not_span_the_image() -> None:
    assert partners(Cand(260, 2.0), s=Cand(30, 0.5, 2.4, 0.35)) == []


def test_too_faint_or_too_short_is_not_a_line() -> None:
    assert partners(Cand(260, 2.0, contrast=1.2)) == []
    assert partners(Cand(260, 2.0, coverage=0.1)) == []
    assert partners(Cand(0.01 * H, 2.0)) == []  # the image's own edge row


def _line(row: float, deg: float, score: float, coverage: float) -> Candidate:
    return Candidate(row, math.tan(math.radians(deg)), score, score / 40.0, coverage)


def test_a_pair_across_a_stronger_line_above_it_is_two_fascicle_bundles() -> None:
    """Data set 1's S8_R20_225: under the superficial aponeurosis (+5 degrees, clear across the
    image) two bundles at -17 degrees were paired as the muscle's aponeuroses."""
    edge = 0.03 * H
    aponeurosis = _line(40, 5.0, 160.0, 1.0)
    bundles = _line(90, -17.0, 70.0, 0.3), _line(190, -18.0, 76.0, 0.37)
    assert under_a_stronger_line_across(*bundles, [aponeurosis, *bundles], edge)
    # one muscle's aponeuroses converge by less than PAIR_MAX_DEG: a deeper muscle's pair,
    # tilted 10 degrees against the line above, is measured
    deeper = _line(120, -5.0, 90.0, 0.8), _line(250, -6.0, 80.0, 0.6)
    assert not under_a_stronger_line_across(*deeper, [aponeurosis, *deeper], edge)
    # the image's own top edge, or a weaker line, or a short one above does not count
    top, weak, short = _line(0.0, 0.0, 200.0, 1.0), _line(40, 5.0, 60.0, 1.0), _line(40, 5.0, 160.0, 0.3)
    for above in (top, weak, short):
        assert not under_a_stronger_line_across(*bundles, [above, *bundles], edge)


def test_the_second_look_takes_a_clear_deep_line_converging_as_far_as_a_pair_may() -> None:
    """Data set 1's S8_R20_325: the superficial aponeurosis at +7 degrees, the first look's deep
    line a faint one at +3 inside the muscle, the deep aponeurosis a clear line at -7.3 (14.4
    off). A faint short line that steep is as likely a fascicle streak: only 10 degrees."""
    superficial, first = _line(42, 7.1, 157.0, 1.0), _line(163, 3.1, 60.0, 0.30)
    clear = _line(211, 7.1 - 14.4, 80.0, 0.33)  # contrast 2.0: a line a pair is chosen from
    streak = _line(230, 7.1 - 14.4, 60.0, 0.17)  # as steep, short: not a clear line
    faint = _line(270, 7.1 - 0.9 * DEEPER_PARALLEL_DEG, 60.0, 0.17)  # converging less: taken
    cands = [superficial, clear, first, streak, faint]
    assert deeper_lines(superficial, first, cands, H) == [clear, faint]
    beyond = _line(211, 7.1 - PAIR_MAX_DEG - 0.5, 80.0, 0.33)  # more than any pair may
    assert deeper_lines(superficial, first, [superficial, first, beyond], H) == []
