"""The demo still: a transverse view of an enlarged median nerve at the carpal tunnel inlet.

Synthetic and seeded. The nerve is an oval of hypoechoic fascicles in a brighter perineurium
(the honeycomb pattern) inside a bright epineurial rim, under the arching flexor retinaculum,
with flexor tendons deep to it and the scaphoid tubercle and pisiform casting shadows at the
sides. ``trace_points()`` follows the inner edge of the rim; its area is ``NERVE_CSA_MM2``.
"""

from __future__ import annotations

import math

import numpy as np

from annotator.demo import tissue

WIDTH, HEIGHT = 480, 360
REGION = (40, 32, 439, 351)
MM_PER_PX = 0.0625
#: semi-axes of the nerve's inner boundary (mm) and its centre (image pixels)
NERVE_SEMI_AXES_MM = (3.0, 1.5)
NERVE_CENTRE = (216.0, 122.0)
TRACE_POINT_COUNT = 40

_RW, _RH = REGION[2] - REGION[0] + 1, REGION[3] - REGION[1] + 1


def trace_points() -> list[tuple[float, float]]:
    """Image-pixel vertices of a trace along the inside of the nerve's bright rim."""
    a = NERVE_SEMI_AXES_MM[0] / MM_PER_PX
    b = NERVE_SEMI_AXES_MM[1] / MM_PER_PX
    cx, cy = NERVE_CENTRE
    return [
        (round(cx + a * math.cos(t), 2), round(cy + b * math.sin(t), 2))
        for t in (2 * math.pi * k / TRACE_POINT_COUNT for k in range(TRACE_POINT_COUNT))
    ]


def polygon_area_mm2(points: list[tuple[float, float]]) -> float:
    """Shoelace area of image-pixel points in mm² (square pixels)."""
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    px2 = 0.5 * abs(float(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))))
    return px2 * MM_PER_PX * MM_PER_PX


#: the trace's cross-sectional area, above the 11 mm² upper limit of normal at the inlet
NERVE_CSA_MM2 = polygon_area_mm2(trace_points())


def _ellipse_distance(xx: np.ndarray, yy: np.ndarray, cx: float, cy: float, a: float, b: float) -> np.ndarray:
    """Approximate signed distance (px) to an ellipse's edge: negative inside."""
    r = np.sqrt(((xx - cx) / a) ** 2 + ((yy - cy) / b) ** 2)
    return (r - 1.0) * min(a, b)


def _nerve(rng: np.random.Generator, amp: np.ndarray, xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    cx, cy = NERVE_CENTRE[0] - REGION[0], NERVE_CENTRE[1] - REGION[1]
    a = NERVE_SEMI_AXES_MM[0] / MM_PER_PX
    b = NERVE_SEMI_AXES_MM[1] / MM_PER_PX
    d = _ellipse_distance(xx, yy, cx, cy, a, b)
    inside = tissue.smoothstep(0.5 - d)
    honeycomb = np.full_like(amp, 0.12)
    for _ in range(60):  # fascicles: dark rounds packed inside
        t, r = rng.uniform(0, 2 * math.pi), math.sqrt(rng.uniform(0, 0.85))
        fx, fy = cx + a * r * math.cos(t), cy + b * r * math.sin(t)
        radius = rng.uniform(2.5, 4.5)
        dist = np.hypot(xx - fx, (yy - fy) * 1.2)
        honeycomb *= 1.0 - 0.75 * tissue.smoothstep((radius - dist) / 1.2)
    rim = tissue.smoothstep(1.0 - np.abs(d - 2.5) / 2.5)
    out = amp * (1 - inside) + honeycomb * inside
    return np.maximum(out, 0.32 * rim)


def _tendons(rng: np.random.Generator, amp: np.ndarray, xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    fibrils = 0.05 + 0.12 * tissue.streaks(rng, _RH, _RW, 1.5, 1.5, 0.5)
    for cx, cy, a, b in ((150, 180, 34, 24), (222, 190, 36, 25), (292, 178, 33, 24),
                         (182, 236, 30, 22), (258, 240, 32, 22)):
        d = _ellipse_distance(xx, yy, cx, cy, a, b)
        inside = tissue.smoothstep(0.5 - d / 2.0)
        amp = amp * (1 - inside) + fibrils * inside
        amp = np.maximum(amp, 0.18 * tissue.smoothstep(1.0 - np.abs(d) / 2.0))
    return amp


def _bone(amp: np.ndarray, xx: np.ndarray, yy: np.ndarray, cx: float, top: float, half_width: float) -> np.ndarray:
    """A bright convex bone surface with the acoustic shadow under it."""
    surface = top + ((xx - cx) / half_width) ** 2 * 45.0
    within = tissue.smoothstep((half_width - np.abs(xx - cx)) / 6.0)
    line = tissue.smoothstep(1.0 - np.abs(yy - surface) / 3.5) * within
    shadow = tissue.smoothstep((yy - surface - 3.0) / 4.0) * within
    return np.maximum(amp * (1.0 - 0.95 * shadow), 0.9 * line)


def render_still(seed: int = 11) -> np.ndarray:
    """The still as grey uint8 (HEIGHT, WIDTH)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:_RH, 0:_RW].astype(np.float32)
    amp = 0.025 * (1.0 + 0.35 * tissue.smooth_noise(rng, _RH, _RW, 14))
    amp += 0.6 * tissue.band(yy, 7.0 + tissue.smooth_curve(rng, _RW, 1.0, 50), 3.5)  # skin
    retinaculum = 58.0 + ((xx[0] - 200.0) / 200.0) ** 2 * 40.0
    amp += 0.4 * tissue.band(yy, retinaculum, 4.0) * tissue.smoothstep((xx - 40) / 20) \
        * tissue.smoothstep((360 - xx) / 20)
    amp = _tendons(rng, amp, xx, yy)
    amp = _nerve(rng, amp, xx, yy)
    # ulnar artery (anechoic, with posterior enhancement) in Guyon's canal
    artery = tissue.smoothstep(1.0 - (np.hypot(xx - 345, yy - 70) - 13.0) / 1.5)
    amp = amp * (1 - artery) + 0.003 * artery
    amp = _bone(amp, xx, yy, 58.0, 215.0, 48.0)  # scaphoid tubercle (lateral)
    amp = _bone(amp, xx, yy, 352.0, 170.0, 44.0)  # pisiform (medial)
    amp *= tissue.speckle(rng, _RH, _RW, 0.9, 1.8)
    depth = np.exp(-yy / _RH * 0.4) * 1.2
    frame = np.zeros((HEIGHT, WIDTH), np.uint8)
    tissue.header_text(frame, ["us-annotator SYNTHETIC DEMO   MSK  L18-5",
                               "Wrist R, transverse, carpal tunnel inlet"])
    tissue.depth_ruler(frame, REGION[2] + 6, REGION[1], 1.0 / MM_PER_PX, 20)
    x0, y0, x1, y1 = REGION
    frame[y0:y1 + 1, x0:x1 + 1] = tissue.to_grey(amp * depth, smoothing=0.9)
    return frame

