"""Likely burned-in text inside the exported area: found on generated frames and real scanner
files, not found in speckle or on real MSK clips and stills."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.export.burned_text import find_text_areas, uncovered
from annotator.export.imaging_area import find_imaging_area
from annotator.media import open_media


def speckle(seed: int = 0, h: int = 240, w: int = 320) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grey = cv2.GaussianBlur(rng.gamma(2.0, 40.0, size=(h, w)).clip(0, 255).astype(np.float32), (3, 3), 0)
    return np.repeat(grey.astype(np.uint8)[..., None], 3, axis=2)


@pytest.mark.parametrize("colour", [(255, 255, 255), (255, 255, 0), (0, 200, 255), (230, 30, 30)])
def test_text_in_white_or_colour_is_found_where_it_is(colour: tuple[int, int, int]) -> None:
    image = speckle()
    cv2.putText(image, "DOE JOHN 1961", (40, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1, cv2.LINE_AA)
    areas = find_text_areas(image, (10, 30, 300, 200))
    assert areas, colour
    x, y, w, h = areas[0].rect
    assert x <= 44 and y <= 90 and x + w >= 150 and y + h >= 100, areas


@pytest.mark.parametrize("seed", range(5))
def test_speckle_and_bright_tissue_lines_are_not_text(seed: int) -> None:
    image = speckle(seed)
    cv2.line(image, (20, 150), (300, 140), (255, 255, 255), 3)  # bone cortex: a long bright line
    cv2.ellipse(image, (160, 80), (60, 20), 0, 0, 360, (235, 235, 235), 2)  # a fascia outline
    assert find_text_areas(image) == []


def test_a_redaction_box_covering_an_area_hides_it() -> None:
    image = speckle()
    cv2.putText(image, "ID 99887766", (40, 100), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
    areas = find_text_areas(image)
    assert areas and uncovered(areas, [(30, 80, 150, 30)]) == []
    assert uncovered(areas, [(30, 80, 20, 30)]) == areas  # a box over part of it is not enough


# -- real files -----------------------------------------------------------------------------------
def _inside(corpus: Path, name: str) -> int:
    media = open_media(corpus / name)
    try:
        area = find_imaging_area(media)
        return len(find_text_areas(media.frame(0), area.rect))
    finally:
        media.close()


@pytest.mark.corpus
def test_scanner_text_inside_real_regions_is_found(corpus: Path) -> None:
    # Mindray: five measurement lines in the lower right corner of the B-mode region
    assert _inside(corpus, "orthanc-tests/2023-04-21-RLEPlanarConfigurationYBR_FULL.dcm") >= 4
    assert _inside(corpus, "orthanc-tests/Implicit-vr-us-palette.dcm") >= 2  # Philips: depth, focus labels
    assert _inside(corpus, "orthanc-tests/Issue164.dcm") >= 1  # GE Voluson: SRI label


@pytest.mark.corpus
def test_real_msk_clips_and_stills_have_no_false_text(corpus: Path) -> None:
    names = [f"joshrbaxter-ultrasound_tracking/{n}" for n in (
        "p6_isokinetic500_01_push_01.mp4", "p6_isometric_max_01_push_02.mp4", "p6_passive_ROM_01_push_01.mp4")]
    stills = corpus / "timvanderzee-ultrasound-automated-algorithm"
    names += [f"{stills.name}/{p.name}" for p in sorted(stills.iterdir()) if p.suffix.lower() in (".png", ".jpg", ".bmp")]
    found = {n: _inside(corpus, n) for n in names}
    assert len(found) >= 10
    assert not any(found.values()), found
