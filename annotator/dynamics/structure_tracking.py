"""Track thickness, pennation and fascicle annotations as structures, not as tissue points.

Their points stand for lines (aponeuroses, a fascicle): material points on a bright,
textureless aponeurosis slide along it (the aperture problem), and a caliper tracked that way
turns and lengthens on a contraction (issue 9). ``structure_lines.track_structures`` finds
the lines again near their last position on every frame, so the value on frame N does not
depend on error accumulated frame by frame (the call is the one ARCH_API.md agrees for
``annotator.dynamics.architecture.track_structures``, which may take its place).

A keyframe the user placed (a keyframe without tracking confidence) re-anchors the estimate:
the range is tracked in pieces, each from the user keyframe that starts it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from annotator.case.kinds import kind_spec
from annotator.case.model import Annotation, Point
from annotator.dynamics import architecture, structure_lines
from annotator.dynamics.frames import analysis_frames
from annotator.media.base import Media

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


def user_anchors(annotation: Annotation, start: int, end: int) -> list[int]:
    """The frames tracking restarts from: ``start``, then every keyframe a person placed
    (no tracking confidence) strictly inside the range, in the tracking direction."""
    step = 1 if end >= start else -1
    inside = [k for k in annotation.keyframes
              if k not in annotation.confidence and 0 < (k - start) * step <= (end - start) * step]
    return [start, *sorted(inside, key=lambda k: (k - start) * step)]


def frame_reader(media: Media) -> Callable[[int], np.ndarray]:
    """``frames(i)``: the grey uint8 frame i, as the architecture code wants it (coloured
    marks burned into the image filled, ``frames.analysis_frames``)."""
    return analysis_frames(media.frame)


def tracker_for(kind: str) -> Callable[..., tuple[dict[int, list[Point]], dict[int, float]]]:
    """Two boundaries alone (a thickness) are found again along their normals, fast
    (``structure_lines``); a fascicle's angle needs the muscle between both aponeuroses, found
    and fused with the flow by the architecture analysis."""
    spec = kind_spec(kind)
    boundaries_only = spec is not None and "fascicle" not in spec.segments
    return structure_lines.track_structures if boundaries_only else architecture.track_structures


def track_structure_pieces(
    media: Media,
    annotation: Annotation,
    start: int,
    end: int,
    drift_correction: bool,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    mm_per_px: float | None = None,
) -> tuple[dict[int, list[Point]], dict[int, float], bool, float]:
    """(points per frame, confidence per frame, cancelled, seconds) from ``start`` to ``end``,
    re-anchored at each user keyframe (``mm_per_px``: the calibration where it lies, if any)."""
    began = time.perf_counter()
    frames = frame_reader(media)
    anchors = user_anchors(annotation, start, end)
    step = 1 if end >= start else -1
    total = abs(end - start)
    points: dict[int, list[Point]] = {}
    confidence: dict[int, float] = {}
    done_before = 0
    cancelled = False
    for i, anchor in enumerate(anchors):
        piece_end = end if i + 1 == len(anchors) else anchors[i + 1] - step
        anchor_points = annotation.points_at(anchor) or []

        def report(done: int, base: int = done_before) -> bool:
            """True to go on; False when the user cancelled."""
            if progress is not None:
                progress(min(total, base + int(done)), total)
            return not (cancel is not None and cancel())

        got, conf = tracker_for(annotation.kind)(frames, annotation.kind, anchor, anchor_points, anchor, piece_end,
                                              drift_correction=drift_correction, progress=report,
                                              mm_per_px=mm_per_px)
        for frame, pts in got.items():
            points[frame] = [(float(x), float(y)) for x, y in pts]
        confidence.update({int(k): float(v) for k, v in conf.items()})
        done_before += abs(piece_end - anchor) + (1 if i + 1 < len(anchors) else 0)
        if cancel is not None and cancel():
            cancelled = True
            break
    return points, confidence, cancelled, time.perf_counter() - began
