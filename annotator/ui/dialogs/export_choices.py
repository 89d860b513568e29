"""What the export dialog lets a user choose, as plain data (no widgets): the kinds of output
and their formats, the panels of a figure, the options, how they become ``ExportOptions``,
how they are remembered between sessions, and the snapshot of the case an export works on.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annotator.case.document import CaseDocument
from annotator.case.kinds import kind_spec
from annotator.case.model import Annotation, Case
from annotator.dynamics.series import Series, measurement_series
from annotator.export.context import ExportOptions
from annotator.export.figure import PanelSpec
from annotator.export.imaging_area import Rect
from annotator.export.layout import MAX_PANELS, auto_layout
from annotator.media.base import Media, MediaError
from annotator.ui.settings import Settings

FIGURE_FORMATS: tuple[tuple[str, str], ...] = (
    (".png", "PNG (lossless)"), (".tif", "TIFF (lossless)"), (".jpg", "JPEG"),
    (".svg", "SVG (vectors and text)"), (".pdf", "PDF (vectors and text)"),
)
VECTOR_SUFFIXES = frozenset({".svg", ".pdf"})


@dataclass(frozen=True)
class KindChoice:
    id: str
    label: str
    formats: tuple[tuple[str, str], ...]  # (suffix, description); the first is the default
    default_name: str  # never the case title, which often names the patient
    figure: bool = False  # panels, layout, print size and caption apply
    clip: bool = False  # media, frame range, speed apply


KINDS: tuple[KindChoice, ...] = (
    KindChoice("figure-current", "Figure of the current frame", FIGURE_FORMATS, "figure", figure=True),
    KindChoice("figure-panels", "Figure of chosen frames (e.g. rest and peak)", FIGURE_FORMATS, "figure",
               figure=True),
    KindChoice("figure-annotated", "Figure of all annotated frames", FIGURE_FORMATS, "figure", figure=True),
    KindChoice("clip", "Annotated clip", ((".mp4", "MP4 video (H.264, plays in PowerPoint)"),
                                          (".gif", "Animated GIF")), "clip", clip=True),
    KindChoice("slides", "Slides (PowerPoint)", ((".pptx", "PowerPoint"),), "slides"),
    KindChoice("report", "Case report", ((".html", "HTML (self-contained)"), (".pdf", "PDF")), "report"),
    KindChoice("dicom-sr", "DICOM SR measurement report", ((".dcm", "DICOM SR (TID 1500)"),), "measurements-sr"),
    KindChoice("dicom-sc", "DICOM Secondary Capture of a figure", ((".dcm", "DICOM Secondary Capture"),),
               "figure-sc", figure=True),
    KindChoice("measurements", "Measurements table", ((".csv", "CSV"), (".json", "JSON")), "measurements"),
)
KIND_BY_ID: dict[str, KindChoice] = {k.id: k for k in KINDS}
LAYOUTS: tuple[tuple[str, str], ...] = (
    ("auto", "Automatic"), ("1x1", "1 \u00d7 1"), ("1x2", "1 \u00d7 2 (side by side)"),
    ("2x1", "2 \u00d7 1 (one above the other)"), ("2x2", "2 \u00d7 2"), ("grid", "Free grid"),
)
#: print widths of journal figures: one column, two columns
PRINT_WIDTHS_MM = (85.0, 174.0)


@dataclass
class ExportChoices:
    """Everything the user picked; ``to_options`` turns it into the exporter's options."""

    kind: str = "figure-current"
    suffix: str = ".png"
    panels: list[PanelSpec] = field(default_factory=list)
    layout: str = "auto"  # an id of LAYOUTS
    rows: int = 2  # the free grid
    cols: int = 3
    width_mm: float = 85.0
    dpi: int = 300
    legend: bool = True
    scale_bar: bool = True
    orientation: tuple[str, str] | None = None
    timestamp: bool = False
    plot: str | None = None  # an annotation id: its plot over time as one more panel
    clip_media: str | None = None
    frame_from: int = 0
    frame_to: int = 0
    speed: float = 1.0
    caption: str | None = None  # None: the drafted caption
    caption_in_figure: bool = False
    keep_identifiers: bool = False
    crops: dict[str, Rect] = field(default_factory=dict)

    @property
    def kind_choice(self) -> KindChoice:
        return KIND_BY_ID[self.kind]

    def grid(self) -> tuple[int, int]:
        """Rows and columns the figure will have."""
        count = len(self.panels) + (1 if self.plot else 0)
        if self.layout == "grid":
            return self.rows, self.cols
        if self.layout == "auto":
            return auto_layout(max(1, count))
        rows, cols = (int(v) for v in self.layout.split("x"))
        return rows, cols

    def problem(self) -> str | None:
        """Why these choices cannot be exported (None: they can)."""
        kind = self.kind_choice
        if self.suffix not in {s for s, _ in kind.formats}:
            return f"{kind.label} cannot be written as {self.suffix or 'a file without extension'}"
        if kind.figure:
            count = len(self.panels) + (1 if self.plot else 0)
            if not self.panels:
                return "Add at least one panel"
            rows, cols = self.grid()
            if count > rows * cols:
                return f"{count} panels do not fit a {rows} \u00d7 {cols} layout"
            if count > MAX_PANELS:
                return f"A figure holds at most {MAX_PANELS} panels"
        if kind.clip:
            if self.clip_media is None:
                return "The case has no clip"
            if self.frame_from > self.frame_to:
                return "The first frame comes after the last"
        return None

    def to_options(self, force: bool = False) -> ExportOptions:
        kind = self.kind_choice
        options = ExportOptions(
            keep_identifiers=self.keep_identifiers, force=force, width_mm=self.width_mm, dpi=self.dpi,
            legend=self.legend, scale_bar=self.scale_bar, orientation=self.orientation,
            timestamp=self.timestamp, crops=dict(self.crops), report=self.kind == "report",
            secondary_capture=self.kind == "dicom-sc",
        )
        if kind.figure:
            options.panels = [copy.copy(p) for p in self.panels]
            rows, cols = self.grid()
            options.layout = f"{rows}x{cols}"
            options.caption = self.caption
            options.caption_in_figure = self.caption_in_figure
            options.plots = [self.plot] if self.plot else []
        if kind.clip:
            options.media = self.clip_media
            options.frame_from, options.frame_to = self.frame_from, self.frame_to
            options.speed = self.speed
        return options


