"""Fusing per-frame detections with optical flow, without drift.

Each tracked quantity (an aponeurosis' row and slope, the fascicle slope) is a scalar state.
Between frames the flow predicts its change (an affine fit of Lucas-Kanade tracks over the
muscle); each frame's detection measures it, with a variance that grows as the detection's
quality falls. A Kalman filter runs forwards and another backwards over the whole sequence;
their inverse-variance combination is the estimate. Because every frame's detection pulls the
state back to what the image shows, flow errors never accumulate: the value at frame N does
not depend on the path to it. Where the two passes disagree by more than their variances
allow (the sequence does not close), or detection and flow disagree, the confidence drops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

#: process noise added per frame to the flow prediction (state units squared)
PROCESS = {"row": 0.6 ** 2, "slope": 0.004 ** 2, "fangle": 0.01 ** 2, "bend": 1.5e-5 ** 2}
#: measurement noise of a detection of quality 1 (state units squared)
MEASURE = {"row": 0.7 ** 2, "slope": 0.006 ** 2, "fangle": 0.015 ** 2, "bend": 4e-5 ** 2}
#: process noise of a step the flow could not follow (``Affine.ok`` False: frames far apart, a
#: blurred or blank frame): its "no motion" predicts nothing, so the state may move as far as
#: a structure can (a fifth of a 100-row gap, 0.1 in slope, 17 degrees) and the next detection
#: decides, without counting as a disagreement with the motion. Data set 3's figures read as
#: clips (10 frames of a push, 5-14 frames apart): the deep aponeurosis moved 5 rows where the
#: flow failed, and 3-9 frames of 10, right within 1.5 degrees, read "detection and motion
#: disagree". The bend never moves with the flow: its noise stays.
PROCESS_UNFOLLOWED = {"row": 20.0 ** 2, "slope": 0.1 ** 2, "fangle": 0.3 ** 2, "bend": PROCESS["bend"]}
GATE = 4.0  # detections further than this many sigmas from the prediction are outliers
REACQUIRE = 3  # this many consistent outliers in a row: the state is wrong, not they
# an affine motion is fitted well by 80 corners, tracked with 11-pixel windows (the cost of
# Lucas-Kanade grows with both; the flow only predicts, the detections decide)
CORNERS = 80
WINDOW = (11, 11)
CLEAR = 0.5  # detections at least this good show how the structure moves between frames
MIN_POINTS = 50  # fewer points carried over from the last frame: find corners again


@dataclass
class Affine:
    """x' = A @ x + t, in working-image pixels (identity when the flow failed)."""

    a: np.ndarray
    t: np.ndarray
    ok: bool

    @classmethod
    def identity(cls) -> Affine:
        return cls(np.eye(2), np.zeros(2), False)

    def inverse(self) -> Affine:
        inv = np.linalg.inv(self.a)
        return Affine(inv, -inv @ self.t, self.ok)

    def move_line(self, row: float, slope: float, xc: float) -> tuple[float, float]:
        """A line y = row + slope (x - xc) carried by the motion."""
        p = self.a @ np.array([xc, row]) + self.t
        d = self.a @ np.array([1.0, slope])
        new_slope = d[1] / d[0] if abs(d[0]) > 1e-6 else slope
        return float(p[1] + new_slope * (xc - p[0])), float(new_slope)

    def move_slope(self, slope: float) -> float:
        d = self.a @ np.array([1.0, slope])
        return float(d[1] / d[0]) if abs(d[0]) > 1e-6 else slope


def flow_between(prev: np.ndarray, cur: np.ndarray, mask: np.ndarray | None = None) -> Affine:
    """The affine motion of the muscle from ``prev`` to ``cur`` (working images, uint8):
    Lucas-Kanade on a grid of corners, forward-backward checked, fitted robustly."""
    return flow_tracked(prev, cur, None, mask)[0]


