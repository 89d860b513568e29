"""Every output kind, registered by file extension, and ``export()``: the one entry point.

``export(document, out, options)`` picks the writer from OUT's extension (and the options that
choose between two kinds for one extension: ``report`` for ".pdf", ``secondary_capture`` for
".dcm"), checks the destination first, writes to a temporary file beside it and renames it
only when complete, so a failure leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.case.fileutil import atomic_write_text
from annotator.case.text_scrub import scrub_in_place
from annotator.export.context import ExportContext, ExportOptions, Progress
from annotator.export.deid_report import deid_summary, text_warnings
from annotator.export.imaging_area import ImagingArea
from annotator.export.output import ExportError, atomic_output, check_destination

if TYPE_CHECKING:
    from annotator.case.document import CaseDocument


@dataclass
class ExportResult:
    path: Path
    kind: str
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    #: what de-identification did and checked, in words (``deid_report.deid_summary``)
    deidentification: list[str] = field(default_factory=list)
    #: likely burned-in text left in the exported pixels (``deid_report.text_warnings``)
    warnings: list[str] = field(default_factory=list)


Writer = Callable[[ExportContext, Path, str], ExportResult | None]


@dataclass(frozen=True)
class OutputKind:
    name: str
    suffixes: tuple[str, ...]
    description: str
    write: Writer
    #: chosen over the default kind of the same suffix when this option is set
    option: str | None = None


def _figure_raster(ctx: ExportContext, path: Path, suffix: str) -> ExportResult:
    from annotator.export.raster import write_raster_figure

    plan = write_raster_figure(ctx, path, suffix)
    return ExportResult(path, "figure", plan.caption)


def _figure_vector(ctx: ExportContext, path: Path, suffix: str) -> ExportResult:
    from annotator.export.vector import write_pdf_figure, write_svg_figure

    plan = write_svg_figure(ctx, path) if suffix == ".svg" else write_pdf_figure(ctx, path)
    return ExportResult(path, "figure", plan.caption)


def _clip(ctx: ExportContext, path: Path, suffix: str) -> ExportResult:
    from annotator.export.clip import write_clip

    spec = write_clip(ctx, path, suffix.lstrip("."))
    return ExportResult(path, "clip", notes=[f"frames {spec.first}..{spec.last} of {spec.media}, speed {spec.speed:g}x"])


def _slides(ctx: ExportContext, path: Path, suffix: str) -> None:
    from annotator.export.slides import write_slides

    write_slides(ctx, path)


def _report(ctx: ExportContext, path: Path, suffix: str) -> None:
    from annotator.export.report import write_html_report, write_pdf_report

    (write_html_report if suffix in (".html", ".htm") else write_pdf_report)(ctx, path)


def _sr(ctx: ExportContext, path: Path, suffix: str) -> ExportResult:
    from annotator.export.dicom_sr import write_sr

    return ExportResult(path, "dicom-sr", notes=write_sr(ctx, path))


def _sc(ctx: ExportContext, path: Path, suffix: str) -> ExportResult:
    from annotator.export.secondary_capture import write_secondary_capture

    plan = write_secondary_capture(ctx, path)
    return ExportResult(path, "dicom-sc", plan.caption)


def _measurements(ctx: ExportContext, path: Path, suffix: str) -> None:
    from annotator.export.measurements import write_measurements

    write_measurements(ctx, path, suffix)


#: in lookup order: an option-specific kind before the default of the same suffix
OUTPUT_KINDS: tuple[OutputKind, ...] = (
    OutputKind("report", (".pdf",), "case report (PDF)", _report, option="report"),
    OutputKind("dicom-sc", (".dcm",), "DICOM Secondary Capture of the figure", _sc, option="secondary_capture"),
    OutputKind("figure", (".png", ".jpg", ".jpeg", ".tif", ".tiff"), "figure (raster)", _figure_raster),
    OutputKind("figure", (".svg", ".pdf"), "figure (vector)", _figure_vector),
    OutputKind("clip", (".mp4", ".gif"), "annotated clip", _clip),
    OutputKind("slides", (".pptx",), "slides", _slides),
    OutputKind("report", (".html", ".htm"), "case report (HTML)", _report),
    OutputKind("dicom-sr", (".dcm",), "DICOM SR measurement report (TID 1500)", _sr),
    OutputKind("measurements", (".csv", ".json"), "measurements", _measurements),
)


def supported_suffixes() -> list[str]:
    return sorted({s for kind in OUTPUT_KINDS for s in kind.suffixes})


def output_kind(out: Path, options: ExportOptions) -> OutputKind:
    suffix = out.suffix.lower()
    for kind in OUTPUT_KINDS:
        if suffix in kind.suffixes and (kind.option is None or getattr(options, kind.option)):
            return kind
    raise ExportError(
        f"{out}: unknown output type {suffix or '(no extension)'!r}; use one of " + " ".join(supported_suffixes())
    )


def export(document: CaseDocument, out: str | Path, options: ExportOptions | None = None,
           progress: Progress | None = None, found_areas: dict[str, ImagingArea] | None = None) -> ExportResult:
    """Write ``out`` from the case; ``ExportError`` (naming the file) on any user-facing failure.
    ``progress(done, total)`` follows long exports; an exception raised in it cancels the export
    and, like any failure, leaves no file behind. ``found_areas`` shares detected imaging areas
    with earlier work on the same media (the export dialog's previews)."""
    options = options or ExportOptions()
    scrub_in_place(document.case)  # typed text that UTF-8 cannot hold would fail every writer
    scrub_in_place(options)
    out = Path(out)
    kind = output_kind(out, options)
    check_destination(out, options.force)
    if not document.case.media:
        raise ExportError(f"{out}: the case has no media to export")
    reported = [1, 1]  # the last (done, total), said again as the last chance to cancel

    def report(done: int, total: int) -> None:
        reported[:] = [done, total]
        if progress is not None:
            progress(done, total)

    ctx = ExportContext(document, options, None if progress is None else report,
                        {} if found_areas is None else found_areas)
    # figures report no steps of their own: a cancel while writing them is caught here
    last_step = None if progress is None else (lambda: report(*reported))
    with atomic_output(out, options.force, last_step) as tmp:
        result = kind.write(ctx, tmp, out.suffix.lower())
    if result is None:
        result = ExportResult(out, kind.name)
    result.path = out
    result.deidentification = deid_summary(ctx, dicom_output=kind.name.startswith("dicom"))
    if kind.name not in ("dicom-sr", "measurements") and not options.keep_identifiers:
        result.warnings = text_warnings(ctx)
    if kind.name == "figure" and result.caption:
        write_caption_sidecar(out, result.caption)
    return result


def caption_sidecar(out: Path) -> Path:
    """Where a figure's caption goes beside it: ``fig.png`` -> ``fig.caption.txt``."""
    return out.with_suffix(".caption.txt")


def write_caption_sidecar(out: Path, caption: str) -> None:
    """The caption (de-identified like the figure) as UTF-8 text beside the figure, for the
    manuscript. The figure itself is already in place when this fails, and the error says so."""
    try:
        atomic_write_text(caption_sidecar(out), caption + "\n")
    except OSError as exc:
        raise ExportError(f"{out}: written, but its caption could not be saved beside it: {exc}") from exc