# -- remembering ------------------------------------------------------------------------------
PREFIX = "export/"


def remember(settings: Settings, choices: ExportChoices, folder: Path | None) -> None:
    """Keep the choices for the next export. Never the identifiers choice: every export starts
    de-identified."""
    values: dict[str, object] = {
        "kind": choices.kind, "layout": choices.layout, "rows": choices.rows, "cols": choices.cols,
        "width_mm": choices.width_mm, "dpi": choices.dpi, "legend": choices.legend,
        "scale_bar": choices.scale_bar, "timestamp": choices.timestamp, "speed": choices.speed,
        "caption_in_figure": choices.caption_in_figure,
        "orientation": "|".join(choices.orientation) if choices.orientation else "",
        f"format/{choices.kind}": choices.suffix,
    }
    if folder is not None:
        values["folder"] = str(folder)
    for key, value in values.items():
        settings.set_value(PREFIX + key, value)


def _number(value: object, default: float, low: float, high: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high) if number == number else default


def _flag(value: object, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return {"true": True, "1": True, "false": False, "0": False}.get(text, default)


def recall(settings: Settings, kind: str | None = None) -> ExportChoices:
    """The remembered choices (defaults for anything missing or unreadable); ``kind`` wins."""
    get = settings.value
    d = ExportChoices()
    remembered = str(get(PREFIX + "kind", d.kind))
    chosen = kind if kind in KIND_BY_ID else remembered if remembered in KIND_BY_ID else d.kind
    formats = [s for s, _ in KIND_BY_ID[chosen].formats]
    suffix = str(get(f"{PREFIX}format/{chosen}", formats[0]))
    layout = str(get(PREFIX + "layout", d.layout))
    orientation = str(get(PREFIX + "orientation", "")).split("|")
    return ExportChoices(
        kind=chosen,
        suffix=suffix if suffix in formats else formats[0],
        layout=layout if layout in dict(LAYOUTS) else d.layout,
        rows=int(_number(get(PREFIX + "rows"), d.rows, 1, 6)),
        cols=int(_number(get(PREFIX + "cols"), d.cols, 1, 6)),
        width_mm=_number(get(PREFIX + "width_mm"), d.width_mm, 20.0, 500.0),
        dpi=int(_number(get(PREFIX + "dpi"), d.dpi, 72, 1200)),
        legend=_flag(get(PREFIX + "legend"), d.legend),
        scale_bar=_flag(get(PREFIX + "scale_bar"), d.scale_bar),
        timestamp=_flag(get(PREFIX + "timestamp"), d.timestamp),
        speed=_number(get(PREFIX + "speed"), d.speed, 0.1, 4.0),
        caption_in_figure=_flag(get(PREFIX + "caption_in_figure"), d.caption_in_figure),
        orientation=(orientation[0], orientation[1]) if len(orientation) == 2 else None,
    )


def remembered_folder(settings: Settings, document: CaseDocument | None) -> Path:
    """Where exports go: the last export folder, else the case's folder, else home."""
    raw = settings.value(PREFIX + "folder", "")
    if raw and Path(str(raw)).is_dir():
        return Path(str(raw))
    if document is not None and document.path is not None and document.path.parent.is_dir():
        return document.path.parent
    return Path.home()


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """``folder/stem.suffix``, or ``stem-2.suffix`` and so on when that exists."""
    candidate = folder / f"{stem}{suffix}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}{suffix}"
        n += 1
    return candidate


def safe_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "export"


# -- the case an export works on ----------------------------------------------------------------
def snapshot_document(document: CaseDocument) -> CaseDocument:
    """A copy of the case sharing the opened media: exports and previews on worker threads read
    it while the user goes on editing the live case. Media that could not be opened stay
    unopened, and asking for them repeats the original error."""
    case = document.case
    # captions stay behind: the dialog's caption box is the one in use (export_caption.py)
    copied = Case(title=case.title, media=copy.deepcopy(case.media), findings=copy.deepcopy(case.findings),
                  annotations=copy.deepcopy(case.annotations), notes=case.notes, path=case.path,
                  redactions=list(case.redactions), history=case.history, impression=case.impression,
                  exam_date=case.exam_date)
    failures: dict[str, MediaError] = {}
    opened: dict[str, Media] = {}
    for ref in case.media:
        try:
            opened[ref.id] = document.media(ref.id)
        except MediaError as exc:
            failures[str(case.resolve_media_path(ref))] = exc

    def refuse(path: Path) -> Media:
        raise failures.get(str(path)) or MediaError(path, "could not be opened")

    snapshot = CaseDocument(copied, refuse)
    for media_id, media in opened.items():
        snapshot.set_media(media_id, media)
    return snapshot


# -- default panels -----------------------------------------------------------------------------
def dynamic_annotation(case: Case, selection: Sequence[str], media_id: str | None) -> Annotation | None:
    """The dynamic annotation a figure of rest and peak is about: the selected one, else the
    first of the current media with a measurement."""
    dynamic = [a for a in case.annotations if a.is_dynamic and (s := kind_spec(a.kind)) is not None and s.measures]
    for a in dynamic:
        if a.id in selection:
            return a
    return next((a for a in dynamic if a.media == media_id), None)


def rest_peak_panels(document: CaseDocument, annotation: Annotation, series: Series | None = None) -> list[PanelSpec]:
    """Two panels, rest and peak of the annotation's measurement (``series`` may carry the
    user's own picks); empty when the series has no values."""
    if series is None:
        try:
            series = measurement_series(document, annotation).with_chosen_or_suggested_rest_peak()
        except (MediaError, ValueError, IndexError, KeyError):
            return []
    if series.rest_frame is None or series.peak_frame is None or series.rest_frame == series.peak_frame:
        return []
    return [PanelSpec(annotation.media, series.rest_frame, "Rest"),
            PanelSpec(annotation.media, series.peak_frame, "Peak")]


def annotated_panels(case: Case, media_id: str | None = None, most: int = MAX_PANELS) -> list[PanelSpec]:
    """One panel per annotated frame (each annotation's anchor frame), in case order."""
    order = {m.id: i for i, m in enumerate(case.media)}
    keys = sorted({(a.media, a.frame) for a in case.annotations
                   if a.media in order and media_id in (None, a.media)},
                  key=lambda k: (order[k[0]], k[1]))
    return [PanelSpec(m, f) for m, f in keys[:most]]
