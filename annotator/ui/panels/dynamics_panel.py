"""The dynamics panel: the selected annotation's measurement over time on a clip.

It plots the series (``dynamics.series``, painted by ``render.plot``) with rest and peak, shows
minimum, maximum, range and percent change, follows the playhead, and jumps to a frame clicked
on the plot. It tracks the annotation through the clip on a worker (``TrackingRunner``; one
undo step per run) and reports lost and low-confidence frames as links to those frames. It
edits keyframes and the frame range (``KeyframeBar``) and saves the series as CSV and the plot
as PNG, SVG or PDF. The case is the only truth: every edit goes through ``controller.push``;
the series shown, with its rest and peak, is the controller's ``selected_series``, and rest and
peak chosen by hand are the annotation's own (``rest_frame``, ``peak_frame``), set by an
undoable command. The panel keeps no state of its own but tracking reports.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from annotator.case.kinds import display_name, kind_spec
from annotator.case.model import Annotation
from annotator.case.wording import first_upper
from annotator.dynamics.series import Series
from annotator.dynamics.tracking import TrackOptions
from annotator.media.base import MediaError
from annotator.ui.controller import AppController
from annotator.ui.panels.common import Debouncer
from annotator.ui.panels.dynamics_export import save_series_plot
from annotator.ui.panels.dynamics_tracking import (
    TrackingRunner,
    TrackOutcome,
    TrackRequest,
    outcome_report,
    plan_tracking,
)
from annotator.ui.panels.keyframe_bar import KeyframeBar
from annotator.ui.panels.plot_widget import SeriesPlotWidget
from annotator.ui.panels.series_files import SeriesFiles
from annotator.ui.panels.series_stats_view import (
    SeriesStatsView,
    frame_ranges,
    low_confidence_frames,
)
from annotator.ui.panels.tracking_box import TrackingBox
from annotator.ui.selected_series import Which, has_value
from annotator.ui.settings import Settings

AskFrame = Callable[[int, int, int], int | None]  # (default, lowest, highest) -> frame or None


class ControlsColumn(QScrollArea):
    """The buttons and numbers beside the plot: scrolled up and down in a short window, and
    sideways only where its buttons do not fit (Qt showed an empty sideways bar over word-
    wrapped numbers whenever the upright one was shown)."""

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        content = self.widget()
        need = content.minimumSizeHint().width() if content is not None else 0
        fits = self.width() - 2 * self.frameWidth() - self.verticalScrollBar().sizeHint().width() >= need
        policy = Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fits else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        if self.horizontalScrollBarPolicy() != policy:
            self.setHorizontalScrollBarPolicy(policy)
        super().resizeEvent(event)


class DynamicsPanel(QWidget):
    def __init__(self, controller: AppController, parent: QWidget | None = None,
                 settings: Settings | None = None, track_options: TrackOptions | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dynamics_panel")
        self.controller = controller
        self.settings = settings or Settings()
        self.annotation_id: str | None = None  # the annotation shown (for its tracking report)
        self.model = controller.selected_series
        # the model's series as last shown: a drag's many edits re-measure once, when the
        # debounced refresh asks the model again
        self._shown: Series | None = None
        self.reports: dict[str, str] = {}  # annotation id -> its last tracking report (rich text)
        self.directions: dict[str, int] = {}  # annotation id -> direction it was last tracked
        self.bound_actions: dict[str, QAction] = {}
        self.files = SeriesFiles(self, controller, self.settings)
        self.ask_frame: AskFrame = self._ask_frame
        self.tracker = TrackingRunner(controller, self, track_options)
        self._build()
        self.refresh_later = Debouncer(self.refresh, 40, self)
        controller.document_changed.connect(self._document_changed)
        controller.current_media_changed.connect(lambda _m: self.refresh())
        controller.selection_changed.connect(lambda _ids: self.refresh())
        controller.case_event.connect(self._case_changed)
        controller.current_frame_changed.connect(lambda _f: self.update_frame())
        self.tracker.started.connect(self._tracking_started)
        self.tracker.progressed.connect(self.tracking.show_progress)
        self.tracker.finished.connect(self._tracking_finished)
        self.refresh()

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.header = QLabel()
        self.header.setObjectName("dynamics_header")
        self.header.setWordWrap(True)
        self.plot = SeriesPlotWidget()
        self.plot.frame_picked.connect(self.controller.set_current_frame)
        self.plot.rest_requested.connect(self.set_rest)
        self.plot.peak_requested.connect(self.set_peak)
        self.stats = SeriesStatsView()
        self.rest_button = QPushButton("Set rest here")
        self.rest_button.setToolTip("Use this frame as rest (or right-click the plot)")
        self.peak_button = QPushButton("Set peak here")
        self.peak_button.setToolTip("Use this frame as peak (or right-click the plot)")
        self.suggest_button = QPushButton("Suggest")
        self.suggest_button.setToolTip("Rest and peak from the series' extremes (rest on the side the clip starts)")
        self.rest_button.clicked.connect(lambda: self.set_rest())
        self.peak_button.clicked.connect(lambda: self.set_peak())
        self.suggest_button.clicked.connect(self.use_suggested_rest_peak)
        picks = QHBoxLayout()
        for button in (self.rest_button, self.peak_button, self.suggest_button):
            picks.addWidget(button)
        series_box = QGroupBox("Measurement over time")
        column = QVBoxLayout(series_box)
        column.addWidget(self.header)
        column.addWidget(self.plot, 1)

        self.tracking = TrackingBox()
        self.tracking.track_requested.connect(lambda key: self.handlers()[key]())
        self.tracking.cancel_requested.connect(self.tracker.cancel)
        self.tracking.link_activated.connect(self.follow_link)

        self.keyframes = KeyframeBar()
        self.keyframes.command_requested.connect(self.controller.push)
        self.keyframes.frame_requested.connect(self.controller.set_current_frame)
        key_box = QGroupBox("Keyframes and range")
        QVBoxLayout(key_box).addWidget(self.keyframes)

        self.csv_button = QPushButton("Save CSV\u2026")
        self.csv_button.setToolTip("Save frame, time, value, unit and confidence of every frame as CSV")
        self.plot_button = QPushButton("Save plot\u2026")
        self.plot_button.setToolTip("Save the plot as a figure panel: PNG (300 dpi), SVG or PDF")
        self.csv_button.clicked.connect(self.save_csv_dialog)
        self.plot_button.clicked.connect(self.save_plot_dialog)
        export = QHBoxLayout()
        export.addStretch(1)
        export.addWidget(self.csv_button)
        export.addWidget(self.plot_button)

        # side by side: the panel lives in a wide, short dock under the image, where a column
        # would squeeze the plot (and its axis labels) to nothing
        controls = QWidget()
        side = QVBoxLayout(controls)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.stats)
        side.addLayout(picks)
        side.addWidget(self.tracking)
        side.addWidget(key_box)
        side.addLayout(export)
        side.addStretch(1)
        scroller = ControlsColumn()
        scroller.setObjectName("dynamics_controls")
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        scroller.setWidget(controls)
        # a narrow window scrolls the buttons, not the plot; at 1366 px and wider the column's
        # share holds them whole (its numbers wrap, its buttons stand two abreast)
        scroller.setMinimumWidth(160)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(series_box, 3)
        layout.addWidget(scroller, 2)
        self.setMinimumHeight(120)  # a short window may clip the plot rather than refuse to shrink

    # -- what is shown ---------------------------------------------------------------------
    @property
    def series(self) -> Series | None:
        """The series shown: the selected annotation's (``AppController.selected_series``)."""
        return self._shown

    def annotation(self) -> Annotation | None:
        """The first selected annotation on the current media."""
        return self.model.annotation()

    def frame_count(self, annotation: Annotation | None = None) -> int:
        a = annotation or self.annotation()
        document = self.controller.document
        if a is None or document is None:
            return 0
        try:
            return document.media(a.media).frame_count
        except MediaError:
            return 0

    def refresh(self) -> None:
        """Recompute the series of the selected annotation and everything shown."""
        a = self.annotation()
        self.annotation_id = a.id if a is not None else None
        series = self._shown = self.model.series()
        placeholder = "Select a caliper or trace on a clip to see its measurement over time."
        header = "No annotation selected."
        if a is not None:
            name = f"{a.label} ({a.id})" if a.label else a.id
            kind = display_name(a.kind)
            header = f"<b>{html.escape(name)}</b>: {kind}"
            count = self.frame_count(a)
            spec = kind_spec(a.kind)
            if count < 2:
                placeholder = "This is a still image: measurements over time need a clip."
            elif spec is None or not spec.measures:
                placeholder = f"A {kind} has no measurement to plot; it can still be tracked and keyframed."
            elif series is None:
                placeholder = self.model.problem() or placeholder
            else:
                header += f", {series.quantity} in {series.unit_text}"
            if not a.is_dynamic and count >= 2:
                header += " \u2014 on one frame: track it or make it dynamic to follow it through the clip."
            if series is not None and series.notes:
                header += "<br>" + html.escape(" ".join(series.notes))
        self.header.setText(header)
        self.plot.set_series(series, placeholder)
        self.update_frame()
        self._show_report()

    def update_frame(self) -> None:
        """What depends on the current frame: cursor, values, keyframe and tracking buttons."""
        a = self.annotation()
        frame = self.controller.current_frame
        self.plot.set_current_frame(frame)
        self.stats.show_series(self.series, frame, self.model.manual())
        self.keyframes.show_for(a if not self.tracker.running else None, frame, self.frame_count(a))
        self._update_buttons(a)

    def _update_buttons(self, a: Annotation | None) -> None:
        idle = not self.tracker.running
        enabled: dict[str, bool] = {}
        for key in self.tracking.buttons:
            request = self.track_request(key)
            reason = request if isinstance(request, str) else None if idle else "tracking is running"
            self.tracking.set_available(key, reason)
            enabled[key] = reason is None
        series = self.series
        here = series is not None and has_value(series, self.controller.current_frame)
        enabled["set_rest"] = enabled["set_peak"] = here
        enabled["suggest_rest_peak"] = series is not None and any(self.model.manual())
        enabled["export_series_csv"] = enabled["export_series_plot"] = series is not None and bool(series.valid)
        enabled["next_uncertain"] = series is not None and bool(low_confidence_frames(series))
        enabled["cancel_tracking"] = not idle
        for key, edit in self.keyframes.edits.items():
            enabled[key] = edit.available
        self.rest_button.setEnabled(enabled["set_rest"])
        self.peak_button.setEnabled(enabled["set_peak"])
        self.suggest_button.setEnabled(enabled["suggest_rest_peak"])
        self.csv_button.setEnabled(enabled["export_series_csv"])
        self.plot_button.setEnabled(enabled["export_series_plot"])
        for key, action in self.bound_actions.items():
            action.setEnabled(enabled.get(key, False))

    def _show_report(self) -> None:
        parts = []
        if self.annotation_id is not None and self.annotation_id in self.reports:
            parts.append(self.reports[self.annotation_id])
        low = low_confidence_frames(self.series) if self.series is not None else []
        if low:
            parts.append(f"Low tracking confidence on frame(s) {frame_ranges(low)} (shaded on the plot): "
                         '<a href="next-low">next one</a>')
        self.tracking.report.setText("<br>".join(parts))

    def _case_changed(self, _event: object) -> None:
        self.update_frame()  # keyframe buttons must match the case at once
        self.refresh_later()

    def _document_changed(self) -> None:
        self.reports.clear()
        self.directions.clear()
        self.refresh()

    # -- rest and peak ---------------------------------------------------------------------
    def set_rest(self, frame: int | None = None) -> bool:
        """Use ``frame`` (default: the current one) as rest; False when it has no value."""
        return self._pick("rest", frame)

    def set_peak(self, frame: int | None = None) -> bool:
        return self._pick("peak", frame)

    def _pick(self, which: Which, frame: int | None) -> bool:
        if self.series is None:
            return False
        try:
            self.model.pick(which, self.controller.current_frame if frame is None else frame)
        except ValueError as exc:
            self.controller.status.emit(first_upper(str(exc)))
            return False
        self._show_picked()
        return True

    def use_suggested_rest_peak(self) -> None:
        if self.series is not None:
            self.model.use_suggestion()
            self._show_picked()

    def _show_picked(self) -> None:
        self._shown = self.model.series()
        self.plot.set_series(self._shown)
        self.update_frame()

    # -- tracking --------------------------------------------------------------------------
    def track_request(self, how: str, target: int | None = None) -> TrackRequest | str:
        """What tracking ``how`` would do now, or why it cannot (see ``plan_tracking``)."""
        a = self.annotation()
        if a is None:
            return "select an annotation on a clip"
        return plan_tracking(a, self.frame_count(a), self.controller.current_frame, how, target,
                             self.directions.get(a.id, 1))

    def _track(self, how: str, target: int | None = None) -> bool:
        if self.tracker.running:
            return False
        request = self.track_request(how, target)
        if isinstance(request, str):
            self.controller.error.emit("Cannot track", first_upper(request) + ".")
            return False
        self.directions[request.annotation_id] = request.direction
        return self.tracker.start(request)

    def track_to_end(self) -> bool:
        return self._track("track_forward")

    def track_backward(self) -> bool:
        return self._track("track_backward")

    def retrack_from_here(self) -> bool:
        return self._track("retrack")

    def track_to_frame(self, frame: int | None = None) -> bool:
        if frame is None:
            last = self.frame_count() - 1
            if last < 1:
                return False
            frame = self.ask_frame(last, 0, last)
            if frame is None:
                return False
        return self._track("track_to_frame", frame)

    def _ask_frame(self, default: int, lowest: int, highest: int) -> int | None:
        frame, ok = QInputDialog.getInt(self, "Track to frame", f"Track to frame ({lowest}\u2013{highest}):",
                                        default, lowest, highest)
        return frame if ok else None

    def _tracking_started(self, request: TrackRequest) -> None:
        self.tracking.show_started(request)
        self.update_frame()

    def _tracking_finished(self, outcome: TrackOutcome) -> None:
        self.tracking.show_ended()
        if outcome.case_closed:  # its ids may name other annotations in the case open now
            self.update_frame()
            return
        self.reports[outcome.request.annotation_id] = outcome_report(outcome)
        if outcome.error:
            self.controller.error.emit("Cannot track", first_upper(outcome.error))
        elif outcome.message:
            self.controller.status.emit(outcome.message)
        self.refresh_later.flush()
        self.refresh()

    # -- navigation ------------------------------------------------------------------------
    def follow_link(self, link: str) -> None:
        if link == "next-low":
            self.next_low_confidence_frame()
        elif (m := re.fullmatch(r"frame:(\d+)", link)) is not None:
            self.controller.set_current_frame(int(m.group(1)))

    def next_low_confidence_frame(self) -> int | None:
        """Go to the next frame tracked with low confidence (after the playhead, wrapping)."""
        frames = low_confidence_frames(self.series) if self.series is not None else []
        if not frames:
            return None
        current = self.controller.current_frame
        target = next((f for f in frames if f > current), frames[0])
        self.controller.set_current_frame(target)
        return target

    # -- export ----------------------------------------------------------------------------
    def save_csv(self, path: str | Path) -> Path:
        """Write the series as CSV (OSError when it cannot be written)."""
        if self.series is None:
            raise ValueError("there is no measurement over time to save")
        return self.series.save_csv(path)

    def save_plot(self, path: str | Path) -> Path:
        """Write the plot as PNG, SVG or PDF by the extension."""
        if self.series is None:
            raise ValueError("there is no measurement over time to save")
        return save_series_plot(self.series, path)

    def save_csv_dialog(self) -> Path | None:
        return self.files.save_csv(self.series) if self.series is not None else None

    def save_plot_dialog(self) -> Path | None:
        return self.files.save_plot(self.series) if self.series is not None else None

    # -- actions of the window -------------------------------------------------------------
    def handlers(self) -> dict[str, Callable[[], object]]:
        """What each action id of the Dynamics menu does (``DynamicsActions``; the tracking box)."""
        kb = self.keyframes
        return {
            "track_forward": self.track_to_end,
            "track_backward": self.track_backward,
            "track_to_frame": self.track_to_frame,
            "retrack": self.retrack_from_here,
            "cancel_tracking": self.tracker.cancel,
            "set_rest": self.set_rest,
            "set_peak": self.set_peak,
            "suggest_rest_peak": self.use_suggested_rest_peak,
            "next_uncertain": self.next_low_confidence_frame,
            "make_keyframe": lambda: kb.trigger("make_keyframe"),
            "delete_keyframe": lambda: kb.trigger("delete_keyframe"),
            "range_start_here": lambda: kb.trigger("range_start_here"),
            "range_end_here": lambda: kb.trigger("range_end_here"),
            "make_dynamic": lambda: kb.trigger("make_dynamic"),
            "export_series_csv": self.save_csv_dialog,
            "export_series_plot": self.save_plot_dialog,
        }

    def follow_actions(self, actions: dict[str, QAction]) -> None:
        """Keep the window's actions whose ids the panel handles (``DynamicsActions``)
        enabled only when they can act."""
        for key in self.handlers():
            action = actions.get(key)
            if action is not None:
                self.bound_actions[key] = action
        self.update_frame()
