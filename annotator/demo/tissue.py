"""Ultrasound-like texture synthesis for the synthetic demo (numpy and OpenCV, seeded).

B-mode speckle is the envelope of randomly phased echoes blurred by the system's point spread
function (wider laterally than axially), scaled by the tissue's echogenicity and log-compressed
for display. Everything here works in float32 "echo amplitude" images; ``to_grey`` turns one
into the 8-bit picture a scanner would show.
"""

from __future__ import annotations

import cv2
import numpy as np

#: displayed dynamic range (dB): echoes this far below full scale are black
DYNAMIC_RANGE_DB = 60.0
#: the scanner's grey map: compressed level (0..1) to the power of this
GREY_MAP_POWER = 1.6


def _blur(image: np.ndarray, sigma_x: float, sigma_y: float) -> np.ndarray:
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigmaX=sigma_x, sigmaY=sigma_y), np.float32)


def speckle(rng: np.random.Generator, height: int, width: int,
            axial_sigma: float = 1.0, lateral_sigma: float = 2.2) -> np.ndarray:
    """Fully developed speckle: a Rayleigh-like envelope with mean about 1 (float32)."""
    real = _blur(rng.standard_normal((height, width)).astype(np.float32), lateral_sigma, axial_sigma)
    imag = _blur(rng.standard_normal((height, width)).astype(np.float32), lateral_sigma, axial_sigma)
    envelope = np.sqrt(real * real + imag * imag)
    return envelope / max(float(envelope.mean()), 1e-6)


def smooth_noise(rng: np.random.Generator, height: int, width: int, sigma: float) -> np.ndarray:
    """Low-frequency noise in about [-1, 1] (for slowly varying echogenicity)."""
    field = _blur(rng.standard_normal((height, width)).astype(np.float32), sigma, sigma)
    peak = float(np.abs(field).max())
    return field / peak if peak > 0 else field


def smooth_curve(rng: np.random.Generator, length: int, amplitude: float, sigma: float) -> np.ndarray:
    """A smooth random 1-D curve with the given peak amplitude (for wavy layer boundaries)."""
    raw = rng.standard_normal(length + 8 * int(sigma) + 8).astype(np.float32)
    kernel = cv2.getGaussianKernel(int(6 * sigma) | 1, sigma).ravel().astype(np.float32)
    curve = np.convolve(raw, kernel, mode="same")[4 * int(sigma) + 4:][:length]
    peak = float(np.abs(curve).max())
    return curve * (amplitude / peak) if peak > 0 else curve


def band(y: np.ndarray, centre: np.ndarray | float, half_width: float) -> np.ndarray:
    """A soft horizontal band (1 inside, falling off smoothly) around ``centre`` per column."""
    d = np.abs(y - centre) / max(half_width, 1e-3)
    return np.clip(1.5 - d, 0.0, 1.0) ** 2


def smoothstep(x: np.ndarray) -> np.ndarray:
    t = np.clip(x, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def oblique_lines(height: int, width: int, angle_deg: float, spacing: float,
                  phase: np.ndarray | float = 0.0, sharpness: float = 6.0) -> np.ndarray:
    """Bright thin lines at ``angle_deg`` below the horizontal (muscle fascicles), 0..1."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = np.deg2rad(angle_deg)
    # distance across the lines, in units of line spacing
    across = (yy * np.cos(angle) - xx * np.sin(angle)) / spacing + phase
    return (0.5 + 0.5 * np.cos(2 * np.pi * across)) ** sharpness


def to_grey(amplitude: np.ndarray, gain_db: float = 0.0, smoothing: float = 0.8) -> np.ndarray:
    """Log-compress echo amplitude (1.0 = a bright reflector) to an 8-bit grey image, with the
    light speckle-reduction smoothing scanners apply."""
    amp = np.maximum(amplitude.astype(np.float32), 1e-6)
    level = (20.0 * np.log10(amp) + gain_db + DYNAMIC_RANGE_DB) / DYNAMIC_RANGE_DB
    level = np.clip(level, 0.0, 1.0).astype(np.float32)
    if smoothing > 0:
        level = _blur(level, smoothing, smoothing)
    return np.clip(255.0 * level**GREY_MAP_POWER + 0.5, 0, 255).astype(np.uint8)


def streaks(rng: np.random.Generator, height: int, width: int, length: float = 25.0,
            thickness: float = 3.0, fill: float = 0.55) -> np.ndarray:
    """Elongated patches in 0..1 that break lines into fascicle-like fragments."""
    field = _blur(rng.standard_normal((height, width)).astype(np.float32), length, thickness)
    threshold = float(np.quantile(field, 1.0 - fill))
    spread = float(field.std()) * 0.5 or 1.0
    return smoothstep((field - threshold) / spread + 0.5)


def depth_ruler(frame: np.ndarray, x: int, y0: int, px_per_mm: float, depth_mm: int) -> None:
    """Draw a scanner-style depth ruler (ticks every 5 mm, long ticks every 10 mm) in place."""
    for mm in range(0, depth_mm + 1, 5):
        y = int(round(y0 + mm * px_per_mm))
        length = 8 if mm % 10 == 0 else 4
        frame[y:y + 1, x:x + length] = 200
        if mm % 10 == 0:
            cv2.putText(frame, str(mm // 10), (x + 10, y + 4), cv2.FONT_HERSHEY_PLAIN, 0.8,
                        (200, 200, 200), 1, cv2.LINE_AA)


def grey_bar(frame: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> None:
    """The scanner's grey-scale bar: black at the bottom to white at the top, in place."""
    ramp = np.linspace(255, 0, y1 - y0 + 1).astype(np.uint8)[:, None]
    frame[y0:y1 + 1, x0:x1 + 1] = ramp


def header_text(frame: np.ndarray, lines: list[str]) -> None:
    """Burned-in header text, like a scanner's (never patient data in the demo)."""
    for i, line in enumerate(lines):
        cv2.putText(frame, line, (8, 14 + 12 * i), cv2.FONT_HERSHEY_PLAIN, 0.8,
                    (190, 190, 190), 1, cv2.LINE_AA)
