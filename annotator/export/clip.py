"""Annotated clips: MP4 (H.264, yuv420p, +faststart) and GIF, with overlays and a scale bar.

Frames are read in order through the media's read-ahead, painted by the one renderer into a
reused image and handed to the encoder thread as they come: no whole-clip buffering, and the
painting overlaps with the encoding (``benchmarks/bench_export.py`` measures the cost).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform

from annotator.export.context import ExportContext
from annotator.export.encoder import GIF_MIN_DELAY_MS, ThreadedEncoder, VideoEncoder, even
from annotator.export.imaging_area import Rect
from annotator.export.output import ExportError
from annotator.render import RenderOptions, paint_scene

READ_AHEAD = 8
GIF_DEFAULT_MAX_WIDTH = 640
Progress = Callable[[int, int], None]  # (frames done, frames in all)


@dataclass
class ClipSpec:
    media: str
    first: int
    last: int
    speed: float = 1.0
    timestamp: bool = False
    max_width: int | None = None

    def check(self, frame_count: int) -> None:
        if not (self.speed > 0 and np.isfinite(self.speed)):
            raise ExportError(f"speed must be a positive number, not {self.speed}")
        if not 0 <= self.first <= self.last < frame_count:
            raise ExportError(
                f"frame range {self.first}..{self.last} is outside the clip's frames 0..{frame_count - 1}"
            )


def default_clip_spec(ctx: ExportContext) -> ClipSpec:
    """The clip the user means: --media, else the first annotated clip, else the first clip."""
    opts = ctx.options
    if not ctx.case.media:
        raise ExportError("the case has no media to export")
    if opts.media is not None:
        media_id = ctx.media_ref(opts.media).id
    else:
        clips = [m.id for m in ctx.case.media if ctx.media(m.id).frame_count > 1]
        if not clips:
            raise ExportError("the case has no clip to export (only stills): export a figure instead")
        annotated = {a.media for a in ctx.case.annotations}
        media_id = next((c for c in clips if c in annotated), clips[0])
    count = ctx.media(media_id).frame_count
    first = 0 if opts.frame_from is None else opts.frame_from
    last = count - 1 if opts.frame_to is None else opts.frame_to
    spec = ClipSpec(media_id, first, last, opts.speed, opts.timestamp, opts.max_width)
    spec.check(count)
    return spec


def output_size(crop: Rect, max_width: int | None,
                aspect: tuple[float, float] = (1.0, 1.0)) -> tuple[int, int]:
    """Even (H.264 yuv420p) output width and height of the crop, each axis stretched by
    ``aspect`` (``ExportContext.pixel_aspect``) and the whole scaled down to ``max_width``."""
    _x, _y, w, h = crop
    w_true, h_true = w * aspect[0], h * aspect[1]
    scale = 1.0 if max_width is None or w_true <= max_width else max_width / w_true
    return even(round(w_true * scale)), even(round(h_true * scale))


def clip_symbol_scale(width: int, height: int) -> float:
    """Symbols as on a screen showing the clip at 1:1, a little larger for large frames."""
    return max(0.75, min(width, height) / 600.0)


def output_frames(times_ms: np.ndarray, first: int, last: int, speed: float, min_delay_ms: float) -> list[int]:
    """Frames first..last, thinned so that consecutive output frames are at least
    ``min_delay_ms`` apart after the speed change (GIF players cannot go faster)."""
    chosen: list[int] = []
    next_allowed = -np.inf
    for i in range(first, last + 1):
        t = (times_ms[i] - times_ms[first]) / speed
        if t + 1e-6 >= next_allowed:
            chosen.append(i)
            next_allowed = t + min_delay_ms
    return chosen


def write_clip(ctx: ExportContext, path: Path, kind: str, spec: ClipSpec | None = None,
               progress: Progress | None = None) -> ClipSpec:
    """Encode the annotated clip to ``path`` (``kind`` "mp4" or "gif")."""
    spec = spec or default_clip_spec(ctx)
    progress = progress or ctx.progress
    media = ctx.media(spec.media)
    spec.check(media.frame_count)
    area = ctx.area(spec.media, spec.first)
    max_width = spec.max_width or (GIF_DEFAULT_MAX_WIDTH if kind == "gif" else None)
    width, height = output_size(area.rect, max_width, ctx.pixel_aspect(spec.media, spec.first))
    times = media.frame_times_ms
    min_delay = GIF_MIN_DELAY_MS if kind == "gif" else 0.0
    indices = output_frames(times, spec.first, spec.last, spec.speed, min_delay)
    span_ms = (times[indices[-1]] - times[indices[0]]) / spec.speed if len(indices) > 1 else 0.0
    fps = (len(indices) - 1) * 1000.0 / span_ms if span_ms > 0 else 30.0

    samples = []
    if kind == "gif":  # the palette comes from painted frames, overlays included
        sampler = _FramePainter(ctx, spec, area.rect, width, height, buffers=1)
        samples = [sampler.paint(i).copy() for i in _palette_frames(ctx, spec, indices)]
    encoder = ThreadedEncoder(VideoEncoder(path, width, height, kind, fps, samples))
    # a ring of buffers, each free again before it comes round: no copy per frame
    painter = _FramePainter(ctx, spec, area.rect, width, height, buffers=encoder.depth + 3)
    try:
        for n, index in enumerate(indices):
            media.prefetch(indices[n + 1 : n + 1 + READ_AHEAD])
            encoder.add(painter.paint(index), (times[index] - times[indices[0]]) / spec.speed, owned=True)
            if progress is not None:
                progress(n + 1, len(indices))
    except BaseException:
        encoder.abort()
        raise
    encoder.close()
    return spec


def _palette_frames(ctx: ExportContext, spec: ClipSpec, indices: list[int], most: int = 4) -> list[int]:
    """The first frame and some frames with overlays (their colours must be in the palette)."""
    annotated = [i for i in indices if any(a.on_frame(i) for a in ctx.annotations_of(spec.media))]
    step = max(1, len(annotated) // (most - 1))
    return sorted({indices[0], *annotated[::step][: most - 1]})


class _FramePainter:
    """Paints one frame at a time into reused BGRA buffers (QImages RGB32 over numpy), taking
    them in turn from a ring of ``buffers``."""

    def __init__(self, ctx: ExportContext, spec: ClipSpec, crop: Rect, width: int, height: int,
                 buffers: int = 1) -> None:
        self.ctx, self.spec = ctx, spec
        x, y, w, h = crop
        self.source = QRectF(x - 0.5, y - 0.5, w, h)
        self.transform = QTransform().scale(width / w, height / h).translate(0.5 - x, 0.5 - y)
        self.buffers = [np.zeros((height, width, 4), dtype=np.uint8) for _ in range(buffers)]
        self.images = [QImage(b.data, width, height, 4 * width, QImage.Format.Format_RGB32) for b in self.buffers]
        self.turn = 0
        self.options = RenderOptions(
            timestamp=spec.timestamp, scale_bar=ctx.options.scale_bar,
            symbol_scale=clip_symbol_scale(width, height),
        )
        self.annotations = ctx.annotations_of(spec.media)

    def paint(self, index: int) -> np.ndarray:
        scene = self.ctx.scene(self.spec.media, index, self.annotations)
        slot = self.turn % len(self.buffers)
        self.turn += 1
        image = self.images[slot]
        image.fill(QColor(0, 0, 0))
        painter = QPainter(image)
        try:
            paint_scene(painter, scene, self.transform, self.options, self.source)
        finally:
            painter.end()
        return self.buffers[slot]
