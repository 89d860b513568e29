"""Automatic muscle architecture against three human observers on real stills (TimTrack's
data sets 1, 2 and 4 in ../shared/corpus; skipped where the corpus is absent, never in CI).
The bounds sit a little above what the analysis measured when they were set (see
docs/adr/0010-muscle-architecture.md): they catch a regression, they do not claim the
issue's targets (2 degrees, 3 %), which are not all met."""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.dynamics.architecture import analyse_image
from benchmarks.bench_architecture import accuracy, read_grey
from benchmarks.observers import Observed, dataset_1, dataset_2, dataset_4

pytestmark = [pytest.mark.corpus, pytest.mark.slow]

# data set: (pennation RMSE deg, thickness RMSE %, the same for confidence >= 0.5), bounds
# (set 1's sure thickness went 3.2 -> 3.6 % when the band edge level went 0.4 -> 0.35 for the
# Telemed clips of data set 3: detect.EDGE_LEVEL); measured 3.02 / 9.7 / 1.68 / 3.3 (2.94 /
# 9.2 until a pair across the whole image was preferred, pairs.WHOLE_WEIGHT: S8_R20_225, a
# missed image at confidence 0.05, went -45 -> -60 %),
# 1.50 / 1.9 / 1.48 / 1.5 and 1.44 / 2.5 / 1.44 / 2.5 since thickness is read near the edge
# where the fascicles reach the deep aponeurosis (estimate.thickness_column; set 2 was 2.5 %
# where they insert) and a band's edge lies within detect.MAX_EDGE of its crest (set 1's
# sure images 3.7 -> 3.3 %); measured 3.00 / 9.7 / 1.61 / 3.3, 1.40 / 1.8 / 1.40 / 1.6 and
# 1.17 / 1.8 / 1.17 / 1.8 since the imaging area leaves a screen's flat panels and header out
# and tied deep-half peaks go to the steeper (set 4: 1.44 / 2.5 before); set 1's sure images
# 1.62 / 2.5 % (92 -> 90) since a pair with a rival nearly as good is unsure (pairs.RIVAL_SHARE:
# S1_R20_175, 21 % too thick at 0.52); set 1 2.46 / 7.2 / 1.61 / 2.5 % (151 of 153 measured, 92
# sure) since a line stronger than a pair's two, between them, blocks it and a superficial line
# beside a stronger band is that band's (pairs.blocked, pairs.beside_a_stronger_band: seven
# images right, no image worse; two converging by 19 degrees, read 72 and 10 % thin at
# confidence 0, are now not measured, with their reason); set 1 1.81 deg since a band that shows
# no clear fascicle angle is read in its lateral part that does (profile.clearest_part:
# S10_R20_375, +20.3 deg at confidence 0.16, now -2.7; sets 2 and 4 unchanged); set 1 1.60 deg,
# 5.4 % (150 of 153 measured) since a pair running across a stronger line above it is two
# fascicle bundles (pairs.under_a_stronger_line_across: S8_R20_225, -60 % and 10 deg off at
# confidence 0.05, is now not measured, with its reason); set 1 1.61 deg, 4.5 % since the second
# look takes a faint deep line converging with the superficial one by up to 10 degrees
# (pairs.DEEPER_PARALLEL_DEG: S8_R20_275, -35 -> +1 %); set 1 1.58 deg, 4.2 % since the muscle
# ends at the upper line of a double band (pairs.doubled: S1_R20_175 +21 -> -1 %, S1_R20_375
# +9 -> -6 % of the three observers' mean, two of whom marked the upper line); set 1 1.57 deg,
# 3.2 % since the second look takes a deep line converging as far as any pair may and does not
# weigh how parallel it runs (S8_R20_325, -33 -> +1 %); set 1 3.01 / 2.3 %, set 2 1.69 / 1.6 %
# since the superficial band's edge lies within detect.MAX_EDGE_SUPERFICIAL of its crest
BOUNDS = {
    "1": (1.8, 3.3, 1.9, 2.6),
    "2": (1.8, 2.0, 1.7, 1.9),
    "4": (1.5, 2.3, 1.5, 2.3),
}
LOADERS = {"1": dataset_1, "2": dataset_2, "4": dataset_4}


