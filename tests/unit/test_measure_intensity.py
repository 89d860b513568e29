"""Grey-level statistics (echo intensity) inside polygons and ellipses, checked against
brute-force pixel-centre tests on small generated images."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from annotator.case.measure import Measurement, measure_annotation
from annotator.case.model import Annotation
from annotator.media.calibration import UNIT_CM, Calibration, Region

CAL = Calibration((Region(0, 0, 63, 47, UNIT_CM, UNIT_CM, 0.01, 0.01),))


def gradient(h: int = 48, w: int = 64) -> np.ndarray:
    """A grey image whose every pixel differs: value = (3x + 5y) mod 256."""
    y, x = np.mgrid[0:h, 0:w]
    return ((3 * x + 5 * y) % 256).astype(np.uint8)


def stats(ms: list[Measurement]) -> dict[str, float]:
    return {m.quantity: m.value for m in ms if m.unit in ("grey", "count")}


def expected(values: np.ndarray) -> dict[str, float]:
    v = values.astype(np.float64)
    return {
        "mean_intensity": float(v.mean()), "sd_intensity": float(v.std(ddof=1)),
        "min_intensity": float(v.min()), "max_intensity": float(v.max()), "pixel_count": float(v.size),
    }


def test_rectangle_counts_centres_on_the_outline() -> None:
    img = gradient()
    a = Annotation.single("a", "m", "polygon", 0, [(2, 2), (5, 2), (5, 4), (2, 4)])
    got = stats(measure_annotation(a, 0, CAL, img))
    assert got == pytest.approx(expected(img[2:5, 2:6]))
    assert got["pixel_count"] == 12


def test_half_pixel_rectangle_holds_exactly_its_pixels() -> None:
    img = gradient()
    a = Annotation.single("a", "m", "polygon", 0, [(9.5, 3.5), (20.5, 3.5), (20.5, 10.5), (9.5, 10.5)])
    got = stats(measure_annotation(a, 0, CAL, img))
    assert got == pytest.approx(expected(img[4:11, 10:21]))


def _inside_triangle(p: tuple[float, float], a: tuple, b: tuple, c: tuple) -> bool:
    def cross(o: tuple, u: tuple, v: tuple) -> float:
        return (u[0] - o[0]) * (v[1] - o[1]) - (u[1] - o[1]) * (v[0] - o[0])

    d1, d2, d3 = cross(a, b, p), cross(b, c, p), cross(c, a, p)
    return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))


def test_triangle_matches_brute_force() -> None:
    img = gradient()
    tri = [(3.3, 4.1), (40.7, 9.2), (17.2, 41.6)]
    a = Annotation.single("a", "m", "polygon", 0, tri)
    inside = [img[y, x] for y in range(48) for x in range(64) if _inside_triangle((x, y), *tri)]
    got = stats(measure_annotation(a, 0, CAL, img))
    assert got == pytest.approx(expected(np.array(inside)))


def test_concave_freehand_trace_matches_brute_force() -> None:
    # An L-shaped trace: the notch must be excluded.
    trace = [(5.2, 5.2), (30.4, 5.2), (30.4, 15.6), (15.3, 15.6), (15.3, 35.1), (5.2, 35.1)]
    img = gradient()
    mask = np.zeros(img.shape, dtype=bool)
    mask[6:16, 6:31] = True  # x 6..30, y 6..15
    mask[16:36, 6:16] = True  # x 6..15, y 16..35
    got = stats(measure_annotation(Annotation.single("a", "m", "polygon", 0, trace), 0, CAL, img))
    assert got == pytest.approx(expected(img[mask]))


def test_ellipse_matches_brute_force() -> None:
    img = gradient()
    cx, cy, a_len, b_len, angle = 30.3, 22.7, 14.2, 6.4, math.radians(25)
    pts = [
        (cx, cy),
        (cx + a_len * math.cos(angle), cy + a_len * math.sin(angle)),
        (cx - b_len * math.sin(angle), cy + b_len * math.cos(angle)),
    ]
    inside = []
    for y in range(48):
        for x in range(64):
            dx, dy = x - cx, y - cy
            u = (dx * math.cos(angle) + dy * math.sin(angle)) / a_len
            v = (-dx * math.sin(angle) + dy * math.cos(angle)) / b_len
            if u * u + v * v <= 1.0:
                inside.append(img[y, x])
    got = stats(measure_annotation(Annotation.single("e", "m", "ellipse", 0, pts), 0, CAL, img))
    assert got == pytest.approx(expected(np.array(inside)))
    assert got["pixel_count"] == pytest.approx(math.pi * a_len * b_len, rel=0.05)


def test_grey_stored_as_rgb_uses_the_first_channel() -> None:
    grey = gradient()
    rgb = np.repeat(grey[..., None], 3, axis=-1)
    a = Annotation.single("a", "m", "polygon", 0, [(2, 2), (12, 2), (12, 9), (2, 9)])
    from_rgb = measure_annotation(a, 0, CAL, rgb)
    assert stats(from_rgb) == pytest.approx(stats(measure_annotation(a, 0, CAL, grey)))
    assert all(m.note == "" for m in from_rgb)


def test_colour_pixels_use_luma_and_say_so() -> None:
    img = np.zeros((48, 64, 3), np.uint8)
    img[..., 0], img[..., 1], img[..., 2] = 200, 100, 50  # luma 0.299*200 + 0.587*100 + 0.114*50
    a = Annotation.single("a", "m", "polygon", 0, [(2, 2), (12, 2), (12, 9), (2, 9)])
    ms = measure_annotation(a, 0, CAL, img)
    got = stats(ms)
    assert got["mean_intensity"] == pytest.approx(0.299 * 200 + 0.587 * 100 + 0.114 * 50)
    assert got["sd_intensity"] == pytest.approx(0.0)
    assert all("luma" in m.note for m in ms if m.unit == "grey")


def test_shape_partly_outside_the_image_uses_the_pixels_inside() -> None:
    img = gradient()
    a = Annotation.single("a", "m", "polygon", 0, [(-10, -10), (3, -10), (3, 2), (-10, 2)])
    ms = measure_annotation(a, 0, CAL, img)
    assert stats(ms) == pytest.approx(expected(img[0:3, 0:4]))
    assert all("outside the image" in m.note for m in ms if m.unit in ("grey", "count"))


def test_shape_without_pixel_centres_has_no_grey_statistics() -> None:
    img = gradient()
    outside = Annotation.single("a", "m", "polygon", 0, [(100, 100), (110, 100), (110, 110)])
    tiny = Annotation.single("b", "m", "polygon", 0, [(3.1, 3.1), (3.4, 3.1), (3.4, 3.4)])
    for a in (outside, tiny):
        ms = measure_annotation(a, 0, CAL, img)
        assert {m.quantity for m in ms} == {"area", "perimeter"}


def test_single_pixel_has_zero_sd() -> None:
    img = gradient()
    a = Annotation.single("a", "m", "polygon", 0, [(9.6, 9.6), (10.4, 9.6), (10.4, 10.4), (9.6, 10.4)])
    got = stats(measure_annotation(a, 0, CAL, img))
    assert got["pixel_count"] == 1 and got["sd_intensity"] == 0.0
    assert got["mean_intensity"] == float(img[10, 10])


def test_no_image_no_grey_statistics() -> None:
    a = Annotation.single("a", "m", "polygon", 0, [(2, 2), (12, 2), (12, 9)])
    assert {m.quantity for m in measure_annotation(a, 0, CAL)} == {"area", "perimeter"}


def _speckle_rgb(h: int = 48, w: int = 64) -> tuple[np.ndarray, np.ndarray]:
    grey = np.random.default_rng(7).integers(20, 160, (h, w)).astype(np.uint8)
    return grey, np.repeat(grey[..., None], 3, axis=-1)


@pytest.mark.parametrize("line_type", [cv2.LINE_8, cv2.LINE_AA])
def test_coloured_marks_in_the_region_are_left_out_and_counted(line_type: int) -> None:
    """A scanner's yellow caliper burned in across a traced muscle is not tissue: counted in,
    its pixels raised the mean grey (echo intensity) by several grey levels."""
    grey, rgb = _speckle_rgb()
    for x in range(4, 60, 5):  # a dotted yellow line through the region
        cv2.line(rgb, (x, 20), (x + 3, 22), (255, 255, 0), 1, line_type)
    drawn = np.any(rgb != np.repeat(grey[..., None], 3, axis=-1), axis=2)
    a = Annotation.single("a", "m", "polygon", 0, [(2, 10), (60, 10), (60, 40), (2, 40)])
    ms = measure_annotation(a, 0, CAL, rgb)
    got = stats(ms)
    inside = np.zeros(grey.shape, bool)
    inside[10:41, 2:61] = True
    tissue = grey[inside & ~drawn].astype(np.float64)
    if line_type == cv2.LINE_8:  # exactly the drawn pixels are left out
        assert got == pytest.approx(expected(tissue))
        left = int((inside & drawn).sum())
    else:  # anti-aliased: its faintest edge pixels stay, within a grey level
        assert got["mean_intensity"] == pytest.approx(float(tissue.mean()), abs=1.0)
        left = int(inside.sum() - got["pixel_count"])
        assert left >= int((inside & drawn).sum()) * 0.8
    assert left > 0
    assert all(f"{left} pixels of coloured marks left out" in m.note for m in ms if m.unit in ("grey", "count"))
    if line_type == cv2.LINE_8:
        assert all("luma" not in m.note for m in ms)  # what is left is grey
    with_marks = float((0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2])[inside].mean())
    assert with_marks - float(grey[inside].mean()) > 3.0  # what counting them in would read
