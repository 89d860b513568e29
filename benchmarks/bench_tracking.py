"""Tracking benchmark: a two-point caliper through a 1024x768 clip, against its baselines, in one run.

Generates a 1024x768 clip laid out as a scanner's screen (a header bar, black margins, a linear
probe's 640x672 image darkening with depth); the image is speckle whose two halves retract from
a central gap (a torn muscle opening, ``tests.synthetic.tear_clip``). Writes
it (in a temporary folder) as a scanner would, a JPEG Baseline YBR_FULL_422 multi-frame DICOM
with the image as its region calibrated at 0.1 mm/px (``benchmarks.jpeg_dicom``; about 180 kB
a frame, where real scanners' loops hold 40-100 kB), and as an MJPEG AVI, then measures:

- decode included, the target: ``track_annotation`` on the DICOM through ``open_media`` (a
  fresh media each pass, so every frame is decoded; the media's read-ahead decodes ahead of the
  tracker), against the bare pipeline on one thread: ``cv2.imdecode`` of each stored frame,
  grey conversion and ``cv2.calcOpticalFlowPyrLK`` on the two ends (no helpers, no
  forward-backward check, no read-ahead);
- in memory: ``track_annotation`` on an ``ArrayMedia`` (frame access and grey conversion
  included; no codec), against bare LK on grey frames converted beforehand;
- for information: ``track_annotation`` on the MJPEG AVI (PyAV's decoder, one thread).

Passes alternate each case with its baseline so load from other processes hits both alike; the
frame rates are the best of the passes (the median shown beside), the ratios the median. Also
prints the worst error of the tracked caliper length against the known gap. Target: >= 100
frames per second with decoding included (PASS/FAIL; exit status 1 on FAIL).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from benchmarks.jpeg_dicom import encode_jpeg_frames, write_jpeg_dicom

WIDTH, HEIGHT, FRAMES = 1024, 768, 150
FRAME_TIME_MS = 1000.0 / 30.0
MM_PER_PX = 0.1
TARGET_FPS = 100.0
PASSES = 5
VIDEO_PASSES = 2
STEPS = FRAMES - 1  # frame-to-frame steps a full track makes
IMAGE_BOX = (192, 64, 831, 735)  # the probe's image on the screen: x0, y0, x1, y1 (inclusive)


@dataclass
class Figure:
    """Seconds per pass of one case and of its baseline, measured alternately."""

    case_s: list[float] = field(default_factory=list)
    baseline_s: list[float] = field(default_factory=list)

    @property
    def best_fps(self) -> float:
        return STEPS / min(self.case_s)

    @property
    def median_fps(self) -> float:
        return STEPS / float(np.median(self.case_s))

    @property
    def baseline_fps(self) -> float:
        return STEPS / min(self.baseline_s)

    @property
    def ratio(self) -> float:
        """Case speed over baseline speed (above 1: faster than the bare pipeline)."""
        return float(np.median([b / c for b, c in zip(self.baseline_s, self.case_s, strict=True)]))


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def scanner_layout(frames: np.ndarray) -> np.ndarray:
    """RGB frames as a scanner shows them: only ``IMAGE_BOX`` is image, its echoes fading
    with depth (a fixed gain down the rows, so horizontal motion stays exact), a header bar."""
    x0, y0, x1, y1 = IMAGE_BOX
    gain = np.zeros(frames.shape[1:3], np.float32)
    gain[y0:y1 + 1, x0:x1 + 1] = np.linspace(1.0, 0.45, y1 - y0 + 1, dtype=np.float32)[:, None]
    grey = (frames[..., 0] * gain).astype(np.uint8)
    grey[:, 8:28, 20:400] = 200
    return np.repeat(grey[..., None], 3, axis=-1)


def bare_lk(greys: Sequence[np.ndarray], points: np.ndarray) -> None:
    """The least a tracker must do: one LK call per frame pair on the caliper's two ends."""
    p = points.astype(np.float32).reshape(-1, 1, 2)
    for prev, nxt in zip(greys[:-1], greys[1:], strict=True):
        moved, _status, _err = cv2.calcOpticalFlowPyrLK(prev, nxt, p, p.copy(), winSize=(21, 21), maxLevel=3)
        p = np.asarray(moved, dtype=np.float32)


def bare_decode_lk(jpeg_frames: Sequence[bytes], points: np.ndarray) -> None:
    """The bare decode-included pipeline on one thread: decode, to grey, LK, frame after frame."""
    p = points.astype(np.float32).reshape(-1, 1, 2)
    prev: np.ndarray | None = None
    for data in jpeg_frames:
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            raise RuntimeError("cv2.imdecode failed on a generated frame")
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        if prev is not None:
            moved, _status, _err = cv2.calcOpticalFlowPyrLK(prev, grey, p, p.copy(), winSize=(21, 21), maxLevel=3)
            p = np.asarray(moved, dtype=np.float32)
        prev = grey


