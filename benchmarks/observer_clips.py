"""Data set 2's two observed sequences analysed as clips (`analyse_sequence`, as `architecture`
analyses a clip) against the three observers, frame by frame, beside the same frames analysed
one by one as stills. The jumping sequence is every 2nd frame of a jump (23 frames), the range
of motion every 30th frame of a slow ankle rotation (33 frames): far apart for a follower, so a
harder test than consecutive frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from annotator.dynamics.architecture import analyse_image, analyse_sequence
from annotator.dynamics.architecture.types import FrameArchitecture
from benchmarks.observers import Observed, dataset_2

SEQUENCES = ("jumping", "range-of-motion")


@dataclass(frozen=True)
class SequenceErrors:
    name: str
    frames: int
    pennation_rmse: float  # the fascicle's angle to the superficial aponeurosis, as observed
    thickness_rmse_pct: float
    unsure: int  # frames below confidence 0.5
    sure_pennation_rmse: float
    sure_thickness_rmse_pct: float


def observed_sequences() -> dict[str, list[Observed]]:
    items = dataset_2()
    return {name: sorted((i for i in items if i.image.parent.name == name), key=lambda i: i.image.name)
            for name in SEQUENCES}


def errors(name: str, items: list[Observed], rows: list[FrameArchitecture]) -> SequenceErrors:
    pen, thick, sure = [], [], []
    for item, row in zip(items, rows, strict=True):
        if row.fascicle_angle_deg is None or row.superficial_angle_deg is None or row.thickness is None:
            pen.append(np.nan)
            thick.append(np.nan)
        else:
            pen.append(abs(row.fascicle_angle_deg - row.superficial_angle_deg) - abs(item.pennation))
            thick.append(100.0 * (row.thickness - item.thickness_px) / item.thickness_px)
        sure.append(row.confidence >= 0.5)
    p, t, s = np.array(pen), np.array(thick), np.array(sure, bool)

    def rms(v: np.ndarray) -> float:
        return float(np.sqrt(np.mean(v ** 2))) if len(v) else float("nan")  # a frame without a value: nan, shown

    return SequenceErrors(name, len(items), rms(p), rms(t), int((~s).sum()), rms(p[s]), rms(t[s]))


def measure() -> list[tuple[SequenceErrors, SequenceErrors]]:
    """(as a clip, frame by frame as stills) for each sequence."""
    import cv2

    out = []
    for name, items in observed_sequences().items():
        grey = [cv2.imread(str(i.image), cv2.IMREAD_GRAYSCALE) for i in items]
        clip = analyse_sequence(grey.__getitem__, range(len(grey)), mm_per_px=None)
        stills = [analyse_image(g, mm_per_px=None, frame=k) for k, g in enumerate(grey)]
        out.append((errors(name, items, clip), errors(name, items, stills)))
    return out


def report(targets: dict[str, float]) -> None:
    print("data set 2's observed sequences analysed as clips (every 2nd / 30th frame of the real clip):")
    for clip, still in measure():
        met = clip.pennation_rmse <= targets["pennation_rmse"] and clip.thickness_rmse_pct <= targets["thickness_rmse_pct"]
        print(f"  {clip.name}, {clip.frames} frames: as a clip pennation RMSE {clip.pennation_rmse:.2f} deg, thickness "
              f"RMSE {clip.thickness_rmse_pct:.1f} % (targets {targets['pennation_rmse']} deg, "
              f"{targets['thickness_rmse_pct']} %: {'met' if met else 'NOT met'}); {clip.unsure} frames below 0.5, the "
              f"others {clip.sure_pennation_rmse:.2f} deg, {clip.sure_thickness_rmse_pct:.1f} %; frame by frame as "
              f"stills {still.pennation_rmse:.2f} deg, {still.thickness_rmse_pct:.1f} %")
