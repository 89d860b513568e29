"""Every real file through the Qt-free core, the way a user's first minutes go.

For each DICOM of pydicom-data and each file of ../shared/corpus (DICOM, MP4, GIF, stills):
open it, read the first, middle and last frames, run ``us-annotator info --json``, place a
caliper and a square trace in the middle of the first spatial region (the image centre when
uncalibrated) of a case, measure them, and on clips track the caliper over up to 30 frames and
build its measurement series. Each file's problems are collected, so one failure lists them all.

The expected millimetres come from the regions ``info --json`` reports (a second path to the
calibration): a horizontal caliper is its pixel length times the region's x scale, the square
its side squared times both scales; without a spatial region both stay in pixels.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from annotator.case.commands import AddAnnotation, AddMedia
from annotator.case.document import CaseDocument
from annotator.case.measure import Measurement
from annotator.case.model import Annotation, MediaRef
from annotator.cli import main as cli_main
from annotator.dynamics.series import measurement_series
from annotator.dynamics.tracking import track_annotation
from annotator.media import Media, MediaError, open_media

CORPUS_SUFFIXES = {".dcm", ".mp4", ".gif", ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}
TRACK_FRAMES = 30


def info_json(path: Path) -> tuple[int, dict[str, Any] | None, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli_main(["info", str(path), "--json"])
    return status, (json.loads(out.getvalue()) if status == 0 else None), err.getvalue()


def check_frames(media: Media, problems: list[str]) -> None:
    n = media.frame_count
    for i in sorted({0, n // 2, n - 1}):
        try:
            frame = media.frame(i)
        except MediaError as exc:
            problems.append(f"frame {i}: {exc}")
            continue
        if frame.shape != (media.height, media.width, 3) or frame.dtype != np.uint8:
            problems.append(f"frame {i} is {frame.shape} {frame.dtype}")
        if frame.flags.writeable:
            problems.append(f"frame {i} is writeable")
    times = np.asarray(media.frame_times_ms)
    if len(times) != n or times[0] != 0 or np.any(np.diff(times) <= 0):
        problems.append(f"frame times are not increasing from 0: {times[:4]}")
    if n > 1 and (media.fps is None or not 1.0 <= media.fps <= 1000.0):
        problems.append(f"a clip of {n} frames plays at {media.fps} fps")


def check_info(path: Path, media: Media, problems: list[str]) -> dict[str, Any] | None:
    status, info, err = info_json(path)
    if info is None:
        problems.append(f"info exit status {status}: {err.strip()}")
        return None
    if (info["frames"], info["width"], info["height"]) != (media.frame_count, media.width, media.height):
        problems.append(f"info says {info['frames']} frames {info['width']}x{info['height']}")
    for region in info["regions"]:
        for key in ("mm_per_px_x", "mm_per_px_y"):
            if not 0.001 <= region[key] <= 5.0:
                problems.append(f"region {region} has an absurd {key}")
    return info


def expect(m: Measurement, unit: str, value: float, what: str, problems: list[str]) -> None:
    if m.unit != unit or not math.isclose(m.value, value, rel_tol=1e-6):
        problems.append(f"{what}: {m.value:.4f} {m.unit} ({m.note}), expected {value:.4f} {unit}")


def check_case(media: Media, info: dict[str, Any], problems: list[str]) -> None:
    doc = CaseDocument.new("sweep")
    ref = MediaRef("m1", media.path.as_posix())
    AddMedia(ref).redo(doc.case)
    doc.set_media(ref.id, media)
    regions = info["regions"]
    if regions:
        r = regions[0]
        cx, cy = (r["x0"] + r["x1"]) / 2, (r["y0"] + r["y1"]) / 2
        half = max(2.0, min(r["x1"] - r["x0"], r["y1"] - r["y0"]) / 6)
    else:
        cx, cy = (media.width - 1) / 2, (media.height - 1) / 2
        half = max(2.0, min(media.width, media.height) / 6)
    caliper = Annotation.single("c1", ref.id, "line", 0, [(cx - half, cy), (cx + half, cy)])
    square = Annotation.single("p1", ref.id, "polygon", 0, [
        (cx - half, cy - half), (cx + half, cy - half), (cx + half, cy + half), (cx - half, cy + half)])
    for annotation in (caliper, square):
        AddAnnotation(annotation).redo(doc.case)
    length = next(m for m in doc.measure(caliper) if m.quantity == "length")
    measured = {m.quantity: m for m in doc.measure(square)}
    side = 2 * half
    if regions:
        mx, my = regions[0]["mm_per_px_x"], regions[0]["mm_per_px_y"]
        expect(length, "mm", side * mx, "caliper", problems)
        expect(measured["area"], "mm2", side * side * mx * my, "square", problems)
    else:
        expect(length, "px", side, "caliper", problems)
        expect(measured["area"], "px2", side * side, "square", problems)
    grey = measured.get("mean_intensity")
    if grey is None or not 0.0 <= grey.value <= 255.0:
        problems.append(f"square's mean grey level: {grey}")
    if media.frame_count > 1:
        check_tracking(doc, media, caliper, length.unit, problems)


def check_tracking(doc: CaseDocument, media: Media, caliper: Annotation, unit: str, problems: list[str]) -> None:
    end = min(TRACK_FRAMES, media.frame_count) - 1
    result = track_annotation(media, caliper, 0, end)
    if result.frames[0].points != caliper.points:
        problems.append("tracking did not start from the caliper's points")
    for tracked in result.frames:
        for x, y in tracked.points:
            if not (math.isfinite(x) and math.isfinite(y) and -0.5 <= x <= media.width - 0.5
                    and -0.5 <= y <= media.height - 0.5):
                problems.append(f"tracked point ({x}, {y}) on frame {tracked.frame} is off the image")
    if not result.tracked_any:
        return  # nothing to write (a caliper on black, say): the message says so
    result.to_command().redo(doc.case)
    series = measurement_series(doc, doc.case.annotation(caliper.id))
    values = series.values
    if series.unit != unit:
        problems.append(f"series in {series.unit}, the caliper in {unit}")
    if len(values) != result.last_frame + 1 or not np.all(np.isfinite(values)) or values.min() <= 0:
        problems.append(f"series values {values}")
    elif values.max() > 3 * values.min():
        problems.append(f"caliper length swings {values.min():.1f}..{values.max():.1f} {unit} in {end + 1} frames")
    series.with_suggested_rest_peak().caption()


def sweep(path: Path) -> list[str]:
    """What went wrong with one file (nothing for a file that is rightly not an image)."""
    problems: list[str] = []
    try:
        media = open_media(path)
    except MediaError as exc:
        return [] if path.name in str(exc) else [f"the error does not name the file: {exc}"]
    try:
        check_frames(media, problems)
        info = check_info(path, media, problems)
        if info is not None:
            check_case(media, info, problems)
    except Exception as exc:  # any crash is a finding; keep sweeping the other files
        problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        media.close()
    return problems


def sweep_all(paths: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # odd headers warn; what matters is what comes out
        for path in paths:
            problems = sweep(path)
            if problems:
                found[path.name] = problems
    return found


def test_every_pydicom_data_file(pydicom_data: Path) -> None:
    paths = sorted(pydicom_data.glob("*.dcm"))
    assert len(paths) >= 20
    assert sweep_all(paths) == {}


@pytest.mark.corpus
def test_every_corpus_file(corpus: Path) -> None:
    paths = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES)
    assert {p.suffix.lower() for p in paths} >= {".dcm", ".mp4", ".gif", ".png"}
    assert sweep_all(paths) == {}
