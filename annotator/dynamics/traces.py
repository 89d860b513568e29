"""Keeping a tracked trace coherent: samples along its outline and a smoothed motion field.

A trace's vertices may sit where the speckle is weak (a nerve's dark fascicles, fluid at a tear)
and one bad vertex would spike the outline and its area. So the outline is sampled densely
between vertices, every sample is tracked, and the motion of a sample that failed the
forward-backward check is interpolated from its reliable neighbours along the outline; a
three-sample median then removes single-sample spikes. Vertices take the motion of their
sample, so the user's vertices stay the annotation's points.
"""

from __future__ import annotations

import math

import numpy as np


def outline_samples(points: np.ndarray, closed: bool, spacing: float,
                    max_samples: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Samples along the outline through ``points`` (n, 2): the vertices plus extra samples
    about ``spacing`` px apart on long edges. Returns the samples (m, 2) in outline order and
    the index of each vertex among them."""
    n = len(points)
    edges = n if closed else n - 1
    lengths = [float(np.linalg.norm(points[(i + 1) % n] - points[i])) for i in range(edges)]
    budget = max(max_samples - n, 0)
    wanted = [max(int(math.floor(length / spacing)) - 1, 0) for length in lengths]
    total = sum(wanted)
    if total > budget and total > 0:
        wanted = [int(w * budget / total) for w in wanted]
    samples: list[np.ndarray] = []
    vertex_index = np.zeros(n, dtype=int)
    for i in range(n):
        vertex_index[i] = len(samples)
        samples.append(points[i])
        if i < edges:
            a, b = points[i], points[(i + 1) % n]
            for j in range(1, wanted[i] + 1):
                samples.append(a + (b - a) * (j / (wanted[i] + 1)))
    return np.asarray(samples, dtype=np.float64), vertex_index


def fill_unreliable(moves: np.ndarray, reliable: np.ndarray, closed: bool) -> np.ndarray:
    """Moves (m, 2) where each unreliable sample takes the interpolation of the nearest reliable
    samples before and after it along the outline (wrapping round a closed outline)."""
    m = len(moves)
    good = np.flatnonzero(reliable)
    if len(good) == 0 or len(good) == m:
        return moves.copy()
    out = moves.copy()
    idx = np.arange(m, dtype=np.float64)
    if closed:
        # unwrap: reliable samples repeated one period before and after
        xs = np.concatenate([good - m, good, good + m]).astype(np.float64)
        ys = np.concatenate([moves[good]] * 3)
    else:
        xs, ys = good.astype(np.float64), moves[good]
    bad = ~reliable
    for axis in (0, 1):
        out[bad, axis] = np.interp(idx[bad], xs, ys[:, axis])
    return out


def median3(moves: np.ndarray, closed: bool) -> np.ndarray:
    """Three-sample running median of the moves along the outline (ends kept when open)."""
    m = len(moves)
    if m < 3:
        return moves.copy()
    if closed:
        stack = np.stack([np.roll(moves, 1, axis=0), moves, np.roll(moves, -1, axis=0)])
        return np.median(stack, axis=0)
    out = moves.copy()
    stack = np.stack([moves[:-2], moves[1:-1], moves[2:]])
    out[1:-1] = np.median(stack, axis=0)
    return out
