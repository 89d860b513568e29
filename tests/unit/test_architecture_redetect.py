"""A clip that shows no clear muscle: the still's detection is not run on every frame (a
probe in air took 25 s for 87 frames), and following structures never seen clearly does not
make them sure (the Voluson clip's header text was followed at confidence 0.53)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from annotator.dynamics.architecture import analyse_sequence, redetect
from annotator.dynamics.architecture.estimate import Detection, estimate
from annotator.dynamics.architecture.redetect import GIVE_UP, LONGEST_SKIP, Backoff
from annotator.dynamics.architecture.types import FrameArchitecture, Line
from annotator.dynamics.frames import to_grey
from annotator.media import open_media
from annotator.media.bmode_area import Area


def test_backoff_tries_always_then_seldom_and_again_after_a_hit() -> None:
    looks = Backoff(give_up=3, longest=8)
    pattern = []
    for _ in range(40):
        tried = looks.should_try()
        pattern.append(tried)
        if tried:
            looks.record(False)
    assert pattern[:3] == [True, True, True]  # every chance until three misses in a row
    assert pattern[3:5] == [False, True]  # then every 2nd, 4th, 8th chance, and no sparser
    gaps = np.diff(np.flatnonzero(pattern[3:]))
    assert list(gaps[:3]) == [4, 8, 8] and max(gaps) == 8
    assert sum(pattern) < 12
    looks.record(True)  # a hit: every chance again
    assert all(looks.should_try() for _ in range(3))


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = redetect.detect

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(redetect, "detect", counted)
    return calls


def test_a_long_clip_of_noise_is_not_detected_frame_by_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(60, 25, (240, 320))
    frames = [np.clip(base + rng.normal(0, 25, base.shape), 0, 255).astype(np.uint8) for _ in range(120)]
    calls = _counting(monkeypatch)
    res = analyse_sequence(frames.__getitem__, range(len(frames)), mm_per_px=None)
    assert len(res) == 120 and all(r.confidence < 0.5 for r in res)
    # five looks for a sure frame, then re-detection backs off: far fewer than 120 looks
    assert len(calls) <= 5 + GIVE_UP + 120 // LONGEST_SKIP + 6, len(calls)


@pytest.mark.corpus
def test_a_probe_in_air_is_never_sure_even_where_static_text_is_followed(corpus: Path) -> None:
    """GE Voluson, probe in air: the frame is black below a bright text header. Read without
    its DICOM region (as a screen recording would be), the header's text lines were the
    'aponeuroses', followed steadily at 0.53."""
    with open_media(corpus / "orthanc-tests" / "Issue164.dcm") as media:
        frames = [to_grey(media.frame(i)) for i in range(media.frame_count)]
    res = analyse_sequence(frames.__getitem__, range(len(frames)), mm_per_px=None)
    assert len(res) == 87 and max(r.confidence for r in res) < 0.5
    assert all(r.reason for r in res)


AREA = Area(0, 0, 400, 300)
SUPERFICIAL, DEEP = Line(0, 60, 399, 70), Line(0, 200, 399, 220)
FASCICLE = -0.45  # dy/dx: about 24 degrees


def _detection(superficial: Line = SUPERFICIAL, deep: Line = DEEP, slope: float = FASCICLE,
               quality: float = 0.95) -> Detection:
    return Detection(AREA, superficial, deep, slope, quality, quality)


def test_two_measurements_agree_only_within_the_targets() -> None:
    x = AREA.centre_x
    same = (SUPERFICIAL, DEEP, FASCICLE)
    assert redetect.same_values(same, same, x)
    turned = math.tan(math.atan(FASCICLE) + math.radians(redetect.CONFIRM_DEG + 0.5))
    assert not redetect.same_values((SUPERFICIAL, DEEP, turned), same, x)
    gap = DEEP.y_at(x) - SUPERFICIAL.y_at(x)
    assert not redetect.same_values((SUPERFICIAL, DEEP.shifted((redetect.CONFIRM_SHARE + 0.01) * gap), FASCICLE), same, x)
    assert redetect.same_values((SUPERFICIAL, DEEP.shifted(0.5 * redetect.CONFIRM_SHARE * gap), FASCICLE), same, x)
    assert not redetect.same_values(same, (SUPERFICIAL, DEEP, None), x)  # nothing followed to confirm


def _followed(frame: int, slope: float, conf: float = 0.3) -> FrameArchitecture:
    reason = redetect.DISAGREE if conf < 0.5 else None
    return estimate(frame, 100.0 * frame, SUPERFICIAL, DEEP, slope, AREA, None, conf, reason)


NEVER = (redetect.UNSURE, "never seen clearly")
JUMPED = FASCICLE - 0.2  # about 9 degrees steeper


@pytest.mark.parametrize(("followed_slope", "before_slope", "quality", "cap", "expected"), [
    # the detection measures what was followed, and the frame before: the frame's own quality
    (FASCICLE, FASCICLE, 0.8, None, 0.8),
    (FASCICLE, FASCICLE, 1.0, None, 0.95),  # ... and the detection's own confidence
    (FASCICLE, FASCICLE, 0.4, None, 0.4),  # faint structures stay flagged
    (FASCICLE, FASCICLE, 1.0, NEVER, redetect.UNSURE),  # never above a clip's cap
    (JUMPED, FASCICLE, 1.0, None, redetect.UNSURE),  # the detection and the follower disagree
    (FASCICLE, JUMPED, 1.0, None, redetect.UNSURE),  # a jump from the frame before (a cut)
])
def test_a_redetected_frame_is_sure_only_where_it_confirms_the_follower_and_the_frame_before(
        monkeypatch: pytest.MonkeyPatch, followed_slope: float, before_slope: float, quality: float,
        cap: tuple[float, str] | None, expected: float) -> None:
    monkeypatch.setattr(redetect, "surer_detection", lambda *_args: (_detection(), 0.95))
    results = {2: _followed(2, before_slope, 0.9), 3: _followed(3, followed_slope)}
    redetect.redetect_unsure(lambda _i: np.zeros((300, 400), np.uint8), results, [2, 3], set(), AREA, None,
                             [200.0, 300.0], [2, 3], {2: 1.0, 3: quality}, cap)
    r = results[3]
    assert r.confidence == pytest.approx(expected)
    assert r.fascicle is not None and r.fascicle.slope == pytest.approx(FASCICLE)  # the detection's value
    assert (r.reason is None) == (expected >= 0.5)
    if cap is not None:
        assert r.reason == cap[1]
    elif expected == redetect.UNSURE:
        assert r.reason == redetect.DISAGREE
    elif expected < 0.5:
        assert r.reason == redetect.FAINT  # the follower's own quality held it back


@pytest.mark.parametrize(("lines", "named"), [
    ((0.9, 0.1), "deep aponeurosis"),  # the common vastus lateralis: a clear superficial, a faint deep
    ((0.3, 0.6), "superficial aponeurosis"),
    ((0.2, 0.3), "superficial aponeurosis"),  # both below 0.5: the fainter one
    ((0.3, 0.2), "deep aponeurosis"),
    ((0.2, 0.1), "both aponeuroses"),  # each alone leaves the pair unsure
    ((0.9, 0.8), "deep aponeurosis"),  # clear lines held unsure: the second look's faint deep line
])
def test_an_unsure_pair_names_the_aponeurosis_to_check(lines: tuple[float, float], named: str) -> None:
    from annotator.dynamics.architecture.estimate import low_reason

    found = Detection(AREA, SUPERFICIAL, DEEP, FASCICLE, min(0.4, lines[0] * lines[1]), 0.9, line_quality=lines)
    assert low_reason(found).startswith(f"{named} faint or broken")


@pytest.mark.parametrize(("rival_deg", "says"), [(30.0, "steeper"), (16.0, "flatter")])
def test_fascicles_unsure_between_two_directions_say_where_the_other_lies(rival_deg: float, says: str) -> None:
    """Clear lines, and a second fascicle orientation nearly as clear as the one read: the row
    says which way and how far the other lies from it (to the superficial aponeurosis), so the
    sonographer knows what to check; without a rival, only that the fascicles are unclear."""
    from annotator.dynamics.architecture.estimate import low_reason

    flat = Line(0, 60, 399, 60)

    def rising(deg: float) -> float:  # the screen slope of a line rising to the right
        return -math.tan(math.radians(deg))

    found = Detection(AREA, flat, flat.shifted(150.0), rising(22.0), 0.9, 0.3, fascicle_rival=rising(rival_deg))
    assert low_reason(found) == (f"a second fascicle direction, {abs(rival_deg - 22.0):.0f} degrees {says}, "
                                 "is nearly as clear: pennation and fascicle length uncertain")
    plain = Detection(AREA, flat, flat.shifted(150.0), rising(22.0), 0.9, 0.3)
    assert low_reason(plain).startswith("fascicles unclear")
