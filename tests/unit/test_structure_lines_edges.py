"""A drawn thickness marked on the bands' muscle-side edges (where the analysis and the
observers measure it) is followed at those edges, not pulled onto the bands' crests."""

from __future__ import annotations

import numpy as np

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
