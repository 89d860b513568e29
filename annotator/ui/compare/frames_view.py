"""Rest vs peak: two or more frames of one clip side by side, each drawn by the real viewer,
with linked zoom and pan, per-panel frame pickers, and titles that give the frame, its time
and the main measurement of the chosen annotation there ("Rest, frame 3, 0.10 s: gap 4.1 mm").
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.case.measure import PRIMARY_QUANTITY, primary_measurement
from annotator.case.model import Annotation
from annotator.dynamics.series import measurement_series
from annotator.media import MediaError
from annotator.ui.compare.errors import ComparisonError
from annotator.ui.compare.panel import CompareViewer
from annotator.ui.compare.source import FrameSource
from annotator.ui.compare.titles import (
    bold,
    change_text,
    kind_name,
    measured_text,
    panel_title,
    side_label,
)
from annotator.ui.compare.view_sync import ViewSync, link_display
from annotator.ui.controller import AppController

MAX_PANELS = 4


class FramePanel(QWidget):
    """A title, the viewer on its own frame, and a frame picker (slider and number)."""

    frame_changed = Signal(int)

    def __init__(self, controller: AppController, media_id: str, frame: int, role: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self.source = FrameSource(controller, media_id, frame, self)
        self.title = QLabel(self)
        self.title.setObjectName("panel_title")
        bold(self.title)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.viewer = CompareViewer(self.source, self)
        last = max(self.source.frame_count - 1, 0)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, last)
        self.slider.setToolTip("Frame shown in this panel")
        self.spin = QSpinBox(self)
        self.spin.setRange(0, last)
        self.spin.setPrefix("frame ")
        for picker in (self.slider, self.spin):
            picker.setValue(self.source.current_frame)
            picker.valueChanged.connect(self.set_frame)
        picker_row = QHBoxLayout()
        picker_row.addWidget(self.slider, 1)
        picker_row.addWidget(self.spin)
        column = QVBoxLayout(self)
        column.setContentsMargins(2, 2, 2, 2)
        column.addWidget(self.title)
        column.addWidget(self.viewer, 1)
        column.addLayout(picker_row)
        self.source.current_frame_changed.connect(self._frame_changed)

    @property
    def frame(self) -> int:
        return self.source.current_frame

    def set_frame(self, frame: int) -> None:
        self.source.set_frame(frame)

    def _frame_changed(self, frame: int) -> None:
        for picker in (self.slider, self.spin):
            if picker.value() != frame:
                picker.blockSignals(True)
                picker.setValue(frame)
                picker.blockSignals(False)
        self.frame_changed.emit(frame)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Comma: -1, Qt.Key.Key_Period: 1}
        key = Qt.Key(event.key())
        if key in steps:
            self.set_frame(self.frame + steps[key])
        elif key == Qt.Key.Key_Home:
            self.set_frame(0)
        elif key == Qt.Key.Key_End:
            self.set_frame(self.source.frame_count - 1)
        else:
            super().keyPressEvent(event)


class FrameComparison(QWidget):
    """Frames of one clip side by side; ``panels[i].frame`` says which."""

    def __init__(self, controller: AppController, media_id: str, frames: Sequence[int],
                 parent: QWidget | None = None, roles: Sequence[str] | None = None) -> None:
        annotation_id = initial_annotation(controller, media_id)
        chosen = plan_frames(controller, media_id, list(frames), annotation_id)  # may refuse
        super().__init__(parent)
        self.controller = controller
        self.media_id = media_id
        self.annotation_id: str | None = annotation_id
        self.setObjectName("frame_comparison")
        names = list(roles) if roles is not None else (["Rest", "Peak"] if len(chosen) == 2 else [])
        self.sync = ViewSync(self)
        self.panels: list[FramePanel] = []
        row = QHBoxLayout()
        for i, frame in enumerate(chosen):
            panel = FramePanel(controller, media_id, frame, names[i] if i < len(names) else "", self)
            panel.frame_changed.connect(self.refresh)
            self.sync.add(panel.viewer)
            row.addWidget(panel, 1)
            self.panels.append(panel)
        link_display([p.viewer for p in self.panels])

        self.choice = QComboBox(self)
        self.choice.setObjectName("measured_annotation")
        self.choice.setToolTip("The annotation measured in the titles (or click it in a panel)")
        self.choice.activated.connect(self._chosen)
        self.suggest = QPushButton("Suggest rest/peak", self)
        self.suggest.setToolTip("Put the first two panels on the rest and peak frames suggested "
                                "from the chosen annotation's measurement over time")
        self.suggest.clicked.connect(self.suggest_rest_peak)
        self.link = QCheckBox("Link zoom and pan", self)
        self.link.setChecked(True)
        self.link.toggled.connect(self.sync.set_enabled)
        fit = QPushButton("Fit", self)
        fit.setToolTip("Show the whole image in every panel")
        fit.clicked.connect(self.fit_all)
        self.summary = QLabel(self)
        self.summary.setObjectName("comparison_summary")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Measure:", self))
        bar.addWidget(self.choice)
        bar.addWidget(self.suggest)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.link)
        bar.addWidget(fit)
        column = QVBoxLayout(self)
        column.addLayout(bar)
        column.addLayout(row, 1)

        controller.case_event.connect(self._case_changed)
        controller.selection_changed.connect(self._selection_changed)
        controller.document_changed.connect(self.close)
        self._fill_choice()
        self.refresh()

    # -- the measured annotation -----------------------------------------------------------
    def _annotation(self) -> Annotation | None:
        doc = self.controller.document
        if doc is None or self.annotation_id is None:
            return None
        try:
            return doc.case.annotation(self.annotation_id)
        except KeyError:
            return None

    def _measurable(self) -> list[Annotation]:
        return [a for a in self.controller.annotations(self.media_id) if a.kind in PRIMARY_QUANTITY]

    def _fill_choice(self) -> None:
        self.choice.blockSignals(True)
        self.choice.clear()
        self.choice.addItem("(none)", None)
        for a in self._measurable():
            span = f", frames {a.frame}\u2013{a.last_frame}" if a.is_dynamic else f", frame {a.frame}"
            self.choice.addItem(f"{a.label or a.id} ({kind_name(a.kind)}{span})", a.id)
        index = self.choice.findData(self.annotation_id)
        self.choice.setCurrentIndex(max(index, 0))
        self.choice.blockSignals(False)

    def _chosen(self, index: int) -> None:
        ident = self.choice.itemData(index)
        self.set_annotation(ident)
        if ident is not None:
            self.controller.select([ident])

    def set_annotation(self, annotation_id: str | None) -> None:
        """Measure ``annotation_id`` in the titles (None: titles without a measurement)."""
        self.annotation_id = annotation_id
        index = self.choice.findData(annotation_id)
        if index >= 0 and index != self.choice.currentIndex():
            self.choice.setCurrentIndex(index)
        self.refresh()

    def _selection_changed(self, ids: list[str]) -> None:
        measurable = {a.id for a in self._measurable()}
        picked = next((i for i in ids if i in measurable), None)
        if picked is not None and picked != self.annotation_id:
            self.set_annotation(picked)

    def _case_changed(self, event: object) -> None:
        what, ident, change = (getattr(event, k, "") for k in ("what", "id", "change"))
        if what == "media" and ident == self.media_id and change == "removed":
            self.close()
            return
        if what == "annotation":
            if change == "removed" and ident == self.annotation_id:
                self.annotation_id = None
            self._fill_choice()
        self.refresh()

    # -- actions ---------------------------------------------------------------------------
    def suggest_rest_peak(self) -> None:
        """First two panels to the rest and peak suggested from the annotation's series."""
        found = (rest_peak_suggestion(self.controller, self._annotation()) if len(self.panels) >= 2
                 else "Rest and peak need two panels")
        if isinstance(found, str):
            self.summary.setText(found)
            return
        self.panels[0].role, self.panels[1].role = "Rest", "Peak"
        self.panels[0].set_frame(found[0])
        self.panels[1].set_frame(found[1])
        self.refresh()

    def fit_all(self) -> None:
        for panel in self.panels:
            panel.viewer.fit()

    # -- titles ----------------------------------------------------------------------------
    def titles(self) -> list[str]:
        return [p.title.text() for p in self.panels]

    def refresh(self, *_args: object) -> None:
        annotation = self._annotation()
        media = self.panels[0].source.current_media() if self.panels else None
        self.suggest.setEnabled(annotation is not None and annotation.is_dynamic and len(self.panels) >= 2)
        for panel in self.panels:
            measured = None
            if annotation is not None:
                measured = measured_text(annotation, primary_measurement(
                    self.controller.measure(annotation, panel.frame)))
            time_ms = media.time_ms(panel.frame) if media is not None else 0.0
            panel.title.setText(panel_title(panel.role, panel.frame, time_ms, measured))
        self.summary.setText(self._change_text(annotation))
        ref = self.panels[0].source.media_ref() if self.panels else None
        if ref is not None:
            self.setWindowTitle(f"Compare frames \u2014 {side_label(ref)}")

    def _change_text(self, annotation: Annotation | None) -> str:
        doc = self.controller.document
        if annotation is None or doc is None or len(self.panels) < 2:
            return ""
        first, second = self.panels[0], self.panels[1]
        try:
            rest, peak, change = doc.change_between(annotation, first.frame, second.frame)
        except (ValueError, IndexError, MediaError):
            return ""
        return change_text(annotation, rest, peak, change, first.role, second.role)


