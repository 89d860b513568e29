"""Coloured marks burned into a grey B-mode image (calipers, a marker's dotted track, a result
in colour) are left out of the muscle architecture analysis (annotator/media/marks.py)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.cli import main as cli_main
from annotator.dynamics.architecture import analyse_image, analyse_sequence
from annotator.dynamics.frames import analysis_frames
from annotator.dynamics.structure_tracking import frame_reader
from annotator.media import open_media
from annotator.media.base import ArrayMedia
from annotator.media.bmode_area import imaging_area
from annotator.media.marks import MAX_SHARE, colour_marks, image_marks
from tests.architecture_images import contraction_clip, muscle_image

YELLOW = (255, 255, 0)
PALE_YELLOW = (255, 255, 120)  # as bright as white text on a grey image: read as a line before
RESULT = "D1 1.92cm D2 0.84cm A 2.31cm2"


def _with_result(grey: np.ndarray, colour: tuple[int, int, int] = YELLOW, row: int = 120) -> np.ndarray:
    """``grey`` as RGB with a scanner's measurement result written across the muscle (at
    ``row``, between the generated aponeuroses) and a dotted caliper."""
    rgb = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    cv2.putText(rgb, RESULT, (10, row), cv2.FONT_HERSHEY_SIMPLEX, 0.7, colour, 1, cv2.LINE_AA)
    for y in range(84, 226, 8):
        cv2.line(rgb, (300, y), (300, y + 3), colour, 1, cv2.LINE_AA)
    return rgb


def test_a_grey_frame_or_a_colour_image_has_no_marks() -> None:
    grey = muscle_image(1)
    assert colour_marks(grey) is None
    assert colour_marks(cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)) is None
    # colour Doppler, or a tinted grey map: too much colour to be marks on a grey image
    doppler = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    doppler[100:200, 100:300] = (200, 40, 40)
    assert doppler[..., 0].size * MAX_SHARE < 100 * 200
    assert colour_marks(doppler) is None


def test_marks_cover_the_drawn_pixels_and_their_edges_only() -> None:
    grey = muscle_image(1)
    rgb = _with_result(grey)
    marks = colour_marks(rgb)
    assert marks is not None
    drawn = np.any(rgb != cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB), axis=2)
    # every pixel the text changed visibly is hidden; the grey tissue beside it is not
    changed = np.abs(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(int) - grey.astype(int)) > 12
    assert marks.mask[changed].all()
    assert not marks.mask[~drawn].any()
    rgba = np.dstack([rgb, np.full(grey.shape, 255, np.uint8)])
    again = colour_marks(rgba)
    assert again is not None and np.array_equal(again.mask, marks.mask)


def test_the_fill_keeps_the_tissue_and_the_frame() -> None:
    grey = muscle_image(2)
    rgb = _with_result(grey)
    marks = colour_marks(rgb)
    assert marks is not None
    plain = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    before = plain.copy()
    filled = marks.fill(plain)
    assert np.array_equal(plain, before)  # the caller's frame is not changed
    assert np.array_equal(filled[~marks.mask], plain[~marks.mask])
    # hidden pixels take the tissue's level around them, not the text's brightness
    assert abs(float(filled[marks.mask].mean()) - float(grey[marks.mask].mean())) < 12
    assert float(plain[marks.mask].mean()) - float(grey[marks.mask].mean()) > 40
    assert marks.fill(plain[:100]) is not None  # another size: returned as it is
    assert marks.fill(plain[:100]).shape == (100, grey.shape[1])


def test_a_coloured_result_across_the_muscle_changes_nothing() -> None:
    grey = muscle_image(3, s_row=70, d_row=230)
    clean = analyse_image(grey, mm_per_px=None)
    found = analyse_image(_with_result(grey, PALE_YELLOW), mm_per_px=None)
    assert clean.thickness is not None and found.thickness is not None
    assert found.thickness == pytest.approx(clean.thickness, rel=0.005)
    assert found.deep_pennation_deg == pytest.approx(clean.deep_pennation_deg, abs=0.3)
    assert found.confidence >= 0.9


def test_a_clip_with_a_burned_in_caption_reads_as_without() -> None:
    """A caption and a caliper drawn on every frame of a contraction: as grey pixels the
    caption across the muscle was followed as a line and read 21 deg off at confidence 0.94."""
    frames, truth = contraction_clip(16)
    clean = analyse_sequence(lambda i: frames[i], range(16), mm_per_px=(0.1, 0.1))
    marked = [_with_result(f, row=130) for f in frames]
    found = analyse_sequence(lambda i: marked[i], range(16), mm_per_px=(0.1, 0.1))
    for a, b, t in zip(clean, found, truth, strict=True):
        assert b.thickness == pytest.approx(a.thickness, rel=0.01), b.frame
        # the filled strip under the caliper holds no fascicle streaks: within a degree
        assert b.deep_pennation_deg == pytest.approx(a.deep_pennation_deg, abs=1.0), b.frame
        assert b.deep_pennation_deg == pytest.approx(t["fascicle_deg"] - t["d_deg"], abs=2.0), b.frame
        assert b.confidence >= a.confidence - 0.1, b.frame


def test_the_command_leaves_coloured_marks_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grey = muscle_image(3, s_row=70, d_row=230)
    clean_path, marked_path = tmp_path / "clean.png", tmp_path / "marked.png"
    cv2.imwrite(str(clean_path), grey)
    cv2.imwrite(str(marked_path), cv2.cvtColor(_with_result(grey), cv2.COLOR_RGB2BGR))
    with open_media(marked_path) as media:
        assert media.frame(0).ndim == 3  # read as colour: the marks can be told from the tissue
    rows = []
    for path in (clean_path, marked_path):
        assert cli_main(["architecture", str(path), "--mm-per-px", "0.1", "--json"]) == 0
        rows.append(json.loads(capsys.readouterr().out)[0])
    clean, marked = rows
    assert marked["thickness_mm"] == pytest.approx(clean["thickness_mm"], rel=0.005)
    assert marked["pennation_deg"] == pytest.approx(clean["pennation_deg"], abs=0.3)
    assert marked["confidence"] >= 0.9


@pytest.mark.corpus
def test_real_marks_are_found_on_the_motor_endplate_clip(corpus: Path) -> None:
    """The MotorEndplate GIF carries a dotted coloured track and a cross over the muscle."""
    with open_media(corpus / "luuleitner-MotorEndplate" / "contraction.gif") as media:
        frame = media.frame(0)
    marks = colour_marks(frame)
    assert marks is not None
    pieces, _ = cv2.connectedComponents(marks.mask.astype(np.uint8))
    assert pieces - 1 >= 10  # the track's ten dots and the cross
    assert 0 < marks.pixels < 0.02 * marks.mask.size


@pytest.mark.corpus
def test_a_coloured_result_on_a_real_still_changes_nothing(corpus: Path) -> None:
    """Data set 4's GM_T_12 (Telemed): a yellow result near the bottom of the image was read
    as the deep aponeurosis (129 % thick) before it was left out."""
    image = corpus / "timvanderzee-timtrack-observers" / "dataset_4"
    found = sorted(image.rglob("GM_T_12.png"))
    assert found, "data set 4's GM_T_12.png is missing from the corpus"
    grey = cv2.imread(str(found[0]), cv2.IMREAD_GRAYSCALE)
    clean = analyse_image(grey, mm_per_px=None)
    rgb = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    area = imaging_area(grey)  # the result and a label, low in the B-mode image
    for text, x, y in (("1 D 1.92 cm", 0.6, 0.9), ("L MG LONG", 0.05, 0.95)):
        cv2.putText(rgb, text, (int(area.x0 + x * area.width), int(area.y0 + y * area.height)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, YELLOW, 1, cv2.LINE_AA)
    found_marked = analyse_image(rgb, mm_per_px=None)
    assert clean.thickness is not None and found_marked.thickness is not None
    assert found_marked.thickness == pytest.approx(clean.thickness, rel=0.01)
    assert found_marked.deep_pennation_deg == pytest.approx(clean.deep_pennation_deg, abs=0.3)
    assert found_marked.confidence == pytest.approx(clean.confidence, abs=0.05)


def test_the_frames_structure_tracking_reads_have_the_marks_of_the_clip_left_out() -> None:
    """``frame_reader`` (structure tracking in the app and `track`) fills the marks found on
    the first frame it reads in every frame; a clip without marks is only made grey."""
    frames, _ = contraction_clip(4)
    marked = np.stack([_with_result(f) for f in frames])
    read = frame_reader(ArrayMedia(marked, np.arange(4) * 40.0, kind="video"))
    marks = colour_marks(marked[2])
    assert marks is not None
    for i in (2, 0, 3):
        grey = read(i)
        assert grey.ndim == 2
        assert np.array_equal(grey, marks.fill(cv2.cvtColor(marked[i], cv2.COLOR_RGB2GRAY)))
    plain = frame_reader(ArrayMedia(np.stack(frames), np.arange(4) * 40.0, kind="video"))
    assert np.array_equal(plain(1), frames[1])


def test_many_small_marks_are_filled_in_one_box() -> None:
    grey = muscle_image(5)
    rgb = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    rgb[20:340:12, 20:460:16] = YELLOW  # 27 x 28 single coloured pixels, 0.4 % of the frame
    marks = colour_marks(rgb)
    assert marks is not None and len(marks.boxes) == 1
    filled = marks.fill(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    assert np.array_equal(filled[~marks.mask], cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)[~marks.mask])
    assert abs(float(filled[20:340:12, 20:460:16].mean()) - float(grey[20:340:12, 20:460:16].mean())) < 15


def test_a_tinted_still_reads_as_the_command_reads_it() -> None:
    """A colour still handed to ``analyse_image`` is read as the app and the command read it
    (luma, ``media.grey.to_grey``), not as a plain mean of its channels: a tinted grey map,
    warmer on one side, too faintly coloured to hold any mark."""
    grey = muscle_image(3).astype(np.float32)
    warmth = np.linspace(0.0, 0.2, grey.shape[1], dtype=np.float32)[None, :]
    rgb = np.stack([grey, grey * (1 - 0.5 * warmth), grey * (1 - warmth)], axis=2).round().astype(np.uint8)
    assert colour_marks(rgb) is None
    plain = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    assert analyse_image(rgb, mm_per_px=None) == analyse_image(plain, mm_per_px=None)


def _screen(inside: bool) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A scanner screen: a muscle image on a flat dark panel, coloured icons and a label on
    the panel around it and, with ``inside``, a yellow result over the muscle. Returns the
    frame (RGB) and the B-mode image's box."""
    grey = muscle_image(6)
    h, w = grey.shape
    screen = np.full((h + 120, w + 240, 3), 18, np.uint8)
    x0, y0 = 160, 80
    screen[y0:y0 + h, x0:x0 + w] = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    cv2.putText(screen, "MSK 12L", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 200, 255), 2, cv2.LINE_AA)
    for k in range(6):  # a column of coloured icons left of the image
        cv2.circle(screen, (60, 120 + 50 * k), 12, (255, 0, 255) if k % 2 else (0, 255, 0), -1)
    if inside:
        cv2.putText(screen, "D1 1.92cm", (x0 + 60, y0 + 120), cv2.FONT_HERSHEY_SIMPLEX, 0.6, YELLOW, 1, cv2.LINE_AA)
    return screen, (x0, y0, x0 + w, y0 + h)


