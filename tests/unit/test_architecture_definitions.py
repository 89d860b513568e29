"""What the analysis measures, on generated images and plain lines (issue 9): thickness
between the aponeuroses' muscle-side edges, 8 % of the width in from the side where the
representative fascicle reaches the deep aponeurosis (where TimTrack and its observers read it),
along the deep line's normal (as the thickness annotation measures); pennation to the deep aponeurosis,
with the superficial angle reported beside it (the angle observers often measure)."""

from __future__ import annotations

import math

import pytest

from annotator.dynamics.architecture import analyse_image
from annotator.dynamics.architecture.detect import FASCICLE_MIN_DEG
from annotator.dynamics.architecture.estimate import PARALLEL, estimate, thickness_at
from annotator.dynamics.architecture.types import Line
from annotator.media.bmode_area import Area
from tests.architecture_images import muscle_image


def test_thickness_is_perpendicular_to_the_superficial_aponeurosis() -> None:
    s = Line(0, 100, 100, 100 - 100 * math.tan(math.radians(10)))  # rises 10 degrees
    d = Line(0, 300, 100, 300)
    gap = d.y_at(40) - s.y_at(40)
    assert thickness_at(s, d, 40, (1.0, 1.0)) == pytest.approx(gap * math.cos(math.radians(10)))
    # non-square pixels: the vertical gap in mm times the cosine of the physical angle
    phys = math.atan2(math.tan(math.radians(10)) * 0.2, 0.1)
    assert thickness_at(s, d, 40, (0.1, 0.2)) == pytest.approx(gap * 0.2 * math.cos(phys))


def _along_deep_normal(s: Line, d: Line, x: float) -> float:
    """The distance between the lines along the deep line's normal through the point half-way
    between them at column ``x``."""
    px, py = x, 0.5 * (s.y_at(x) + d.y_at(x))
    norm = math.hypot(1.0, d.slope)
    nx, ny = -d.slope / norm, 1.0 / norm
    ts = [(line.y_at(px) - py) / (ny - line.slope * nx) for line in (s, d)]
    return abs(ts[1] - ts[0])


def test_thickness_is_taken_near_the_edge_where_the_fascicle_meets_the_deep_line() -> None:
    area = Area(0, 0, 400, 300)
    s, d = Line(0, 50, 399, 50), Line(0, 250, 399, 220)  # converging to the right
    slope = -math.tan(math.radians(45))  # a fascicle rising to the right
    est = estimate(0, None, s, d, slope, area, None, 1.0, edges=(5.0, 4.0))
    f = est.fascicle
    assert f is not None and est.thickness is not None
    inner_s, inner_d = est.inner_lines() or (s, d)
    assert inner_s.y_at(0) == pytest.approx(55.0) and inner_d.y_at(0) == pytest.approx(246.0)
    assert f.y0 == pytest.approx(inner_s.y_at(f.x0)) and f.y1 == pytest.approx(inner_d.y_at(f.x1))
    assert f.x1 < 199.5  # the deep end lies left of the centre for a fascicle rising to the right
    # 8 % of the width in from the left, where the fascicle reaches the deep line: the gap
    # there, not at the insertion (TimTrack's observers read it 20 px in from that edge)
    assert est.thickness_x == pytest.approx(32.0)
    assert est.thickness == pytest.approx(_along_deep_normal(inner_s, inner_d, 32.0))
    assert est.thickness > _along_deep_normal(inner_s, inner_d, f.x1) + 3.0  # converging lines
    # the same column when the fascicle meets the deep line outside the image
    shallow = estimate(0, None, s, d, -math.tan(math.radians(12)), area, None, 1.0, edges=(5.0, 4.0))
    assert shallow.fascicle is not None and shallow.fascicle.x1 < 0
    assert shallow.thickness == pytest.approx(est.thickness)
    # fascicles falling to the right reach the deep line on the right: measured 8 % in from it
    mirrored = estimate(0, None, s, d, -slope, area, None, 1.0, edges=(5.0, 4.0))
    assert mirrored.fascicle is not None and mirrored.fascicle.x1 > 199.5
    assert mirrored.thickness_x == pytest.approx(399.0 - 32.0)
    assert mirrored.thickness == pytest.approx(_along_deep_normal(inner_s, inner_d, 367.0))


def test_a_thicker_aponeurosis_band_does_not_change_the_muscle_thickness() -> None:
    """The same muscle (same inner edges) under a thin and a thick deep aponeurosis: the
    band's centre moves by 6 px, its muscle-side edge does not, nor does the thickness."""
    edge = 260.0 - 3.0 * math.sqrt(2 * math.log(2))  # half height of the SD 3 px band
    thin = analyse_image(muscle_image(fascicle_deg=30.0, d_row=260.0), mm_per_px=None)
    thick = analyse_image(muscle_image(fascicle_deg=30.0, d_row=edge + 8.0 * math.sqrt(2 * math.log(2)),
                                       deep_sd=8.0), mm_per_px=None)
    assert thin.deep is not None and thick.deep is not None
    assert thick.deep.y_at(240) - thin.deep.y_at(240) > 4.0  # the crests differ ...
    assert thin.thickness is not None and thick.thickness is not None
    assert thick.thickness == pytest.approx(thin.thickness, rel=0.012)  # ... the thickness does not
    assert thick.edges[1] > thin.edges[1] + 4.0