@functools.cache
def _analysed(name: str) -> tuple[list[Observed], list]:  # type: ignore[type-arg]
    items = LOADERS[name]()
    assert len(items) >= 30, "the observer data sets are in the corpus"
    return items, [analyse_image(cv2.imread(str(i.image), cv2.IMREAD_GRAYSCALE), mm_per_px=None) for i in items]


def _measure(corpus: Path, name: str) -> tuple[list[Observed], list]:  # type: ignore[type-arg]
    return _analysed(name)  # each set is analysed once for all the tests


@pytest.mark.parametrize("name", ["1", "2", "4"])
def test_pennation_and_thickness_against_the_observers(corpus: Path, name: str) -> None:
    items, estimates = _measure(corpus, name)
    acc = accuracy(items, estimates)
    pen, thick, sure_pen, sure_thick = BOUNDS[name]
    assert acc["found"] >= 0.95 * len(items)
    assert acc["pennation_rmse"] <= pen and acc["thickness_rmse"] <= thick, acc
    # the confidence means something: the images it is sure of are measured better
    assert acc["confident"] >= 0.4 * len(items)
    assert acc["confident_pennation_rmse"] <= sure_pen and acc["confident_thickness_rmse"] <= sure_thick, acc
    assert acc["confident_pennation_rmse"] <= acc["pennation_rmse"] + 0.1
    assert acc["confident_thickness_rmse"] <= acc["thickness_rmse"] + 0.1


@pytest.mark.parametrize("name", ["2", "4"])
def test_the_observers_beta_is_the_superficial_aponeurosis(corpus: Path, name: str) -> None:
    """Why the row's pennation_deg and aponeurosis_angle_deg refer to the superficial
    aponeurosis: the observers' beta follows our superficial line, not our deep one (data set
    4 is mirrored)."""
    items, estimates = _measure(corpus, name)
    sign = -1.0 if name == "4" else 1.0
    pairs = [(sum(i.beta) / len(i.beta), e) for i, e in zip(items, estimates, strict=True)
             if e.confidence >= 0.5 and e.superficial_angle_deg is not None and e.deep_angle_deg is not None]
    beta = np.array([b for b, _ in pairs])
    sup = sign * np.array([e.superficial_angle_deg for _, e in pairs])
    deep = sign * np.array([e.deep_angle_deg for _, e in pairs])
    sup_rmse, deep_rmse = float(np.sqrt(np.mean((sup - beta) ** 2))), float(np.sqrt(np.mean((deep - beta) ** 2)))
    assert sup_rmse < 1.6 and deep_rmse > 2.0 * sup_rmse, (sup_rmse, deep_rmse)


def test_pennation_to_the_deep_aponeurosis_against_the_observers_gamma(corpus: Path) -> None:
    """``deep_pennation_deg`` (to the deep aponeurosis, the ``pennation`` annotation's angle)
    against data set 4's alpha - gamma: the deep angle is the straight fit's, also where a still's deep
    aponeurosis bends and thickness is taken on its tangent (1.33 deg measured; 2.53 with
    the tangent's angle)."""
    items, estimates = _measure(corpus, "4")
    acc = accuracy(items, estimates)
    assert acc["deep_rmse"] <= 1.6, acc


@pytest.mark.parametrize("name", ["1", "2", "4"])
def test_the_annotations_measure_what_the_rows_say(corpus: Path, name: str) -> None:
    """The app turns a still's row into annotations: the thickness annotation is marked where
    the row's thickness was measured (``thickness_x``), the pennation annotation's
    aponeurosis has the straight fit's direction, so what the annotations measure is the row
    (the row's thickness is the annotation's own geometry)."""
    from annotator.case.architecture_geometry import pennation, thickness
    from annotator.dynamics.architecture import architecture_points

    _items, estimates = _measure(corpus, name)
    worst_t, worst_p = 0.0, 0.0
    for est in estimates:
        if est.thickness is None or est.deep_pennation_deg is None:
            continue
        points = architecture_points(est)
        t, p = thickness(points["thickness"]), pennation(points["pennation"])
        assert t is not None and p is not None
        worst_t = max(worst_t, abs(t - est.thickness) / est.thickness)
        worst_p = max(worst_p, abs(p[0] - est.deep_pennation_deg))
    assert worst_t <= 1e-9 and worst_p <= 0.01, (worst_t, worst_p)


