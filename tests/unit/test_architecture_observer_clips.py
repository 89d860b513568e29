"""Clip mode against three human observers: data set 2's jumping and range-of-motion
sequences (../shared/corpus/timvanderzee-timtrack-observers), each read in frame order as a
clip, and the three corpus MP4 clips against data set 3's observers (benchmarks/data), measured by ``analyse_sequence`` and by following a thickness and a fascicle drawn on
the first frame (skipped where the corpus is absent, never in CI). The bounds sit a little
above what was measured when they were set (``python -m benchmarks architecture``): they
catch a regression, they do not claim the issue's targets (2 degrees, 3 %)."""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.observer_clips import (
    CLIPS,
    DATASET_3_SCALE,
    SEQUENCES,
    clip_frames,
    dataset_3,
    deep_3,
    measure,
    measure_clip,
)

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

# sequence: mode -> (pennation RMSE deg, thickness RMSE %) bounds; measured 1.76 / 1.7 and
# 1.50 / 2.6 (analysis), 1.58 / 2.0 and 1.51 / 0.9 (drawn) since the imaging area leaves the
# screen's header out and an unclear frame no longer resets the fusion's run of turned-away
# detections (1.70 / 2.0, 1.36 / 1.9, 1.54 / 2.0, 1.40 / 1.1 before), thickness read near the edge where
# the fascicles reach the deep aponeurosis (1.9, 3.1, 4.2 and 2.1 % where they insert), a drawn
# one followed by the merged crest of a double band (structure_lines.MERGE_SIGMA: 4.7 and 1.5 %
# before). A drawn thickness's crest is searched on its own frame until it stays: 1.4 and 1.9 %
# (2.0 and 0.9 before: the range of motion's superficial edge jumped 10 px up on frame 1 where
# the first search had stopped short, which made up for frame 0's 2.4 % thin detection). A
# third of the way to the deep half: clip 1.30 / 1.57 deg, drawn 1.68 / 1.34 deg; all the way
# where the fascicles are steep (profile.deep_share): clip 1.25 / 1.57, drawn 1.65 / 1.33
BOUNDS = {
    "jumping": {"clip": (1.6, 2.4), "drawn": (2.0, 2.0)},
    "range-of-motion": {"clip": (1.8, 2.9), "drawn": (1.8, 2.4)},
}


@functools.cache
def _measured(name: str) -> dict[str, dict[str, float]]:
    return measure(name)


@pytest.mark.parametrize("name", SEQUENCES)
def test_clip_mode_against_the_observers(corpus: Path, name: str) -> None:
    m = _measured(name)
    assert m["observers"]["frames"] >= 20, "the sequences are in the corpus"
    for mode, (pen, thick) in BOUNDS[name].items():
        e = m[mode]
        assert e["found"] == m["observers"]["frames"], (mode, e)
        assert e["pennation_rmse"] <= pen and e["thickness_rmse"] <= thick, (mode, e)


@pytest.mark.parametrize("name", SEQUENCES)
def test_clip_mode_is_not_much_worse_than_each_frame_alone(corpus: Path, name: str) -> None:
    """Following must not lose what a still finds: frames far apart (30 frames on the range
    of motion) move more than the flow predicts, and the detections must lead."""
    m = _measured(name)
    assert m["clip"]["pennation_rmse"] <= m["still"]["pennation_rmse"] + 0.8, m
    # both measure thickness at the same column, on the deep band's tangent where the fascicle
    # inserts (a clip on its fused bend: measured 2.0 / 1.9 % against a still's 1.9 / 1.9 %)
    assert m["clip"]["thickness_rmse"] <= m["still"]["thickness_rmse"] + 2.0, m