def write_avi(path: Path, frames: np.ndarray) -> bool:
    fourcc = cv2.VideoWriter_fourcc(*"MJPG")  # type: ignore[attr-defined]
    writer = cv2.VideoWriter(str(path), fourcc, 1000.0 / FRAME_TIME_MS, (WIDTH, HEIGHT))
    if not writer.isOpened():
        return False
    for frame in frames:
        writer.write(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR))
    writer.release()
    return path.is_file() and path.stat().st_size > 0


def main() -> int:
    from annotator.case.model import Annotation
    from annotator.dynamics.tracking import TrackResult, track_annotation
    from annotator.media import ArrayMedia, open_media
    from annotator.media.calibration import UNIT_CM, Region
    from tests.synthetic import tear_clip

    started = time.perf_counter()
    retraction = 12.0 * (1 - np.cos(np.linspace(0, 2 * np.pi, FRAMES)))  # open and close again
    clip = tear_clip(WIDTH, HEIGHT, FRAMES, gap_px=60.0, retraction_px=retraction, mm_per_px=MM_PER_PX,
                     frame_time_ms=FRAME_TIME_MS)
    frames = scanner_layout(np.stack([clip.media.frame(i) for i in range(FRAMES)]))
    region = Region(*IMAGE_BOX, UNIT_CM, UNIT_CM, MM_PER_PX / 10.0, MM_PER_PX / 10.0)
    greys = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    jpeg_frames = encode_jpeg_frames(frames)
    ends = np.asarray(clip.truth[0])
    caliper = Annotation.single("a1", "m1", "line", 0, clip.truth[0])

    def worst_error_mm(result: TrackResult) -> float:
        if not result.complete:
            return float("inf")
        lengths = [float(np.linalg.norm(np.diff(np.asarray(result.points[f]), axis=0))) for f in range(FRAMES)]
        return max(abs(n - clip.gap_px(f)) * MM_PER_PX for f, n in enumerate(lengths))

    with tempfile.TemporaryDirectory(prefix="bench-tracking-") as tmp:
        dicom_path, avi_path = Path(tmp) / "tear.dcm", Path(tmp) / "tear.avi"
        write_jpeg_dicom(dicom_path, jpeg_frames, WIDTH, HEIGHT, FRAME_TIME_MS, IMAGE_BOX, MM_PER_PX)
        has_avi = write_avi(avi_path, frames)
        print(f"clip: {WIDTH}x{HEIGHT}, {FRAMES} frames, a gap in speckle opening by up to 24 px; "
              f"JPEG Baseline DICOM {dicom_path.stat().st_size / 1e6:.1f} MB "
              f"(generated in {time.perf_counter() - started:.1f} s)")

        def track_dicom() -> TrackResult:
            with open_media(dicom_path) as media:  # a fresh media: nothing decoded yet
                return track_annotation(media, caliper)

        def track_memory() -> TrackResult:  # a new cache each pass, so every frame is fetched
            with ArrayMedia(frames, clip.media.frame_times_ms, [region], kind="video") as media:
                return track_annotation(media, caliper)

        decoded, in_memory = Figure(), Figure()
        worst_dicom = worst_memory = 0.0
        for _ in range(PASSES):
            decoded.baseline_s.append(_timed(lambda: bare_decode_lk(jpeg_frames, ends)))
            result = track_dicom()
            decoded.case_s.append(result.elapsed_s)
            worst_dicom = max(worst_dicom, worst_error_mm(result))
            in_memory.baseline_s.append(_timed(lambda: bare_lk(greys, ends)))
            result = track_memory()
            in_memory.case_s.append(result.elapsed_s)
            worst_memory = max(worst_memory, worst_error_mm(result))

        ok = decoded.best_fps >= TARGET_FPS
        print(f"baseline, bare decode + grey + LK on one thread (JPEG DICOM frames): {decoded.baseline_fps:7.1f} fps")
        print(f"track_annotation, JPEG DICOM via open_media (decoding incl., read ahead): "
              f"{decoded.best_fps:7.1f} fps (median {decoded.median_fps:.1f}) = {decoded.ratio:.2f}x the "
              f"baseline; target >= {TARGET_FPS:.0f} fps {_verdict(ok)}")
        print(f"baseline, bare LK on grey frames in memory (2 points, no helpers):  {in_memory.baseline_fps:7.1f} fps")
        print(f"track_annotation, in-memory frames (grey conversion incl.):          "
              f"{in_memory.best_fps:7.1f} fps (median {in_memory.median_fps:.1f}) = {in_memory.ratio:.2f}x "
              f"the baseline (9 helpers per point, forward-backward, patch check)")
        print(f"caliper length vs the true gap, worst over {FRAMES} frames: {worst_memory:.3f} mm in memory, "
              f"{worst_dicom:.3f} mm from the JPEG DICOM")

        if not has_avi:
            print("MJPEG AVI: OpenCV cannot write one here; video line skipped")
        else:
            best = 0.0
            for _ in range(VIDEO_PASSES):
                with open_media(avi_path) as video:
                    best = max(best, track_annotation(video, caliper).frames_per_second)
            print(f"for information, MJPEG AVI via open_media (decoding incl., read ahead): {best:7.1f} fps")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