def test_the_row_gives_alpha_minus_beta_and_the_angle_to_the_deep_aponeurosis() -> None:
    """The row's pennation_deg is alpha - beta, beta the superficial aponeurosis, as the
    observers and TimTrack measure it; deep_pennation_deg is the pennation annotation's angle."""
    est = analyse_image(muscle_image(fascicle_deg=22.0, s_deg=-3.0, d_deg=4.0), mm_per_px=(0.1, 0.1))
    assert est.superficial_angle_deg == pytest.approx(-3.0, abs=0.5)
    assert est.deep_angle_deg == pytest.approx(4.0, abs=0.5)
    row = est.to_row()
    assert row["aponeurosis_angle_deg"] == pytest.approx(-3.0, abs=0.5)
    assert row["deep_aponeurosis_angle_deg"] == pytest.approx(4.0, abs=0.5)
    assert est.deep_pennation_deg == pytest.approx(22.0 - 4.0, abs=1.5)
    assert est.pennation_deg == pytest.approx(22.0 + 3.0, abs=1.5)
    assert row["pennation_deg"] == pytest.approx(est.pennation_deg, abs=1e-3)
    assert row["deep_pennation_deg"] == pytest.approx(est.deep_pennation_deg, abs=1e-3)
    assert row["pennation_deg"] == pytest.approx(row["fascicle_angle_deg"] - row["aponeurosis_angle_deg"], abs=1e-2)
    assert est.deep_pennation_deg is not None and est.pennation_deg - est.deep_pennation_deg == pytest.approx(7.0, abs=1.0)
    assert "superficial_pennation_deg" not in row and "superficial_angle_deg" not in row


def test_a_grey_layer_under_the_aponeurosis_is_not_counted_as_band() -> None:
    """Under some vastus lateralis' superficial aponeurosis lies a grey layer, brighter than
    the muscle below (data set 1, subject 5): the band's edge stays near its bright crest
    (``MAX_EDGE_SUPERFICIAL`` working px), where the observers mark it, not at the layer's far end."""
    import numpy as np

    from annotator.dynamics.architecture.detect import MAX_EDGE_SUPERFICIAL, WORK_WIDTH

    plain = muscle_image(fascicle_deg=25.0, s_deg=0.0, d_deg=0.0)
    yy = np.arange(plain.shape[0], dtype=np.float32)[:, None]
    layer = ((yy > 84) & (yy < 84 + 20)) * 90.0  # a grey layer 20 px thick under the crest at row 80
    layered = np.clip(plain.astype(np.float32) + layer, 0, 255).astype(np.uint8)
    clean, grey = analyse_image(plain, mm_per_px=None), analyse_image(layered, mm_per_px=None)
    assert clean.superficial is not None and grey.superficial is not None
    assert abs(grey.superficial.y_at(240) - 80.0) < 3.0  # the crest is found where it is
    limit = MAX_EDGE_SUPERFICIAL * plain.shape[1] / WORK_WIDTH  # image px (the area spans the image)
    assert clean.edges[0] < limit - 2.0  # a plain band's edge lies inside the limit ...
    assert grey.edges[0] <= limit + 0.5  # ... a layered one's is held at it (21 px down without)
    assert clean.thickness is not None and grey.thickness is not None
    assert grey.thickness > clean.thickness - limit


@pytest.mark.parametrize("off_deg", [0.5, 2.5])
def test_a_fascicle_along_an_aponeurosis_has_no_pennation_or_length(off_deg: float) -> None:
    """A line that runs within ``FASCICLE_MIN_DEG`` of either aponeurosis crosses the muscle
    nowhere near the image: its 'length' is an extrapolation to thousands of pixels (pydicom's
    image_dfl.dcm, no muscle: 6555 px, 0.5 degrees off its superficial line)."""
    area = Area(0, 0, 400, 300)
    s = Line(0, 50, 399, 50 - 399 * math.tan(math.radians(1.0)))  # rises 1 degree
    d = Line(0, 250, 399, 250 - 399 * math.tan(math.radians(5.0)))  # rises 5 degrees
    for along in (1.0, 5.0):  # along the superficial, then along the deep line
        slope = -math.tan(math.radians(along + off_deg))
        est = estimate(0, None, s, d, slope, area, None, 0.9)
        assert est.deep_pennation_deg is None and est.fascicle_length is None and est.fascicle is None
        assert est.reason == PARALLEL and est.confidence < 0.5
        assert est.thickness is not None  # the aponeuroses still give the thickness
    crossing = estimate(0, None, s, d, -math.tan(math.radians(5.0 + FASCICLE_MIN_DEG + 0.5)), area, None, 0.9)
    assert crossing.deep_pennation_deg == pytest.approx(FASCICLE_MIN_DEG + 0.5)
    assert crossing.fascicle_length is not None and crossing.confidence == pytest.approx(0.9)


def test_a_dicom_with_no_muscle_reads_no_fascicle_thousands_of_pixels_long() -> None:
    from pydicom.data import get_testdata_file

    from annotator.dynamics.frames import to_grey
    from annotator.media import open_media

    path = get_testdata_file("image_dfl.dcm")
    assert path is not None
    with open_media(path) as media:
        est = analyse_image(to_grey(media.frame(0)), mm_per_px=None)
    assert est.fascicle_length is None or est.fascicle_length < 4 * 512, est
    assert est.confidence < 0.5 and est.reason
