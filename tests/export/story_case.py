"""A case told as a clinician would: a rectus femoris tear seen on contraction, a normal median
nerve, an enlarged superior gluteal nerve (no reference value) and gluteus medius atrophy, with
title, history, impression, labelled media and a tracked gap whose rest and peak are known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from export_data import REGION, write_us_dicom

from annotator.case.io import save_case
from annotator.case.model import Annotation, AttributeValue, Case, Finding, MediaRef

FRAMES = 12  # 40 ms apart
#: the gap's caliper: x of its right end per keyframe (0.1 mm/px, left end at x = 100)
GAP_KEYS = {0: 150, 7: 210, 11: 160}  # 5.0 mm at rest (frame 0), 11.0 mm at peak (frame 7)
TITLE = "Missed rectus femoris tear shown by dynamic sonography"
HISTORY = "Footballer, 24, pain in the right thigh on kicking for three weeks; first scan at rest was normal."
IMPRESSION = "Tear of the central aponeurosis of the right rectus femoris, opening on contraction."
MEDIA_LABEL = "Longitudinal RF, rest and contraction"


def story_frames() -> np.ndarray:
    rng = np.random.default_rng(7)
    frames = rng.integers(40, 180, size=(FRAMES, 240, 320, 1), dtype=np.uint8).repeat(3, axis=3)
    x0, y0, x1, y1 = REGION
    frames[:, :, :x0] = 0
    frames[:, :, x1 + 1 :] = 0
    frames[:, y1 + 1 :] = 0
    frames[:, :y0] = 0
    return frames


def story_case(folder: Path) -> Path:
    """Writes the media and the case file; returns the case file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    write_us_dicom(folder / "rf.dcm", story_frames())
    case = Case(title=TITLE, history=HISTORY, impression=IMPRESSION, exam_date="2026-11-02")
    case.media.append(MediaRef("m1", "rf.dcm", label=MEDIA_LABEL, side="right", view="longitudinal"))
    gap = Annotation("a1", "m1", "line", 0, {f: [(100.0, 120.0), (float(x), 120.0)] for f, x in GAP_KEYS.items()},
                     frame_end=FRAMES - 1, label="gap", finding="f1")
    thickness = Annotation.single("a2", "m1", "line", 0, [(60, 60), (60, 177)], label="thickness", finding="f4")
    case.annotations += [gap, thickness]
    case.findings += [
        Finding("f1", "tear", "rectus femoris", "right", "central aponeurosis (rectus femoris)", {
            "thickness": AttributeValue("partial"),
            "gap": AttributeValue(annotation="a1", frame=0),
            "gap_contraction": AttributeValue(annotation="a1", frame=7),
        }, grade="BAMIC 2c"),
        Finding("f2", "nerve_enlargement", "median", "right", "carpal tunnel inlet",
                {"csa": AttributeValue(8.0, "mm2")}),
        Finding("f3", "nerve_enlargement", "superior gluteal", "left", "",
                {"csa": AttributeValue(12.0, "mm2"), "csa_other_side": AttributeValue(6.0, "mm2")}),
        Finding("f4", "atrophy", "gluteus medius", "left", "", {
            "thickness": AttributeValue(annotation="a2"), "thickness_other_side": AttributeValue(16.0, "mm"),
        }),
    ]
    return save_case(case, folder / "story.uscase.json")