def test_fascicle_length_against_the_observers(corpus: Path) -> None:
    """The fascicle length, which the issue sets no target for, against the observers' own:
    their thickness over the sine of their pennation (data set 2's manual_estimates_*.mat hold
    exactly this). At 15-20 degrees each degree of pennation moves it 5-6.5 %, so it follows
    the pennation's error: measured 8.7 % on set 2 and 8.5 % on set 4, the observers 5.5 and
    3.8 % apart."""
    by_hand = Observed(Path("x.png"), "2", [20.0, 22.0], [5.0, 4.0], [200.0, 210.0])
    expected = [200 * np.cos(np.radians(5)) / np.sin(np.radians(15)), 210 * np.cos(np.radians(4)) / np.sin(np.radians(18))]
    assert abs(by_hand.fascicle_px - np.mean(expected)) < 1e-9
    for name in ("2", "4"):
        acc = accuracy(*_measure(corpus, name))
        assert acc["fascicle_found"] == acc["found"] and acc["fascicle_rmse"] <= 10.0, (name, acc)


def test_a_faint_deep_aponeurosis_is_found_but_not_trusted(corpus: Path) -> None:
    """Subject 1's left leg (data set 1): the deep aponeurosis is a faint grainy band near the
    bottom, below bright fascicles that the first search pairs with the superficial one (the
    muscle was cut 67-69 % short). A faint deep line (``pairs.py``) finds the band;
    the values come within 10 % of the observers, and stay below 0.5 confidence, with a reason
    that says the deep aponeurosis is the one to check."""
    items, estimates = _measure(corpus, "1")
    left = [(i, e) for i, e in zip(items, estimates, strict=True)
            if i.image.name in {f"S1_L20_step_{n:03d}.png" for n in (125, 225, 275, 325)}]
    assert len(left) == 4
    for item, est in left:
        assert est.thickness is not None and est.confidence < 0.5, (item.image.name, est.confidence)
        assert abs(est.thickness - item.thickness_px) <= 0.1 * item.thickness_px, (item.image.name, est.thickness)
        assert est.reason.startswith("deep aponeurosis faint"), (item.image.name, est.reason)


def test_a_faint_deep_aponeurosis_converging_with_the_superficial_one_is_found(corpus: Path) -> None:
    """S8_R20_275 (data set 1): the deep aponeurosis is a faint band (contrast 1.6, clear over a
    fifth of the columns) converging with the superficial one by 7.5 degrees, under fascicle
    bundles the first search pairs with the superficial line (35 % thin). The second look
    refused it at 5 degrees; it now finds it, within 5 % of the observers, and stays unsure."""
    items, estimates = _measure(corpus, "1")
    (item, est), = [(i, e) for i, e in zip(items, estimates, strict=True) if i.image.name == "S8_R20_step_275.png"]
    assert est.thickness is not None and abs(est.thickness - item.thickness_px) <= 0.05 * item.thickness_px, est
    assert est.confidence < 0.5 and est.reason, est


def test_the_muscle_ends_at_the_upper_line_of_a_double_band(corpus: Path) -> None:
    """S1_R20_175 and S1_R20_375 (data set 1): under the vastus lateralis a second band as strong
    runs 0.09-0.13 of the height below the deep aponeurosis. The pair with the lower line was
    worth more (a thicker muscle) and read 21 and 9 % thick; the observers mark the upper line's
    inner edge (two of three on S1_R20_375, whose third marked the lower: 301, 346 and 302 px).
    Both now read within 3 % of the observers who marked the upper line, and stay unsure."""
    items, estimates = _measure(corpus, "1")
    upper = {"S1_R20_step_175.png": (0, 1, 2), "S1_R20_step_375.png": (0, 2)}  # the observers on the upper line
    found = [(i, e) for i, e in zip(items, estimates, strict=True) if i.image.name in upper]
    assert len(found) == 2
    for item, est in found:
        marked = [item.per_observer_thickness()[k] for k in upper[item.image.name]]
        assert est.thickness is not None and abs(est.thickness / (sum(marked) / len(marked)) - 1) <= 0.03, \
            (item.image.name, est.thickness, marked)
        assert est.confidence < 0.5 and est.reason, (item.image.name, est.confidence)


