"""A clip that shows no clear muscle: the still's detection is not run on every frame (a
probe in air took 25 s for 87 frames), and following structures never seen clearly does not
make them sure (the Voluson clip's header text was followed at confidence 0.53)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from annotator.dynamics.architecture import analyse_sequence, redetect
from annotator.dynamics.architecture.redetect import GIVE_UP, LONGEST_SKIP, Backoff
from annotator.dynamics.frames import to_grey
from annotator.media import open_media


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
