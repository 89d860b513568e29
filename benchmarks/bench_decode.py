"""Decode benchmark: the DICOM engine against libjpeg-turbo's limit and pydicom, in one run.

Generates (in a temporary folder, never committed) a 1024x768, 240-frame JPEG Baseline
YBR_FULL_422 multi-frame ultrasound-like DICOM, then measures:

- the libjpeg-turbo limit: ``cv2.imdecode`` straight on the raw fragments, in memory;
- the engine's sequential ``frame()`` throughput, timed frame by frame interleaved with the
  limit so load from other processes hits both alike (ratio: median of the passes), and
  playback through its two read-ahead workers;
- pydicom's ``pixel_array`` of the whole clip (time and frames per second);
- the time to the first frame (open + ``frame(0)``) against that full pydicom decode;
- peak RSS while reading every frame, in a fresh subprocess (``VmHWM``) so this process's
  allocations do not count.

Targets: engine >= 0.8x the limit, first frame >= 50x faster than a full pydicom decode,
peak RSS <= 430 MB.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from benchmarks.jpeg_dicom import encode_jpeg_frames, speckle_frames, write_jpeg_dicom

WIDTH, HEIGHT, FRAMES = 1024, 768, 240
FRAME_TIME_MS = 1000.0 / 30.0
TARGET_ENGINE_RATIO = 0.8
TARGET_FIRST_FRAME_RATIO = 50.0
TARGET_PEAK_RSS_MB = 430.0
PASSES = 5
READ_AHEAD = 8

_RSS_CHILD = """
import sys
from annotator.media.dicom import DicomMedia
media = DicomMedia(sys.argv[1])
for i in range(media.frame_count):
    media.frame(i)
status = open("/proc/self/status").read()
print(int(status.split("VmHWM:")[1].split()[0]) / 1024.0)
"""


def _pydicom_jpeg_plugins() -> tuple[list[str], str]:
    from pydicom.pixels import get_decoder
    from pydicom.uid import JPEGBaseline8Bit

    decoder = get_decoder(JPEGBaseline8Bit)
    available = list(getattr(decoder, "_available", {}) or decoder.available_plugins)
    return available, (available[0] if available else "none")


def _time(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    from annotator.media.dicom import DicomMedia

    with tempfile.TemporaryDirectory(prefix="bench-decode-") as tmp:
        path = Path(tmp) / "clip.dcm"
        started = time.perf_counter()
        jpeg_frames = encode_jpeg_frames(speckle_frames(FRAMES, WIDTH, HEIGHT))
        write_jpeg_dicom(path, jpeg_frames, WIDTH, HEIGHT, FRAME_TIME_MS)
        print(
            f"clip: {WIDTH}x{HEIGHT}, {FRAMES} frames, JPEG Baseline YBR_FULL_422, "
            f"{path.stat().st_size / 1e6:.1f} MB (generated in {time.perf_counter() - started:.1f} s)"
        )
        plugins, default = _pydicom_jpeg_plugins()
        print(f"pydicom JPEG Baseline decoders available: {', '.join(plugins) or 'none'} (used: {default})")

        def interleaved_pass() -> tuple[float, float]:
            # Frame by frame, the limit then the engine, so load from other processes on a
            # shared machine hits both alike; the engine still reads its clip in order.
            limit_s = engine_s = 0.0
            with DicomMedia(path) as media:
                for i, data in enumerate(jpeg_frames):
                    t0 = time.perf_counter()
                    cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
                    t1 = time.perf_counter()
                    media.frame(i)
                    t2 = time.perf_counter()
                    limit_s += t1 - t0
                    engine_s += t2 - t1
            return limit_s, engine_s

        def engine_read_ahead() -> None:
            # As playback does: keep a few frames queued on the workers, take them in order.
            with DicomMedia(path) as media:
                for i in range(media.frame_count):
                    media.prefetch(range(i + 1, min(i + 1 + READ_AHEAD, media.frame_count)))
                    media.frame(i)

        passes = [interleaved_pass() for _ in range(PASSES)]
        ratio = float(np.median([limit / engine for limit, engine in passes]))
        limit_s = min(limit for limit, _ in passes)
        engine_s = min(engine for _, engine in passes)
        parallel_s = min(_time(engine_read_ahead) for _ in range(PASSES))
        limit_fps, engine_fps = FRAMES / limit_s, FRAMES / engine_s
        print(f"libjpeg-turbo limit (cv2.imdecode on the raw fragments): {limit_fps:7.1f} fps")
        print(
            f"engine, sequential frame():                            {engine_fps:7.1f} fps = {ratio:.2f}x the limit "
            f"(median of {PASSES} passes; target >= {TARGET_ENGINE_RATIO}x) {_verdict(ratio >= TARGET_ENGINE_RATIO)}"
        )
        print(f"engine, playback with two read-ahead workers:         {FRAMES / parallel_s:7.1f} fps")

        import pydicom

        dataset = pydicom.dcmread(path)
        started = time.perf_counter()
        pixels = dataset.pixel_array
        pydicom_s = time.perf_counter() - started
        del pixels, dataset
        print(
            f"pydicom pixel_array, all frames:                       {FRAMES / pydicom_s:7.1f} fps "
            f"({pydicom_s:.2f} s); the engine is {pydicom_s / engine_s:.1f}x faster"
        )

        first_s = float("inf")
        for _ in range(PASSES):
            started = time.perf_counter()
            with DicomMedia(path) as media:
                media.frame(0)
            first_s = min(first_s, time.perf_counter() - started)
        first_ratio = pydicom_s / first_s
        print(
            f"time to first frame (open + frame(0)): {first_s * 1000:.1f} ms vs {pydicom_s:.2f} s for a full "
            f"pydicom decode = {first_ratio:.0f}x (target >= {TARGET_FIRST_FRAME_RATIO:.0f}x) "
            f"{_verdict(first_ratio >= TARGET_FIRST_FRAME_RATIO)}"
        )

        peak = _peak_rss_mb(path)
        decoded_mb = FRAMES * WIDTH * HEIGHT * 3 / 1e6
        if peak is None:
            print("peak RSS: not measured (no /proc/self/status on this system)")
        else:
            print(
                f"peak RSS reading every frame (fresh process): {peak:.0f} MB, for {decoded_mb:.0f} MB decoded "
                f"(target <= {TARGET_PEAK_RSS_MB:.0f} MB) {_verdict(peak <= TARGET_PEAK_RSS_MB)}"
            )
    return 0


def _peak_rss_mb(path: Path) -> float | None:
    if not Path("/proc/self/status").exists():
        return None
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD, str(path)],
        capture_output=True, text=True, cwd=root, check=False, timeout=600,
    )
    if result.returncode != 0:
        print(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "RSS child failed", file=sys.stderr)
        return None
    return float(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
