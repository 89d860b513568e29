"""One tracking step: pyramidal Lucas-Kanade with helper points and a forward-backward check.

Ultrasound speckle decorrelates as tissue deforms, so a single LK point is fragile. Each point
is tracked with a small grid of helper points around it; the point moves by the median
displacement of the helpers that pass the forward-backward check (track forward, track the
result back, and compare with where it started). Confidence combines the share of helpers that
passed, their forward-backward error and the normalised cross-correlation of the patch around
the point before and after the step.

LK only needs pixels around the points, so both images are cropped to the points' bounding
box plus the reach of the pyramid; this is several times faster than whole 1024x768 frames.
(OpenCV's Python binding does not accept prebuilt pyramids for ``calcOpticalFlowPyrLK``, so
the crops are the reuse: the grey frame is converted once and sliced for every pass.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

#: the smallest patch correlation counted as "the same tissue" and the one counted as certain
_NCC_FLOOR, _NCC_FULL = 0.2, 0.75


@dataclass(frozen=True)
class LKParams:
    """Tuning of the tracker; the defaults suit B-mode speckle at 0.05..0.2 mm per pixel."""

    window: int = 41  # LK window side, px (odd); see ``window_for``
    levels: int = 3  # pyramid levels above the full resolution
    iterations: int = 30
    epsilon: float = 0.01
    helper_grid: int = 3  # helpers per side around each point (odd; 1 = the point alone)
    helper_spacing: float | None = None  # px between helpers; None = window / 8
    max_fb_error: float = 1.5  # px; helpers whose round trip misses by more are ignored
    fb_scale: float = 1.0  # px; confidence falls as exp(-(fb / fb_scale)^2)
    ncc_patch: int = 15  # side of the patch compared before and after a step, px (odd)
    drift_tolerance: float = 1.5  # px; a template match this close to the chained one wins
    min_helper_share: float = 0.34  # below this share of good helpers a point has failed

    @property
    def margin(self) -> int:
        """Pixels around the points that the pyramid's coarsest level can reach."""
        return (self.window // 2 + 2) * (2**self.levels) + 8

    def helper_offsets(self) -> np.ndarray:
        n = max(1, self.helper_grid | 1)
        half = (n - 1) / 2.0
        spacing = self.helper_spacing if self.helper_spacing is not None else max(2.0, self.window / 8)
        axis = (np.arange(n, dtype=np.float32) - half) * spacing
        gx, gy = np.meshgrid(axis, axis)
        return np.stack([gx.ravel(), gy.ravel()], axis=1)


#: the smallest window ``window_for`` shrinks to, px
MIN_WINDOW = 15


def window_for(points: np.ndarray, params: LKParams) -> LKParams:
    """``params`` with the window shrunk to the gap between the closest two points.

    A caliper across a narrow tear has its ends on stumps that move apart: a window wider than
    the gap sees both stumps and drags each end toward the other's motion (measured: 0.5 mm
    error across a 1 mm gap at 0.1 mm/px with a 41 px window, under 0.01 mm shrunk to 15 px).
    """
    if len(points) < 2:
        return params
    diffs = points[:, None, :] - points[None, :, :]
    dist = np.sqrt((diffs**2).sum(axis=-1))
    closest = float(dist[np.triu_indices(len(points), 1)].min())
    window = int(min(params.window, max(MIN_WINDOW, closest))) | 1
    return params if window == params.window else replace(params, window=window)


@dataclass
class StepResult:
    """Where each point went in one step, and how much to trust it."""

    points: np.ndarray  # (n, 2) float64, full-image coordinates
    confidence: np.ndarray  # (n,) 0..1
    fb_error: np.ndarray  # (n,) median round-trip error of the good helpers, px (inf if none)
    failed: np.ndarray  # (n,) bool: no helper passed the check (the position is a guess)


def _criteria(params: LKParams) -> tuple[int, int, float]:
    return (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, params.iterations, params.epsilon)


def _placement(lo: float, hi: float, size: int, limit: int) -> int:
    """The offset of a window of ``size`` px centred on [lo, hi], kept inside [0, limit)."""
    start = int(math.floor((lo + hi) / 2.0 - size / 2.0))
    return min(max(start, 0), max(limit - size, 0))


def lk_pair(
    prev_grey: np.ndarray,
    next_grey: np.ndarray,
    prev_points: np.ndarray,
    guess: np.ndarray | None,
    params: LKParams,
) -> tuple[np.ndarray, np.ndarray]:
    """LK from ``prev_grey`` to ``next_grey`` on equal-sized crops around the points.

    Returns the new points (full-image coordinates) and a bool status per point.
    """
    h, w = prev_grey.shape[:2]
    target = prev_points if guess is None else guess
    m = params.margin
    span_x = max(np.ptp(prev_points[:, 0]), np.ptp(target[:, 0])) + 2 * m
    span_y = max(np.ptp(prev_points[:, 1]), np.ptp(target[:, 1])) + 2 * m
    cw, ch = min(int(math.ceil(span_x)), w), min(int(math.ceil(span_y)), h)
    px = _placement(prev_points[:, 0].min(), prev_points[:, 0].max(), cw, w)
    py = _placement(prev_points[:, 1].min(), prev_points[:, 1].max(), ch, h)
    nx = _placement(target[:, 0].min(), target[:, 0].max(), cw, w)
    ny = _placement(target[:, 1].min(), target[:, 1].max(), ch, h)
    prev_crop = prev_grey[py : py + ch, px : px + cw]
    next_crop = next_grey[ny : ny + ch, nx : nx + cw]
    p_local = (prev_points - (px, py)).astype(np.float32).reshape(-1, 1, 2)
    flags = 0
    g_local = p_local.copy()  # only read with OPTFLOW_USE_INITIAL_FLOW
    if guess is not None:
        g_local = (guess - (nx, ny)).astype(np.float32).reshape(-1, 1, 2)
        flags = cv2.OPTFLOW_USE_INITIAL_FLOW
    moved, status, _err = cv2.calcOpticalFlowPyrLK(
        prev_crop, next_crop, p_local, g_local,
        winSize=(params.window, params.window), maxLevel=params.levels,
        criteria=_criteria(params), flags=flags,
    )
    out = moved.reshape(-1, 2).astype(np.float64) + (nx, ny)
    ok = status.reshape(-1).astype(bool) & np.isfinite(out).all(axis=1)
    return out, ok


def patch_correlation(a_grey: np.ndarray, a_pts: np.ndarray, b_grey: np.ndarray,
                      b_pts: np.ndarray, side: int) -> np.ndarray:
    """Normalised cross-correlation of the patches around matching points (-1..1; 0 if flat)."""
    out = np.zeros(len(a_pts))
    size = (side, side)
    for i, (pa, pb) in enumerate(zip(a_pts, b_pts, strict=True)):
        if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
            continue
        qa = cv2.getRectSubPix(a_grey, size, (float(pa[0]), float(pa[1])), patchType=cv2.CV_32F)
        qb = cv2.getRectSubPix(b_grey, size, (float(pb[0]), float(pb[1])), patchType=cv2.CV_32F)
        qa = qa - qa.mean()
        qb = qb - qb.mean()
        denom = math.sqrt(float((qa * qa).sum()) * float((qb * qb).sum()))
        out[i] = float((qa * qb).sum()) / denom if denom > 1e-6 else 0.0
    return out


def _median_moves(helpers: np.ndarray, moved: np.ndarray, good: np.ndarray,
                  fallback: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point (rows), the median helper displacement over ``good`` helpers, else over
    ``fallback`` helpers, else zero; and whether no helper was good."""
    disp = moved - helpers  # (n, k, 2)
    n = disp.shape[0]
    out = np.zeros((n, 2))
    failed = np.zeros(n, dtype=bool)
    for i in range(n):
        use = good[i]
        if not use.any():
            failed[i] = True
            use = fallback[i]
        if use.any():
            out[i] = np.median(disp[i][use], axis=0)
    return out, failed


def track_step(prev_grey: np.ndarray, next_grey: np.ndarray, points: np.ndarray,
               params: LKParams, predicted: np.ndarray | None = None) -> StepResult:
    """Move ``points`` (n, 2) from one frame to the next, checked forward and backward.

    ``predicted`` (n, 2) is the expected displacement (e.g. the last step's): LK starts there,
    which keeps fast, smooth motion (a contraction's rise) within its reach.
    """
    offsets = params.helper_offsets()
    k = len(offsets)
    helpers = (points[:, None, :] + offsets[None, :, :]).reshape(-1, 2)
    if predicted is None:
        fwd, ok_f = lk_pair(prev_grey, next_grey, helpers, None, params)
        back, ok_b = lk_pair(next_grey, prev_grey, fwd, None, params)
    else:
        shift = np.repeat(predicted, k, axis=0)
        fwd, ok_f = lk_pair(prev_grey, next_grey, helpers, helpers + shift, params)
        back, ok_b = lk_pair(next_grey, prev_grey, fwd, fwd - shift, params)
    fb = np.linalg.norm(back - helpers, axis=1)
    fb[~(ok_f & ok_b)] = np.inf
    good = (fb <= params.max_fb_error).reshape(-1, k)
    moves, failed = _median_moves(
        helpers.reshape(-1, k, 2), fwd.reshape(-1, k, 2), good, ok_f.reshape(-1, k)
    )
    fb_rows = fb.reshape(-1, k)
    fb_med = np.array([np.median(r[g]) if g.any() else np.inf for r, g in zip(fb_rows, good, strict=True)])
    share = good.mean(axis=1)
    new_points = points + moves
    ncc = patch_correlation(prev_grey, points, next_grey, new_points, params.ncc_patch)
    # few helpers agreeing, or a patch that no longer looks like the one it came from (LK
    # settles on *something* even in pure noise, and checks out forward and backward there)
    failed |= (share < params.min_helper_share) | (ncc < _NCC_FLOOR)
    if predicted is not None:  # a failed point coasts on the prediction
        new_points = np.where(failed[:, None], points + predicted, new_points)
    confidence = confidence_from(share, fb_med, ncc, params)
    confidence[failed] = 0.0
    return StepResult(new_points, confidence, fb_med, failed)


def confidence_from(share: np.ndarray, fb_error: np.ndarray, ncc: np.ndarray,
                    params: LKParams) -> np.ndarray:
    """0..1 per point: helpers that agree, a small round-trip error, the same-looking patch."""
    with np.errstate(invalid="ignore", over="ignore"):
        fb_term = np.where(np.isfinite(fb_error), np.exp(-((fb_error / params.fb_scale) ** 2)), 0.0)
    ncc_term = np.clip((ncc - _NCC_FLOOR) / (_NCC_FULL - _NCC_FLOOR), 0.0, 1.0)
    return np.clip(np.sqrt(share) * fb_term * ncc_term, 0.0, 1.0)


def refine_against_template(template_grey: np.ndarray, template_points: np.ndarray,
                            next_grey: np.ndarray, estimate: np.ndarray,
                            params: LKParams) -> tuple[np.ndarray, np.ndarray]:
    """Drift correction: match the start frame's patches directly into ``next_grey``, starting
    from the chained ``estimate``; a point takes the template match when it lands within
    ``drift_tolerance`` of the estimate (so a changed appearance never pulls it away).

    Returns the refined points and a bool per point saying whether the template won.
    """
    offsets = params.helper_offsets()
    k = len(offsets)
    helpers = (template_points[:, None, :] + offsets[None, :, :]).reshape(-1, 2)
    guesses = (estimate[:, None, :] + offsets[None, :, :]).reshape(-1, 2)
    moved, ok = lk_pair(template_grey, next_grey, helpers, guesses, params)
    moves, failed = _median_moves(
        helpers.reshape(-1, k, 2), moved.reshape(-1, k, 2), ok.reshape(-1, k),
        np.zeros((len(template_points), k), dtype=bool),
    )
    matched = template_points + moves
    use = ~failed & (ok.reshape(-1, k).mean(axis=1) >= 0.5)
    use &= np.linalg.norm(matched - estimate, axis=1) <= params.drift_tolerance
    return np.where(use[:, None], matched, estimate), use
