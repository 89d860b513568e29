"""Finding the aponeuroses and the fascicle orientation in one grey frame.

Everything runs on a working copy of the imaging area (``annotator.media.bmode_area``: the
B-mode image within the frame) scaled to about ``WORK_WIDTH`` pixels:
- **ridges**: bright line structures from the Hessian of a smoothed image (the larger
  eigenvalue's magnitude where it is negative: a bright line has a strongly negative second
  derivative across it);
- **aponeuroses**: long near-horizontal ridges. A line's score is the mean ridge strength
  along it (a Radon transform restricted to +-20 degrees, computed by shearing); aponeuroses
  are long and continuous, fascicles are short, so they score low even at the same angle.
  On a still, wide diffuse bands count too (a deep aponeurosis with fascicles inserting).
  The superficial and deep aponeuroses are the strongest pair with no clear fascia-like line
  between them; each is then refined by a weighted fit of the ridge crest, column by column;
- **fascicle orientation**: within the muscle between the two lines, the angle whose sheared
  projection of the ridge map is the most peaked (a weighted Hough transform): fascicles are
  many parallel bright streaks, speckle is short and isotropic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from annotator.dynamics.architecture.profile import (
    alone_beside,
    angular_profile,
    best_inside,
    clearest_part,
    peak_ratio,
    refine_angle,
    strongest_rival,
    towards_deep,
)
from annotator.dynamics.architecture.types import Line
from annotator.media.bmode_area import Area

WORK_WIDTH = 320
APO_MAX_DEG = 20.0  # aponeuroses lie within this of the image horizontal
APO_STEP_DEG = 0.5
FASCICLE_MIN_DEG = 3.0  # a fascicle is at least this far from the deep aponeurosis
MIN_LINE_PX = 24  # working pixels: the shortest line along which a fascicle's strength is averaged
FASCICLE_MAX_DEG = 70.0  # contracted gastrocnemius reaches about 55 degrees
MIN_GAP = 0.12  # of the area height: the thinnest muscle looked for
MIN_MUSCLE_PX = 200  # working pixels: the fewest a fascicle orientation is read from
FULL_BAND = (0.15, 0.85)  # of the gap: where the fascicle orientation is measured
DEEP_BAND = (0.5, 0.85)  # ... its deep half, where fascicles insert (steeper: they curve)
PAIR_MAX_DEG = 15.0  # the two aponeuroses of one muscle converge by less than this
APO_SIGMAS = (3.0, 5.0)  # working px: aponeuroses are thick bands (1-2 mm), fascicles thin lines
WIDE_SIGMA = 8.0  # a still's search also looks for wide diffuse bands (a deep aponeurosis with insertions)
BLOCKER_DEG = 6.0  # a line between two aponeuroses this parallel to them is a fascia: another muscle
BLOCKER_COVERAGE = 0.6  # ... if clear over this share of columns (a fascia; fascicle bundles: 1/3-1/2)
MIN_COVERAGE = 0.25  # an aponeurosis stands out over at least this fraction of the columns
OBLIQUE_DEG = 6.0  # fascicles cross an aponeurosis at least this steeply
# a band's muscle-side edge, from the muscle's brightness to the peak's (observers mark it where
# the band has visibly ended: at 0.5 the three observer sets' sure images were 0.7-1.6 % thick).
# Scanners differ: the Telemed clips of data set 3 read 2.7 % thick at 0.4, data set 1 (GE) 3 %
# thin at 0.3; 0.35 keeps data sets 2, 3 and 4 under 3 % (docs/adr/0010)
EDGE_LEVEL = 0.35
# working px: a band's muscle-side edge lies at most this far from its crest. Under some
# vastus lateralis' superficial aponeurosis lies a grey layer brighter than the muscle below,
# and the walk to EDGE_LEVEL went through it (up to 20 working px, 29 image px) while the
# observers marked the bright band's edge. The deep band has no such layer: at 8 the
# observers' own deep points (data set 1's dpoint) lie 0.2 px from our deep edge, their
# superficial ones (spoint) 3.6 px above our superficial edge; at 6 for the superficial edge
# data sets 1 / 2 / 4 read 3.18 -> 3.01 / 1.83 -> 1.69 / 1.79 -> 1.79 % (data set 3 and the
# corpus clips' drift unchanged; 6 on the deep side too: set 1 3.09, its bias +0.2 %)
MAX_EDGE_SUPERFICIAL = 6.0
MAX_EDGE = 8.0  # the deep band's


@dataclass(frozen=True)
class Candidate:
    row: float  # working-image row of the line at the centre column
    slope: float  # working-image dy/dx
    score: float  # mean ridge strength along the line
    contrast: float  # score over the median score of its angle
    coverage: float  # fraction of columns where the ridge is clearly present


@dataclass(frozen=True)
class Work:
    """The working copy of the imaging area: ``image = area origin + work / scale``."""

    grey: np.ndarray  # float32, smoothed
    ridges: np.ndarray  # float32 >= 0, bright-line strength over scales (aponeuroses)
    streaks: np.ndarray  # float32 >= 0, thin bright lines only (fascicles)
    scale: float
    area: Area
    #: the ridges with wide bands too, where lines are searched (None: ``ridges``)
    bands: np.ndarray | None = None

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        return self.area.x0 + (x + 0.5) / self.scale - 0.5, self.area.y0 + (y + 0.5) / self.scale - 0.5


def prepare(grey: np.ndarray, area: Area, wide: bool = False) -> Work:
    crop = grey[area.y0:area.y1, area.x0:area.x1]
    scale = min(1.0, WORK_WIDTH / max(area.width, 1))
    size = (max(8, round(area.width * scale)), max(8, round(area.height * scale)))
    small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    smooth = cv2.GaussianBlur(small, (0, 0), 1.0)
    ridges = ridge_strength(small, APO_SIGMAS)
    bands = np.maximum(ridges, ridge_strength(small, (WIDE_SIGMA,))) if wide else None
    return Work(smooth, ridges, ridge_strength(small, (1.0,)), scale, area, bands)


def ridge_strength(image: np.ndarray, sigmas: tuple[float, ...] = (1.5, 3.0)) -> np.ndarray:
    """Bright-line strength over scales (thin fascicles, thick aponeuroses): the scale-
    normalised maximum of minus the most negative Hessian eigenvalue."""
    out = np.zeros(image.shape, np.float32)
    for sigma in sigmas:
        smooth = cv2.GaussianBlur(image, (0, 0), sigma)
        np.maximum(out, _ridge(smooth) * (sigma * sigma), out=out)
    return out


def _ridge(smooth: np.ndarray) -> np.ndarray:
    dxx = cv2.Sobel(smooth, cv2.CV_32F, 2, 0, ksize=3)
    dyy = cv2.Sobel(smooth, cv2.CV_32F, 0, 2, ksize=3)
    dxy = cv2.Sobel(smooth, cv2.CV_32F, 1, 1, ksize=3)
    half_trace = 0.5 * (dxx + dyy)
    root = np.sqrt(0.25 * (dxx - dyy) ** 2 + dxy * dxy)
    return np.maximum(-(half_trace - root), 0.0).astype(np.float32)


def _shear(image: np.ndarray, slope: float, centre_x: float) -> np.ndarray:
    """Rows of the result follow lines ``y = row + slope * (x - centre_x)`` of ``image``."""
    h, w = image.shape
    m = np.array([[1, 0, 0], [slope, 1, -slope * centre_x]], np.float32)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)


def _valid_counts(rows: np.ndarray, slope: float, xc: float, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """For lines y = row + slope (x - xc): the first and last column inside the image."""
    if abs(slope) < 1e-9:
        inside = (rows >= 0) & (rows <= h - 1)
        return np.where(inside, 0, 1).astype(np.float64), np.where(inside, w - 1, 0).astype(np.float64)
    a = xc - rows / slope
    b = xc + (h - 1 - rows) / slope
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    return np.clip(np.ceil(lo), 0, w - 1), np.clip(np.floor(hi), -1, w - 1)


def line_candidates(work: Work, slope_range: tuple[float, float] | None = None,
                    rows: tuple[float, float] | None = None, keep: int = 8) -> list[Candidate]:
    """Long bright near-horizontal lines, strongest first (one per row band). With ``rows``,
    only lines through those rows at the centre are looked for (a strip is sheared, not the
    whole image)."""
    ridges = work.ridges if work.bands is None else work.bands
    h, w = ridges.shape
    cap = float(np.percentile(ridges, 99.0)) or 1.0
    clipped = np.minimum(ridges, cap)
    # a line may wander by a pixel: take the best of three rows per column
    clipped = cv2.dilate(clipped, np.ones((3, 1), np.uint8))
    present = float(np.percentile(ridges, 90.0))
    background = float(np.median(clipped.mean(axis=1))) + 1e-6
    lo, hi = slope_range or (-math.tan(math.radians(APO_MAX_DEG)), math.tan(math.radians(APO_MAX_DEG)))
    step = math.tan(math.radians(APO_STEP_DEG))
    slopes = np.arange(lo, hi + step / 2, step) if hi > lo else np.array([lo])
    xc = (w - 1) / 2.0
    y0, y1 = 0, h
    if rows is not None:
        pad = int(math.ceil(max(abs(lo), abs(hi)) * (xc + 1))) + 2
        y0, y1 = max(0, int(rows[0]) - pad), min(h, int(math.ceil(rows[1])) + 1 + pad)
    strip = clipped[y0:y1]
    line_rows = np.arange(y0, y1, dtype=np.float64)
    cols = np.arange(w)[None, :]
    scores = np.zeros((len(slopes), h), np.float32)
    coverage = np.zeros_like(scores)
    for k, sl in enumerate(slopes):
        sheared = _shear(strip, float(sl), xc)
        first, last = _valid_counts(line_rows, float(sl), xc, w, h)
        n = np.maximum(last - first + 1, 1)
        valid = (cols >= first[:, None]) & (cols <= last[:, None])
        scores[k, y0:y1] = sheared.sum(axis=1) / n * np.minimum(1.0, n / (0.6 * w))
        coverage[k, y0:y1] = ((sheared > present) & valid).sum(axis=1) / n
    median = background
    if rows is not None:
        r0, r1 = max(0, int(rows[0])), min(h, int(math.ceil(rows[1])) + 1)
        scores[:, :r0] = 0
        scores[:, r1:] = 0
    best_k = np.argmax(scores, axis=0)
    best = scores[best_k, np.arange(h)]
    out: list[Candidate] = []
    taken = np.zeros(h, bool)
    sep = max(3, round(0.04 * h))
    for r in np.argsort(best)[::-1]:
        if len(out) >= keep or best[r] <= 0:
            break
        if taken[max(0, r - sep):r + sep + 1].any():
            continue
        taken[r] = True
        k = int(best_k[r])
        row = float(r)
        if 0 < r < h - 1:  # sub-pixel peak across rows
            a, b, c = scores[k, r - 1], scores[k, r], scores[k, r + 1]
            denom = a - 2 * b + c
            if denom < 0:
                row += float(np.clip(0.5 * (a - c) / denom, -0.5, 0.5))
        out.append(Candidate(row, float(slopes[k]), float(best[r]), float(best[r]) / median,
                             float(coverage[k, r])))
    return out


def slope_deg(slope: float) -> float:
    """The angle (degrees) of a screen slope dy/dx."""
    return math.degrees(math.atan(slope))


def candidate_line(work: Work, c: Candidate) -> Line:
    """A candidate (working row and slope at the centre column) as a line across the image."""
    w = work.ridges.shape[1]
    xc = (w - 1) / 2.0
    x0, y0 = work.to_image(0.0, c.row - c.slope * xc)
    x1, y1 = work.to_image(float(w - 1), c.row + c.slope * (w - 1 - xc))
    return Line(x0, y0, x1, y1)


def refine(work: Work, cand: Candidate, band: float = 4.0) -> tuple[Line, float]:
    """The crest of the ridge near a candidate, fitted by weighted least squares with two
    rounds of down-weighting outliers; returns the line in image pixels and the rms residual
    (working pixels)."""
    ridges = work.ridges
    h, w = ridges.shape
    xs = np.arange(w, dtype=np.float64)
    xc = (w - 1) / 2.0
    ys_line = cand.row + cand.slope * (xs - xc)
    offsets = np.arange(-band, band + 1)
    rows = np.clip(np.rint(ys_line[:, None] + offsets[None, :]).astype(int), 0, h - 1)
    values = ridges[rows, np.arange(w)[:, None]]
    k = np.argmax(values, axis=1)
    peak = values[np.arange(w), k]
    crest = rows[np.arange(w), k].astype(np.float64)
    inner = (k > 0) & (k < len(offsets) - 1)
    a = values[np.arange(w), np.clip(k - 1, 0, None)]
    c = values[np.arange(w), np.clip(k + 1, None, len(offsets) - 1)]
    denom = a - 2 * peak + c
    shift = np.where(inner & (denom < 0), 0.5 * (a - c) / np.where(denom < 0, denom, -1), 0.0)
    crest = crest + np.clip(shift, -0.5, 0.5)
    weight = peak.astype(np.float64)
    weight[weight < 0.25 * (np.percentile(weight, 90) + 1e-9)] = 0.0
    slope, intercept = cand.slope, cand.row - cand.slope * xc
    for _ in range(3):
        if weight.sum() <= 0:
            break
        fit = weighted_line(xs, crest, weight)
        if fit is None:
            break
        slope, intercept = fit
        resid = crest - (slope * xs + intercept)
        scale = 1.4826 * np.median(np.abs(resid[weight > 0])) + 0.5
        weight = weight * (np.abs(resid) < 2.5 * scale)
    resid = crest - (slope * xs + intercept)
    rms = float(np.sqrt(np.average(resid ** 2, weights=weight))) if weight.sum() > 0 else float("inf")
    x0, y0 = work.to_image(0.0, float(intercept))
    x1, y1 = work.to_image(float(w - 1), float(slope * (w - 1) + intercept))
    return Line(x0, y0, x1, y1), rms


@dataclass(frozen=True)
class Orientation:
    """The fascicles' orientation between two aponeuroses (``fascicle_reading``)."""

    slope: float | None  # screen dy/dx in image pixels
    clarity: float  # 0..1
    #: another orientation nearly as clear, that lowered ``clarity`` (``profile.distinct``):
    #: its screen slope, or None
    rival: float | None = None


