"""How an annotation's points become the samples LK follows, and how samples become points.

- A trace (polygon, polyline of 3+ points) is followed as an outline: its vertices plus samples
  between them, with failed samples filled from their neighbours (``traces``).
- A caliper end with a much darker side (fluid) is followed both where it is and by an anchor
  in the tissue beside it (``anchors``); the anchor's motion wins whenever it is trusted, so
  the end keeps up with the stump instead of lagging toward the static fluid, and falls back to
  the end's own motion where the small anchor window loses the tissue (fast motion).
- Anything else is followed point by point, with the window no wider than the gap between the
  closest two points (``lk.window_for``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from annotator.case.kinds import kind_spec
from annotator.dynamics import anchors, lk, traces


@dataclass
class Settled:
    """The vertices after one step, with how far to trust each and the frame."""

    vertices: np.ndarray
    confidence: np.ndarray
    failed: np.ndarray
    fb_error: np.ndarray
    frame_confidence: float


class TrackedShape:
    def __init__(self, kind: str, points: np.ndarray, spacing: float, start_grey: np.ndarray) -> None:
        self.n = len(points)
        spec = kind_spec(kind)  # a trace's points form an outline followed as one coherent shape
        self.closed: bool | None = spec.closed if spec is not None and spec.tracking == "trace" else None
        self.is_trace = self.closed is not None and self.n >= 3
        self.sides = np.zeros(self.n, dtype=int)
        if self.is_trace:
            assert self.closed is not None
            samples, self.vertex_index = traces.outline_samples(points, self.closed, spacing)
            # extra samples per edge, fixed at the start so every sample keeps its identity
            self.layout = np.diff(np.append(self.vertex_index, len(samples))) - 1
            return
        self.vertex_index = np.arange(self.n)
        self.layout = np.zeros(self.n, dtype=int)
        if spec is not None and spec.tracking == "caliper" and self.n == 2:
            self.sides = anchors.edge_sides(start_grey, points)
            h, w = start_grey.shape[:2]
            placed = points + anchors.anchor_offsets(points, self.sides)
            inside = (placed[:, 0] >= 0) & (placed[:, 0] <= w - 1) & (placed[:, 1] >= 0) & (placed[:, 1] <= h - 1)
            self.sides[~inside] = 0  # no room beside the end: follow it where it is

    @property
    def anchored(self) -> bool:
        return bool(self.sides.any())

    def samples(self, vertices: np.ndarray) -> np.ndarray:
        """The positions LK follows for these vertices (anchored: the ends, then the anchors)."""
        if self.anchored:
            return np.vstack([vertices, vertices + anchors.anchor_offsets(vertices, self.sides)])
        if not self.is_trace:
            return vertices
        out: list[np.ndarray] = []
        for i in range(self.n):
            out.append(vertices[i])
            extra = int(self.layout[i])
            if extra:
                a, b = vertices[i], vertices[(i + 1) % self.n]
                out.extend(a + (b - a) * (j / (extra + 1)) for j in range(1, extra + 1))
        return np.asarray(out)

    def params(self, vertices: np.ndarray, base: lk.LKParams) -> lk.LKParams:
        if self.is_trace:
            # neighbouring samples along the outline already play the helpers' part (and the
            # outline is regularised after each step): one LK point per sample, twice as fast
            return replace(base, helper_grid=1)
        return lk.window_for(vertices, base)

    def track(self, prev: np.ndarray, grey: np.ndarray, vertices: np.ndarray, samples: np.ndarray,
              base: lk.LKParams, predicted: np.ndarray | None) -> tuple[lk.StepResult, lk.LKParams]:
        """One LK step for every sample (the anchors with their own small window)."""
        params = self.params(vertices, base)
        if not self.anchored:
            return lk.track_step(prev, grey, samples, params, predicted), params
        n = self.n
        small = replace(params, window=min(params.window, anchors.ANCHOR_WINDOW))
        ends = lk.track_step(prev, grey, samples[:n], params, None if predicted is None else predicted[:n])
        beside = lk.track_step(prev, grey, samples[n:], small, None if predicted is None else predicted[n:])
        joined = lk.StepResult(*(np.concatenate([a, b]) for a, b in (
            (ends.points, beside.points), (ends.confidence, beside.confidence),
            (ends.fb_error, beside.fb_error), (ends.failed, beside.failed))))
        return joined, params

    def settle(self, vertices: np.ndarray, samples: np.ndarray, step: lk.StepResult,
               moved: np.ndarray, threshold: float) -> Settled:
        """New vertices from the samples' motion."""
        confidence, failed, fb = step.confidence, step.failed, step.fb_error
        if self.anchored:
            n = self.n
            use = (self.sides != 0) & ~failed[n:] & (confidence[n:] >= threshold)
            moves = np.where(use[:, None], moved[n:] - samples[n:], moved[:n] - samples[:n])
            conf = np.where(use, confidence[n:], confidence[:n])
            return Settled(vertices + moves, conf, np.where(use, False, failed[:n]),
                           np.where(use, fb[n:], fb[:n]), float(conf.min()))
        if not self.is_trace:
            return Settled(vertices + (moved - samples), confidence, failed, fb,
                           float(confidence.min()) if len(confidence) else 0.0)
        assert self.closed is not None
        reliable = ~failed & (confidence >= threshold * 0.5)
        moves = traces.fill_unreliable(moved - samples, reliable, self.closed)
        moves = traces.median3(moves, self.closed)
        share = float(reliable.mean())
        frame_conf = float(np.mean(confidence)) if share >= 0.5 else 0.0
        index = self.vertex_index
        v_conf = np.where(reliable[index], confidence[index], frame_conf * 0.5)
        return Settled((samples + moves)[index], v_conf, np.full(self.n, share < 0.5), fb[index], frame_conf)