# sequence -> (at least this many frames the clip calls sure, at most this many flagged frames
# of the drawn fascicle); measured 10 sure frames at 0.95 deg / 1.5 % RMSE and 24 at 1.50 / 2.7 %,
# drawn 12 and 9 flagged, since a frame's own detection that confirms what the follower measured,
# and goes on from the frame before, lifts the flag (before: 7 and 21 sure, 16 and 12 flagged,
# the jump's frames 3, 5 and 18 among them, right within 1.5 degrees and 2.4 %). Since a
# fascicle is read a third of the way to the deep half (not halfway), the jump's frame 5
# (13.6 deg either way, observers 14.5) is flagged at 0.49 where it stood at 0.77: 9 sure
# frames at 0.92 deg / 1.4 %, the clip 1.63 -> 1.30 deg over all its frames; the drawn
# fascicle's frame 17 (14.9 deg, observers 15.7) is flagged too: 13. Since the superficial
# edge is read nearer its crest (the drawn fascicle starts a little higher), the drawn jump's
# frame 12 reads 30.5 deg where it read 26.7 (observers 31.4) and frame 5 is flagged at 0.49
# (13.8 deg, observers 14.5; 0.78 before): 14, the drawn pennation 1.65 -> 1.32 deg RMSE. On
# the range of motion the follower itself is unsure of frame 12 (0.94 before) and frame 21
# falls 0.50 -> 0.49, both read within 1.5 deg of the observers: 11 (1.33 -> 1.36 deg)
SURE = {"jumping": (9, 14), "range-of-motion": (24, 11)}


@pytest.mark.parametrize("name", SEQUENCES)
def test_the_frames_a_clip_calls_sure_are_right_and_most_frames_are_sure(corpus: Path, name: str) -> None:
    m = _measured(name)
    least, flagged = SURE[name]
    sure = m["clip_sure"]
    assert sure["found"] >= least, m["clip"]
    assert sure["pennation_rmse"] <= 2.0 and sure["thickness_rmse"] <= 3.0, sure
    assert m["drawn"]["low"] <= flagged, m["drawn"]


# data set 3 (TimTrack paper) on the corpus MP4s: clip -> mode -> (pennation RMSE deg,
# thickness RMSE %) bounds; measured clip 2.13 / 0.9, 1.20 / 0.6, 0.93 / 1.5 and drawn 2.19 /
# 1.6, 1.26 / 1.0, 1.01 / 2.1 since the imaging area leaves the screen's panels out and tied
# deep-half peaks go to the steeper (clip 2.29 / 0.8, 1.12 / 0.6, 0.66 / 1.0, drawn 2.13 / 1.4,
# 1.37 / 0.9, 0.66 / 2.0 before), and since thickness is read near the edge where the fascicles reach
# the deep aponeurosis, as the observers read it (where they insert: clip 3.0 / 2.4 / 2.3 %,
# drawn 1.6 / 2.5 / 5.6 %); a drawn thickness's crest searched until it stays: drawn 1.0 / 1.0 /
# 1.3 % (1.6 / 1.0 / 2.1 before); the follower reading the deep half as a still does: clip
# 2.14 / 1.31 / 0.93, drawn 2.02 / 1.21 / 1.04 deg (2.09 / 1.24 / 0.93 and 2.23 / 1.26 / 1.01 before);
# a third of the way to the deep half: clip 1.97 / 1.34 / 0.78, drawn 1.93 / 1.46 / 0.85 deg;
# all the way (at most 2 deg) where the fascicles are steep (profile.deep_share): clip 1.83 /
# 1.19 / 0.74, drawn 1.76 / 1.29 / 0.83 deg. The isometric bounds fail at a third; the 500 deg/s
# push keeps room, its single frames move by up to 1.2 deg with tiny changes (docs/adr/0010)
BOUNDS_3 = {
    "p6_isokinetic500_01_push_01.mp4": {"clip": (2.1, 1.3), "drawn": (2.1, 1.5)},
    "p6_isometric_max_01_push_02.mp4": {"clip": (1.3, 1.1), "drawn": (1.4, 1.4)},
    "p6_passive_ROM_01_push_01.mp4": {"clip": (1.0, 1.8), "drawn": (1.1, 1.8)},
}