def fascicle_orientation(work: Work, superficial: Line, deep: Line,
                         step_deg: float = 1.0) -> tuple[float | None, float]:
    """``fascicle_reading``'s slope and clarity."""
    found = fascicle_reading(work, superficial, deep, step_deg)
    return found.slope, found.clarity


def fascicle_reading(work: Work, superficial: Line, deep: Line, step_deg: float = 1.0) -> Orientation:
    """The fascicle angle (screen slope dy/dx in image pixels) between the two lines: the
    dominant streak angle over ``FULL_BAND`` of the gap, read part of the way to its deep
    half's (``profile.towards_deep``), how clearly it stands out (0..1), and a rival
    orientation nearly as clear. ``step_deg`` > 1: a quick look (choosing between pairs), the
    coarse dominant angle only."""
    ridges = work.streaks
    h, w = ridges.shape
    xs = np.arange(w, dtype=np.float32)
    s0 = _work_y(work, superficial, xs)
    d0 = _work_y(work, deep, xs)
    gap = d0 - s0
    yy = np.arange(h, dtype=np.float32)[:, None]
    mask = (yy > s0 + FULL_BAND[0] * gap) & (yy < s0 + FULL_BAND[1] * gap)
    if mask.sum() < MIN_MUSCLE_PX:
        return Orientation(None, 0.0)
    ys, xs_in = np.nonzero(mask)
    values = ridges[ys, xs_in].astype(np.float64)
    apo_deg = math.degrees(math.atan(float((d0[-1] - d0[0]) / max(w - 1, 1))))
    angles = [a for a in np.arange(apo_deg - FASCICLE_MAX_DEG, apo_deg + FASCICLE_MAX_DEG + 0.01, step_deg)
              if abs(a - apo_deg) >= FASCICLE_MIN_DEG and abs(a) < 80]
    if not angles:
        return Orientation(None, 0.0)
    dx = xs_in.astype(np.float64) - (w - 1) / 2.0
    yf = ys.astype(np.float64)
    peakedness = angular_profile(yf, dx, values, MIN_LINE_PX)
    coarse = np.array([peakedness(a) for a in angles])
    i = best_inside(coarse)
    base = float(np.median(coarse)) + 1e-9
    clarity = float(np.clip((coarse[i] / base - 1.15) / 1.5, 0.0, 1.0))
    if i in (0, len(angles) - 1):
        # strongest at the steepest angle looked for: what stands out lies beyond it (a seam,
        # vertical shadows), not a fascicle. A phantom's reverberations over plain speckle
        # (an orthanc-tests JPEG 2000) read 68.7 deg at confidence 0.55
        clarity = 0.0
    if step_deg > 1.0:  # a quick look: no refinement
        return Orientation(math.tan(math.radians(float(angles[i]))), clarity)
    k = strongest_rival(np.asarray(angles, np.float64), coarse, i)
    share = alone_beside(coarse, i, k)  # another one nearly as strong
    clarity *= share
    rival = math.tan(math.radians(float(angles[k]))) if k is not None and share < 1.0 else None
    part = clearest_part(xs_in, w, coarse[i] / base, lambda keep: peak_ratio(
        angular_profile(yf[keep], dx[keep], values[keep], MIN_LINE_PX), angles), MIN_MUSCLE_PX)
    if part is not None:  # read where the fascicles are clear; the clarity stays the whole band's
        xs_in, yf, dx, values = xs_in[part], yf[part], dx[part], values[part]
        peakedness = angular_profile(yf, dx, values, MIN_LINE_PX)
        i = best_inside(np.array([peakedness(a) for a in angles]))
    best, _value = refine_angle(lambda deg: peakedness(deg, True), float(angles[i]), step_deg)
    deep_px = (yf - s0[xs_in]) / gap[xs_in] >= DEEP_BAND[0]
    if deep_px.sum() >= MIN_MUSCLE_PX:
        deep_peakedness = angular_profile(yf[deep_px], dx[deep_px], values[deep_px], MIN_LINE_PX)
        best = towards_deep(best, deep_peakedness, lambda deg: deep_peakedness(deg, True), apo_deg=apo_deg)
    # working pixels are square and scaled alike in x and y: the slope holds in image pixels
    return Orientation(math.tan(math.radians(best)), clarity, rival)


