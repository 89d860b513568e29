"""The demo clip: a long-axis view of a torn medial gastrocnemius whose gap opens on contraction.

Synthetic and seeded. The muscle's two stumps retract horizontally (more near the tear, less
far from it), so the gap between them is known exactly on every frame: ``gap_mm(frame)``, and
``caliper_points(frame)`` gives the caliper ends on the stumps at the caliper's depth.
Layers, from the skin down: skin, subcutaneous fat with septa, superficial fascia, medial
gastrocnemius (oblique fascicles) with the tear and its hematoma, the deep aponeurosis, soleus.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from annotator.demo import tissue

WIDTH, HEIGHT = 480, 360
#: the calibrated 2D tissue region (inclusive pixel bounds)
REGION = (40, 32, 439, 351)
MM_PER_PX = 0.1
FRAME_COUNT = 40
FRAME_TIME_MS = 50.0
REST_GAP_MM = 4.0
PEAK_GAP_MM = 10.0
#: frames where the contraction starts, peaks, starts to relax and ends
RAMP_START, PEAK_START, PEAK_END, RAMP_END = 4, 18, 22, 34
PEAK_FRAME = PEAK_START
#: depth (mm below the skin line) of the caliper across the gap
CALIPER_DEPTH_MM = 13.0

_RW, _RH = REGION[2] - REGION[0] + 1, REGION[3] - REGION[1] + 1
_TEAR_X = 200.0  # tear centre, region pixels
_PAD = 40  # material image margin for the retraction
_SUPERFICIAL_FASCIA_Y = 66.0
_DEEP_APONEUROSIS_Y = 196.0


def gap_mm(frame: int) -> float:
    """The true gap between the stumps at the caliper's depth on ``frame``."""
    if frame <= RAMP_START or frame >= RAMP_END:
        return REST_GAP_MM
    if PEAK_START <= frame <= PEAK_END:
        return PEAK_GAP_MM
    if frame < PEAK_START:
        u = (frame - RAMP_START) / (PEAK_START - RAMP_START)
    else:
        u = (RAMP_END - frame) / (RAMP_END - PEAK_END)
    return REST_GAP_MM + (PEAK_GAP_MM - REST_GAP_MM) * 0.5 * (1.0 - math.cos(math.pi * u))


def caliper_points(frame: int) -> list[tuple[float, float]]:
    """Image-pixel ends of a caliper on the stump ends at ``CALIPER_DEPTH_MM`` on ``frame``."""
    half = gap_mm(frame) / MM_PER_PX / 2.0
    y = REGION[1] + _caliper_row()
    return [(REGION[0] + _TEAR_X - half, float(y)), (REGION[0] + _TEAR_X + half, float(y))]


def _caliper_row() -> int:
    return int(round(CALIPER_DEPTH_MM / MM_PER_PX))


def _retraction_weight(x: np.ndarray) -> np.ndarray:
    """How much of the stump's retraction a column follows: 1 near the tear, less far away."""
    near = PEAK_GAP_MM / MM_PER_PX / 2.0 + 15.0
    dist = np.maximum(np.abs(x - _TEAR_X) - near, 0.0)
    return np.exp(-dist / 120.0).astype(np.float32)


