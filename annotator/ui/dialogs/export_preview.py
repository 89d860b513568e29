"""The export dialog's live preview: drawn by the exporters' own code (``plan_figure`` and
``render_plan`` for figures, the clip exporter's ``ClipPainter`` for a clip's first frame) on a
worker thread, a short while after the last change, so typing and clicking stay responsive.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from annotator.case.document import CaseDocument
from annotator.export.clip import ClipPainter, default_clip_spec, output_frames
from annotator.export.context import ExportContext
from annotator.export.deid_report import deid_summary, text_warnings
from annotator.export.encoder import GIF_MIN_DELAY_MS
from annotator.export.figure import figure_spec_from_options, plan_figure, render_plan
from annotator.export.imaging_area import ImagingArea
from annotator.export.layout import MM_PER_INCH
from annotator.export.measurements import measurement_rows
from annotator.export.output import ExportError
from annotator.media.base import MediaError
from annotator.ui.dialogs.export_choices import VECTOR_SUFFIXES, ExportChoices
from annotator.ui.tasks import Task

DEBOUNCE_MS = 180


@dataclass
class PreviewJob:
    document: CaseDocument
    choices: ExportChoices
    found_areas: dict[str, ImagingArea]
    max_width: int = 900  # preview pixels


@dataclass
class PreviewResult:
    image: QImage | None
    summary: str
    caption: str | None = None  # the figure's caption as it will be exported (figures only)
    size: tuple[int, int] | None = None  # output pixels (figures and clips)
    warnings: list[str] = field(default_factory=list)


def _privacy(choices: ExportChoices) -> str:
    return "identifiers kept (not de-identified)" if choices.keep_identifiers else "de-identified"


def compute_preview(job: PreviewJob) -> PreviewResult:
    """What the export will look like (runs on a worker thread; ExportError when it cannot)."""
    choices = job.choices
    ctx = ExportContext(job.document, choices.to_options(), found_areas=job.found_areas)
    kind = choices.kind_choice
    if kind.figure:
        result = _figure_preview(ctx, choices, job.max_width)
    elif kind.clip:
        result = _clip_preview(ctx, choices, job.max_width)
    else:
        result = PreviewResult(None, _summary(ctx, choices))
    return with_deid_notes(ctx, choices, result)


def with_deid_notes(ctx: ExportContext, choices: ExportChoices, result: PreviewResult) -> PreviewResult:
    """The summary followed by what de-identification will check, and any burned-in text it
    cannot remove (as the CLI prints them)."""
    if not choices.keep_identifiers and choices.kind not in ("dicom-sr", "measurements"):
        result.warnings = [w.removeprefix("warning: ") for w in text_warnings(ctx)]
    lines = [f"\u26a0 {w}" for w in result.warnings]
    lines += [f"De-identification: {line}" for line in deid_summary(ctx, choices.kind.startswith("dicom"))]
    result.summary = "\n".join([result.summary, *lines])
    return result


def _figure_preview(ctx: ExportContext, choices: ExportChoices, max_width: int) -> PreviewResult:
    spec = figure_spec_from_options(ctx)
    # what each writer does: vectors always set the caption under the panels
    spec.show_caption = choices.suffix in VECTOR_SUFFIXES or choices.caption_in_figure
    plan = plan_figure(spec, ctx)
    scale = min(1.0, max_width / plan.width)
    image = render_plan(plan, ctx, scale)
    mm_w = plan.width / spec.dpi * MM_PER_INCH
    mm_h = plan.height / spec.dpi * MM_PER_INCH
    summary = (f"{plan.width} \u00d7 {plan.height} px: {mm_w:.0f} \u00d7 {mm_h:.0f} mm at {spec.dpi} dpi; "
               f"{len(plan.panels)} panel{'s' if len(plan.panels) != 1 else ''}; {_privacy(choices)}")
    return PreviewResult(image, summary, plan.caption, (plan.width, plan.height))


def _clip_preview(ctx: ExportContext, choices: ExportChoices, max_width: int) -> PreviewResult:
    spec = default_clip_spec(ctx)
    media = ctx.media(spec.media)
    gif = choices.suffix == ".gif"
    # the exporter's own painter, size and transform (true pixel shape included)
    frames = ClipPainter.for_spec(ctx, spec, "gif" if gif else "mp4")
    width, height = frames.width, frames.height
    # drawn at the preview's size: a small clip is enlarged, overlays and all, as a player would
    image = frames.picture(spec.first, min(4.0, max_width / width))
    times = media.frame_times_ms
    count = len(output_frames(times, spec.first, spec.last, spec.speed, GIF_MIN_DELAY_MS if gif else 0.0))
    seconds = (times[spec.last] - times[spec.first]) / 1000.0
    played = seconds / spec.speed
    summary = (f"{count} frames ({spec.first}\u2013{spec.last}), {played:.2f} s"
               + (f" ({seconds:.2f} s at {spec.speed:g}\u00d7)" if spec.speed != 1 else "")
               + f"; {width} \u00d7 {height} px; {_privacy(choices)}. Preview: the first frame.")
    return PreviewResult(image, summary, None, (width, height))


def _summary(ctx: ExportContext, choices: ExportChoices) -> str:
    """What a file without a single picture will hold."""
    case = ctx.case
    annotated = ctx.annotated_frames()
    clips = {a.media for a in case.annotations if ctx.media(a.media).frame_count > 1}
    rows = measurement_rows(ctx)
    kind = choices.kind
    if kind == "slides":
        text = (f"A title slide with the findings, {len(annotated)} figure slide(s) (one per annotated "
                f"frame) and {len(clips)} clip slide(s) with the video embedded; measurements in the "
                "speaker notes.")
    elif kind == "report":
        text = (f"Title, findings table ({len(case.findings)} finding(s)), figures of {len(annotated)} "
                f"annotated frame(s) with captions, and {len(rows)} measurement(s).")
    elif kind == "dicom-sr":
        text = (f"A TID 1500 measurement report of {len(rows)} measurement(s) in UCUM units, referencing "
                "the source images.")
    else:
        lines = [f"{r['label'] or r['kind']}: {r['quantity']} {r['display']} ({r['media']}, frame {r['frame']})"
                 for r in rows[:12]]
        more = [f"\u2026 and {len(rows) - 12} more"] if len(rows) > 12 else []
        text = f"{len(rows)} measurement row(s):\n" + "\n".join(lines + more)
    return f"{text}\n({_privacy(choices)})"


class PreviewScheduler(QObject):
    """Runs ``compute_preview`` on a worker a moment after the last ``request()``; one at a time,
    and a result that a newer request has overtaken is dropped."""

    ready = Signal(object)  # PreviewResult
    failed = Signal(str)

    def __init__(self, source: Callable[[], PreviewJob | None], parent: QObject | None = None,
                 delay_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self._source = source
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._start)
        self._task: Task | None = None
        self._pending = False

    def request(self) -> None:
        self._timer.start()

    @property
    def busy(self) -> bool:
        return self._task is not None or self._timer.isActive()

    def _overtaken(self) -> bool:
        return self._pending or self._timer.isActive()

    def _start(self) -> None:
        if self._task is not None:
            self._pending = True  # start again when the running one ends
            return
        self._pending = False
        job = self._source()
        if job is None:
            return
        job.choices = copy.deepcopy(job.choices)
        # not parented: a task outlives a closed dialog until its thread ends
        task = Task(lambda _progress: compute_preview(job), "Export preview")
        task.succeeded.connect(self._succeeded, Qt.ConnectionType.QueuedConnection)
        task.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        task.ended.connect(self._ended, Qt.ConnectionType.QueuedConnection)
        self._task = task.start()

    def _succeeded(self, result: PreviewResult) -> None:
        if not self._overtaken():
            self.ready.emit(result)

    def _failed(self, exc: Exception) -> None:
        if self._overtaken():
            return
        known = isinstance(exc, ExportError | MediaError | IndexError | ValueError)
        self.failed.emit(str(exc) if known else f"{type(exc).__name__}: {exc}")

    def _ended(self) -> None:
        self._task = None
        if self._pending:
            self._start()


class PreviewPane(QWidget):
    """The preview picture, scaled to fit and never stretched, with a line about the output."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picture = QLabel()
        self.picture.setObjectName("export_preview_picture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(QSize(320, 240))
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setStyleSheet("background: #3a3a3a; color: #dddddd;")
        self.picture.setWordWrap(True)  # a summary shown in its place wraps, never cut at the edges
        self.summary = QLabel()
        self.summary.setObjectName("export_preview_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.summary)
        self.image: QImage | None = None
        self.picture.setText("Preparing the preview\u2026")
        # refit when the picture's own room changes: a long summary set with a new preview
        # takes its share after the picture was fitted (a figure's top and bottom were cut)
        self.picture.installEventFilter(self)

    def show_result(self, result: PreviewResult) -> None:
        self.image = result.image
        if result.image is None:  # the summary is the preview
            self.summary.setText("")
            self.picture.setPixmap(QPixmap())
            self.picture.setText(result.summary)
        else:
            self.summary.setText(result.summary)
            self._fit()

    def show_problem(self, message: str) -> None:
        self.image = None
        self.picture.setPixmap(QPixmap())
        self.picture.setText(f"No preview: {message}")
        self.summary.setText(message)

    def preview_width(self) -> int:
        """How many pixels wide the preview is worth drawing."""
        return int(min(1400, max(320, self.picture.width() * self.devicePixelRatioF())))

    def _fit(self) -> None:
        if self.image is None:
            return
        ratio = self.devicePixelRatioF()
        room = self.picture.size() * ratio
        pixmap = QPixmap.fromImage(self.image)
        if pixmap.width() > room.width() or pixmap.height() > room.height():  # never enlarged
            pixmap = pixmap.scaled(room, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        pixmap.setDevicePixelRatio(ratio)
        self.picture.setPixmap(pixmap)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.picture and event.type() == QEvent.Type.Resize:
            self._fit()
        return False