def test_data_set_3_lists_its_32_clips_with_the_corpus_clips_whole() -> None:
    """The committed observer values (benchmarks/data) cover data set 3's 32 clips, 10 frames
    each; the three corpus clips have three observers on every frame. A fascicle angle beyond
    90 degrees (observer 3's 155.59 on p6_isokinetic030_01_push_04) is a slip, left out."""
    data = dataset_3()
    assert len(data) == 32 and set(BOUNDS_3) <= set(data)
    for clip, (frames, items) in data.items():
        assert len(frames) == 10 and frames == sorted(frames) and frames[0] == 9, clip
        assert all(1 <= len(i.alpha) <= 3 for i in items)
        assert all(150 < i.thickness_px < 240 for i in items)  # MP4 pixels (19-21 mm at 0.0916 mm/px)
        assert all(0 < abs(a) < 90 for i in items for a in i.alpha)
        if clip in BOUNDS_3:
            assert all(len(i.alpha) == 3 for i in items)
    slip = data["p6_isokinetic030_01_push_04.mp4"]
    assert len(slip[1][slip[0].index(100)].alpha) == 1  # observer 1 measured no frame of that push


def test_data_set_3_gives_one_observers_deep_aponeurosis_on_12_clips() -> None:
    """Observer 2's sheet "Tim" adds gamma (the deep aponeurosis angle) on the isokinetic 30,
    120 and 210 deg/s clips: 120 frames whose pennation to the deep aponeurosis (alpha - gamma,
    the command's deep_pennation_deg) is known."""
    deep = deep_3()
    assert len(deep) == 12 and all(len(v) == 10 for v in deep.values())
    assert all(clip.startswith(("p6_isokinetic030", "p6_isokinetic120", "p6_isokinetic210")) for clip in deep)
    frames, items = dataset_3()["p6_isokinetic030_01_push_01.mp4"]
    assert sorted(deep["p6_isokinetic030_01_push_01.mp4"]) == frames
    assert all(10.0 < v < 60.0 for values in deep.values() for v in values.values())


def test_the_papers_frames_are_the_mp4s_frames_enlarged(corpus: Path) -> None:
    """The mapping the data set 3 comparison rests on: the paper's image push_02_29 (in the
    corpus, a mirrored MATLAB figure) is the isometric MP4's frame 28 enlarged DATASET_3_SCALE
    times, better matched there than on the frames beside it or at other scales."""
    paper = cv2.imread(str(corpus / "timvanderzee-ultrasound-automated-algorithm"
                           / "ds3_GM_Telemed_p6_isometric_max_01_push_02_29.jpg"), cv2.IMREAD_GRAYSCALE)
    assert paper is not None
    paper = cv2.flip(paper, 1)
    frames = clip_frames(CLIPS / "p6_isometric_max_01_push_02.mp4")[:31]

    def match(frame: int, scale: float) -> float:
        small = cv2.resize(paper, None, fx=1 / scale, fy=1 / scale, interpolation=cv2.INTER_AREA)
        return float(cv2.matchTemplate(small, frames[frame][60:600, 230:920], cv2.TM_CCOEFF_NORMED).max())

    best = match(28, DATASET_3_SCALE)
    assert best > 0.99
    assert all(match(f, DATASET_3_SCALE) < best - 0.01 for f in (26, 27, 29, 30))
    assert all(match(28, s) < best - 0.002 for s in (DATASET_3_SCALE - 0.02, DATASET_3_SCALE + 0.02))


def test_the_papers_figure_is_analysed_inside_its_image(corpus: Path) -> None:
    """The paper's image push_02_29 (the scanner screen as a MATLAB figure: white margin, grey
    panels, a text header) is analysed inside its B-mode image, header left out, and reads as
    its three observers did (pennation 25.2 deg, thickness 257.7 figure px). On the paper's
    other data set 3 figures the image's deep half is black, and the area took half the image
    or less (generated: tests/unit/test_architecture_robustness.py)."""
    import math

    from annotator.dynamics.architecture import analyse_image
    from annotator.media.bmode_area import imaging_area

    paper = cv2.imread(str(corpus / "timvanderzee-ultrasound-automated-algorithm"
                           / "ds3_GM_Telemed_p6_isometric_max_01_push_02_29.jpg"), cv2.IMREAD_GRAYSCALE)
    assert paper is not None
    area = imaging_area(paper)
    assert abs(area.x0 - 375) <= 12 and abs(area.x1 - 1290) <= 12 and 90 <= area.y0 <= 110, area
    observers = [(23.0, -2.7, 260.0), (22.72, -2.4, 258.0), (22.06, -2.86, 256.0)]  # benchmarks/data
    pennation = sum(a - b for a, b, _ in observers) / 3
    thickness = sum(h * math.cos(math.radians(b)) for _, b, h in observers) / 3
    est = analyse_image(paper, mm_per_px=None)
    assert est.confidence >= 0.5 and est.thickness is not None
    assert est.pennation_deg is not None and abs(est.pennation_deg - pennation) < 2.0
    assert abs(est.thickness - thickness) < 0.03 * thickness


