"""Frames the clip follower is unsure of, detected again on their own as a still is, and when
to stop asking: a clip that shows no clear muscle (a probe in air, another organ) failed every
re-detection at 0.1-0.3 s a frame, and took 25 s for 87 frames to be told so."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from annotator.dynamics.architecture.detect import MIN_GAP, slope_deg
from annotator.dynamics.architecture.estimate import (
    Detection,
    confidence,
    detect,
    estimate,
    low_reason,
)
from annotator.dynamics.architecture.types import FrameArchitecture, Line
from annotator.media.bmode_area import Area

UNSURE = 0.49  # a frame re-detected after the follower lost it stays flagged (below 0.5) ...
# ... unless the follower's values, the frame's own detection and the frame before measure the
# same muscle: the pennation within CONFIRM_DEG and the thickness within CONFIRM_SHARE (the
# accuracy the architecture targets ask for). Data set 2's jump read every 2nd frame: the deep
# aponeurosis moved 13 rows in one step where the flow said 3, and 16 of 23 frames "disagreed";
# frames 3, 5 and 18 among them read within 1.5 degrees and 2.4 % of the observers by both
# estimates, and went on from the frame before
CONFIRM_DEG, CONFIRM_SHARE = 2.0, 0.03
# why a followed frame is unsure
DISAGREE = "detection and motion disagree: values uncertain"
FAINT = "structures faint on this frame: values uncertain"
GIVE_UP = 8  # expensive looks in a row that found nothing: from then on, only now and then
LONGEST_SKIP = 32  # ... at least once in this many chances


class Backoff:
    """Whether an expensive look (a still's detection on a clip's frame) is worth trying:
    always, until ``give_up`` tries in a row found nothing; then once every few chances, the
    gap doubling with each miss up to ``longest``; and always again after a hit."""

    def __init__(self, give_up: int = GIVE_UP, longest: int = LONGEST_SKIP) -> None:
        self.give_up = give_up
        self.longest = longest
        self.misses = 0
        self._skip = 1
        self._wait = 0

    def should_try(self) -> bool:
        if self.misses < self.give_up:
            return True
        self._wait -= 1
        return self._wait <= 0

    def record(self, hit: bool) -> None:
        if hit:
            self.misses, self._skip, self._wait = 0, 1, 0
            return
        self.misses += 1
        if self.misses >= self.give_up:
            self._skip = min(self.longest, self._skip * 2)
            self._wait = self._skip


def redetect_unsure(grey_frame: Callable[[int], np.ndarray], results: dict[int, FrameArchitecture], span: Sequence[int],
                     anchors: set[int], area: Area, mm_per_px: tuple[float, float] | None,
                     times: Sequence[float | None], indices: Sequence[int], quality: Mapping[int, float],
                     cap: tuple[float, str] | None = None) -> None:
    """A frame the follower is unsure of (below 0.5: a fascicle turning faster than it can
    follow, frames far apart) is detected again on its own, as a still is; where that is surer
    (``surer_detection``), its values replace the followed ones. They stay flagged (the two
    disagreed) unless the detection confirms the follower's values and the frame before
    (``redetected_confidence``), up to a clip's ``cap`` (the highest confidence, and why). A
    clip where these looks keep failing is looked at only now and then (``Backoff``)."""
    time_of = dict(zip(indices, times, strict=True))
    looks = Backoff()
    for k, i in enumerate(span):
        r = results.get(i)
        before = results.get(span[k - 1]) if k else None  # as it stands, re-detected or not
        if r is None or i in anchors or r.confidence >= 0.5 or r.superficial is None or r.deep is None:
            continue
        if not looks.should_try():
            continue
        surer = surer_detection(grey_frame(i), area, r.superficial, r.deep_overall or r.deep, r.confidence)
        looks.record(surer is not None)
        if surer is None:
            continue
        found, sure = surer  # the value is the detection's
        conf, why = redetected_confidence(found, sure, _values(r), None if before is None else _values(before),
                                          quality.get(i, 0.0), area.centre_x)
        reason = why or r.reason
        if cap is not None and conf > cap[0]:
            conf, reason = cap
        results[i] = estimate(
            i, time_of[i], found.superficial, found.deep_local or found.deep, found.fascicle_slope, area, mm_per_px,
            conf, reason if conf < 0.5 else None, found.edges,
            deep_overall=found.deep if found.deep_local is not None else None)


Values = tuple[Line | None, Line | None, float | None]  # superficial, straight deep, fascicle slope


def redetected_confidence(found: Detection, sure: float, followed: Values, before: Values | None,
                          quality: float, x: float) -> tuple[float, str | None]:
    """The confidence of a frame the follower was unsure of, now measured by its own
    detection ``found`` (confidence ``sure``), and why it is low: where ``found`` measures
    what was ``followed`` there and what the frame ``before`` measured (``same_values``), the
    detection's confidence up to the follower's own ``quality`` (its structures' contrast,
    which a still cannot judge), with the reason that holds it back; else ``UNSURE`` at most,
    and None for the reason: the follower's (the two disagreed) stands."""
    measured = (found.superficial, found.deep, found.fascicle_slope)
    if before is None or not (same_values(measured, followed, x) and same_values(measured, before, x)):
        return min(sure, UNSURE), None
    return (sure, low_reason(found)) if sure <= quality else (quality, FAINT)


