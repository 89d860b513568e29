"""Data set 3 of the TimTrack paper as its 100 figures: 10 frames of each of two pushes of five
Telemed clips (isokinetic 30, 120, 210 and 500 deg/s, isometric), each the scanner screen
exported as a figure (white margin, grey panels, text header), with three observers'
workbooks. Three of the five clips are not in the corpus, nor are these figures: they are read
from a checkout of github.com/timvanderzee/ultrasound-automated-algorithm (CC BY 4.0, Drazan,
Hullfish and Baxter's data) named by ``TIMTRACK_REPO``; without it nothing is measured.

``python -m benchmarks.dataset3_figures [REPO]`` prints the RMSE per clip and over all."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import cv2
import numpy as np

from annotator.dynamics.architecture import analyse_image
from benchmarks.observers import read_xlsx

SUBDIR = Path("Example images") / "raw" / "TimTrack paper" / "dataset 3"


def observers(folder: Path) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(sheet, image name) -> each observer's (pennation deg, thickness px): alpha - beta and
    height x cos(beta), as the paper defines them."""
    out: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for book in sorted(folder.glob("dataset3_for_manual_estimation_obs*.xlsx")):
        for sheet, rows in read_xlsx(book).items():
            for row in rows[1:]:
                name = (row.get("A") or "").strip()
                if not name or not row.get("B"):
                    continue
                alpha, beta, height = float(row["B"]), float(row["C"]), float(row["D"])
                out.setdefault((sheet, name), []).append((abs(alpha - beta), height * math.cos(math.radians(beta))))
    return out


def measure(repo: Path) -> dict[str, dict[str, float]]:
    """Per clip and "all": pennation RMSE (deg, to the superficial aponeurosis, as observed),
    its bias, thickness RMSE (%), images measured and images at confidence >= 0.5."""
    folder = repo / SUBDIR
    seen = observers(folder)
    errors: dict[str, list[tuple[float, float, bool]]] = {}
    for path in sorted(folder.glob("*/*.jpg")):
        sheet, name = path.stem[: path.stem.index("_push")], path.stem[path.stem.index("push"):]
        obs = seen.get((sheet, name))
        grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if not obs or grey is None:
            continue
        est = analyse_image(grey, mm_per_px=None)
        if est.fascicle_angle_deg is None or est.superficial_angle_deg is None or est.thickness is None:
            continue
        pen, thick = np.mean([o[0] for o in obs]), np.mean([o[1] for o in obs])
        err = (abs(est.fascicle_angle_deg - est.superficial_angle_deg) - float(pen),
               100.0 * (est.thickness - float(thick)) / float(thick), est.confidence >= 0.5)
        errors.setdefault(path.parent.name, []).append(err)
        errors.setdefault("all", []).append(err)
    return {clip: {"pennation_rmse": float(np.sqrt(np.mean([e[0] ** 2 for e in errs]))),
                   "pennation_bias": float(np.mean([e[0] for e in errs])),
                   "thickness_rmse": float(np.sqrt(np.mean([e[1] ** 2 for e in errs]))),
                   "measured": float(len(errs)), "confident": float(sum(e[2] for e in errs))}
            for clip, errs in errors.items()}


def report(repo: Path | None, pennation_target: float, thickness_target: float) -> None:
    if repo is None or not (repo / SUBDIR).is_dir():
        print("data set 3 figures (TimTrack repository): not measured; set TIMTRACK_REPO to a checkout of "
              "github.com/timvanderzee/ultrasound-automated-algorithm")
        return
    results = measure(repo)
    for clip in sorted(results, key=lambda c: (c == "all", c)):
        r = results[clip]
        verdict = "met" if r["pennation_rmse"] <= pennation_target and r["thickness_rmse"] <= thickness_target else "NOT met"
        print(f"  data set 3 figures, {clip}: {r['measured']:.0f} images ({r['confident']:.0f} at confidence >= 0.5); "
              f"pennation RMSE {r['pennation_rmse']:.2f} deg (bias {r['pennation_bias']:+.2f}), thickness RMSE "
              f"{r['thickness_rmse']:.1f} % (targets {pennation_target} deg, {thickness_target} %: {verdict})")


def main(argv: list[str]) -> int:
    repo = Path(argv[0]) if argv else (Path(os.environ["TIMTRACK_REPO"]) if os.environ.get("TIMTRACK_REPO") else None)
    report(repo, 2.0, 3.0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
