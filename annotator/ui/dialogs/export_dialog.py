"""The export dialog: choose what to export and how, see it drawn by the exporters' own code,
and write it on a worker thread with progress and cancel.

It is not modal (``open_export_dialog`` shows it and returns at once), so the user can go on
looking at the case; it works on a snapshot of the case, taken again after every edit. Every
export starts de-identified: "Keep identifiers" is never remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from annotator.case.document import CaseDocument
from annotator.case.model import CaseEvent
from annotator.export.context import ExportContext
from annotator.export.imaging_area import ImagingArea
from annotator.export.registry import ExportResult
from annotator.ui.controller import AppController
from annotator.ui.dialogs.error_dialog import show_error
from annotator.ui.dialogs.export_caption import caption_key, keep_caption, stored_caption
from annotator.ui.dialogs.export_choices import (
    ExportChoices,
    recall,
    remember,
    remembered_folder,
    snapshot_document,
)
from annotator.ui.dialogs.export_crop import CropEditor
from annotator.ui.dialogs.export_defaults import AppState
from annotator.ui.dialogs.export_options_form import ExportOptionsForm
from annotator.ui.dialogs.export_panels import PanelsEditor
from annotator.ui.dialogs.export_preview import (
    PreviewJob,
    PreviewPane,
    PreviewResult,
    PreviewScheduler,
)
from annotator.ui.dialogs.export_runner import ExportRunner
from annotator.ui.settings import Settings


def confirm_replace(parent: QWidget, path: Path) -> bool:
    """Ask before replacing a file (a function, so tests can answer for the user)."""
    answer = QMessageBox.question(parent, "Replace the file?", f"{path} already exists. Replace it?",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


class ExportDialog(QDialog):
    preview_updated = Signal(object)  # PreviewResult now on screen
    export_started = Signal(object)  # the Task doing it
    export_finished = Signal(object)  # ExportResult
    export_failed = Signal(str)
    export_cancelled = Signal()

    def __init__(self, state: AppState, kind: str | None = None, settings: Settings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_dialog")
        self.setWindowTitle("Export")
        self.state = state
        state.setParent(self)  # its connections to the app end with the dialog
        self.settings = settings or Settings()
        self.document: CaseDocument = state.document
        self.snapshot = snapshot_document(self.document)
        self._stale = False
        self.found_areas: dict[str, ImagingArea] = {}
        self.runner = ExportRunner(self)
        self.last_preview: PreviewResult | None = None
        self.last_result: ExportResult | None = None
        self._clip_shown: str | None = None
        self._showing_problem = False
        self._offered_captions: set[str] = set()
        self.choices: ExportChoices = recall(self.settings, kind)
        self.state.fill_defaults(self.choices)

        self.form = ExportOptionsForm()
        self.panels = PanelsEditor()
        self.form.panels_column.addWidget(self.panels)
        self.crop = CropEditor(self._load_area)
        self.form.crop_column.addWidget(self.crop)
        self.pane = PreviewPane()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("export_status")
        self.status.setWordWrap(True)
        self.export_button = QPushButton("Export")
        self.export_button.setObjectName("export_button")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setVisible(False)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        self._layout_widgets(close)

        self.preview = PreviewScheduler(self._preview_job, self)
        self.preview.ready.connect(self._preview_ready)
        self.preview.failed.connect(self._preview_failed)
        self.form.changed.connect(self._refresh)
        self.form.kind_changed.connect(self._kind_changed)
        self.form.format_changed.connect(self._follow_format)
        self.form.draft_requested.connect(self._refresh)
        self.form.file.named.connect(self._named)
        self.form.keep_identifiers.toggled.connect(self.crop.set_keep_identifiers)
        self.panels.changed.connect(self._panels_edited)
        self.panels.add_requested.connect(self._add_current_frame)
        self.panels.rest_peak_requested.connect(self._use_rest_peak)
        self.panels.table.itemSelectionChanged.connect(self._update_crop_media)
        self.crop.changed.connect(lambda _m, _r: self._refresh())
        self.runner.started.connect(self.export_started)
        self.runner.progressed.connect(self._progressed)
        self.runner.finished.connect(self._export_done)
        self.runner.failed.connect(self._export_failed)
        self.runner.cancelled.connect(self._export_cancelled)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self.cancel_export)
        close.clicked.connect(self.close)
        state.case_changed.connect(self._case_changed)
        state.closed.connect(self.close)
        self._show_choices()
        self._clip_shown = self.choices.clip_media
        self.form.file.default_folder = lambda: remembered_folder(self.settings, self.document)
        self.form.file.follow(self.choices.kind_choice, self.choices.suffix)
        self._refresh()

    def _layout_widgets(self, close: QPushButton) -> None:
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setWidget(self.form)
        scroller.setMinimumWidth(540)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroller)
        split.addWidget(self.pane)
        split.setStretchFactor(1, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        column = QVBoxLayout(self)
        column.addWidget(self.form.file_box)  # where it goes, first: never at the end of a scroll
        column.addWidget(split, 1)
        column.addWidget(self.status)
        column.addLayout(buttons)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(1180, 780)

    # -- choices ---------------------------------------------------------------------------
    def _show_choices(self) -> None:
        c = self.choices
        self.form.show_choices(c, self.state.clips())
        self.panels.set_media(self.state.media_entries())
        self.panels.set_panels(c.panels)
        target = self.state.dynamic_annotation()
        self.panels.set_rest_peak_available(target is not None)
        self.form.set_plot_target(self.state.annotation_name(target) if target else None)
        self.crop.crops = dict(c.crops)
        self.crop.set_keep_identifiers(c.keep_identifiers)
        self._update_crop_media()

    def read_choices(self) -> ExportChoices:
        """The choices as the widgets show them now."""
        c = self.choices
        self.form.read_into(c)
        c.panels = self.panels.panels()
        target = self.state.dynamic_annotation()
        c.plot = target.id if target is not None and self.form.plot.isChecked() else None
        c.crops = dict(self.crop.crops)
        return c

    def set_kind(self, kind: str) -> None:
        index = self.form.kind.findData(kind)
        if index >= 0:
            self.form.kind.setCurrentIndex(index)  # the form reports it as the user's pick

    def _kind_changed(self, kind: str) -> None:
        c = self.read_choices()
        c.kind = kind
        c.panels = self.state.default_panels(kind)
        self.panels.set_panels(c.panels)
        self._update_crop_media()
        self._follow_format()

    def _panels_edited(self) -> None:
        if self.form.kind.currentData() in ("figure-current", "figure-annotated"):
            self.form.kind.blockSignals(True)  # the panels stay as edited
            self.form.kind.setCurrentIndex(self.form.kind.findData("figure-panels"))
            self.form.kind.blockSignals(False)
        self._update_crop_media()
        self._refresh()

    def _add_current_frame(self) -> None:
        panel = self.state.current_panel()
        if panel is not None:
            self.panels.append_panel(panel)

    def _use_rest_peak(self) -> None:
        panels, problem = self.state.rest_peak_panels()
        if problem:
            self.status.setText(problem)
            return
        self.panels.set_panels(panels)
        self._panels_edited()

    def _update_crop_media(self) -> None:
        c = self.read_choices()
        entries = {e.id: e for e in self.state.media_entries()}
        if c.kind_choice.clip:
            ids = [c.clip_media] if c.clip_media else []
            current = c.clip_media
        else:
            ids = list(dict.fromkeys(p.media for p in c.panels))
            rows = self.panels.table.selectionModel().selectedRows()
            current = c.panels[rows[0].row()].media if rows and rows[0].row() < len(c.panels) else None
        self.crop.set_media([entries[i] for i in ids if i in entries], current)

    def _load_area(self, media_id: str) -> Callable[[], tuple[np.ndarray, ImagingArea]]:
        """The crop editor's work for a media, to run on a worker: the frame it shows (of the
        panel or the clip's first frame) and the media's found imaging area."""
        c = self.choices
        frame = next((p.frame for p in c.panels if p.media == media_id), 0)
        if c.kind_choice.clip and media_id == c.clip_media:
            frame = c.frame_from
        ctx = ExportContext(self.snapshot, found_areas=self.found_areas)

        def work() -> tuple[np.ndarray, ImagingArea]:
            return ctx.media(media_id).frame(frame), ctx.found_area(media_id, frame)

        return work

    # -- preview ---------------------------------------------------------------------------
    def _refresh(self) -> None:
        c = self.read_choices()
        if c.kind_choice.clip and c.clip_media != self._clip_shown:
            self._clip_shown = c.clip_media  # another clip: all of its frames
            self.form.set_frame_limits(self.state.frame_count(c.clip_media), whole=True)
            c = self.read_choices()
            self._update_crop_media()
        problem = c.problem() or self.form.file.problem()
        self.export_button.setEnabled(problem is None and not self.runner.busy)
        if not self.runner.busy and (problem or self._showing_problem):
            self.status.setText(problem or "")  # outcomes of exports stay until a problem shows
            self._showing_problem = problem is not None
        if c.problem():
            self.pane.show_problem(c.problem() or "")
            return
        self.preview.request()

    def _preview_job(self) -> PreviewJob | None:
        c = self.read_choices()
        if c.problem():
            return None
        if self._stale:
            self.snapshot = snapshot_document(self.document)
            self._stale = False
        return PreviewJob(self.snapshot, c, self.found_areas, self.pane.preview_width())

    def _preview_ready(self, result: PreviewResult) -> None:
        self.last_preview = result
        self.pane.show_result(result)
        if result.caption is not None:
            self.form.show_draft(result.caption)
            self._offer_stored_caption()
        self.preview_updated.emit(result)

    def _offer_stored_caption(self) -> None:
        """The caption kept in the case for these panels, as the user's own: offered once, so
        "Use the draft" stays the draft."""
        c = self.read_choices()
        key = caption_key(self.document, c)
        if key is None or key in self._offered_captions:
            return
        self._offered_captions.add(key)
        mine = None if self.form.caption_edited else stored_caption(self.document, c)
        if mine and mine != self.form.caption.toPlainText():
            self.form.caption.setPlainText(mine)

    def _preview_failed(self, message: str) -> None:
        self.pane.show_problem(message)

    def _case_changed(self, event: CaseEvent) -> None:
        self._stale = True
        if event.what == "media":
            self.found_areas.clear()
            self.crop.forget()
            self.panels.set_media(self.state.media_entries())
        self._refresh()

    # -- the file --------------------------------------------------------------------------
    def _follow_format(self, _suffix: str = "") -> None:
        c = self.read_choices()
        self.form.file.follow(c.kind_choice, c.suffix)
        self._refresh()

    def _named(self, suffix: str) -> None:
        if suffix and self.form.select_format(suffix):
            return  # the format's change refreshes
        self._refresh()

    def target_path(self) -> Path:
        return self.form.file.target()

    # -- exporting -------------------------------------------------------------------------
    def start_export(self) -> bool:
        """Start writing the file on a worker; False when it could not start."""
        if self.runner.busy:
            return False
        c = self.read_choices()
        problem = c.problem() or self.form.file.problem()
        if problem:
            self.status.setText(problem)
            return False
        path = self.target_path()
        force = path.exists()
        if force and path != self.form.file.confirmed and not confirm_replace(self, path):
            return False
        if self._stale:
            self.snapshot = snapshot_document(self.document)
            self._stale = False
        remember(self.settings, c, path.parent)
        self.progress.setRange(0, 0)  # busy until the first step
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.export_button.setEnabled(False)
        self.status.setText(f"Exporting {path}\u2026")
        self.runner.start(self.snapshot, path, c.to_options(force), self.found_areas)
        return True

    def cancel_export(self) -> None:
        if self.runner.busy:
            self.runner.cancel()
            self.status.setText("Cancelling\u2026")

    def _progressed(self, fraction: float, text: str) -> None:
        if fraction > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(fraction * 1000))
        if text and not self.runner.cancelling:
            self.status.setText(f"Exporting: {text}")

    def _export_ended(self) -> None:
        """Ready for the next export (the runner has ended its task)."""
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self._refresh()

    def _export_done(self, result: ExportResult) -> None:
        self._export_ended()
        self.last_result = result
        said = [f"\u26a0 {w.removeprefix('warning: ')}" for w in result.warnings] + result.deidentification
        self.status.setText("\n".join([f"Saved {result.path}", *said]))
        self.form.file.exported(result.path)
        if result.kind == "figure":
            keep_caption(self.state.controller, self.document, self.read_choices())
        self.export_finished.emit(result)

    def _export_failed(self, message: str) -> None:
        self._export_ended()
        self.status.setText(f"Export failed: {message}")
        self.export_failed.emit(message)
        show_error(self, "Export failed", message)

    def _export_cancelled(self) -> None:
        self._export_ended()
        self.status.setText("Export cancelled: nothing was written.")
        self.export_cancelled.emit()

    def done(self, result: int) -> None:
        """Closed (the Close button, Esc or the window's close box): stop a running export,
        which then leaves nothing behind."""
        self.cancel_export()
        super().done(result)


def open_export_dialog(controller: AppController, parent: QWidget | None = None,
                       kind: str | None = None) -> QDialog:
    """Show the export dialog for the controller's case (not modal; returns at once). An open
    one is brought forward. ``kind``: an id of ``export_choices.KINDS``, e.g. "clip".
    ValueError when there is no case."""
    if controller.document is None:
        raise ValueError("there is no case to export")
    existing = parent.findChild(ExportDialog) if parent is not None else None
    if isinstance(existing, ExportDialog) and existing.isVisible() and existing.document is controller.document:
        if kind:
            existing.set_kind(kind)
        existing.raise_()
        existing.activateWindow()
        return existing
    settings = getattr(parent, "settings", None)
    dialog = ExportDialog(AppState(controller, parent), kind,
                          settings if isinstance(settings, Settings) else None, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    screen = dialog.screen().availableGeometry()  # never larger than a small laptop screen
    hint = dialog.sizeHint()
    dialog.resize(min(hint.width(), int(screen.width() * 0.95)), min(hint.height(), int(screen.height() * 0.9)))
    dialog.show()
    return dialog


def show_export_dialog(window: QWidget, controller: AppController) -> None:
    """The main window's File > Export."""
    try:
        open_export_dialog(controller, window)
    except ValueError as exc:
        show_error(window, "Export", str(exc))
