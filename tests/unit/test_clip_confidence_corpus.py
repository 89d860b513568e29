"""Confidence on a real contraction clip (../shared/corpus, medial gastrocnemius, isometric
maximal push; issue 9 item 4): high on the frames at rest, and below 0.5 in each case the
issue names, made from the real frames: detection and flow disagree (a cut from rest to the
contracted muscle), low contrast (frames faded into speckle), a structure leaving the image
(the view slides down), and a sequence whose passes do not close (the structures vanish for
a while). Wherever the followed pennation jumps, the confidence says so."""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.dynamics.architecture import analyse_image, analyse_sequence
from annotator.dynamics.architecture.types import FrameArchitecture
from annotator.dynamics.frames import to_grey
from annotator.media import open_media

pytestmark = pytest.mark.corpus

CLIP = "joshrbaxter-ultrasound_tracking/p6_isometric_max_01_push_02.mp4"
MM_PER_PX = 50.0 / 546.0


@pytest.fixture
def frames(corpus: Path) -> list[np.ndarray]:
    return list(_decoded(corpus / CLIP))


@functools.cache
def _decoded(path: Path) -> tuple[np.ndarray, ...]:
    """The clip's grey frames, decoded once for the module's tests."""
    with open_media(path) as media:
        return tuple(to_grey(media.frame(i)) for i in range(media.frame_count))


def _analyse(frames: list[np.ndarray]) -> list[FrameArchitecture]:
    return analyse_sequence(lambda i: frames[i], range(len(frames)), mm_per_px=(MM_PER_PX, MM_PER_PX))


def _faded(grey: np.ndarray, keep: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).gamma(1.2, float(grey.mean()) / 1.2 + 1.0, grey.shape).astype(np.float32)
    noise = cv2.GaussianBlur(noise, (0, 0), 1.5)
    return np.clip(keep * grey.astype(np.float32) + (1 - keep) * noise, 0, 255).astype(np.uint8)


def test_the_whole_clip_is_sure_at_rest_and_says_where_it_jumps(frames: list[np.ndarray]) -> None:
    res = _analyse(frames)
    conf = np.array([r.confidence for r in res])
    pennation = np.array([r.deep_pennation_deg if r.deep_pennation_deg is not None else np.nan for r in res])
    assert conf[:20].min() >= 0.5 and conf[-20:].min() >= 0.5  # at rest, both ends
    assert (conf >= 0.5).mean() > 0.9
    jumps = np.flatnonzero(np.abs(np.diff(pennation)) > 4.0) + 1
    assert all(conf[i] < 0.5 or conf[i - 1] < 0.5 for i in jumps), [(i, pennation[i - 1], pennation[i]) for i in jumps]


def test_a_cut_from_rest_to_the_contracted_muscle(frames: list[np.ndarray]) -> None:
    """Frames 0-19 at rest, then frames 70-89 (contracted, fascicles about 18 degrees steeper):
    the flow sees a jump no muscle makes in one frame."""
    res = _analyse(frames[:20] + frames[70:90])
    conf = [r.confidence for r in res]
    assert min(conf[19:23]) < 0.5
    assert min(conf[:15]) >= 0.5 and min(conf[28:]) >= 0.5


def test_every_20th_frame_is_flagged_only_where_the_motion_was_lost(frames: list[np.ndarray]) -> None:
    """The clip read every 20th frame (a sparse export, or a sequence of stills): the flow
    fails between some of them (too far apart) and predicts nothing there. Those frames say
    so, in their own words; the others are sure, and every frame reads as the frame alone
    does. Before, the failed flow's "no motion" disagreed with the detections and 9 of 10
    frames were flagged "detection and motion disagree"."""
    sparse = frames[::20]
    res = _analyse(sparse)
    stills = [analyse_image(g, mm_per_px=(MM_PER_PX, MM_PER_PX)) for g in sparse]
    low = [r for r in res if r.confidence < 0.5]
    assert len(low) <= 4, [(r.frame, r.confidence, r.reason) for r in res]
    assert all(r.reason is not None and "could not be followed" in r.reason for r in low), [r.reason for r in low]
    for r, still in zip(res, stills, strict=True):
        assert r.deep_pennation_deg is not None and still.deep_pennation_deg is not None
        # after a jump the follower sweeps every angle 2 degrees apart and takes a stronger
        # peak beyond its window: measured 0.37 degrees at most, 0.41 since steep fascicles
        # are read nearer the deep half (profile.deep_share) (before, the last frame kept
        # the lesser of two whole-band peaks 4.8 degrees apart: 2.5 degrees off, 3.4 when a
        # fascicle is read a third of the way to the deep half)
        assert abs(r.deep_pennation_deg - still.deep_pennation_deg) < 1.0, (r.frame, r.deep_pennation_deg, still.deep_pennation_deg)


def test_real_structures_faded_into_speckle(frames: list[np.ndarray]) -> None:
    """The last 40 frames (at rest again), ten of them with a tenth of the image left in speckle."""
    clip = [_faded(g, 0.1, k) if 15 <= k < 25 else g for k, g in enumerate(frames[-40:])]
    res = _analyse(clip)
    conf = [r.confidence for r in res]
    assert max(conf[16:24]) < 0.5, conf
    assert min(conf[:12]) >= 0.5 and min(conf[32:]) >= 0.5, conf


def test_the_deep_aponeurosis_leaving_the_image(frames: list[np.ndarray]) -> None:
    """The view slides 12 px a frame from frame 10 on: the deep aponeurosis (rows ~300-350)
    reaches the bottom of the 624-row frame after about 22 frames."""
    h, w = frames[0].shape
    clip = [cv2.warpAffine(g, np.float32([[1, 0, 0], [0, 1, 12.0 * max(0, k - 9)]]), (w, h))
            for k, g in enumerate(frames[:40])]
    res = _analyse(clip)
    conf = [r.confidence for r in res]
    assert min(conf[:12]) >= 0.5, conf
    assert max(conf[34:]) < 0.5, conf
