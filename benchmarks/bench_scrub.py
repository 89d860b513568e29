"""Scrubbing benchmark: random ``frame(i)`` on a prepared H.264 clip, and sequential decoding
against OpenCV's own, in one run.

Data: a 1,000-frame 1148x624 H.264 clip generated at run time (speckle with moving bands, a
keyframe every 250 frames, as scanner exports do), plus the corpus MP4 clips when
``../shared/corpus`` is present. For each clip:

- random access: 60 random frames with the cache cleared before each, first straight after
  opening (the baseline: every read decodes from the last keyframe), then after
  ``wait_ready()``; median and p95 in ms. Target: p95 <= 20 ms once prepared;
- memory: peak RSS (``VmHWM``) of a fresh subprocess that opens the clip, prepares it and reads
  every frame in random order. Target <= 500 MB;
- sequential: the engine's ``frame(0..n-1)`` against ``cv2.VideoCapture.read()`` on the same
  file, alternated over passes so load hits both alike; ratio of the medians (OpenCV time /
  engine time). A short clip gets more passes (at least ``SEQ_FRAMES`` frames a side): one
  pass of the 59-frame corpus clip lasts under 0.1 s, where a single scheduler hiccup on this
  shared machine moved the ratio by 0.2. Target >= 0.8x.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from annotator.media.video import VideoMedia

WIDTH, HEIGHT, FRAMES, GOP = 1148, 624, 1000, 250
TARGET_P95_MS = 20.0
TARGET_RSS_MB = 500.0
TARGET_SEQ_RATIO = 0.8
PASSES = 3
SEQ_FRAMES = 600  # frames read per side, at least, in the sequential comparison
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "joshrbaxter-ultrasound_tracking"

_RSS_CHILD = """
import sys
import numpy as np
from annotator.media.video import VideoMedia
with VideoMedia(sys.argv[1]) as media:
    media.wait_ready(timeout=600)
    for i in np.random.default_rng(0).permutation(media.frame_count):
        media.frame(int(i))
status = open("/proc/self/status").read()
print(int(status.split("VmHWM:")[1].split()[0]) / 1024.0)
"""


def _make_clip(path: Path) -> Path:
    rng = np.random.default_rng(5)
    speckle = rng.gamma(1.5, 40.0, (HEIGHT, WIDTH)).clip(0, 255).astype(np.uint8)
    rows = np.arange(HEIGHT)[:, None]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(61))
        assert isinstance(stream, av.video.stream.VideoStream)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = GOP
        stream.options = {"preset": "veryfast", "crf": "23"}
        for i in range(FRAMES):
            band = (np.abs(rows - (200 + 60 * np.sin(i / 40.0))) < 6) * 160
            grey = np.clip(np.roll(speckle, i % 17, axis=1) * 0.6 + band, 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(np.repeat(grey[..., None], 3, axis=2), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _random_access(media: VideoMedia, order: list[int]) -> tuple[float, float]:
    times = []
    for i in order:
        media._cache.clear()  # measure the reader, not the cache
        start = time.perf_counter()
        media.frame(i)
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times)), float(np.percentile(times, 95))


def _sequential_ratio(path: Path, frame_count: int) -> tuple[float, float, float]:
    def opencv() -> float:
        cap = cv2.VideoCapture(str(path))
        count, start = 0, time.perf_counter()
        while cap.read()[0]:
            count += 1
        cap.release()
        return (time.perf_counter() - start) / max(count, 1)

    def engine() -> float:
        with VideoMedia(path) as media:
            start = time.perf_counter()
            for i in range(media.frame_count):
                media.frame(i)
            return (time.perf_counter() - start) / media.frame_count

    passes = max(PASSES, -(-SEQ_FRAMES // max(frame_count, 1)))
    ours, theirs = [], []
    for _ in range(passes):
        theirs.append(opencv())
        ours.append(engine())
    o, t = float(np.median(ours)), float(np.median(theirs))
    return t / o, o * 1000.0, t * 1000.0


def _peak_rss_mb(path: Path) -> float:
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", _RSS_CHILD, str(path)], capture_output=True,
                         text=True, check=True, cwd=root)
    return float(out.stdout.strip().splitlines()[-1])


def _bench(path: Path, label: str) -> bool:
    with VideoMedia(path) as media:
        n = media.frame_count
        order = [int(i) for i in np.random.default_rng(2).permutation(n)[:60]]
        cold_med, cold_p95 = _random_access(media, order)
        start = time.perf_counter()
        ready = media.wait_ready(timeout=600)
        prep_s = time.perf_counter() - start
        warm_med, warm_p95 = _random_access(media, order)
    rss = _peak_rss_mb(path)
    ratio, ours_ms, cv_ms = _sequential_ratio(path, n)
    ok_p95, ok_rss, ok_seq = warm_p95 <= TARGET_P95_MS, rss <= TARGET_RSS_MB, ratio >= TARGET_SEQ_RATIO
    print(f"{label}: {n} frames {media.width}x{media.height}; prepared={ready} in {prep_s:.1f} s after the cold reads")
    print(f"  random frame(i), unprepared (baseline): median {cold_med:.1f} ms, p95 {cold_p95:.1f} ms")
    print(f"  random frame(i), prepared: median {warm_med:.2f} ms, p95 {warm_p95:.2f} ms "
          f"(target <= {TARGET_P95_MS:g} ms: {'met' if ok_p95 else 'NOT met'}; "
          f"{cold_p95 / max(warm_p95, 1e-6):.0f}x faster than unprepared)")
    print(f"  peak RSS preparing and reading every frame: {rss:.0f} MB "
          f"(target <= {TARGET_RSS_MB:g} MB: {'met' if ok_rss else 'NOT met'})")
    print(f"  sequential: engine {ours_ms:.2f} ms/frame, OpenCV {cv_ms:.2f} ms/frame, ratio {ratio:.2f}x "
          f"(target >= {TARGET_SEQ_RATIO}x: {'met' if ok_seq else 'NOT met'})")
    return ok_p95 and ok_rss and ok_seq


def main() -> int:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        print(f"generating a {FRAMES}-frame {WIDTH}x{HEIGHT} H.264 clip ...", flush=True)
        results.append(_bench(_make_clip(Path(tmp) / "scrub.mp4"), "generated"))
    if CORPUS.is_dir():
        for clip in sorted(CORPUS.glob("*.mp4")):
            results.append(_bench(clip, clip.name))
    else:
        print(f"corpus clips not found at {CORPUS}: generated clip only")
    print(f"scrub: {sum(results)} of {len(results)} clips meet every target")
    return 0  # figures are reported, met or not; the tests hold the pass/fail checks


if __name__ == "__main__":
    sys.exit(main())
