"""Clip mode and stills on altered copies of real media: do the figures hold on an image from
another scanner, set up differently? Each is read as recorded, mirrored, smaller and larger
(another depth or screen size), darker and lighter (another grey map), brighter (another
gain), and with noise added; every observed frame or image is compared with the observers' mean as
``observer_clips`` and ``bench_architecture`` compare them. Beside each: the frames below
confidence 0.5, and those read wrong (``WRONG_DEG``, ``WRONG_PCT``) while sure (>= 0.5): the
confidence must fall where the reading is wrong. No target: the issue's are met or not on the
media as recorded.
- Clips: the observed clips of TimTrack's data set 3, the three in the corpus and every third
  of ``BAXTER_CLIPS`` where it is set.
- Stills: data sets 1, 2 and 4, as recorded, mirrored, darker and lighter
  (``STILL_ALTERATIONS``; rescaled, brighter and noisy clips read as recorded ones do)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from annotator.dynamics.architecture import analyse_image, analyse_sequence
from annotator.dynamics.architecture.types import FrameArchitecture
from annotator.media.bmode_area import Area, imaging_area
from benchmarks.observer_clips import CLIPS, clip_frames, dataset_3
from benchmarks.observers import Observed, rms

WRONG_DEG, WRONG_PCT = 5.0, 15.0  # read wrong: pennation or thickness this far off
STILL_ALTERATIONS = ("as recorded", "mirrored", "darker (gamma 1.6)", "lighter (gamma 0.7)")
NOISE_SD = 12.0  # grey levels, Gaussian, each frame its own


def _gamma(g: np.ndarray, power: float) -> np.ndarray:
    return np.clip(255.0 * (g / 255.0) ** power, 0, 255).astype(np.uint8)


def _with_noise(g: np.ndarray, k: int, a: Area) -> np.ndarray:
    """``g`` with Gaussian noise (``NOISE_SD``, seeded by the frame index ``k``) inside ``a``."""
    out = g.astype(np.float32)
    out[a.y0:a.y1, a.x0:a.x1] += np.random.default_rng(k).normal(0.0, NOISE_SD, (a.height, a.width))
    return np.clip(out, 0, 255).astype(np.uint8)


def alterations() -> dict[str, tuple[Callable[[np.ndarray, int], np.ndarray], float]]:
    """Each alteration (grey frame, frame index -> altered frame) and the scale it puts on
    lengths in pixels."""
    def noisy(g: np.ndarray, k: int) -> np.ndarray:
        # inside the image only, as a scanner's noise is: over the black margins too, it
        # made the whole screen the imaging area
        return _with_noise(g, k, imaging_area(g))

    def noisy_screen(g: np.ndarray, k: int) -> np.ndarray:
        # the margins as textured as the image: the whole screen is searched (an export
        # cropped to the image looks the same), and the muscle's band runs into pure noise
        return _with_noise(g, k, Area(0, 0, g.shape[1], g.shape[0]))

    return {
        "as recorded": (lambda g, _k: g, 1.0),
        "mirrored": (lambda g, _k: np.ascontiguousarray(g[:, ::-1]), 1.0),
        "0.75x": (lambda g, _k: cv2.resize(g, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA), 0.75),
        "1.3x": (lambda g, _k: cv2.resize(g, None, fx=1.3, fy=1.3, interpolation=cv2.INTER_LINEAR), 1.3),
        "darker (gamma 1.6)": (lambda g, _k: _gamma(g, 1.6), 1.0),
        "lighter (gamma 0.7)": (lambda g, _k: _gamma(g, 0.7), 1.0),
        "brighter (x1.4 + 10)": (lambda g, _k: np.clip(g.astype(np.float32) * 1.4 + 10, 0, 255).astype(np.uint8), 1.0),
        f"noise (SD {NOISE_SD:g}) inside the image": (noisy, 1.0),
        f"noise (SD {NOISE_SD:g}) over the whole screen": (noisy_screen, 1.0),
    }


def _sure_and_wrong(e: FrameArchitecture, item: Observed, scale: float) -> bool:
    """Read with confidence >= 0.5 and more than ``WRONG_DEG`` or ``WRONG_PCT`` off."""
    if e.confidence < 0.5:
        return False
    pen = e.pennation_deg is not None and abs(e.pennation_deg - abs(item.pennation)) > WRONG_DEG
    thick = e.thickness is not None and abs(e.thickness / scale - item.thickness_px) > WRONG_PCT / 100 * item.thickness_px
    return pen or thick


def clips(folder: Path | None) -> list[Path]:
    """The corpus clips, and every third of ``folder``'s observed clips (None: none)."""
    observed = sorted(dataset_3())
    chosen = [CLIPS / c for c in observed if (CLIPS / c).is_file()]
    if folder is not None and folder.is_dir():
        names = {p.name for p in chosen}
        chosen += [folder / c for c in observed[::3] if (folder / c).is_file() and c not in names]
    return chosen