def test_a_converging_deep_aponeurosis_is_found_past_a_faint_parallel_line(corpus: Path) -> None:
    """S8_R20_325 (data set 1): the thick vastus lateralis' deep aponeurosis converges with the
    superficial one by 14 degrees. The first look paired the superficial line with a faint line
    inside the muscle that runs 4 degrees off it (a pair is worth more the more parallel it
    runs): 33 % thin, confidence 0. The second look does not weigh that, and finds the deep
    aponeurosis where the observers mark it (272, 281 and 217 px: within 5 % of their mean).
    It stays unsure: only the permissive second look found it."""
    items, estimates = _measure(corpus, "1")
    (item, est), = [(i, e) for i, e in zip(items, estimates, strict=True) if i.image.name == "S8_R20_step_325.png"]
    assert est.thickness is not None and abs(est.thickness / item.thickness_px - 1) <= 0.05, \
        (est.thickness, item.per_observer_thickness())
    assert est.pennation_deg is not None and abs(est.pennation_deg - item.pennation) <= 2.0, est.pennation_deg
    assert est.confidence < 0.5 and est.reason, est.confidence


def test_fascicle_bundles_under_the_aponeurosis_are_not_taken_for_a_muscle(corpus: Path) -> None:
    """S8_R20_225 (data set 1): under its superficial aponeurosis (+5 degrees, clear across the
    image) two bright fascicle bundles run at -17 degrees, and its deep aponeurosis is a wide
    diffuse band no line search finds. The bundles were paired as the aponeuroses: 60 % thin,
    pennation 10 degrees off. Now nothing is measured there, and the row says why."""
    items, estimates = _measure(corpus, "1")
    (item, est), = [(i, e) for i, e in zip(items, estimates, strict=True) if i.image.name == "S8_R20_step_225.png"]
    if est.thickness is not None:
        assert abs(est.thickness - item.thickness_px) <= 0.1 * item.thickness_px, est
    if est.pennation_deg is not None:
        assert abs(est.pennation_deg - abs(item.pennation)) <= 3.0, est
    assert est.thickness is not None or est.reason


def test_a_fascicle_angle_with_a_rival_nearly_as_strong_is_not_trusted(corpus: Path) -> None:
    """S10_R20_125 (data set 1) was the one observer image read more than 5 degrees off while
    sure: 6.3 degrees at confidence 0.64. Its fascicles' angular profile peaks twice, 7 degrees
    apart, the second at 0.79 of the first; a rival then had to lie more than 8 degrees away
    (profile.RIVAL_DEG). The reading stays; it is no longer sure. No image of the set is now
    read more than 5 degrees or 15 % off at confidence 0.5 or more."""
    items, estimates = _measure(corpus, "1")
    (item, est), = [(i, e) for i, e in zip(items, estimates, strict=True) if i.image.name == "S10_R20_step_125.png"]
    assert est.pennation_deg is not None and est.confidence < 0.5 and est.reason, est
    for item, est in zip(items, estimates, strict=True):
        if est.confidence >= 0.5 and est.pennation_deg is not None and est.thickness is not None:
            assert abs(est.pennation_deg - abs(item.pennation)) <= 5.0, (item.image.name, est)
            assert abs(est.thickness / item.thickness_px - 1) <= 0.15, (item.image.name, est)


@pytest.mark.usefixtures("corpus")
def test_a_darker_grey_map_that_tips_the_fascicle_angle_to_its_rival_is_not_trusted() -> None:
    """Data set 2's range of motion 452 under a darker grey map (gamma 1.6): its angular profile
    holds a second peak 7 degrees flatter (0.92 of the first as the gamma lifts it), and the
    flatter one was read, 5.6 degrees below the observers, at confidence 1.00. Now it is held
    unsure, and the row says where the other direction lies: steeper, where the observers read."""
    (item,) = [i for i in dataset_2() if i.image.name == "gastroc_range_of_motion_452.png"]
    darker = np.clip(255.0 * (read_grey(cv2, item.image) / 255.0) ** 1.6, 0, 255).astype(np.uint8)
    est = analyse_image(darker, mm_per_px=None)
    assert est.pennation_deg is not None
    if abs(est.pennation_deg - abs(item.pennation)) > 5.0:
        assert est.confidence < 0.5, est
        way = "steeper" if abs(item.pennation) > est.pennation_deg else "flatter"
        assert est.reason is not None and f"degrees {way}" in est.reason, est.reason


