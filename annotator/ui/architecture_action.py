"""Tools > Analyse Muscle Architecture: find both aponeuroses and a fascicle on every frame
of the current clip (or on the still) in the background, then add keyed ``thickness``,
``pennation`` and ``fascicle`` annotations in one undoable step and show their plot.

The analysis is ``annotator.dynamics.architecture.analyse_sequence`` (drift-free: every frame
is read again, fused over time). The annotations are ordinary ones: correct any of them on any
frame and track it again (Ctrl+T) to re-anchor the estimate from that frame.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtWidgets import QWidget

from annotator.case.commands import AddAnnotation, Command, Macro, RemoveAnnotations
from annotator.dynamics.architecture_annotations import (
    analysis_annotations,
    analysis_summary,
    describe,
    earlier_analysis,
    findings_linking,
)
from annotator.media import MediaError
from annotator.ui import prompts
from annotator.ui.controller import AppController
from annotator.ui.tasks import Progress, Task, run_task

TITLE = "Analysing muscle architecture\u2026"


def analysis_available() -> bool:
    """Whether the automatic analysis (built separately, ARCH_API.md) is installed."""
    return importlib.util.find_spec("annotator.dynamics.architecture") is not None


def analyse_architecture(c: AppController, parent: QWidget | None = None,
                         show_plot: Callable[[], None] | None = None) -> Task | None:
    """Start the analysis on the current media; None (and a message) when it cannot start.
    ``parent``: the progress dialog's (None: no dialog); ``show_plot`` brings the dynamics
    panel forward once a clip has its annotations."""
    document, media_id = c.document, c.current_media_id
    if not analysis_available():
        c.error.emit("Cannot analyse", "The automatic muscle-architecture analysis "
                     "(annotator.dynamics.architecture) is not part of this build.")
        return None
    if document is None or media_id is None:
        c.error.emit("Cannot analyse", "Open a clip or a still of a muscle first.")
        return None
    try:
        media = document.media(media_id)
        calibration = document.calibration(media_id, 0)
        roi = calibration.scanner_image_roi()  # the image the scanner declared, as the CLI reads it
        scale, why, tissue = calibration.analysis_scale(roi, media.width, media.height)
    except MediaError as exc:
        c.error.emit("Cannot analyse", str(exc))
        return None
    if not tissue:
        c.error.emit("Cannot analyse", f"No muscle to analyse: {why}.")
        return None
    replacing = _earlier_to_replace(document.case, media_id, parent, "clip" if media.frame_count > 1 else "image")
    if replacing is None:
        return None
    indices = list(range(media.frame_count))
    times = [media.time_ms(i) for i in indices]
    frames = media.frame  # as decoded: the analysis makes them grey and leaves coloured marks out

    def work(progress: Progress) -> Any:
        from annotator.dynamics.architecture import analyse_sequence

        def report(done: int) -> bool:
            progress.report(done / max(len(indices), 1), f"Analysing frame {done} of {len(indices)}")
            return not progress.cancelled

        return analyse_sequence(frames, indices, mm_per_px=scale, roi=roi, times_ms=times, progress=report)

    def done(estimates: Any) -> None:
        clip = media.frame_count > 1
        if _apply(c, document, media_id, list(estimates), clip, replacing) and clip and show_plot is not None:
            show_plot()

    def failed(exc: Exception) -> None:
        c.error.emit("Muscle architecture", f"The analysis failed: {exc}")

    return run_task(work, done, failed, TITLE, parent)


def _earlier_to_replace(case: Any, media_id: str, parent: QWidget | None, what: str) -> list[str] | None:
    """Run again on a media that holds an earlier analysis, the user says what becomes of it:
    the ids to replace ([] to add a second set beside it), or None to not analyse."""
    earlier = earlier_analysis(case, media_id)
    if not earlier:
        return []
    ids = [a.id for a in earlier]
    linked = findings_linking(case, ids)
    answer = prompts.ask_earlier_analysis(parent, describe(earlier), linked, what)
    if answer == "cancel":
        return None
    return ids if answer == "replace" and not linked else []


def _apply(c: AppController, document: Any, media_id: str, estimates: list[Any], clip: bool,
           replacing: Sequence[str] = ()) -> bool:
    """Add the annotations in one step, in place of ``replacing`` (those still in the case);
    False when there were none (or the case closed)."""
    from annotator.dynamics.architecture import architecture_points

    current = c.document
    if current is None or current is not document:
        return False  # the case was closed meanwhile
    created = analysis_annotations(current.case, media_id, estimates, architecture_points, clip)
    if not created:
        reasons = sorted({e.reason for e in estimates if getattr(e, "reason", None)})
        why = f": {reasons[0]}" if reasons else ""
        kept = " The earlier analysis is kept." if replacing else ""
        c.error.emit("Muscle architecture", f"No aponeuroses and fascicle were found{why}.{kept}")
        return False
    present = {a.id for a in current.case.annotations}
    gone = [i for i in replacing if i in present]  # the user may have deleted some meanwhile
    if findings_linking(current.case, gone):
        gone = []  # ... or linked one to a finding: it stays, the new set goes beside it
    steps: list[Command] = [RemoveAnnotations(gone)] if gone else []
    steps += [AddAnnotation(a) for a in created]
    c.push(Macro("Analyse muscle architecture", steps))
    c.select([created[0].id])  # the thickness: the dynamics panel plots it
    instead = " (in place of the earlier analysis)" if gone else ""
    c.status.emit(f"Muscle architecture: {analysis_summary(estimates)}{instead}")
    return True
