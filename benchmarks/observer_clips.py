"""Clip mode against the observers: data set 2's two sequences (lateral gastrocnemius jumping,
23 frames 2 apart; range of motion, 33 frames 30 apart), each read in frame order as a clip
and measured as the ``architecture`` command measures a clip (``analyse_sequence``) and as the
app follows a thickness and a fascicle drawn on the first frame where the first frame's
detection puts them (``track_structures``). Every frame is compared with the observers' mean:
pennation (the fascicle's angle to the superficial aponeurosis, their alpha - beta) RMSE in
degrees, thickness RMSE in % of their mean, beside still mode (``analyse_image``) on the same
frames and the observers' own spread."""

from __future__ import annotations

import cv2
import numpy as np

from annotator.case import architecture_geometry as geometry
from annotator.dynamics.architecture import analyse_image, analyse_sequence, architecture_points
from annotator.dynamics.structure_tracking import tracker_for
from benchmarks.observers import ROOT, Observed, dataset_2

SEQUENCES = ("jumping", "range-of-motion")


def sequence(name: str) -> tuple[list[Observed], list[np.ndarray]]:
    """The observed frames of one data set 2 sequence, in frame order, with their images."""
    items = sorted((i for i in dataset_2() if i.image.parent.name == name), key=lambda i: i.image.name)
    images = [cv2.imread(str(i.image), cv2.IMREAD_GRAYSCALE) for i in items]
    return items, [np.asarray(g) for g in images if g is not None]


def _errors(items: list[Observed], pen: list[float | None], thick: list[float | None]) -> dict[str, float]:
    pe = np.array([p - abs(i.pennation) for i, p in zip(items, pen, strict=True) if p is not None])
    te = np.array([100.0 * (t - i.thickness_px) / i.thickness_px for i, t in zip(items, thick, strict=True)
                   if t is not None])
    rms = lambda v: float(np.sqrt(np.mean(v ** 2))) if len(v) else float("nan")  # noqa: E731
    return {"pennation_rmse": rms(pe), "pennation_bias": float(pe.mean()) if len(pe) else float("nan"),
            "thickness_rmse": rms(te), "thickness_bias": float(te.mean()) if len(te) else float("nan"),
            "found": float(min(len(pe), len(te)))}


def _superficial(est) -> float | None:  # type: ignore[no-untyped-def]
    if est.fascicle_angle_deg is None or est.superficial_angle_deg is None:
        return None
    return abs(est.fascicle_angle_deg - est.superficial_angle_deg)


def measure(name: str) -> dict[str, dict[str, float]]:
    """Errors against the observers' mean of still mode, clip mode and the drawn path."""
    items, grey = sequence(name)
    n = len(grey)
    stills = [analyse_image(g, mm_per_px=None) for g in grey]
    clip = analyse_sequence(grey.__getitem__, range(n), mm_per_px=None)
    out = {"still": _errors(items, [_superficial(e) for e in stills], [e.thickness for e in stills]),
           "clip": _errors(items, [_superficial(e) for e in clip], [e.thickness for e in clip])}
    out["clip"]["low"] = float(sum(1 for e in clip if e.confidence < 0.5))
    out["still"]["low"] = float(sum(1 for e in stills if e.confidence < 0.5))
    drawn = architecture_points(stills[0])
    if "fascicle" in drawn:
        t_pts, _ = tracker_for("thickness")(grey.__getitem__, "thickness", 0, drawn["thickness"], 0, n - 1)
        f_pts, f_conf = tracker_for("fascicle")(grey.__getitem__, "fascicle", 0, drawn["fascicle"], 0, n - 1)
        thick = [geometry.thickness(t_pts[k]) if k in t_pts else None for k in range(n)]
        pen = [geometry.acute_angle_deg(*f_pts[k][:4]) if k in f_pts else None for k in range(n)]
        out["drawn"] = _errors(items, pen, thick)
        out["drawn"]["low"] = float(sum(1 for c in f_conf.values() if c < 0.5))
    out["observers"] = {"spread_deg": float(np.mean([i.pennation_spread for i in items])),
                        "spread_pct": float(np.mean([i.thickness_spread_pct for i in items])), "frames": float(n)}
    return out


def report(targets: dict[str, float]) -> None:
    if not ROOT.is_dir():
        print(f"observer data not found at {ROOT}: clip mode against the observers not measured")
        return
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    print("clip mode against the observers (data set 2's sequences read as clips; pennation to the superficial "
          "aponeurosis, thickness between the inner edges):")
    for name in SEQUENCES:
        m = measure(name)
        obs = m["observers"]
        print(f"  {name}: {obs['frames']:.0f} frames; observers' spread {obs['spread_deg']:.2f} deg, {obs['spread_pct']:.1f} %")
        for mode, label in (("still", "still mode (each frame alone)"), ("clip", "clip (analyse_sequence)"),
                            ("drawn", "drawn on frame 0, followed")):
            if mode not in m:
                print(f"    {label}: not measured")
                continue
            e = m[mode]
            print(f"    {label}: pennation RMSE {e['pennation_rmse']:.2f} deg (bias {e['pennation_bias']:+.2f}; target <= "
                  f"{targets['pennation_rmse']}: {met(e['pennation_rmse'] <= targets['pennation_rmse'])}); thickness RMSE "
                  f"{e['thickness_rmse']:.1f} % (bias {e['thickness_bias']:+.1f}; target <= {targets['thickness_rmse_pct']} %: "
                  f"{met(e['thickness_rmse'] <= targets['thickness_rmse_pct'])}); {e['low']:.0f} frames below confidence 0.5")
