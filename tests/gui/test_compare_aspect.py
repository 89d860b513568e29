"""Linked comparison views on non-square pixels: each panel shows its pixels at their true
shape (the one transform), and linked zoom and pan keep millimetres equal along both axes."""

from __future__ import annotations

import pytest

from annotator.ui.compare.view_sync import (
    ImageFrame,
    apply_shared,
    centre_at_scale,
    fit_scale,
    shared_view,
)
from annotator.ui.view_transform import ViewTransform

pytestmark = pytest.mark.qt_log_level_fail("WARNING")

#: left: 0.2 x 0.25 mm pixels (rows a quarter taller); right: 0.1 mm square pixels
LEFT, RIGHT = ImageFrame(300.0, -0.5, 0.2, 0.25, "mm"), ImageFrame(400.0, -0.5, 0.1, 0.1, "mm")


def px_per_mm(view: ViewTransform, frame: ImageFrame) -> tuple[float, float]:
    return view.scale_x / frame.units_per_px_x, view.scale_y / frame.units_per_px_y


def mm_at(view: ViewTransform, frame: ImageFrame, x: float, y: float) -> tuple[float, float]:
    return frame.to_shared(*view.widget_to_image(x, y))


def test_a_linked_view_has_the_same_millimetres_along_both_axes() -> None:
    left = ViewTransform(zoom=2.0, offset_x=-37.0, offset_y=12.5, fit=False, aspect_x=1.0, aspect_y=1.25)
    right = ViewTransform()
    assert px_per_mm(left, LEFT) == pytest.approx((10.0, 10.0))  # true shape: isotropic in mm
    apply_shared(right, 500, 400, RIGHT, shared_view(left, 400, 300, LEFT))
    assert px_per_mm(right, RIGHT) == pytest.approx((10.0, 10.0))
    # the same millimetre point at each panel's centre, and 10 mm away in x and y alike
    for dx, dy in ((0, 0), (100, 0), (0, 100), (-40, 70)):
        assert mm_at(right, RIGHT, 250 + dx, 200 + dy) == pytest.approx(mm_at(left, LEFT, 200 + dx, 150 + dy))


def test_same_scale_fits_both_at_one_millimetre_scale() -> None:
    panels = [((600, 480), (400.0, 300.0), LEFT, (1.0, 1.25)), ((800, 600), (400.0, 300.0), RIGHT, (1.0, 1.0))]
    scale = fit_scale(panels)
    views = [ViewTransform(aspect_x=1.0, aspect_y=1.25), ViewTransform()]
    for view, (size, widget, frame, _aspect) in zip(views, panels, strict=True):
        centre_at_scale(view, size, widget, frame, scale)
        assert px_per_mm(view, frame) == pytest.approx((scale, scale))
        rect = view.image_rect_in_widget(*size)
        assert rect.width() <= widget[0] + 1e-6 and rect.height() <= widget[1] + 1e-6
        assert rect.center().x() == pytest.approx(widget[0] / 2) and rect.center().y() == pytest.approx(widget[1] / 2)
