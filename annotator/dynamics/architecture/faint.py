"""A faint deep aponeurosis: in a thick vastus lateralis the deep aponeurosis near the bottom of
the image is often a shadowed, grainy band (contrast about 1.5, clear over a fifth of the
columns), weaker than the fascicle bundles above it, so it never counts among the clear lines
an aponeurosis pair is chosen from. Such a line may still be the deep one of a pair, under
rules that keep fascicles and deeper muscles out (docs/adr/0010)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol, TypeVar

CONTRAST, COVERAGE = 1.3, 0.15  # the least a faint line shows
PARALLEL_DEG = 6.0  # it runs with the superficial aponeurosis (fascicles cross it at a slant)
APART = 0.08  # of the height: nearer a clear line, it is that band's bending part


class Line(Protocol):
    """A candidate line (``detect.Candidate``): working row at the centre column, slope,
    contrast over the background, share of columns where it stands out."""

    @property
    def row(self) -> float: ...
    @property
    def slope(self) -> float: ...
    @property
    def contrast(self) -> float: ...
    @property
    def coverage(self) -> float: ...


L = TypeVar("L", bound=Line)


def _deg(slope: float) -> float:
    return math.degrees(math.atan(slope))


def faint_lines(cands: Sequence[L], clear: Sequence[L], h: int, edge: float) -> list[L]:
    """The candidates that are not clear lines but may be a faint deep aponeurosis."""
    return [c for c in cands if c not in clear and c.coverage >= COVERAGE and c.contrast >= CONTRAST
            and edge < c.row < h - 1 - edge and all(abs(c.row - g.row) >= APART * h for g in clear)]


def faint_partners(s: L, faint: Sequence[L], strong: Sequence[L], clear: float, pair_deg: float) -> list[L]:
    """The faint lines that may be the deep aponeurosis below the superficial ``s``: beside a
    superficial line clear across the image (over ``clear`` of the columns), running with it,
    and with no such clear line between them within ``pair_deg`` of it (that one is the deep
    aponeurosis, the faint line a deeper muscle's)."""
    if s.coverage < clear:
        return []
    return [d for d in faint if abs(_deg(d.slope) - _deg(s.slope)) < PARALLEL_DEG
            and not any(s.row < c.row < d.row and c.coverage >= clear
                        and abs(_deg(c.slope) - _deg(s.slope)) < pair_deg for c in strong)]
