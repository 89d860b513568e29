"""Generated B-mode-like muscle images of known architecture: speckle, two bright aponeurosis
bands and many parallel fascicle streaks between them at a known angle."""

from __future__ import annotations

import math

import cv2
import numpy as np

W, H = 480, 360
XC = (W - 1) / 2.0
BAND_EDGE = 3.5  # px: where a band of SD 3 px falls to half its height over the muscle


def muscle_image(seed: int = 0, *, s_row: float = 80.0, s_deg: float = -3.0, d_row: float = 260.0,
                 d_deg: float = 4.0, fascicle_deg: float = 22.0, shift: tuple[float, float] = (0.0, 0.0),
                 size: tuple[int, int] = (W, H), deep_sd: float = 3.0) -> np.ndarray:
    """A grey uint8 image. Angles are to the horizontal, positive rising to the right on
    screen; rows are the aponeuroses' centre rows at the image's centre column. ``shift``
    moves the fascicle streak pattern (tissue motion) without changing its angle. The bands
    are Gaussian across, SD 3 px (``deep_sd`` for the deep one)."""
    w, h = size
    rng = np.random.default_rng(seed)
    speckle = cv2.GaussianBlur(rng.gamma(1.2, 28.0, (h, w)).astype(np.float32), (0, 0), 1.2)
    image = speckle * 0.8
    xc = (w - 1) / 2.0
    xs = np.arange(w, dtype=np.float32)
    yy = np.arange(h, dtype=np.float32)[:, None]
    s_y = s_row - math.tan(math.radians(s_deg)) * (xs - xc)
    d_y = d_row - math.tan(math.radians(d_deg)) * (xs - xc)
    muscle = (yy > s_y + 4) & (yy < d_y - 4)
    streaks = np.zeros((h, w), np.float32)
    slope = -math.tan(math.radians(fascicle_deg))  # screen dy/dx
    local = np.random.default_rng(1000)  # the same tissue in every frame: only ``shift`` moves it
    for _ in range(260):
        cx, cy = local.uniform(-0.2 * w, 1.2 * w), local.uniform(-0.2 * h, 1.2 * h)
        half = local.uniform(15, 45)
        dx = half / math.sqrt(1 + slope * slope)
        p0 = (int(cx - dx + shift[0]), int(cy - dx * slope + shift[1]))
        p1 = (int(cx + dx + shift[0]), int(cy + dx * slope + shift[1]))
        cv2.line(streaks, p0, p1, float(local.uniform(70, 130)), 2, cv2.LINE_AA)
    image = image + np.where(muscle, streaks, 0.0)
    for centre, sd in ((s_y, 3.0), (d_y, deep_sd)):
        band = np.exp(-0.5 * ((yy - centre) / sd) ** 2) * 170.0
        image = image + band
    return np.clip(cv2.GaussianBlur(image, (0, 0), 0.8), 0, 255).astype(np.uint8)


def true_thickness(s_row: float, d_row: float, s_deg: float, d_deg: float, sx: float = 1.0,
                   sy: float = 1.0, fascicle_deg: float | None = 22.0, edge: float = BAND_EDGE) -> float:
    """Muscle thickness as defined for the analysis: between the bands' muscle-side edges
    (``edge`` px from each band's centre line), 8 % of the width in from the side where the
    fascicle through the middle of the muscle at the centre column meets the deep edge,
    perpendicular to the superficial aponeurosis (mm with ``sx``/``sy`` mm per px).
    ``fascicle_deg`` None: at the centre column."""
    xc = (W - 1) / 2.0

    def s_y(x: float) -> float:
        return s_row - math.tan(math.radians(s_deg)) * (x - xc) + edge

    def d_y(x: float) -> float:
        return d_row - math.tan(math.radians(d_deg)) * (x - xc) - edge

    if fascicle_deg is None:
        return (d_y(xc) - s_y(xc)) * sy * math.cos(math.atan2(math.tan(math.radians(s_deg)) * sy, sx))
    mid = 0.5 * (s_y(xc) + d_y(xc))
    f_slope = -math.tan(math.radians(fascicle_deg))  # screen dy/dx
    d_slope = -math.tan(math.radians(d_deg))
    # mid + f_slope (x - xc) = d_y(xc) + d_slope (x - xc)
    inserts = xc + (d_y(xc) - mid) / (f_slope - d_slope)
    x = 0.08 * W if inserts < xc else W - 1.0 - 0.08 * W
    s_phys = math.atan2(math.tan(math.radians(s_deg)) * sy, sx)
    return (d_y(x) - s_y(x)) * sy * math.cos(s_phys)


def contraction(n: int) -> list[dict[str, float]]:
    """Rest, contraction and back to rest: the deep aponeurosis rises and tilts, the fascicles
    steepen, the tissue slides."""
    out = []
    for k in range(n):
        a = math.sin(math.pi * k / (n - 1)) ** 2
        out.append({"d_row": 260 - 14 * a, "d_deg": 4 + 2 * a, "fascicle_deg": 20 + 12 * a,
                    "shift_x": 25 * a, "shift_y": -6 * a})
    return out


def contraction_clip(n: int) -> tuple[list[np.ndarray], list[dict[str, float]]]:
    """The frames of ``contraction(n)`` and their truth."""
    truth = contraction(n)
    frames = [muscle_image(seed=k, d_row=t["d_row"], d_deg=t["d_deg"], fascicle_deg=t["fascicle_deg"],
                           shift=(t["shift_x"], t["shift_y"])) for k, t in enumerate(truth)]
    return frames, truth
