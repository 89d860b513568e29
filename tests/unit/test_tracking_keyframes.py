"""Keyframe helpers, and the helpers tracking uses: trace outlines, the LK window, anchors."""

from __future__ import annotations

import numpy as np

from annotator.case.model import Annotation
from annotator.dynamics.anchors import anchor_offsets, edge_sides
from annotator.dynamics.keyframes import (
    merge_confidence,
    merge_keyframes,
    next_keyframe,
    previous_keyframe,
    simplify_keyframes,
)
from annotator.dynamics.lk import LKParams, window_for
from annotator.dynamics.traces import fill_unreliable, median3, outline_samples


def ranged() -> Annotation:
    keys = {2: [(0.0, 0.0), (10.0, 0.0)], 6: [(0.0, 0.0), (14.0, 0.0)], 9: [(1.0, 0.0), (15.0, 0.0)]}
    return Annotation("a1", "m1", "line", 2, keys, frame_end=12)


def test_next_and_previous_keyframe() -> None:
    a = ranged()
    assert next_keyframe(a, 2) == 6 and next_keyframe(a, 7) == 9 and next_keyframe(a, 9) is None
    assert previous_keyframe(a, 9) == 6 and previous_keyframe(a, 2) is None


def test_merge_replaces_only_the_tracked_span() -> None:
    base = {0: [(0.0, 0.0)], 5: [(5.0, 0.0)], 9: [(9.0, 0.0)]}
    merged = merge_keyframes(base, {4: [(4.1, 0.0)], 5: [(5.1, 0.0)], 6: [(6.1, 0.0)]})
    assert merged == {0: [(0.0, 0.0)], 4: [(4.1, 0.0)], 5: [(5.1, 0.0)], 6: [(6.1, 0.0)], 9: [(9.0, 0.0)]}
    assert merge_confidence({0: 1.0, 5: 0.2, 9: 0.8}, {5: 0.9, 6: 0.7}, (4, 6)) == {0: 1.0, 5: 0.9, 6: 0.7, 9: 0.8}


def test_simplify_drops_frames_that_interpolation_reproduces() -> None:
    linear = {f: [(float(f), 2.0 * f)] for f in range(10)}
    assert sorted(simplify_keyframes(linear, 0.05)) == [0, 9]
    bent = {f: [(float(min(f, 5)), 0.0)] for f in range(10)}  # moves, then stops at frame 5
    assert sorted(simplify_keyframes(bent, 0.05)) == [0, 5, 9]
    assert simplify_keyframes(bent, 0.0) == bent


def test_outline_samples_keep_the_vertices_in_order() -> None:
    square = np.array([[0.0, 0.0], [40.0, 0.0], [40.0, 40.0], [0.0, 40.0]])
    samples, index = outline_samples(square, closed=True, spacing=10.0)
    assert len(samples) == 4 + 4 * 3
    np.testing.assert_allclose(samples[index], square)
    np.testing.assert_allclose(samples[1], [10.0, 0.0])
    open_line, open_index = outline_samples(square[:2], closed=False, spacing=10.0)
    assert len(open_line) == 5 and list(open_index) == [0, 4]


def test_unreliable_samples_take_their_neighbours_motion() -> None:
    moves = np.array([[1.0, 0.0], [50.0, 50.0], [3.0, 0.0], [4.0, 0.0]])
    reliable = np.array([True, False, True, True])
    np.testing.assert_allclose(fill_unreliable(moves, reliable, closed=False)[1], [2.0, 0.0])
    wrap = fill_unreliable(np.array([[0.0, 0.0], [9.0, 9.0], [2.0, 0.0], [9.0, 9.0]]),
                           np.array([True, False, True, False]), closed=True)
    np.testing.assert_allclose(wrap[3], [1.0, 0.0])  # between sample 2 and sample 0 round the ring
    spiky = np.array([[1.0, 0.0], [1.0, 0.0], [9.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(median3(spiky, closed=True)[2], [1.0, 0.0])


def test_the_lk_window_shrinks_to_the_gap_between_points() -> None:
    params = LKParams(window=41)
    assert window_for(np.array([[0.0, 0.0], [100.0, 0.0]]), params).window == 41
    assert window_for(np.array([[0.0, 0.0], [20.0, 0.0]]), params).window == 21
    assert window_for(np.array([[0.0, 0.0], [3.0, 0.0]]), params).window == 15
    assert window_for(np.array([[5.0, 5.0]]), params) is params


def test_caliper_ends_on_the_edge_of_fluid_are_followed_from_the_tissue_side() -> None:
    grey = np.full((80, 200), 120, np.uint8)
    grey[:, 80:120] = 10  # a dark gap between x = 80 and 119
    ends = np.array([[80.0, 40.0], [119.0, 40.0]])
    assert list(edge_sides(grey, ends)) == [1, 1]
    offsets = anchor_offsets(ends, edge_sides(grey, ends))
    np.testing.assert_allclose(offsets, [[-11.5, 0.0], [11.5, 0.0]])
    across = np.array([[60.0, 40.0], [140.0, 40.0]])  # ends in tissue, the gap in between
    assert list(edge_sides(grey, across)) == [0, 0]
    inward = np.array([[70.0, 40.0], [81.0, 40.0]])  # the right end sits inside the gap's edge
    assert list(edge_sides(grey, inward))[0] == 0 and list(edge_sides(grey, inward))[1] == -1
    assert list(edge_sides(grey, np.array([[5.0, 5.0], [8.0, 9.0], [1.0, 1.0]]))) == [0, 0, 0]