def plan_frames(controller: AppController, media_id: str, frames: list[int],
                annotation_id: str | None) -> list[int]:
    """The frames to show: those asked for (checked), or for none the rest and peak suggested
    from the annotation, else the first and last frame; for one, it and the last (or first).
    Raises ComparisonError with a message for the user."""
    doc = controller.document
    if doc is None:
        raise ComparisonError("Open a case before comparing frames")
    try:
        ref = doc.case.media_ref(media_id)
        media = doc.media(media_id)
    except KeyError:
        raise ComparisonError(f"The case has no media {media_id!r}") from None
    except MediaError as exc:
        raise ComparisonError(str(exc)) from None
    if media.frame_count < 2:
        raise ComparisonError(f"{ref.label or ref.path} is a still image: comparing frames needs a clip")
    last = media.frame_count - 1
    if len(frames) > MAX_PANELS:
        raise ComparisonError(f"At most {MAX_PANELS} frames can be compared side by side, not {len(frames)}")
    for f in frames:
        if not 0 <= f <= last:
            raise ComparisonError(f"Frame {f} is outside {ref.label or ref.path} (frames 0 to {last})")
    if len(frames) >= 2:
        return frames
    if frames:
        return [frames[0], last if frames[0] != last else 0]
    annotation = doc.case.annotation(annotation_id) if annotation_id is not None else None
    found = rest_peak_suggestion(controller, annotation)
    return list(found) if isinstance(found, tuple) else [0, last]


def rest_peak_suggestion(controller: AppController, annotation: Annotation | None) -> tuple[int, int] | str:
    """(rest, peak): the annotation's own, else suggested from its measurement over time; or why not."""
    doc = controller.document
    if annotation is None or doc is None or not annotation.is_dynamic:
        return "Choose an annotation that spans frames (a tracked one) first"
    try:
        series = measurement_series(doc, annotation).with_chosen_or_suggested_rest_peak()
        rest, peak = series.rest_frame, series.peak_frame
    except (MediaError, ValueError, IndexError) as exc:
        return f"Cannot suggest rest and peak: {exc}"
    if rest is None or peak is None:
        return f"{annotation.label or annotation.id} has no values to suggest rest and peak from"
    return rest, peak


def initial_annotation(controller: AppController, media_id: str) -> str | None:
    """The selected measurable annotation on this media, else its first dynamic one."""
    measurable = [a for a in controller.annotations(media_id) if a.kind in PRIMARY_QUANTITY]
    ids = {a.id for a in measurable}
    selected = next((i for i in controller.selection if i in ids), None)
    if selected is not None:
        return selected
    return next((a.id for a in measurable if a.is_dynamic), None)
