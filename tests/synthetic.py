"""Generated clips whose tissue moves by a known amount, for the tests and the tracking benchmark
(not shipped in the package: the app never needs them).

``speckle_texture`` is a smooth random texture like B-mode speckle; ``tear_clip`` opens a gap
(a torn muscle whose ends retract) by a known number of pixels per frame, so the true caliper
length is known on every frame; ``shifted_clip`` moves the whole texture along a path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from annotator.media.base import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region


def speckle_texture(height: int, width: int, seed: int = 0, grain: float = 1.3) -> np.ndarray:
    """A float32 texture in 0..1 with speckle about ``grain`` px (Rayleigh-like envelope)."""
    rng = np.random.default_rng(seed)
    re = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), grain)
    im = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), grain)
    env = np.sqrt(re * re + im * im)
    return np.clip(env / (3.0 * float(env.mean())), 0.0, 1.0)


def _shift(texture: np.ndarray, dx: float, dy: float, width: int, height: int,
           origin: tuple[int, int]) -> np.ndarray:
    """The ``width`` x ``height`` window of ``texture`` at ``origin``, its content moved by
    (dx, dy) px (sub-pixel, bilinear)."""
    ox, oy = origin
    m = np.array([[1, 0, dx - ox], [0, 1, dy - oy]], dtype=np.float32)
    return cv2.warpAffine(texture, m, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


def mm_region(width: int, height: int, mm_per_px: float) -> Region:
    """One spatial region over the whole image at ``mm_per_px`` (as a DICOM region would)."""
    d = mm_per_px / 10.0
    return Region(0, 0, width - 1, height - 1, UNIT_CM, UNIT_CM, d, d)


@dataclass
class TearClip:
    media: ArrayMedia
    #: caliper ends on each frame: the stumps' edges at ``row``
    truth: list[list[tuple[float, float]]]
    mm_per_px: float

    def gap_px(self, frame: int) -> float:
        (x0, _), (x1, _) = self.truth[frame]
        return x1 - x0


def tear_clip(
    width: int = 320,
    height: int = 240,
    frames: int = 40,
    gap_px: float = 30.0,
    retraction_px: Sequence[float] | np.ndarray | None = None,
    mm_per_px: float = 0.1,
    seed: int = 1,
    frame_time_ms: float = 1000.0 / 30.0,
) -> TearClip:
    """A muscle torn across the middle: the left stump moves left and the right stump right by
    ``retraction_px[i]`` on frame ``i`` (default 0.6 px per frame), the gap between them is
    dark fluid with faint noise. Calibrated at ``mm_per_px`` by one spatial region."""
    moves = np.asarray(retraction_px if retraction_px is not None else 0.6 * np.arange(frames), float)
    rng = np.random.default_rng(seed + 1000)
    pad = int(np.ceil(np.abs(moves).max())) + 16
    texture = speckle_texture(height + 2 * pad, width + 2 * pad, seed)
    centre = width / 2.0
    half = gap_px / 2.0
    xs = np.arange(width, dtype=np.float32)[None, :]
    out = np.empty((len(moves), height, width), np.uint8)
    truth: list[list[tuple[float, float]]] = []
    row = height / 2.0
    for i, r in enumerate(moves):
        left_edge, right_edge = centre - half - r, centre + half + r
        left = _shift(texture, -r, 0.0, width, height, (pad, pad))
        right = _shift(texture, r, 0.0, width, height, (pad, pad))
        # soft edges (1 px ramps) so a sub-pixel retraction shows in the picture
        w_left = np.clip(left_edge - xs + 0.5, 0.0, 1.0)
        w_right = np.clip(xs - right_edge + 0.5, 0.0, 1.0)
        fluid = 0.04 * rng.random((height, width), dtype=np.float32)
        img = left * w_left + right * w_right + fluid * (1.0 - w_left - w_right)
        out[i] = np.clip(img * 255.0, 0, 255).astype(np.uint8)
        truth.append([(float(left_edge), row), (float(right_edge), row)])
    times = np.arange(len(moves)) * frame_time_ms
    media = ArrayMedia(out, times, [mm_region(width, height, mm_per_px)], path="tear-clip", kind="video")
    return TearClip(media, truth, mm_per_px)


def shifted_clip(path: Sequence[tuple[float, float]], width: int = 320, height: int = 240,
                 seed: int = 2, regions: Sequence[Region] = ()) -> ArrayMedia:
    """The whole texture moved by ``path[i]`` = (dx, dy) px on frame ``i`` (content moves with
    it, so a tracked point should move by exactly that)."""
    return affine_clip([translation(dx, dy) for dx, dy in path], width, height, seed, regions)


def translation(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])


def scaling(factor: float, centre: tuple[float, float]) -> np.ndarray:
    """Content scaled by ``factor`` about ``centre`` (a muscle swelling in cross-section)."""
    cx, cy = centre
    return np.array([[factor, 0.0, cx * (1 - factor)], [0.0, factor, cy * (1 - factor)]])


def apply_affine(matrix: np.ndarray, points: Sequence[Sequence[float]]) -> list[tuple[float, float]]:
    """Where content at ``points`` on the first frame is on a frame moved by ``matrix``."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    out = pts @ matrix[:, :2].T + matrix[:, 2]
    return [(float(x), float(y)) for x, y in out]


def affine_clip(matrices: Sequence[np.ndarray], width: int = 320, height: int = 240, seed: int = 2,
                regions: Sequence[Region] = (),
                hole: tuple[float, float, float] | None = None) -> ArrayMedia:
    """Frame ``i`` shows the texture moved by the 2x3 affine ``matrices[i]`` (content at p on the
    first frame is at ``matrices[i] @ p``). ``hole`` = (x, y, radius) darkens a disk of the
    texture (fluid: no speckle to follow) that moves with it."""
    reach = max((float(np.abs(np.asarray(m)[:, 2]).max()) for m in matrices), default=0.0)
    margin = 64 + int(np.ceil(reach))
    big_h, big_w = height + 2 * margin, width + 2 * margin
    texture = speckle_texture(big_h, big_w, seed)
    if hole is not None:
        hx, hy, hr = hole
        yy, xx = np.mgrid[0:big_h, 0:big_w]
        inside = (xx - hx - margin) ** 2 + (yy - hy - margin) ** 2 <= hr * hr
        texture[inside] *= 0.03
    out = np.empty((len(matrices), height, width), np.uint8)
    for i, m in enumerate(matrices):
        # texture pixel q (with the margin) shows at image m @ (q - margin)
        full = np.vstack([np.asarray(m, dtype=np.float64), [0.0, 0.0, 1.0]])
        shift = np.array([[1.0, 0.0, -margin], [0.0, 1.0, -margin], [0.0, 0.0, 1.0]])
        warp = (full @ shift)[:2].astype(np.float32)
        frame = cv2.warpAffine(texture, warp, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT)
        out[i] = np.clip(frame * 255.0, 0, 255).astype(np.uint8)
    return ArrayMedia(out, None, regions, path="affine-clip", kind="video")
