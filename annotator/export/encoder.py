"""Video encoders for clips: H.264 MP4 that PowerPoint, Keynote and browsers play, and GIF.

Frames arrive one at a time with their presentation time and are encoded on the fly on a
worker thread (a short bounded queue), so an export never holds the whole clip in memory and
painting the next frame overlaps with encoding the last.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

MP4_TIME_BASE = Fraction(1, 90000)
GIF_TIME_BASE = Fraction(1, 100)  # GIF delays are in centiseconds
#: browsers show GIF delays under 2 cs as 10 cs, so a GIF never goes faster than 50 frames/s
GIF_MIN_DELAY_MS = 20.0
X264_OPTIONS = {"crf": "18", "preset": "fast", "profile": "high", "tune": "film"}


def even(n: int) -> int:
    """H.264 in yuv420p needs even dimensions."""
    return max(2, n - (n % 2))


class VideoEncoder:
    """Writes frames (RGB (h, w, 3) or BGRA (h, w, 4) uint8) at given times to an MP4 or GIF."""

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        kind: str,
        nominal_fps: float,
        palette_samples: Sequence[np.ndarray] = (),
        x264_options: dict[str, str] | None = None,
    ) -> None:
        if kind not in ("mp4", "gif"):
            raise ValueError(f"unknown clip kind {kind!r}")
        self.kind = kind
        self.width, self.height = width, height
        if kind == "mp4" and (width % 2 or height % 2):
            raise ValueError("H.264 yuv420p needs even width and height")
        options = {"movflags": "+faststart"} if kind == "mp4" else {"loop": "0"}
        self._container = av.open(str(path), "w", format=kind, options=options)
        rate = Fraction(nominal_fps).limit_denominator(1001) if nominal_fps > 0 else Fraction(30)
        self._time_base = MP4_TIME_BASE if kind == "mp4" else GIF_TIME_BASE
        if kind == "mp4":
            stream = self._container.add_stream("libx264", rate=rate)
            stream.pix_fmt = "yuv420p"
            stream.options = dict(X264_OPTIONS if x264_options is None else x264_options)
            stream.codec_context.thread_type = "FRAME"  # as the ffmpeg command does: x264 frame threads
            # Full-range RGB sources, but players expect limited-range BT.709 tagged H.264.
            stream.codec_context.color_range = 1  # MPEG (limited)
        else:
            stream = self._container.add_stream("gif", rate=rate)
            stream.pix_fmt = "pal8"
            self._palette = _Palette(palette_samples)
        stream.width, stream.height = width, height
        stream.time_base = self._time_base
        stream.codec_context.time_base = self._time_base
        self._stream: Any = stream
        self._last_pts = -1
        self.frames_written = 0

    def add(self, pixels: np.ndarray, time_ms: float) -> None:
        pts = max(int(round(time_ms / 1000.0 / self._time_base)), self._last_pts + 1)
        self._last_pts = pts
        if self.kind == "gif":
            frame = self._palette.frame(pixels)
        else:
            fmt = "bgra" if pixels.shape[2] == 4 else "rgb24"
            frame = av.VideoFrame.from_ndarray(pixels, format=fmt)
        frame.pts = pts
        frame.time_base = self._time_base
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def close(self) -> None:
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        finally:
            self._container.close()

    def abort(self) -> None:
        self._container.close()


class _Palette:
    """One palette for the whole GIF, so colours do not flicker: a grey ramp for the ultrasound
    and the overlays' own colours (taken from sample frames), which a plain median cut would
    merge into grey since they cover few pixels."""

    def __init__(self, samples: Sequence[np.ndarray], colour_slots: int = 48) -> None:
        if not samples:
            raise ValueError("a GIF palette needs at least one sample frame")
        pixels = np.concatenate([_rgb(s).reshape(-1, 3) for s in samples])
        spread = pixels.max(axis=1).astype(np.int16) - pixels.min(axis=1)
        colourful = np.unique(pixels[spread > 40], axis=0)
        colours = np.zeros((0, 3), dtype=np.uint8)
        if len(colourful):
            strip = Image.fromarray(colourful[None, :, :])
            count = min(colour_slots, len(colourful))
            quantized = strip.quantize(colors=count, method=Image.Quantize.MEDIANCUT)
            colours = np.array((quantized.getpalette() or [])[: 3 * count], dtype=np.uint8).reshape(-1, 3)
        greys = np.linspace(0, 255, 256 - len(colours)).round().astype(np.uint8)
        rgb = np.vstack([np.repeat(greys[:, None], 3, axis=1), colours])
        self._image = Image.new("P", (1, 1))
        self._image.putpalette(rgb.reshape(-1).tolist())
        argb = np.empty((256, 4), dtype=np.uint8)
        argb[:, 0] = 255
        argb[:, 1:] = rgb
        self._argb = argb

    def frame(self, pixels: np.ndarray) -> av.VideoFrame:
        image = Image.fromarray(np.ascontiguousarray(_rgb(pixels)))
        indices = np.asarray(image.quantize(palette=self._image, dither=Image.Dither.NONE))
        pal8: Any = (np.ascontiguousarray(indices), self._argb)  # PyAV takes (indices, palette) for pal8
        return av.VideoFrame.from_ndarray(pal8, format="pal8")


def _rgb(pixels: np.ndarray) -> np.ndarray:
    if pixels.shape[2] == 4:  # BGRA (a QImage RGB32 in memory)
        return pixels[..., 2::-1]
    return pixels


_DONE = object()


class ThreadedEncoder:
    """Runs a ``VideoEncoder`` on a worker thread behind a bounded queue (a few frames).

    ``add`` copies the pixels unless the caller promises (``owned=True``) not to touch them
    until ``depth + 2`` more frames have been added (a ring of buffers)."""

    def __init__(self, encoder: VideoEncoder, depth: int = 8) -> None:
        self.depth = depth
        self.encoder = encoder
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="clip-encoder", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is not None:
                continue  # drain after a failure so the producer never blocks
            try:
                self.encoder.add(*item)
            except BaseException as exc:  # reported to the producer thread
                self._error = exc

    def add(self, pixels: np.ndarray, time_ms: float, owned: bool = False) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((pixels if owned else np.array(pixels, copy=True), time_ms))

    def close(self) -> None:
        self._queue.put(_DONE)
        self._thread.join()
        if self._error is not None:
            self.encoder.abort()
            raise self._error
        self.encoder.close()

    def abort(self) -> None:
        self._queue.put(_DONE)
        self._thread.join()
        self.encoder.abort()
