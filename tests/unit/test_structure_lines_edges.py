"""A drawn thickness marked on the bands' muscle-side edges (where the analysis and the
observers measure it) is followed at those edges, not pulled onto the bands' crests."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from annotator.case import architecture_geometry as geometry
from annotator.dynamics import structure_lines
from tests.architecture_images import XC, muscle_image


def _drawn(s_row: float, d_row: float, inset: float) -> list[tuple[float, float]]:
    """Flat aponeuroses: a segment each, ``inset`` px from each crest towards the muscle."""
    return [(XC - 60, s_row + inset), (XC + 60, s_row + inset), (XC - 60, d_row - inset), (XC + 60, d_row - inset)]


def test_a_thickness_drawn_on_the_inner_edges_keeps_its_value() -> None:
    frames = [muscle_image(seed=k, s_deg=0.0, d_deg=0.0, d_row=250.0 + 0.5 * k) for k in range(12)]
    drawn = _drawn(80.0, 250.0, inset=6.0)
    points, conf = structure_lines.track_structures(lambda i: frames[i], "thickness", 0, drawn, 0, 11)
    start = geometry.thickness(points[0])
    assert start is not None and abs(start - 158.0) < 1e-6
    for k in range(1, 12):
        value = geometry.thickness(points[k])
        assert value is not None and conf[k] >= 0.5
        # the deep band moved 0.5 px a frame; the edges keep their 6 px from the crests
        assert abs(value - (158.0 + 0.5 * k)) < 1.0, (k, value)


def test_a_thickness_drawn_on_the_crests_stays_on_them() -> None:
    frames = [muscle_image(seed=k, s_deg=0.0, d_deg=0.0) for k in range(6)]
    points, _conf = structure_lines.track_structures(lambda i: frames[i], "thickness", 0, _drawn(80.0, 260.0, 0.0), 0, 5)
    values = np.array([geometry.thickness(points[k]) for k in range(6)], float)
    assert np.abs(values - 180.0).max() < 1.0


def _double_band(k: int) -> np.ndarray:
    """A muscle whose superficial aponeurosis is a double band (data set 2's jump): a second
    crest 11 px above it, a little brighter than it on odd frames, a little fainter on even ones."""
    image = muscle_image(seed=k, s_deg=0.0, d_deg=0.0).astype(np.float32)
    yy = np.arange(image.shape[0], dtype=np.float32)[:, None]
    image += np.exp(-0.5 * ((yy - 69.0) / 3.0) ** 2) * (190.0 if k % 2 else 150.0)
    return np.clip(image, 0, 255).astype(np.uint8)


def test_a_double_band_is_followed_as_one_aponeurosis() -> None:
    """The crest is looked for in a frame smoothed enough to merge the two crests
    (``MERGE_SIGMA``): the drawn thickness does not jump by the bands' spacing when the other
    crest is the brighter one, and a clear band stays sure (its contrast is read as before)."""
    frames = [_double_band(k) for k in range(8)]
    points, conf = structure_lines.track_structures(lambda i: frames[i], "thickness", 0,
                                                    _drawn(80.0, 260.0, inset=6.0), 0, 7)
    values = np.array([geometry.thickness(points[k]) for k in range(8)], float)
    # the crests lie 11 px apart: at sigma 2 the thickness jumped by 10 px every other frame;
    # merged, the crest shifts with the bands' relative brightness only (4.3 px here)
    assert np.abs(values - values[0]).max() < 5.0, values
    assert min(conf.values()) >= 0.5, conf


def _enlarged(image: np.ndarray, factor: float) -> np.ndarray:
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)


def test_a_thickness_drawn_on_the_edges_of_a_finer_clip_does_not_jump() -> None:
    """The search sizes follow the clip's pixel density. At twice the resolution the bands'
    edges lie 14 px from their crests, beyond the 10 px a reference clip's search reaches:
    found from the edge on the drawn frame, the crest stopped short where the search ended,
    the next frame went on to the real crest, and the edge jumped with it (+5.7 % here)."""
    factor = 2.0
    frames = [_enlarged(muscle_image(seed=k, s_deg=0.0, d_deg=0.0, deep_sd=4.5), factor) for k in range(6)]
    drawn = [(x * factor, y * factor) for x, y in _drawn(80.0, 260.0, inset=7.0)]
    points, conf = structure_lines.track_structures(lambda i: frames[i], "thickness", 0, drawn, 0, 5)
    values = np.array([geometry.thickness(points[k]) for k in range(6)], float)
    assert abs(values[0] - 166.0 * factor) < 1e-6
    assert np.abs(values - values[0]).max() < 1.0 * factor, values
    assert min(conf.values()) >= 0.5, conf


def test_the_drawn_frames_crest_is_searched_until_it_stays() -> None:
    """At the reference density too: a segment drawn 12 px from each crest (a wide deep band,
    as the isometric clip's, whose edge lies 10 px from its crest) reads the same on the next
    frames, not a jump where the first search stopped short."""
    frames = [muscle_image(seed=k, s_deg=0.0, d_deg=0.0, deep_sd=7.0) for k in range(5)]
    points, _conf = structure_lines.track_structures(lambda i: frames[i], "thickness", 0,
                                                     _drawn(80.0, 260.0, inset=12.0), 0, 4)
    values = np.array([geometry.thickness(points[k]) for k in range(5)], float)
    assert np.abs(values - values[0]).max() < 0.7, values


def test_the_pixel_scale_comes_from_the_calibration_or_the_imaging_area() -> None:
    still = muscle_image()
    assert structure_lines.pixel_scale(still, None) == 1.0  # smaller than the reference: as measured
    big = _enlarged(still, 2.5)  # 900 px of image: 1.57 times the reference's 573
    assert abs(structure_lines.pixel_scale(big, None) - 900 / 573) < 0.1  # the area trims a margin
    assert abs(structure_lines.pixel_scale(still, 1.0 / 23.0) - 2.0) < 1e-9  # 23 px per mm
    assert structure_lines.pixel_scale(still, 1.0 / 5.75) == 0.5
    assert structure_lines.pixel_scale(still, 1.0) == 0.5  # clamped


def test_no_crest_is_taken_from_speckle() -> None:
    """A segment drawn where there is no band: the crest search finds no line worth holding
    on to (it would wander from speckle grain to grain), so the segment is followed as drawn."""
    rng = np.random.default_rng(3)
    speckle = cv2.GaussianBlur(rng.gamma(1.2, 28.0, (360, 480)).astype(np.float32), (0, 0), 1.2)
    grey = np.clip(speckle, 0, 255).astype(np.uint8)
    p, q = (XC - 60, 180.0), (XC + 60, 180.0)
    img, merged, spread = structure_lines._smoothed_around(grey, [p, q], 80.0)
    assert structure_lines._crest(img, p, q, spread, merged, 1.0) is None
    band = muscle_image(seed=1, s_deg=0.0, d_deg=0.0)
    img, merged, spread = structure_lines._smoothed_around(band, [(XC - 60, 86.0), (XC + 60, 86.0)], 80.0)
    crest = structure_lines._crest(img, (XC - 60, 86.0), (XC + 60, 86.0), spread, merged, 1.0)
    assert crest is not None and abs(crest[0][1] - 80.0) < 1.0 and abs(crest[1][1] - 80.0) < 1.0


def test_a_kind_with_a_fascicle_is_left_to_the_architecture_follower() -> None:
    frame = muscle_image()
    with pytest.raises(ValueError, match="architecture.track_structures"):
        structure_lines.track_structures(lambda i: frame, "pennation", 0, [(0.0, 0.0)] * 4, 0, 1)


def _thick_band(k: int, n: int) -> np.ndarray:
    """A deep aponeurosis 24 px thick (rows 248-272), flat-topped, whose brightest part moves
    within it while its edges stay: a streak in its upper half at rest, 10 px lower mid-clip,
    back at the end (data set 3's isometric pushes)."""
    image = muscle_image(seed=k, s_deg=0.0, d_deg=0.0, d_row=-100.0).astype(np.float32)
    yy = np.arange(image.shape[0], dtype=np.float32)[:, None]
    plateau = 0.25 * (1.0 + np.tanh((yy - 248.0) / 2.4)) * (1.0 - np.tanh((yy - 272.0) / 2.4))  # soft edges
    lower = math.sin(math.pi * k / (n - 1))  # 0 at both ends, 1 mid-clip
    image += 120.0 * plateau
    image += 60.0 * np.exp(-0.5 * ((yy - 255.0) / 2.5) ** 2) * (1.0 - lower)
    image += 60.0 * np.exp(-0.5 * ((yy - 265.0) / 2.5) ** 2) * lower
    return np.clip(image, 0, 255).astype(np.uint8)


def test_a_thick_band_is_followed_by_its_edges_not_its_brightest_part() -> None:
    """The band's look across it on the drawn frame (``band_look``) is matched near its crest
    on every frame: both edges hold it in place while its brightest part wanders inside it.
    Followed by its crest alone (the brightest point, even merged), the drawn edge moved with
    the bright part, 5.4 px here; on data set 3's isometric pushes a drawn thickness ended
    0.3-0.45 mm off its start. Matched, the changing inside pulls it by under a pixel, and it
    comes back."""
    n = 15
    frames = [_thick_band(k, n) for k in range(n)]
    drawn = [(XC - 60, 86.0), (XC + 60, 86.0), (XC - 60, 248.0), (XC + 60, 248.0)]
    points, conf = structure_lines.track_structures(lambda i: frames[i], "thickness", 0, drawn, 0, n - 1)
    values = np.array([geometry.thickness(points[k]) for k in range(n)], float)
    assert np.abs(values - values[0]).max() < 1.0, values.round(2)
    assert abs(values[-1] - values[0]) < 0.3, values.round(2)
    assert min(conf.values()) >= 0.5, conf


@pytest.mark.parametrize("scale", [1.0, 1.37, 2.5])
def test_the_band_is_matched_where_its_look_lies_at_any_pixel_density(scale: float) -> None:
    """``match_band`` slides the drawn frame's look over the profiles across the crest line
    found, and lands on the band from either side within a fifth of a pixel, at any pixel
    density (the two grids share their centre)."""
    band = _thick_band(0, 2)
    img = cv2.GaussianBlur(band.astype(np.float32), (0, 0), structure_lines.BLUR_SIGMA)
    line = ((XC - 60, 256.0), (XC + 60, 256.0))
    look = structure_lines.band_look(img, *line, scale)
    assert look is not None
    for off in (-3.0, 0.0, 2.5):
        moved = structure_lines.match_band(img, (line[0][0], 256.0 + off), (line[1][0], 256.0 + off), look, scale)
        assert moved is not None
        assert abs(moved[0][1] - 256.0) < 0.2 and abs(moved[1][1] - 256.0) < 0.2, (off, moved)


def test_the_robust_line_fits_as_polyfit_does_and_drops_an_outlier() -> None:
    """``_robust_line``'s closed-form fit (a followed frame fits a dozen lines) gives
    ``np.polyfit``'s line, and a sample far off the line is left out."""
    rng = np.random.default_rng(4)
    t = np.linspace(0.0, 1.0, structure_lines.SAMPLES)
    offsets = 3.0 - 5.0 * t + rng.normal(0.0, 0.2, t.size)
    slope, at0 = structure_lines._line_fit(t, offsets)
    assert np.allclose((slope, at0), np.polyfit(t, offsets, 1), atol=1e-9)
    offsets[7] += 12.0
    fitted = structure_lines._robust_line(t, offsets, 1.0)
    assert fitted is not None
    (o0, o1), keep = fitted
    assert not keep[7] and keep.sum() == t.size - 1
    assert np.allclose((o0, o1), np.polyval(np.polyfit(t[keep], offsets[keep], 1), [0.0, 1.0]), atol=1e-9)
    assert abs(o0 - 3.0) < 0.3 and abs(o1 + 2.0) < 0.3