def test_a_mirrored_image_reads_the_same(corpus: Path) -> None:
    """A probe held the other way round shows the muscle mirrored: every data set 4 image
    (two scanners) gives the same thickness and pennation mirrored (GM_T_7 paired a short line
    above its superficial aponeurosis once mirrored, 40 % thick, until a pair of lines across
    the whole image was preferred: pairs.WHOLE_WEIGHT)."""
    items, estimates = _measure(corpus, "4")
    for item, plain in zip(items, estimates, strict=True):
        grey = cv2.imread(str(item.image), cv2.IMREAD_GRAYSCALE)
        mirrored = analyse_image(np.ascontiguousarray(grey[:, ::-1]), mm_per_px=None)
        assert plain.thickness is not None and mirrored.thickness is not None
        assert abs(mirrored.thickness - plain.thickness) <= 0.025 * plain.thickness, item.image.name
        assert plain.deep_pennation_deg is not None and mirrored.deep_pennation_deg is not None
        assert abs(mirrored.deep_pennation_deg - plain.deep_pennation_deg) <= 2.0, item.image.name


@pytest.mark.parametrize("factor", [0.5, 1.6])
def test_another_pixel_density_reads_as_the_observers_did(corpus: Path, factor: float) -> None:
    """A scanner exporting at half or 1.6 times the pixel density shows the same muscle: data
    set 4 (two scanners) read at that size stays at its figures against the observers, within
    0.2 degrees and 0.5 % (measured 1.23 / 1.8 and 1.18 / 1.9 against 1.17 / 1.8 as is)."""
    items, estimates = _measure(corpus, "4")
    resized = []
    for item in items:
        grey = cv2.imread(str(item.image), cv2.IMREAD_GRAYSCALE)
        small = cv2.resize(grey, None, fx=factor, fy=factor,
                           interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
        est = analyse_image(small, mm_per_px=(1.0 / factor, 1.0 / factor))  # "mm" = original px
        resized.append(est)
    plain, other = accuracy(items, estimates), accuracy(items, resized)
    assert other["found"] == plain["found"] == len(items)
    assert other["pennation_rmse"] <= plain["pennation_rmse"] + 0.2, (plain, other)
    assert other["thickness_rmse"] <= plain["thickness_rmse"] + 0.5, (plain, other)


def test_a_jpeg_export_reads_as_the_original(corpus: Path) -> None:
    """Stills are often exported as JPEG: every data set 4 image compressed at quality 85 keeps
    its thickness and pennation (GM_P_6's skin line and superficial aponeurosis score within
    2 % of each other, and the compression swapped them: no pair was found until a band beside
    a line had to be clearly stronger, pairs.BESIDE_MARGIN)."""
    items, estimates = _measure(corpus, "4")
    for item, plain in zip(items, estimates, strict=True):
        grey = cv2.imread(str(item.image), cv2.IMREAD_GRAYSCALE)
        ok, data = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, 85])
        assert ok
        est = analyse_image(cv2.imdecode(data, cv2.IMREAD_GRAYSCALE), mm_per_px=None)
        assert plain.thickness is not None and est.thickness is not None, item.image.name
        assert abs(est.thickness - plain.thickness) <= 0.02 * plain.thickness, item.image.name
        assert plain.deep_pennation_deg is not None and est.deep_pennation_deg is not None
        assert abs(est.deep_pennation_deg - plain.deep_pennation_deg) <= 2.0, item.image.name


@pytest.mark.usefixtures("corpus")
def test_a_muscle_too_dark_to_count_as_texture_keeps_its_deep_aponeurosis_in_the_image() -> None:
    """S5_L20_325 (data set 1) with its grey levels darkened (gamma 1.6, another gain or grey
    map): its hypoechoic muscle no longer counts as texture, and the imaging area kept only
    the rows above it. The deep aponeurosis was lost, and two lines of the superficial band
    were paired: 93 % thin at confidence 0.67. The image's rows now reach past the muscle,
    and it reads as it does as recorded (the observers' 350 px)."""
    (item,) = [i for i in dataset_1() if i.image.name == "S5_L20_step_325.png"]
    grey = read_grey(cv2, item.image)
    darker = np.clip(255.0 * (grey / 255.0) ** 1.6, 0, 255).astype(np.uint8)
    est = analyse_image(darker, mm_per_px=None)
    assert est.thickness is not None and abs(est.thickness / item.thickness_px - 1) <= 0.05, est.thickness
    assert est.pennation_deg is not None and abs(est.pennation_deg - abs(item.pennation)) <= 2.0, est.pennation_deg
