"""Thumbnails of the case's media, made on a worker thread so the window never waits.

A job reads the first annotated frame (or frame 0) of one media, paints it small with its
annotations through the one renderer, and reports the picture with what the browser lists:
kind, frame count, rate and calibration source. Media already opened by the document are used
as they are (their ``frame()`` is thread-safe); others are opened privately and closed again,
so the document itself is only ever touched on the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QPoint, QRunnable, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter

from annotator.case.model import Annotation, MediaRef
from annotator.case.redaction import Redaction
from annotator.media import Media, MediaError
from annotator.media.calibration import Calibration, ManualCalibration
from annotator.render import FrameScene, RenderOptions, pixel_aspect, render_scene, true_size

log = logging.getLogger(__name__)

THUMB_SIZE = (160, 120)
SOURCE_TEXT = {"us-region": "DICOM ultrasound region", "pixel-spacing": "DICOM pixel spacing",
               "manual": "manual"}


@dataclass(frozen=True)
class MediaInfo:
    kind: str
    frame_count: int
    fps: float | None
    width: int
    height: int
    calibration: str  # e.g. "DICOM ultrasound region, 0.100 mm/px" or "uncalibrated"
    file_format: str = ""  # e.g. "GIF", from the file name

    def describe(self) -> str:
        kind = {"dicom": "DICOM", "video": "video", "image": "image"}.get(self.kind, self.kind)
        if self.kind == "image" and self.frame_count > 1:  # an animated GIF or a TIFF stack
            kind = f"clip ({self.file_format})" if self.file_format else "clip"
        if self.frame_count > 1:
            rate = f", {self.fps:.0f} fps" if self.fps else ""
            frames = f"{self.frame_count} frames{rate}"
        else:
            frames = "still"
        return f"{kind} · {frames} · {self.width}x{self.height}\n{self.calibration}"


def calibration_text(calibration: Calibration, manual: ManualCalibration | None) -> str:
    spatial = calibration.spatial_regions
    if spatial:
        r = spatial[0]
        more = f" (+{len(spatial) - 1} more)" if len(spatial) > 1 else ""
        sx, sy = r.mm_per_px_x or 0.0, r.mm_per_px_y or 0.0
        size = f"{sx:.4g} mm/px" if abs(sx - sy) < 1e-9 else f"{sx:.4g} x {sy:.4g} mm/px"
        return f"{SOURCE_TEXT.get(r.source, r.source)}, {size}{more}"
    if manual is not None:
        return f"manual, {manual.mm_per_px:.4g} mm/px"
    return "uncalibrated (pixels)"


def thumbnail_frame(annotations: Sequence[Annotation], frame_count: int) -> int:
    """The frame that shows the media best: the first annotated one, else the first."""
    frames = [a.frame for a in annotations if 0 <= a.frame < frame_count]
    return min(frames) if frames else 0


def on_canvas(picture: QImage, size: tuple[int, int] = THUMB_SIZE) -> QImage:
    """The picture centred on a black canvas of ``size``: every icon of the case list then has
    the same shape as the placeholder it replaces, so the captions never move (a moving caption
    left stale copies of itself on screen)."""
    canvas = QImage(size[0], size[1], QImage.Format.Format_RGB32)
    canvas.fill(QColor(Qt.GlobalColor.black))
    painter = QPainter(canvas)
    try:
        painter.drawImage(QPoint((size[0] - picture.width()) // 2, (size[1] - picture.height()) // 2), picture)
    finally:
        painter.end()
    return canvas


def make_thumbnail(media: Media, ref: MediaRef, annotations: Sequence[Annotation],
                   redactions: Sequence[Redaction] = ()) -> tuple[QImage, MediaInfo]:
    frame = thumbnail_frame(annotations, media.frame_count)
    calibration = media.calibration_at(frame).with_manual(ref.calibration, media.width, media.height)
    image = np.asarray(media.frame(frame))
    boxes = [r.rect() for r in redactions if r.applies_to(ref.id, frame)]
    scene = FrameScene(image, frame, media.time_ms(frame), list(annotations), calibration, redactions=boxes)
    aspect = pixel_aspect(calibration, media.width, media.height)  # true shape, as in the viewer
    true_w, true_h = true_size(media.width, media.height, aspect)
    scale = min(THUMB_SIZE[0] / true_w, THUMB_SIZE[1] / true_h)
    options = RenderOptions(show_labels=False, show_values=False, scale_bar=False,
                            symbol_scale=max(0.5, 2.0 * scale))
    picture = render_scene(scene, options, scale=scale, pixel_aspect=aspect)
    info = MediaInfo(media.kind, media.frame_count, media.fps, media.width, media.height,
                     calibration_text(media.calibration_at(frame), ref.calibration),
                     Path(ref.path).suffix.lstrip(".").upper())
    return picture, info


class ThumbnailSignals(QObject):
    """Lives on the UI thread; jobs emit through it (queued across threads)."""

    done = Signal(str, int, object, object)  # media id, generation, QImage, MediaInfo
    failed = Signal(str, int, str)  # media id, generation, message


class ThumbnailJob(QRunnable):
    def __init__(self, signals: ThumbnailSignals, generation: int, ref: MediaRef, path: Path,
                 media: Media | None, opener: Callable[[Path], Media],
                 annotations: Sequence[Annotation], redactions: Sequence[Redaction] = ()) -> None:
        super().__init__()
        self.signals = signals  # a Python reference keeps it alive while the job runs
        self.generation = generation
        self.ref = ref
        self.path = path
        self.media = media
        self.opener = opener
        self.annotations = list(annotations)  # copies made on the UI thread
        self.redactions = list(redactions)  # frozen: shared safely

    def run(self) -> None:
        own: Media | None = None
        try:
            media = self.media
            if media is None:
                own = media = self.opener(self.path)
            picture, info = make_thumbnail(media, self.ref, self.annotations, self.redactions)
        except (MediaError, OSError, IndexError, ValueError) as exc:
            self.signals.failed.emit(self.ref.id, self.generation, str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            log.exception("thumbnail of %s failed", self.path)
            self.signals.failed.emit(self.ref.id, self.generation, f"{type(exc).__name__}: {exc}")
            return
        finally:
            if own is not None:
                own.close()
        self.signals.done.emit(self.ref.id, self.generation, picture, info)