class _Scene:
    """The parts of the picture computed once: static layers and the muscle in its own frame."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        yy, xx = np.mgrid[0:_RH, 0:_RW].astype(np.float32)
        self.superficial = _SUPERFICIAL_FASCIA_Y + tissue.smooth_curve(rng, _RW, 3.0, 40)
        self.deep = _DEEP_APONEUROSIS_Y + 0.06 * (xx[0] - _RW / 2) + tissue.smooth_curve(rng, _RW, 2.0, 50)
        self.static = self._static_layers(rng, yy, xx)
        self.muscle = self._muscle_material(rng)
        self.fluid = (0.004 + 0.02 * tissue.streaks(rng, _RH, _RW, 4.0, 1.5, 0.04)) * tissue.speckle(rng, _RH, _RW, 1.2, 2.5)
        self.muscle_mask = tissue.smoothstep((yy - self.superficial - 6.0) / 3.0) * \
            tissue.smoothstep((self.deep - 5.0 - yy) / 3.0)
        # Irregular stump ends (material columns), exact at the caliper's row.
        row = _caliper_row()
        jl = tissue.smooth_curve(rng, _RH, 10.0, 6) - _frays(rng, row)
        jr = tissue.smooth_curve(rng, _RH, 10.0, 6) + _frays(rng, row)
        half_rest = REST_GAP_MM / MM_PER_PX / 2.0
        self.stump_left = (_TEAR_X - half_rest + jl - jl[row])[:, None]
        self.stump_right = (_TEAR_X + half_rest + jr - jr[row])[:, None]

    def _static_layers(self, rng: np.random.Generator, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        amp = np.full((_RH, _RW), 0.03, np.float32)
        fat = (yy > 14) & (yy < self.superficial - 4)
        amp[fat] = 0.012
        septa = tissue.oblique_lines(_RH, _RW, -8.0, 17.0, 0.6 * tissue.smooth_noise(rng, _RH, _RW, 25), 10)
        septa *= tissue.streaks(rng, _RH, _RW, 30.0, 3.0, 0.5)
        amp += np.where(fat, 0.12 * septa, 0)
        skin = 9.0 + tissue.smooth_curve(rng, _RW, 1.0, 60)
        amp += 0.7 * tissue.band(yy, skin, 4.0)
        amp += 0.5 * tissue.band(yy, self.superficial, 4.0)
        amp += 0.6 * tissue.band(yy, self.deep, 4.5)
        # soleus: fascicles pennate the other way
        soleus = tissue.smoothstep((yy - self.deep - 5.0) / 3.0)
        lines = tissue.oblique_lines(_RH, _RW, -24.0, 13.0, 0.4 * tissue.smooth_noise(rng, _RH, _RW, 30), 6)
        lines *= tissue.streaks(rng, _RH, _RW, 22.0, 3.0, 0.6)
        amp = amp * (1 - soleus) + soleus * (0.022 + 0.12 * lines)
        return amp * tissue.speckle(rng, _RH, _RW)

    def _muscle_material(self, rng: np.random.Generator) -> np.ndarray:
        h, w = _RH, _RW + 2 * _PAD
        phase = 0.5 * tissue.smooth_noise(rng, h, w, 28)
        lines = tissue.oblique_lines(h, w, 21.0, 15.0, phase, 6)
        lines *= tissue.streaks(rng, h, w, 25.0, 3.0, 0.6)
        amp = 0.02 + 0.15 * lines
        return (amp * tissue.speckle(rng, h, w)).astype(np.float32)

    def frame(self, gap_px: float) -> np.ndarray:
        retract = (gap_px - REST_GAP_MM / MM_PER_PX) / 2.0
        x = np.arange(_RW, dtype=np.float32)
        weight = _retraction_weight(x)
        mat_left = x + retract * weight  # material column shown at each output column
        mat_right = x - retract * weight
        rows = np.arange(_RH, dtype=np.float32)[:, None]
        map_y = np.repeat(rows, _RW, axis=1)
        left = cv2.remap(self.muscle, np.broadcast_to(mat_left + _PAD, (_RH, _RW)).copy(), map_y,
                         cv2.INTER_LINEAR)
        right = cv2.remap(self.muscle, np.broadcast_to(mat_right + _PAD, (_RH, _RW)).copy(), map_y,
                          cv2.INTER_LINEAR)
        in_left = tissue.smoothstep((self.stump_left - mat_left[None, :]) / 2.0 + 0.5)
        in_right = tissue.smoothstep((mat_right[None, :] - self.stump_right) / 2.0 + 0.5)
        gap = np.clip(1.0 - in_left - in_right, 0.0, 1.0)
        muscle = left * in_left + right * in_right + self.fluid * gap
        amp = self.static * (1 - self.muscle_mask) + muscle * self.muscle_mask
        # posterior acoustic enhancement deep to the fluid
        gap_columns = (gap * self.muscle_mask).mean(axis=0)
        below = tissue.smoothstep((rows - self.deep[None, :] - 4.0) / 6.0)
        amp = amp * (1.0 + 1.2 * below * gap_columns[None, :] * 2.5)
        return tissue.to_grey(amp * _depth_gain(rows), smoothing=1.1)


def _frays(rng: np.random.Generator, keep_row: int) -> np.ndarray:
    """Torn fibres sticking out of a stump into the gap: a few rows reach further (px)."""
    frays = np.zeros(_RH, np.float32)
    for row in rng.integers(int(_SUPERFICIAL_FASCIA_Y) + 8, int(_DEEP_APONEUROSIS_Y) - 8, size=9):
        if abs(int(row) - keep_row) > 5:
            frays[row:row + int(rng.integers(2, 4))] = float(rng.uniform(4.0, 11.0))
    return frays


def _depth_gain(rows: np.ndarray) -> np.ndarray:
    # mild uncompensated attenuation: deep tissue a little darker
    return np.exp(-rows / _RH * 0.5).astype(np.float32) * 1.25


def render_clip(seed: int = 4) -> np.ndarray:
    """All frames as grey uint8 (FRAME_COUNT, HEIGHT, WIDTH)."""
    scene = _Scene(seed)
    x0, y0, x1, y1 = REGION
    frames = np.zeros((FRAME_COUNT, HEIGHT, WIDTH), np.uint8)
    chrome = np.zeros((HEIGHT, WIDTH), np.uint8)
    tissue.header_text(chrome, ["us-annotator SYNTHETIC DEMO   MSK  L15-4",
                                "Medial gastrocnemius R, long axis"])
    tissue.depth_ruler(chrome, x1 + 6, y0, 1.0 / MM_PER_PX, 30)
    tissue.grey_bar(chrome, 12, 80, 22, 280)
    for i in range(FRAME_COUNT):
        frames[i] = chrome
        frames[i, y0:y1 + 1, x0:x1 + 1] = scene.frame(gap_mm(i) / MM_PER_PX)
    return frames
