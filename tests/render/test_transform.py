"""The one image-to-device transform (``render.transform``): pixel centres, crops filling a
target, true pixel shape, and the exact inverse used for clicks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QPointF, QRectF

from annotator.render import ImageTransform, source_rect, true_size

ASPECT = (1.0, 1.25)  # 0.2 x 0.25 mm pixels: each row a quarter taller than a column is wide


def test_a_viewer_transform_puts_pixel_centres_half_a_pixel_in() -> None:
    xf = ImageTransform.view(2.0, 10.0, 20.0, ASPECT)
    assert (xf.scale_x, xf.scale_y) == (2.0, 2.5)
    assert xf.map(0, 0) == (11.0, 21.25)  # the centre of the first pixel
    p = xf.to_device().map(QPointF(0, 0))
    assert (p.x(), p.y()) == (11.0, 21.25)
    assert xf.device_rect((0, 0, 4, 4)) == QRectF(10, 20, 8, 10)


def test_a_crop_fills_its_target_exactly_with_rounding_absorbed() -> None:
    crop = (40, 30, 321, 241)
    target = QRectF(5, 7, 400, 300)  # e.g. an even-size clip frame, not exactly 321 x 241 x 1.25
    xf = ImageTransform.onto(crop, target)
    corner = xf.to_device().map(QPointF(40 - 0.5, 30 - 0.5))
    far = xf.to_device().map(QPointF(40 + 321 - 0.5, 30 + 241 - 0.5))
    assert (corner.x(), corner.y()) == pytest.approx((5, 7))
    assert (far.x(), far.y()) == pytest.approx((405, 307))
    assert xf.device_rect(crop) == target
    assert source_rect(crop) == QRectF(39.5, 29.5, 321, 241)
    with pytest.raises(ValueError):
        ImageTransform.onto((0, 0, 0, 10), target)


def test_true_size_stretches_the_coarser_axis_only() -> None:
    assert true_size(600, 480, ASPECT) == (600, 600)
    assert true_size(600, 480, ASPECT, 0.5) == (300, 300)
    xf = ImageTransform.scaled((0, 0, 600, 480), 0.5, ASPECT, QPointF(3, 4))
    assert xf.device_rect((0, 0, 600, 480)) == QRectF(3, 4, 300, 300)
    assert xf.min_scale == 0.5


def test_anchored_keeps_an_image_point_under_the_device_point() -> None:
    xf = ImageTransform.anchored(3.0, (17.25, 40.5), QPointF(100, 80), ASPECT)
    assert xf.map(17.25, 40.5) == pytest.approx((100, 80))
    assert (xf.scale_x, xf.scale_y) == (3.0, 3.75)


@given(st.floats(0.05, 40), st.floats(-2000, 2000), st.floats(-2000, 2000),
       st.sampled_from([(1.0, 1.0), ASPECT, (1.37, 1.0)]),
       st.floats(-100, 1000), st.floats(-100, 1000))
def test_to_image_is_the_exact_inverse(zoom: float, left: float, top: float, aspect: tuple[float, float],
                                        x: float, y: float) -> None:
    """Clicks go back through the same transform: image -> device -> image is the identity,
    and agrees with Qt's own inverse of the painter's transform."""
    xf = ImageTransform.view(zoom, left, top, aspect)
    dx, dy = xf.map(x, y)
    assert xf.to_image(dx, dy) == pytest.approx((x, y), abs=1e-6)
    inverse, ok = xf.to_device().inverted()
    assert ok
    back = inverse.map(QPointF(dx, dy))
    assert (back.x(), back.y()) == pytest.approx((x, y), abs=1e-6)
    rect = xf.image_rect(xf.device_rect((2, 3, 50, 40)))
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == pytest.approx((1.5, 2.5, 50, 40), abs=1e-6)