@functools.cache
def _measured_3(clip: str) -> dict[str, dict[str, float]]:
    frames, items = dataset_3()[clip]
    return measure_clip(clip_frames(CLIPS / clip), frames, items)


@pytest.mark.parametrize("clip", sorted(BOUNDS_3))
def test_the_corpus_clips_against_the_observers_of_data_set_3(corpus: Path, clip: str) -> None:
    m = _measured_3(clip)
    for mode, (pen, thick) in BOUNDS_3[clip].items():
        e = m[mode]
        assert e["found"] == 10, (mode, e)
        assert e["pennation_rmse"] <= pen and e["thickness_rmse"] <= thick, (mode, e)
        # none of the observers' frames is flagged: each reads within 4.1 deg of them. The
        # isokinetic push's steady peak at 49 deg had 4 (3 drawn) below 0.5 while the
        # fascicle was fused as a slope, whose noise grows as 1 / cos^2
        assert e["low"] == 0, (mode, e)


def test_a_clip_reads_its_steady_frames_as_each_frame_alone_reads_them(corpus: Path) -> None:
    """On the isokinetic push's plateau (frames 44-58, the muscle still) the fascicles' deep
    half is 7 degrees steeper than the whole band, and a still reads its angle part of the way
    to it (52.5-53 deg at confidence 1.0 when that was halfway). The clip's follower read 49.0-49.2 there, also at 1.0:
    it left a deep-half peak on its window's edge out, because its reading was its next
    search's start and edge peaks walked it away. It now searches from the whole band's peak
    and reads each frame as a still does."""
    from annotator.dynamics.architecture import analyse_image, analyse_sequence

    grey = clip_frames(CLIPS / "p6_isokinetic500_01_push_01.mp4")
    clip = analyse_sequence(grey.__getitem__, range(len(grey)), mm_per_px=None)
    for k in range(44, len(grey), 2):
        still = analyse_image(grey[k], mm_per_px=None)
        assert still.deep_pennation_deg is not None and clip[k].deep_pennation_deg is not None
        assert still.confidence >= 0.9
        assert abs(clip[k].deep_pennation_deg - still.deep_pennation_deg) < 1.0, (k, clip[k].deep_pennation_deg, still.deep_pennation_deg)


def test_a_drawn_thickness_reads_the_same_on_the_clip_enlarged(corpus: Path) -> None:
    """A scanner that exports at a finer pixel density (here the isometric MP4 enlarged 1.6
    times, 18 px per mm) must not change the value: the drawn thickness followed over 40 frames
    reads within 1 % of the same thickness at the clip's own size. Before its search sizes
    followed the pixel density it read 3.6 % thicker than the observers there (1.0 % at 1x)."""
    from annotator.case import architecture_geometry as geometry
    from annotator.dynamics import structure_lines
    from annotator.dynamics.architecture import analyse_image, architecture_points

    frames = clip_frames(CLIPS / "p6_isometric_max_01_push_02.mp4")[:40]
    values = []
    for factor in (1.0, 1.6):
        grey = frames if factor == 1.0 else [cv2.resize(g, None, fx=factor, fy=factor) for g in frames]
        drawn = architecture_points(analyse_image(grey[0], mm_per_px=None))["thickness"]
        points, conf = structure_lines.track_structures(grey.__getitem__, "thickness", 0, drawn, 0, len(grey) - 1)
        assert min(conf.values()) >= 0.5
        values.append(np.array([geometry.thickness(points[k]) or 0.0 for k in range(len(grey))]) / factor)
    assert np.abs(values[1] - values[0]).max() < 0.01 * values[0].mean(), np.abs(values[1] - values[0]).max()
