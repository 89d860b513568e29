"""Keyframe helpers (pure functions over ``Annotation.keyframes``; no Qt).

An annotation holds its points per keyframe over ``frame..frame_end``; between keyframes the
points interpolate linearly (``Annotation.points_at``). Tracking writes a keyframe on every
frame it followed; ``simplify_keyframes`` can thin those where interpolation is exact enough.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from annotator.case.model import Annotation, Point

Keyframes = dict[int, list[Point]]


def keyframe_frames(annotation: Annotation) -> list[int]:
    """The annotation's keyframes in order."""
    return sorted(annotation.keyframes)


def next_keyframe(annotation: Annotation, frame: int) -> int | None:
    """The first keyframe after ``frame`` (for the timeline's "next keyframe")."""
    later = [k for k in annotation.keyframes if k > frame]
    return min(later) if later else None


def previous_keyframe(annotation: Annotation, frame: int) -> int | None:
    """The last keyframe before ``frame``."""
    earlier = [k for k in annotation.keyframes if k < frame]
    return max(earlier) if earlier else None


def merge_keyframes(
    base: Mapping[int, Sequence[Point]],
    replacement: Mapping[int, Sequence[Point]],
) -> Keyframes:
    """``base`` with every keyframe inside the span of ``replacement`` replaced by it.

    Keyframes outside the span (before a re-track's start, or beyond where it stopped) stay.
    """
    if not replacement:
        return {k: list(v) for k, v in base.items()}
    lo, hi = min(replacement), max(replacement)
    merged = {k: list(v) for k, v in base.items() if not lo <= k <= hi}
    merged.update({k: list(v) for k, v in replacement.items()})
    return dict(sorted(merged.items()))


def merge_confidence(
    base: Mapping[int, float], replacement: Mapping[int, float], span: tuple[int, int]
) -> dict[int, float]:
    """Confidence of frames outside ``span`` (inclusive) from ``base``, inside from ``replacement``."""
    lo, hi = span
    merged = {k: float(v) for k, v in base.items() if not lo <= k <= hi}
    merged.update({k: float(v) for k, v in replacement.items()})
    return dict(sorted(merged.items()))


def _lerp(a: Sequence[Point], b: Sequence[Point], t: float) -> list[Point]:
    return [(p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t) for p, q in zip(a, b, strict=True)]


def simplify_keyframes(keyframes: Mapping[int, Sequence[Point]], tolerance_px: float) -> Keyframes:
    """Drop keyframes that linear interpolation between the kept ones reproduces within
    ``tolerance_px`` on every point (greedy, keeps the first and last)."""
    keys = sorted(keyframes)
    if len(keys) <= 2 or tolerance_px <= 0:
        return {k: list(keyframes[k]) for k in keys}
    kept = [keys[0]]
    anchor = keys[0]
    for i in range(1, len(keys) - 1):
        candidate = keys[i + 1]
        between = keys[keys.index(anchor) + 1 : i + 1]
        if not all(_close(keyframes, anchor, candidate, k, tolerance_px) for k in between):
            kept.append(keys[i])
            anchor = keys[i]
    kept.append(keys[-1])
    return {k: list(keyframes[k]) for k in kept}


def _close(keyframes: Mapping[int, Sequence[Point]], k0: int, k1: int, k: int, tol: float) -> bool:
    a, b = keyframes[k0], keyframes[k1]
    if len(a) != len(b) or len(keyframes[k]) != len(a):
        return False
    guess = _lerp(a, b, (k - k0) / (k1 - k0))
    return all(math.dist(p, q) <= tol for p, q in zip(guess, keyframes[k], strict=True))