def flow_tracked(prev: np.ndarray, cur: np.ndarray, points: np.ndarray | None,
                 mask: np.ndarray | None = None) -> tuple[Affine, np.ndarray | None]:
    """``flow_between``, starting from ``points`` (where the last call's points arrived, so
    corners need not be found again on every frame of a clip) when there are enough of them;
    also returns where the points that moved with the fitted motion are in ``cur``."""
    pts = points
    if pts is None or len(pts) < MIN_POINTS:
        pts = cv2.goodFeaturesToTrack(prev, maxCorners=CORNERS, qualityLevel=0.01, minDistance=6, mask=mask)
    if pts is None or len(pts) < 8:
        return Affine.identity(), None
    nxt, st, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None, winSize=WINDOW, maxLevel=2)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(cur, prev, nxt, None, winSize=WINDOW, maxLevel=2)
    good = (st.ravel() == 1) & (st2.ravel() == 1) & (np.linalg.norm(back - pts, axis=2).ravel() < 0.7)
    if good.sum() < 8:
        return Affine.identity(), None
    m, inliers = cv2.estimateAffine2D(pts[good], nxt[good], method=cv2.RANSAC, ransacReprojThreshold=1.0)
    if m is None or inliers is None or inliers.sum() < 6:
        return Affine.identity(), None
    kept = nxt[good][inliers.ravel() == 1]
    return Affine(m[:, :2].astype(np.float64), m[:, 2].astype(np.float64), True), kept


@dataclass(frozen=True)
class Track:
    value: np.ndarray  # fused estimate per frame
    sigma: np.ndarray  # its standard deviation
    agreement: np.ndarray  # 0..1: detection vs flow, and forward vs backward pass


def fuse(kind: str, measured: np.ndarray, quality: np.ndarray, predicted_step: np.ndarray,
         use_measurements: bool = True, followed: np.ndarray | None = None) -> Track:
    """Two Kalman passes over one scalar.

    ``measured[k]`` is frame k's detection (nan when none), ``quality[k]`` in 0..1, and
    ``predicted_step[k]`` the flow's change from frame k-1 to k (``[0]`` unused);
    ``followed[k]`` False where the flow could not follow that step (its process noise is then
    ``PROCESS_UNFOLLOWED``). Without measurements (no drift correction) the first detection is
    carried by the flow alone.
    """
    n = len(measured)
    q, r0 = PROCESS[kind], MEASURE[kind]
    meas_var = np.where(np.isfinite(measured), r0 / np.maximum(quality, 0.05) ** 2, np.inf)
    steady = np.ones(n, bool) if followed is None else np.asarray(followed, bool)
    if use_measurements:
        q = max(q, observed_process(measured, quality, np.where(steady, predicted_step, np.nan), r0))
    else:
        first = int(np.argmax(np.isfinite(measured))) if np.isfinite(measured).any() else 0
        meas_var = np.where(np.arange(n) == first, meas_var, np.inf)
    q_step = np.where(steady, q, max(q, PROCESS_UNFOLLOWED[kind]))  # into frame k from k-1
    clear_var = r0 / CLEAR ** 2
    fwd, fwd_var, innov_f = _pass(measured, meas_var, predicted_step, q_step, clear_var)
    rev = slice(None, None, -1)
    bwd, bwd_var, innov_b = _pass(measured[rev], meas_var[rev], _backwards(-predicted_step, 0.0),
                                  _backwards(q_step, q), clear_var)
    bwd, bwd_var, innov_b = bwd[rev], bwd_var[rev], innov_b[rev]
    w_f = 1.0 / np.maximum(fwd_var, 1e-12)
    w_b = 1.0 / np.maximum(bwd_var, 1e-12)
    value = (fwd * w_f + bwd * w_b) / (w_f + w_b)
    var = 1.0 / (w_f + w_b)
    # the passes should agree within their spread; detections should agree with the flow
    closure = np.exp(-0.5 * (fwd - bwd) ** 2 / (fwd_var + bwd_var + 1e-12) / 9.0)
    agree = np.minimum(innov_f, innov_b)
    return Track(value, np.sqrt(var), np.clip(np.minimum(closure, agree), 0.0, 1.0))


