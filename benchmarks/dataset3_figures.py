"""Data set 3 of the TimTrack paper as its 100 figures: 10 frames of each of two pushes of five
Telemed clips (isokinetic 30, 120, 210 and 500 deg/s, isometric), each the scanner screen
exported as a figure (white margin, grey panels, text header), with three observers'
workbooks. Three of the five clips are not in the corpus, nor are these figures: they are read
from a checkout of github.com/timvanderzee/ultrasound-automated-algorithm (CC BY 4.0, Drazan,
Hullfish and Baxter's data) named by ``TIMTRACK_REPO``; without it nothing is measured.

``python -m benchmarks.dataset3_figures [REPO]`` prints the RMSE per clip and over all."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np

from annotator.dynamics.architecture import analyse_image, analyse_sequence
from annotator.dynamics.architecture.types import FrameArchitecture
from benchmarks.bench_architecture import accuracy, read_grey
from benchmarks.observers import Observed, read_xlsx

SUBDIR = Path("Example images") / "raw" / "TimTrack paper" / "dataset 3"


def observed(folder: Path) -> dict[str, list[Observed]]:
    """Per clip folder, every figure the three observers measured, as the other data sets are
    read (``benchmarks.observers.Observed``)."""
    per: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for book in sorted(folder.glob("dataset3_for_manual_estimation_obs*.xlsx")):
        for sheet, rows in read_xlsx(book).items():
            for row in rows[1:]:
                name = (row.get("A") or "").strip()
                if name and row.get("B"):
                    per.setdefault((sheet, name), []).append((float(row["B"]), float(row["C"]), float(row["D"])))
    out: dict[str, list[Observed]] = {}
    for path in sorted(folder.glob("*/*.jpg")):
        values = per.get((path.stem[: path.stem.index("_push")], path.stem[path.stem.index("push"):]))
        if values:
            out.setdefault(path.parent.name, []).append(
                Observed(path, "3", [v[0] for v in values], [v[1] for v in values], [v[2] for v in values]))
    return out


def measure(repo: Path) -> dict[str, dict[str, float]]:
    """Per clip and "all": ``bench_architecture.accuracy`` of the still analysis of its figures."""
    results: dict[str, dict[str, float]] = {}
    every: tuple[list[Observed], list[FrameArchitecture]] = ([], [])
    for clip, items in observed(repo / SUBDIR).items():
        estimates = [_analyse(item.image) for item in items]
        results[clip] = accuracy(items, estimates)
        every[0].extend(items)
        every[1].extend(estimates)
    if every[0]:
        results["all"] = accuracy(*every)
    return results


def as_sparse_clips(repo: Path) -> dict[str, float]:
    """Each push's 10 figures read in order as one clip (``analyse_sequence``; frames 4-14
    apart, so the flow between them often fails): pennation RMSE against the observers and
    how many frames are below confidence 0.5, beside the same figures as stills."""
    clip_err: list[float] = []
    still_err: list[float] = []
    low = frames = 0
    for items in observed(repo / SUBDIR).values():
        pushes: dict[str, list[Observed]] = {}
        for item in items:
            pushes.setdefault(item.image.stem.split("_push_")[1].split("_")[0], []).append(item)
        for push in pushes.values():
            push.sort(key=lambda i: int(i.image.stem.rsplit("_", 1)[1]))
            grey = [read_grey(cv2, i.image) for i in push]
            clip = analyse_sequence(grey.__getitem__, range(len(grey)), mm_per_px=None)
            for item, est, image in zip(push, clip, grey, strict=True):
                still = analyse_image(image, mm_per_px=None)
                for err, e in ((clip_err, est), (still_err, still)):
                    if e.pennation_deg is not None:
                        err.append(e.pennation_deg - abs(item.pennation))
                low += est.confidence < 0.5
                frames += 1
    rms = lambda v: float(np.sqrt(np.mean(np.square(v)))) if v else float("nan")  # noqa: E731
    return {"clip_rmse": rms(clip_err), "still_rmse": rms(still_err), "low": float(low), "frames": float(frames)}


def _analyse(path: Path) -> FrameArchitecture:
    return analyse_image(read_grey(cv2, path), mm_per_px=None)


def report(repo: Path | None, pennation_target: float, thickness_target: float) -> None:
    if repo is None or not (repo / SUBDIR).is_dir():
        print("data set 3 figures (TimTrack repository): not measured; set TIMTRACK_REPO to a checkout of "
              "github.com/timvanderzee/ultrasound-automated-algorithm")
        return
    results = measure(repo)
    for clip in sorted(results, key=lambda c: (c == "all", c)):
        r = results[clip]
        verdict = "met" if r["pennation_rmse"] <= pennation_target and r["thickness_rmse"] <= thickness_target else "NOT met"
        print(f"  data set 3 figures, {clip}: {r['found']:.0f} images ({r['confident']:.0f} at confidence >= 0.5); "
              f"pennation RMSE {r['pennation_rmse']:.2f} deg (bias {r['pennation_bias']:+.2f}), thickness RMSE "
              f"{r['thickness_rmse']:.1f} % (targets {pennation_target} deg, {thickness_target} %: {verdict})")
    if "fascicle_rmse" in results.get("all", {}):
        r = results["all"]
        print(f"  data set 3 figures, all: fascicle length (no target) RMSE {r['fascicle_rmse']:.1f} % (bias "
              f"{r['fascicle_bias']:+.1f}) against the observers' thickness / sin pennation; their spread "
              f"{r['fascicle_spread_pct']:.1f} %; ours computed their way: {r['parallel_fascicle_rmse']:.1f} %")
    sparse = as_sparse_clips(repo)
    print(f"  data set 3 figures, each push's 10 read in order as a clip (frames 4-14 apart): pennation RMSE "
          f"{sparse['clip_rmse']:.2f} deg (the same figures as stills {sparse['still_rmse']:.2f}); "
          f"{sparse['low']:.0f} of {sparse['frames']:.0f} frames below confidence 0.5")


def main(argv: list[str]) -> int:
    repo = Path(argv[0]) if argv else (Path(os.environ["TIMTRACK_REPO"]) if os.environ.get("TIMTRACK_REPO") else None)
    report(repo, 2.0, 3.0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
