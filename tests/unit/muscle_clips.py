"""Generated muscle clips with known architecture, for the structure tracking tests: two bright
aponeurosis bands on speckle, fascicle striations at a known angle between them, the deep
aponeurosis rising (the muscle thins) while the tissue slides along it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from annotator.media import ArrayMedia
from tests.synthetic import mm_region, speckle_texture

W, H = 320, 240
MM_PER_PX = 0.1


@dataclass
class MuscleClip:
    media: ArrayMedia
    superficial_y: list[float]  # the superficial line's y at x = W/2, per frame (slope 0)
    deep_y: list[float]  # the deep line's y at x = W/2, per frame
    deep_slope: list[float]  # dy/dx of the deep line, per frame
    fascicle_deg: list[float]  # fascicle angle to the horizontal (rising to the right), per frame

    def thickness_px(self, frame: int) -> float:
        """Perpendicular distance between the lines, along the deep line's normal at x = W/2."""
        s = self.deep_slope[frame]
        return (self.deep_y[frame] - self.superficial_y[frame]) * math.cos(math.atan(s))

    def inner_thickness_px(self, frame: int) -> float:
        """The same between the bands' muscle-side edges (half height: 1.18 SD from each
        centre), where the analysis measures muscle thickness."""
        s = self.deep_slope[frame]
        return self.thickness_px(frame) - 2 * BAND_EDGE_PX * math.cos(math.atan(s))

    def inner_thickness_px_at(self, frame: int, x: float) -> float:
        """``inner_thickness_px`` at column ``x`` (the deep line rises or falls along x)."""
        s = self.deep_slope[frame]
        return self.inner_thickness_px(frame) + s * (x - W / 2) * math.cos(math.atan(s))

    def pennation_deg(self, frame: int) -> float:
        return self.fascicle_deg[frame] + math.degrees(math.atan(self.deep_slope[frame]))


BAND_EDGE_PX = 2.5 * math.sqrt(2 * math.log(2))  # bands of SD 2.5 px fall to half height here


def muscle_clip(frames: int = 40, thinning_px: float = 12.0, slide_px: float = 1.0,
                fascicle_from: float = 20.0, fascicle_to: float = 28.0, seed: int = 3) -> MuscleClip:
    """The deep line rises ``thinning_px`` over the clip then comes back (a contraction and
    its release); fascicles steepen from ``fascicle_from`` to ``fascicle_to`` degrees and back;
    the speckle slides ``slide_px`` a frame along the aponeuroses."""
    texture = speckle_texture(H, W + int(abs(slide_px) * frames) + 40, seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    out = np.empty((frames, H, W), np.uint8)
    sup, deep, slope, fas = [], [], [], []
    for i in range(frames):
        phase = math.sin(math.pi * i / (frames - 1))  # 0 -> 1 -> 0
        s_y, d_y = 50.0, 190.0 - thinning_px * phase
        d_slope = -0.05 - 0.02 * phase  # the deep line rises to the right
        f_deg = fascicle_from + (fascicle_to - fascicle_from) * phase
        shift = int(round(slide_px * i))
        speck = texture[:, shift:shift + W] * 0.35
        deep_line = d_y + d_slope * (xx - W / 2)
        # fascicles: stripes along the fascicle direction, between the aponeuroses
        t = math.radians(f_deg)
        across = xx * math.sin(t) + yy * math.cos(t) + shift * math.sin(t)
        stripes = 0.25 * (0.5 + 0.5 * np.cos(2 * math.pi * across / 14.0))
        inside = (yy > s_y + 6) & (yy < deep_line - 6)
        img = speck + np.where(inside, stripes, 0.0)
        img += 0.9 * np.exp(-0.5 * ((yy - s_y) / 2.5) ** 2)
        img += 0.9 * np.exp(-0.5 * ((yy - deep_line) / 2.5) ** 2)
        out[i] = np.clip(img * 255, 0, 255).astype(np.uint8)
        sup.append(s_y)
        deep.append(d_y)
        slope.append(d_slope)
        fas.append(f_deg)
    out = np.stack([cv2.GaussianBlur(f, (0, 0), 0.7) for f in out])
    media = ArrayMedia(out, np.arange(frames) * 40.0, regions=[mm_region(W, H, MM_PER_PX)],
                       path="muscle.dcm", kind="dicom")
    return MuscleClip(media, sup, deep, slope, fas)


def thickness_points(clip: MuscleClip, frame: int) -> list[tuple[float, float]]:
    """A thickness drawn exactly on both lines (two 120-px segments centred at x = W/2)."""
    x0, x1 = W / 2 - 60, W / 2 + 60
    s = clip.deep_slope[frame]
    d = clip.deep_y[frame]
    sy = clip.superficial_y[frame]
    return [(x0, sy), (x1, sy), (x0, d + s * (x0 - W / 2)), (x1, d + s * (x1 - W / 2))]
