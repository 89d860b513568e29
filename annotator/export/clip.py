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
from PySide6.QtGui import QColor, QImage, QPainter

from annotator.export.context import ExportContext
from annotator.export.encoder import GIF_MIN_DELAY_MS, ThreadedEncoder, VideoEncoder, even
from annotator.export.imaging_area import Rect
from annotator.export.output import ExportError
from annotator.render import ImageTransform, RenderOptions, paint_scene, source_rect, true_size

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
    w_true, h_true = true_size(w, h, aspect)
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
    crop, width, height = clip_geometry(ctx, spec, kind)
    times = media.frame_times_ms
    min_delay = GIF_MIN_DELAY_MS if kind == "gif" else 0.0
    indices = output_frames(times, spec.first, spec.last, spec.speed, min_delay)
    span_ms = (times[indices[-1]] - times[indices[0]]) / spec.speed if len(indices) > 1 else 0.0
    fps = (len(indices) - 1) * 1000.0 / span_ms if span_ms > 0 else 30.0

    samples = []
    if kind == "gif":  # the palette comes from painted frames, overlays included
        sampler = ClipPainter(ctx, spec, crop, width, height, buffers=1)
        samples = [sampler.paint(i).copy() for i in _palette_frames(ctx, spec, indices)]
    encoder = ThreadedEncoder(VideoEncoder(path, width, height, kind, fps, samples))
    # a ring of buffers, each free again before it comes round: no copy per frame
    painter = ClipPainter(ctx, spec, crop, width, height, buffers=encoder.depth + 3)
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


def clip_geometry(ctx: ExportContext, spec: ClipSpec, kind: str) -> tuple[Rect, int, int]:
    """The crop a clip export keeps and its output width and height (``kind`` "mp4" or
    "gif"): the crop's pixels at their true shape, scaled down to the width limit."""
    crop = ctx.area(spec.media, spec.first).rect
    max_width = spec.max_width or (GIF_DEFAULT_MAX_WIDTH if kind == "gif" else None)
    width, height = output_size(crop, max_width, ctx.pixel_aspect(spec.media, spec.first))
    return crop, width, height


class ClipPainter:
    """Paints a clip's frames as the export writes them: the crop filling the whole output
    frame (``ImageTransform.onto``, so even-size rounding stretches, never shifts), into reused
    BGRA buffers (QImages RGB32 over numpy) taken in turn from a ring of ``buffers``. The
    export dialog's preview and the slides' posters are painted by it too."""

    def __init__(self, ctx: ExportContext, spec: ClipSpec, crop: Rect, width: int, height: int,
                 buffers: int = 1) -> None:
        self.ctx, self.spec = ctx, spec
        self.width, self.height = width, height
        self.source = source_rect(crop)
        self.transform = ImageTransform.onto(crop, QRectF(0, 0, width, height)).to_device()
        self.buffers = [np.zeros((height, width, 4), dtype=np.uint8) for _ in range(buffers)]
        self.images = [QImage(b.data, width, height, 4 * width, QImage.Format.Format_RGB32) for b in self.buffers]
        self.turn = 0
        self.options = RenderOptions(
            timestamp=spec.timestamp, scale_bar=ctx.options.scale_bar,
            symbol_scale=clip_symbol_scale(width, height),
        )
        self.annotations = ctx.annotations_of(spec.media)

    @classmethod
    def for_spec(cls, ctx: ExportContext, spec: ClipSpec, kind: str) -> ClipPainter:
        crop, width, height = clip_geometry(ctx, spec, kind)
        return cls(ctx, spec, crop, width, height)

    def _paint(self, painter: QPainter, index: int) -> None:
        scene = self.ctx.scene(self.spec.media, index, self.annotations)
        paint_scene(painter, scene, self.transform, self.options, self.source)

    def paint(self, index: int) -> np.ndarray:
        """Frame ``index`` as the encoder gets it: the next buffer of the ring."""
        slot = self.turn % len(self.buffers)
        self.turn += 1
        image = self.images[slot]
        image.fill(QColor(0, 0, 0))
        painter = QPainter(image)
        try:
            self._paint(painter, index)
        finally:
            painter.end()
        return self.buffers[slot]

    def picture(self, index: int, magnify: float = 1.0) -> QImage:
        """Frame ``index`` as a new QImage, ``magnify`` times the output size, overlays and
        all, as a player showing the clip larger (or smaller) would."""
        image = QImage(max(1, round(self.width * magnify)), max(1, round(self.height * magnify)),
                       QImage.Format.Format_RGB32)
        image.fill(QColor(0, 0, 0))
        painter = QPainter(image)
        try:
            painter.scale(image.width() / self.width, image.height() / self.height)
            self._paint(painter, index)
        finally:
            painter.end()
        return image