def test_marks_on_the_screen_around_the_image_are_left_as_they_are() -> None:
    """Only the marks over the B-mode image hide tissue: a screen's coloured icons and labels
    around it are not filled (that cost every frame of the corpus clips 3 ms)."""
    screen, (x0, y0, x1, y1) = _screen(inside=False)
    assert colour_marks(screen) is not None
    assert image_marks(screen) is None
    frames = analysis_frames(lambda _i: screen)
    assert np.array_equal(frames(0), cv2.cvtColor(screen, cv2.COLOR_RGB2GRAY))

    marked, _ = _screen(inside=True)
    marks = image_marks(marked)
    assert marks is not None
    ys, xs = np.nonzero(marks.mask)
    assert xs.min() >= x0 and ys.min() >= y0 and xs.max() < x1 and ys.max() < y1
    everything = colour_marks(marked)
    assert everything is not None and len(marks.boxes) < len(everything.boxes)
    grey = cv2.cvtColor(marked, cv2.COLOR_RGB2GRAY)
    read = analysis_frames(lambda _i: marked)(0)
    assert np.array_equal(read, marks.fill(grey))
    assert np.array_equal(read[:, :x0], grey[:, :x0])  # the icons stay
    assert analyse_image(marked, mm_per_px=None) == analyse_image(marks.fill(grey), mm_per_px=None)


def test_a_region_of_interest_takes_the_marks_inside_it() -> None:
    """With ``roi`` the marks inside it are the ones left out, even outside the image found."""
    screen, _box = _screen(inside=False)
    whole = (0, 0, screen.shape[1], screen.shape[0])
    marks = image_marks(screen, whole)
    everything = colour_marks(screen)
    assert marks is not None and everything is not None and marks.boxes == everything.boxes


@pytest.mark.corpus
def test_the_corpus_clips_screen_marks_lie_outside_their_image(corpus: Path) -> None:
    """The corpus MP4s' screens carry coloured icons and text (52 pieces), all outside the
    B-mode image: nothing is filled, so their analysis reads the frames as they are."""
    clip = corpus / "joshrbaxter-ultrasound_tracking" / "p6_passive_ROM_01_push_01.mp4"
    with open_media(clip) as media:
        frame = media.frame(0)
    assert colour_marks(frame) is not None
    assert image_marks(frame) is None