@dataclass
class _Tally:
    """One alteration's errors against the observers, pooled over frames or images."""

    pen: list[float] = field(default_factory=list)
    thick: list[float] = field(default_factory=list)
    low: int = 0
    wrong_names: list[str] = field(default_factory=list)  # read wrong while sure: which, to look at

    @property
    def wrong(self) -> int:
        return len(self.wrong_names)

    def add(self, e: FrameArchitecture, item: Observed, scale: float, paired: bool = False, name: str = "") -> None:
        """``paired``: an image counts only where both values were read (as
        ``bench_architecture.accuracy`` counts the stills); a clip frame counts each value.
        ``name``: the image or frame, listed when read wrong while sure."""
        self.low += e.confidence < 0.5
        if _sure_and_wrong(e, item, scale):
            self.wrong_names.append(name)
        if paired and (e.pennation_deg is None or e.thickness is None):
            return
        if e.pennation_deg is not None:
            self.pen.append(e.pennation_deg - abs(item.pennation))
        if e.thickness is not None:
            self.thick.append(100.0 * (e.thickness / scale - item.thickness_px) / item.thickness_px)

    def figures(self) -> str:
        return f"{rms(np.array(self.pen)):.2f} deg, {rms(np.array(self.thick)):.1f} %"


Estimated = list[tuple[list[Observed], list[FrameArchitecture]]]


def report(folder: Path | None, recorded: Estimated | None = None) -> None:
    """Both readings: the clips, then the stills (``recorded``: the sets as recorded, already
    analysed in this run)."""
    report_clips(folder)
    report_stills(recorded)


def report_clips(folder: Path | None) -> None:
    paths = clips(folder)
    if not paths:
        print("altered clips: no observed clip found, not measured")
        return
    data = dataset_3()
    table = alterations()
    tallies = {name: _Tally() for name in table}
    for path in paths:  # one clip's frames in memory at a time
        grey = clip_frames(path)
        observed, items = data[path.name]
        for name, (alter, scale) in table.items():
            altered = [alter(g, k) for k, g in enumerate(grey)]
            res = analyse_sequence(altered.__getitem__, range(len(altered)), mm_per_px=None)
            for k, item in zip(observed, items, strict=True):
                tallies[name].add(res[k], item, scale, name=f"{path.stem} frame {k}")
    frames = sum(len(data[p.name][0]) for p in paths)
    print(f"clip mode on altered copies of {len(paths)} observed clips ({frames} frames; no target, "
          f"wrong = more than {WRONG_DEG:g} deg or {WRONG_PCT:g} % off):")
    for name, t in tallies.items():
        print(f"  {name}: pennation RMSE {rms(np.array(t.pen)):.2f} deg, thickness {rms(np.array(t.thick)):.1f} %; "
              f"{t.low} frames below confidence 0.5; {t.wrong} sure and wrong{_named(t.wrong_names)}")


def report_stills(recorded: Estimated | None = None) -> None:
    from benchmarks.bench_architecture import read_grey
    from benchmarks.observers import ROOT, dataset_1, dataset_2, dataset_4

    if not ROOT.is_dir():
        print("altered stills: observer data not found, not measured")
        return
    sets = [items for items, _e in recorded] if recorded else [loader() for loader in (dataset_1, dataset_2, dataset_4)]
    greys = [[read_grey(cv2, i.image) for i in items] for items in sets]
    print(f"stills on altered copies of data sets 1, 2 and 4 (no target, wrong = more than {WRONG_DEG:g} deg or {WRONG_PCT:g} % off):")
    table = alterations()
    for name in STILL_ALTERATIONS:
        alter, scale = table[name]
        parts, wrong = [], []
        for s, (items, images) in enumerate(zip(sets, greys, strict=True)):
            t = _Tally()
            if name == "as recorded" and recorded:  # analysed above in this run: not again
                estimates = recorded[s][1]
            else:
                estimates = [analyse_image(alter(g, 0), mm_per_px=None) for g in images]
            for item, e in zip(items, estimates, strict=True):
                t.add(e, item, scale, paired=True, name=item.image.stem)
            parts.append(f"set {items[0].dataset} {t.figures()}, {t.low} unsure, {t.wrong} sure and wrong")
            wrong += t.wrong_names
        print(f"  {name}: {'; '.join(parts)}{_named(wrong)}", flush=True)


def _named(names: list[str]) -> str:
    """The images or frames read wrong while sure, in brackets (nothing when none)."""
    return f" ({', '.join(names)})" if names else ""