def _values(est: FrameArchitecture) -> Values:
    return est.superficial, est.deep_overall or est.deep, est.fascicle.slope if est.fascicle is not None else None


def surer_detection(grey: np.ndarray, area: Area, superficial: Line, deep: Line,
                    conf: float) -> tuple[Detection, float] | None:
    """The frame detected on its own, as a still, with its confidence, when that is surer than
    the follower's ``conf`` (by 0.1), finds a fascicle and the same aponeuroses as the
    follower's ``superficial`` and straight ``deep`` (within a tenth of the thickness at the
    centre column); else None."""
    found = detect(grey, area=area)
    if found is None or found.fascicle_slope is None:
        return None
    sure = confidence(found.apo_quality, found.fascicle_quality)
    xc = area.centre_x
    gap = deep.y_at(xc) - superficial.y_at(xc)
    same = (abs(found.superficial.y_at(xc) - superficial.y_at(xc)) < 0.1 * gap
            and abs(found.deep.y_at(xc) - deep.y_at(xc)) < 0.1 * gap)
    return (found, sure) if same and sure > conf + 0.1 else None


def same_values(a: Values, b: Values, x: float) -> bool:
    """Whether two measurements of the muscle agree: the fascicle's angle to each aponeurosis
    within ``CONFIRM_DEG`` and the gap between the aponeuroses at column ``x`` within
    ``CONFIRM_SHARE``. A frame's own detection against what the follower measured there (two
    estimates made apart, from the motion and from this image alone), or against the frame
    before (a cut or a jump no muscle makes between frames stays flagged)."""
    (s0, d0, f0), (s1, d1, f1) = a, b
    if s0 is None or d0 is None or f0 is None or s1 is None or d1 is None or f1 is None:
        return False
    if any(abs((slope_deg(f0) - slope_deg(l0.slope)) - (slope_deg(f1) - slope_deg(l1.slope))) > CONFIRM_DEG
           for l0, l1 in ((s0, s1), (d0, d1))):
        return False
    gap0, gap1 = d0.y_at(x) - s0.y_at(x), d1.y_at(x) - s1.y_at(x)
    return gap1 > 0 and abs(gap0 - gap1) <= CONFIRM_SHARE * gap1


def too_thin(area: Area, superficial: Line, deep: Line) -> bool:
    """The followed aponeuroses came closer at the area's centre than the thinnest muscle a
    still looks for (``MIN_GAP`` of the area's height): lines of text, a probe's face."""
    gap = deep.y_at(area.centre_x) - superficial.y_at(area.centre_x)
    return not math.isfinite(gap) or gap < MIN_GAP * area.height


def sure_somewhere(grey_frame: Callable[[int], np.ndarray], indices: Sequence[int], area: Area,
                   looks: int = 5) -> bool:
    """Whether a still's detection is sure (>= 0.5) on any of ``looks`` frames spread over
    the clip. Asked when the clip's seed was unsure: following a structure never seen clearly
    cannot make it surer (a probe in air followed the lines of the scanner's header at 0.53)."""
    picks = sorted({int(k) for k in np.linspace(0, len(indices) - 1, min(looks, len(indices))).round()})
    for k in picks:
        found = detect(grey_frame(indices[k]), area=area)
        if found is not None and confidence(found.apo_quality, found.fascicle_quality) >= 0.5:
            return True
    return False
