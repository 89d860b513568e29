"""Export benchmark: an annotated clip vs the bare encode of the same frames.

Generates (in memory, at run time) a 240-frame 1024x768 ultrasound-like clip with 20 tracked
annotations, exports it through ``annotator.export.clip.write_clip`` (read-ahead, the one
renderer, the encoder thread) and encodes the same raw frames with the same encoder settings
(``VideoEncoder`` alone). Prints both times and their ratio; the target is <= 2x. Each side
runs twice and the faster run counts, since the machine is shared and noisy.

The generated clip is the harder case for that ratio: x264 predicts rigidly drifting speckle
almost perfectly (about 0.9 MB for its 240 frames), and what it must then code is the
overlays on it (about 13 MB with 20 annotations, most of it the labels: text on translucent
boxes over moving speckle). Most of the added time is the encoder's, not the painting's
(painting 20 annotations alone takes about 9 ms a frame). So the same measurement also runs on
a real clip (the corpus's passive range-of-motion MP4, its first 240 frames) when the corpus is
present.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.observer_clips import CLIPS

FRAMES, WIDTH, HEIGHT = 240, 1024, 768
#: (name, annotations): a typical teaching clip, and the playback benchmark's 20
SCENARIOS = (("5 tracked annotations", 5), ("20 tracked annotations", 20))
TARGET_RATIO = 2.0
RUNS = 2
REAL_CLIP = CLIPS / "p6_passive_ROM_01_push_01.mp4"


def speckle_clip() -> np.ndarray:
    """Grey speckle drifting 2 px a frame, as a probe sliding along a muscle."""
    rng = np.random.default_rng(7)
    tall = (rng.gamma(2.0, 38.0, size=(HEIGHT + 2 * FRAMES, WIDTH)).clip(0, 255)).astype(np.uint8)
    frames = np.empty((FRAMES, HEIGHT, WIDTH, 3), dtype=np.uint8)
    for i in range(FRAMES):
        frames[i] = tall[2 * i : 2 * i + HEIGHT, :, None]
    return frames


def build_document(frames: np.ndarray, count: int):  # type: ignore[no-untyped-def]
    from annotator.case.document import CaseDocument
    from annotator.case.model import Annotation, MediaRef
    from annotator.media.base import ArrayMedia
    from annotator.media.calibration import UNIT_CM, Region

    n, height, width = frames.shape[:3]
    sy = height / HEIGHT  # rows of annotations spread over the frame's height
    region = Region(0, 0, width - 1, height - 1, UNIT_CM, UNIT_CM, 0.008, 0.008)
    times = np.arange(n) * (1000.0 / 30.0)
    doc = CaseDocument.new("export benchmark")
    doc.case.media.append(MediaRef("m1", "bench.dcm"))
    doc.set_media("m1", ArrayMedia(frames, times, regions=[region], kind="dicom"))
    kinds = ("line", "polygon", "ellipse", "angle", "arrow")
    for k in range(count):
        kind = kinds[k % len(kinds)]
        x, y = 80 + (k % 5) * 180, (90 + (k // 5) * 160) * sy
        points = {
            "line": [(x, y), (x + 120, y + 30)],
            "polygon": [(x, y), (x + 90, y + 10), (x + 80, y + 80), (x + 10, y + 70)],
            "ellipse": [(x + 50, y + 40), (x + 100, y + 40), (x + 50, y + 70)],
            "angle": [(x + 100, y), (x, y + 60), (x + 110, y + 80)],
            "arrow": [(x, y + 80), (x + 70, y + 10)],
        }[kind]
        ann = Annotation.single(f"a{k}", "m1", kind, 0, points, label=f"{kind} {k}")
        ann.frame_end = n - 1
        ann.keyframes[n - 1] = [(px + 15, py + 10) for px, py in points]  # moves: tracked
        doc.case.annotations.append(ann)
    return doc


def time_export(frames: np.ndarray, folder: Path, count: int) -> float:
    from annotator.export.clip import write_clip
    from annotator.export.context import ExportContext

    doc = build_document(frames, count)
    start = time.perf_counter()
    write_clip(ExportContext(doc), folder / "export.mp4", "mp4")
    elapsed = time.perf_counter() - start
    doc.close()
    return elapsed


def time_bare_encode(frames: np.ndarray, folder: Path) -> float:
    """The same encoder, settings and encoder thread, fed the raw frames."""
    from annotator.export.encoder import ThreadedEncoder, VideoEncoder

    start = time.perf_counter()
    encoder = ThreadedEncoder(VideoEncoder(folder / "bare.mp4", frames.shape[2], frames.shape[1], "mp4", 30.0))
    for i in range(len(frames)):
        encoder.add(frames[i], i * 1000.0 / 30.0, owned=True)
    encoder.close()
    return time.perf_counter() - start


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication(["bench_export"])
    frames = speckle_clip()
    print(f"clip: {FRAMES} frames of {WIDTH}x{HEIGHT}, H.264 yuv420p, labels and values on every shape")
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        folder = Path(tmp)
        time_export(frames, folder, 1)  # warm-up: imports and fonts
        _compare(frames, folder, SCENARIOS)
        real = real_clip()
        if real is None:
            print(f"real clip not found at {REAL_CLIP}: the export on a real clip not measured")
        else:
            print(f"real clip: {REAL_CLIP.name}, its first {len(real)} frames of {real.shape[2]}x{real.shape[1]}")
            _compare(real, folder, SCENARIOS[-1:])
    return 0


def _compare(frames: np.ndarray, folder: Path, scenarios: tuple[tuple[str, int], ...]) -> None:
    n = len(frames)
    bare = min(time_bare_encode(frames, folder) for _ in range(RUNS))
    print(f"bare encode of the raw frames:  {bare:6.2f} s ({n / bare:5.1f} frames/s)")
    for name, count in scenarios:
        export = min(time_export(frames, folder, count) for _ in range(RUNS))
        ratio = export / bare
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        print(f"export with {name}: {export:6.2f} s ({n / export:5.1f} frames/s), "
              f"ratio {ratio:.2f} (target <= {TARGET_RATIO:.1f}): {verdict}")


def real_clip() -> np.ndarray | None:
    """The first ``FRAMES`` frames of the corpus's passive range-of-motion clip (RGB), or None."""
    if not REAL_CLIP.is_file():
        return None
    from annotator.media import open_media

    with open_media(REAL_CLIP) as media:
        media.wait_ready(120)
        return np.stack([media.frame(i) for i in range(min(FRAMES, media.frame_count))])


if __name__ == "__main__":
    sys.exit(main())