def fuse_slope(measured: np.ndarray, quality: np.ndarray, base: np.ndarray, predicted_step: np.ndarray,
               use_measurements: bool = True, followed: np.ndarray | None = None) -> Track:
    """``fuse`` for a fascicle's slope (dy/dx), fused as its angle (``"fangle"``, radians): a
    slope's noise grows as 1 / cos^2, 2.3 times at 49 degrees, and a contracted muscle's
    steady fascicle read as detections far from the flow (agreement 0.01 over the isokinetic
    push's peak, where the values were right). ``base``: the slopes the flow's
    ``predicted_step`` (slope change from the frame before) starts from. The value is a slope
    again (its sigma stays in radians)."""
    step = np.zeros(len(measured))
    step[1:] = np.arctan(base[:-1] + predicted_step[1:]) - np.arctan(base[:-1])
    track = fuse("fangle", np.arctan(measured), quality, step, use_measurements, followed)
    return Track(np.tan(track.value), track.sigma, track.agreement)


def observed_process(measured: np.ndarray, quality: np.ndarray, predicted_step: np.ndarray, r0: float) -> float:
    """The process noise the sequence itself shows: how far clear detections on consecutive
    frames move other than the flow predicts (a robust spread, less the detections' own noise).
    Frames far apart (a sparse sequence, a fast contraction) move more between samples than the
    flow can follow; there the detections must lead. On a smooth clip this stays below
    ``PROCESS`` and changes nothing."""
    clear = np.isfinite(measured) & (quality >= CLEAR)
    both = clear[1:] & clear[:-1] & np.isfinite(predicted_step[1:])  # nan: a step the flow did not follow
    if both.sum() < 4:
        return 0.0
    d = (np.diff(measured) - predicted_step[1:])[both]
    spread = 1.4826 * float(np.median(np.abs(d)))
    return max(spread * spread - 2.0 * r0, 0.0)


def _backwards(into: np.ndarray, first: float) -> np.ndarray:
    """A per-step array (``into[k]``: the step into frame k from k-1, ``[0]`` unused) as the
    backward pass meets it, over the reversed frames: the step into frame k from k+1 is
    frame k+1's; ``first`` for the pass's first frame."""
    return np.concatenate([[first], into[1:][::-1]])


def _pass(z: np.ndarray, r: np.ndarray, step: np.ndarray, q: np.ndarray,
          clear_var: float = math.inf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Kalman pass. A detection noisier than ``clear_var`` that the gate lets through
    (its own variance is wide) does not end a run of turned-away ones: an unclear frame in the
    middle of a fast contraction cannot say the state was right (data set 2's jump: frames
    9-13 read 23-27 degrees, the state stayed at 12, and one unclear frame kept resetting the run)."""
    n = len(z)
    x = np.zeros(n)
    p = np.zeros(n)
    agree = np.ones(n)
    first = int(np.argmax(np.isfinite(r))) if np.isfinite(r).any() else 0
    xk, pk = (float(z[first]) if np.isfinite(z[first]) else 0.0), float(r[first] if np.isfinite(r[first]) else 1e6)
    rejected: list[float] = []  # innovations of the consecutive detections the gate turned away
    for k in range(n):
        if k > 0:
            xk, pk = xk + float(step[k]), pk + float(q[k])
        if np.isfinite(r[k]) and np.isfinite(z[k]):
            s = pk + r[k]
            innov = float(z[k]) - xk
            agree[k] = math.exp(-0.5 * innov * innov / s / 9.0)
            if k == first or innov * innov < GATE * GATE * s:
                gain = pk / s
                xk, pk = xk + gain * innov, (1.0 - gain) * pk
                if r[k] <= clear_var:
                    rejected.clear()
            else:
                rejected.append(innov)
                # the structure itself moved other than the flow said (a fast release), and the
                # detections keep the same offset from the prediction: start again from them
                # rather than follow the flow away for the rest of the sequence
                if len(rejected) >= REACQUIRE and np.ptp(rejected[-REACQUIRE:]) < GATE * math.sqrt(r[k] + REACQUIRE * q[k]):
                    xk, pk = float(z[k]), float(r[k])
                    rejected.clear()
        x[k], p[k] = xk, pk
    return x, p, agree
