"""The B-mode image found within a frame that declares none (``media.bmode_area``): a scanner's
screen saved as a still or a video, with a header, text and black margins around the image."""

from __future__ import annotations

import cv2
import numpy as np

from annotator.media.base import ArrayMedia, MediaError
from annotator.media.bmode_area import SOURCE_FOUND, found_image_region, imaging_area
from tests.architecture_images import muscle_image

IMAGE_BOX = (120, 80, 600, 440)  # x0, y0, x1, y1 (exclusive) of the B-mode image on the screen


def screen(fascicle_deg: float = 22.0) -> np.ndarray:
    """A 720x480 scanner screen: a flat grey header with text, the muscle image, black margins."""
    frame = np.zeros((480, 720), np.uint8)
    frame[:40] = 60
    cv2.putText(frame, "PATIENT  MSK  12L", (20, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 230, 2)
    x0, y0, x1, y1 = IMAGE_BOX
    frame[y0:y1, x0:x1] = muscle_image(fascicle_deg=fascicle_deg)
    return frame


class CountingMedia(ArrayMedia):
    """Counts the frames decoded (the area is found once per media)."""

    reads = 0

    def _decode(self, index: int) -> np.ndarray:
        self.reads += 1
        return super()._decode(index)


class UnreadableMedia(ArrayMedia):
    def _decode(self, index: int) -> np.ndarray:
        raise MediaError(self.path, "truncated frame")


def test_the_image_on_a_scanner_screen_is_found_once_per_media() -> None:
    media = CountingMedia(np.stack([screen(), screen()]), kind="video")
    region = found_image_region(media)
    assert region is not None and region.source == SOURCE_FOUND and not region.is_spatial
    x0, y0, x1, y1 = IMAGE_BOX
    # within a few pixels of the image's edges (the finder trims a small margin), header excluded
    assert abs(region.x0 - x0) <= 8 and abs(region.y0 - y0) <= 8
    assert abs(region.x1 - (x1 - 1)) <= 8 and abs(region.y1 - (y1 - 1)) <= 8
    assert not region.contains(60.0, 20.0) and region.contains(360.0, 260.0)
    reads = media.reads
    assert found_image_region(media) == region and media.reads == reads  # cached: no new decode


def test_a_frame_that_is_all_image_is_found_whole() -> None:
    full = muscle_image()
    region = found_image_region(ArrayMedia(full))
    h, w = full.shape
    # the finder's small margin (as the analysis searches, and judges extrapolation, in it)
    assert region is not None and (region.x0, region.y0) <= (4, 4) and (region.x1, region.y1) >= (w - 5, h - 5)


def test_an_unreadable_first_frame_leaves_the_frame_edges() -> None:
    assert found_image_region(UnreadableMedia(screen())) is None


def test_a_series_says_where_a_fascicle_runs_past_the_found_image() -> None:
    """Over a clip of a screen (no declared image), the series' note names the frames whose
    fascicle ends past the B-mode image, though they lie inside the frame."""
    from annotator.case.model import Annotation
    from annotator.dynamics.series import measurement_series

    media = ArrayMedia(np.stack([screen()] * 3), kind="video")
    # aponeuroses across the image at y = 150 and 350; the fascicle meets the deep one at
    # x = 100 (the black margin left of the image at x = 120) on frame 2 only
    inside = [(300.0, 250.0), (350.0, 200.0), (130.0, 150.0), (590.0, 150.0), (130.0, 350.0), (590.0, 350.0)]
    past = [(200.0, 250.0), (250.0, 200.0), *inside[2:]]
    a = Annotation("a1", "m1", "fascicle", 0, {0: inside, 1: inside, 2: past}, frame_end=2)
    series = measurement_series(media, a)
    assert [s.value is not None for s in series.samples] == [True, True, True]
    assert any("extrapolated beyond the image on frame(s) 2 " in n for n in series.notes), series.notes


def test_an_image_split_by_a_band_too_dark_to_count_as_texture_is_kept_whole() -> None:
    """A screen whose image has a band (a hypoechoic muscle at a low gain) dark enough not to
    count as texture but for a few bright fascicle streaks: the area is the whole image, not
    only its larger part above the band (its deep aponeurosis lies below)."""
    rng = np.random.default_rng(0)
    screen = np.zeros((480, 640), np.uint8)
    image = cv2.GaussianBlur(rng.gamma(1.5, 30.0, (360, 480)).astype(np.float32), (0, 0), 1.0)
    image[120:250] = 0
    for _ in range(60):
        x, y = int(rng.uniform(0, 440)), int(rng.uniform(125, 240))
        cv2.line(image, (x, y + 12), (x + 36, y), 160.0, 2)
    screen[40:400, 80:560] = np.clip(image, 0, 255).astype(np.uint8)
    area = imaging_area(screen)
    assert abs(area.x0 - 80) <= 6 and abs(area.x1 - 560) <= 6, area
    assert abs(area.y0 - 40) <= 6 and abs(area.y1 - 400) <= 6, area  # it ended at 156
    screen[250:] = 0  # nothing below the band: the area ends above it, as before
    assert imaging_area(screen).y1 <= 170, imaging_area(screen)