def _work_y(work: Work, line: Line, xs: np.ndarray) -> np.ndarray:
    """Working-image rows of ``line`` at working columns ``xs``."""
    ximg = work.area.x0 + (xs + 0.5) / work.scale - 0.5
    yimg = line.y_at(0.0) + line.slope * ximg
    return ((yimg - work.area.y0 + 0.5) * work.scale - 0.5).astype(np.float32)


def inner_edge(work: Work, line: Line, towards: int, reach: float, cap: float) -> float:
    """How far (image pixels, vertically, >= 0) the muscle-side edge of the bright band
    along ``line`` lies from its crest: in each column, the first row from the crest towards
    the muscle (``towards`` +1 = down, -1 = up) where the brightness falls below
    ``EDGE_LEVEL`` of the way from the muscle to the band's peak; the median over the
    columns where the band stands out, at most ``cap`` working px. Muscle thickness is measured
    between these edges, as observers mark it."""
    grey = work.grey
    h, w = grey.shape
    xs = np.arange(w, dtype=np.float32)
    crest = _work_y(work, line, xs)
    steps = np.arange(0, max(4, int(math.ceil(reach))) + 1, dtype=np.float32)
    ys = crest[None, :] + towards * steps[:, None]
    inside = (ys >= 0) & (ys <= h - 1)
    rows = np.clip(np.rint(ys).astype(np.int64), 0, h - 1)
    profile = grey[rows, np.arange(w)[None, :]]
    peak = profile[: min(3, len(steps))].max(axis=0)
    muscle = np.median(profile[len(steps) // 2:], axis=0)
    half = muscle + EDGE_LEVEL * (peak - muscle)
    below = (profile < half[None, :]) & inside
    below[0] = False
    first = np.where(below.any(axis=0), np.argmax(below, axis=0), -1)
    clear = (first > 0) & (peak - muscle > 0.25 * (float(np.percentile(peak, 90)) - float(np.median(muscle)) + 1e-6))
    if clear.sum() < 0.2 * w:
        return 0.0
    # the crossing, interpolated between the last bright and the first dim sample (a working
    # pixel is 2-3 image pixels: 1 % of a thickness)
    cols = np.flatnonzero(clear)
    after = profile[first[cols], cols]
    before = profile[first[cols] - 1, cols]
    frac = np.clip((before - half[cols]) / np.maximum(before - after, 1e-6), 0.0, 1.0)
    return float(min(cap, max(0.0, np.median(first[cols] - 1 + frac)))) / work.scale


def weighted_line(xs: np.ndarray, ys: np.ndarray, weight: np.ndarray) -> tuple[float, float] | None:
    """(slope, intercept) minimising sum(weight * (ys - slope * xs - intercept) ** 2), as
    ``np.polyfit(xs, ys, 1, w=sqrt(weight))`` but in closed form (a tenth of its time: a clip
    refines every line on every frame); None when fewer than two distinct columns weigh."""
    total = float(weight.sum())
    if total <= 0:
        return None
    mx = float(np.dot(weight, xs)) / total
    my = float(np.dot(weight, ys)) / total
    dx = xs - mx
    sxx = float(np.dot(weight, dx * dx))
    if sxx <= 1e-12 * total:
        return None
    slope = float(np.dot(weight, dx * (ys - my))) / sxx
    return slope, my - slope * mx


def crest_curve(work: Work, line: Line, band: float = 4.0, rounds: int = 3) -> np.ndarray | None:
    """A gently curved aponeurosis (the deep one bends where the fascicles insert): a
    quadratic through the ridge crest, followed from ``line`` in a few rounds (each looks
    ``band`` working px around the last curve). Working-image coefficients (highest power
    first), or None when the crest is too broken to follow."""
    ridges = work.ridges
    h, w = ridges.shape
    xs = np.arange(w, dtype=np.float64)
    ys = _work_y(work, line, xs.astype(np.float32)).astype(np.float64)
    offsets = np.arange(-band, band + 1)
    coef: np.ndarray | None = None
    for _ in range(rounds):
        rows = np.clip(np.rint(ys[:, None] + offsets[None, :]).astype(int), 0, h - 1)
        values = ridges[rows, np.arange(w)[:, None]]
        k = np.argmax(values, axis=1)
        peak = values[np.arange(w), k].astype(np.float64)
        crest = rows[np.arange(w), k].astype(np.float64)
        weight = np.where(peak >= 0.25 * (np.percentile(peak, 90) + 1e-9), peak, 0.0)
        if (weight > 0).sum() < 0.4 * w:
            return None
        coef = np.polyfit(xs, crest, 2, w=np.sqrt(weight))
        resid = crest - np.polyval(coef, xs)
        scale = 1.4826 * np.median(np.abs(resid[weight > 0])) + 0.5
        weight = weight * (np.abs(resid) < 2.5 * scale)
        coef = np.polyfit(xs, crest, 2, w=np.sqrt(weight))
        ys = np.polyval(coef, xs)
    return coef


def tangent(work: Work, coef: np.ndarray, x_image: float) -> Line:
    """The image-pixel line touching the working-image curve ``coef`` at image column
    ``x_image``, across the imaging area."""
    w = work.ridges.shape[1]
    xw = (x_image - work.area.x0 + 0.5) * work.scale - 0.5
    xw = float(np.clip(xw, 0, w - 1))
    slope = float(np.polyval(np.polyder(coef), xw))
    y = float(np.polyval(coef, xw))
    x0, y0 = work.to_image(0.0, y - slope * xw)
    x1, y1 = work.to_image(float(w - 1), y + slope * (w - 1 - xw))
    return Line(x0, y0, x1, y1)
