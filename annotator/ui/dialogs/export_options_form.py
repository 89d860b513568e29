"""The export dialog's form: what to export and in which format, layout and print size, the
options of figures and clips, the caption, de-identification and the file. It shows an
``ExportChoices`` and writes the user's edits back into one; it knows nothing of exporting."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.dialogs.export_choices import (
    KIND_BY_ID,
    KINDS,
    LAYOUTS,
    PRINT_WIDTHS_MM,
    ExportChoices,
)
from annotator.ui.dialogs.export_file import FileField
from annotator.ui.dialogs.export_panels import MediaEntry

ORIENTATION_WORDS = ("", "Proximal", "Distal", "Medial", "Lateral", "Cranial", "Caudal", "Superficial", "Deep")
OPPOSITE = {"Proximal": "Distal", "Distal": "Proximal", "Medial": "Lateral", "Lateral": "Medial",
            "Cranial": "Caudal", "Caudal": "Cranial", "Superficial": "Deep", "Deep": "Superficial"}
KEEP_WARNING = ("\u26a0 The file will hold the patient's name, IDs and dates from the source, and the "
                "scanner's header text in the pixels. Only share it where that is allowed.")


def privacy_text(keep: bool) -> str:
    """The de-identification state in words that cannot be misread."""
    if keep:
        return ("De-identification: off — identifiers are kept: the patient's name, IDs and dates in "
                "the metadata, and the scanner's header text in the pixels.")
    return ("De-identification: on — no patient data in the file's metadata, and only the imaging "
            "area's pixels.")


def _row(*widgets: QWidget, stretch: bool = True) -> QHBoxLayout:
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    if stretch:
        row.addStretch(1)
    return row


class ExportOptionsForm(QWidget):
    changed = Signal()  # any choice the user made
    kind_changed = Signal(str)
    format_changed = Signal(str)  # the suffix the user picked
    draft_requested = Signal()  # "Use the draft" for the caption

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setting = False  # True while the dialog fills the widgets in
        self.caption_edited = False
        self.kind = QComboBox()
        self.kind.setObjectName("export_kind")
        for k in KINDS:
            self.kind.addItem(k.label, k.id)
        self.format = QComboBox()
        self.format.setObjectName("export_format")
        what = QGroupBox("What")
        form = QFormLayout(what)
        form.addRow("Export:", self.kind)
        form.addRow("Format:", self.format)
        self.panels_box = QGroupBox("Panels")  # the dialog puts the panels editor in it
        self.panels_column = QVBoxLayout(self.panels_box)
        self.figure_box = self._figure_group()
        self.clip_box = self._clip_group()
        self.crop_box = QGroupBox("Imaging area")  # the dialog puts the crop editor in it
        self.crop_column = QVBoxLayout(self.crop_box)
        self.caption_box = self._caption_group()
        privacy = self._privacy_group()
        self.file_box = self._file_group()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        # the file box is not in this (scrolling) column: the dialog shows it at the top
        for box in (what, self.panels_box, self.figure_box, self.clip_box, self.crop_box, self.caption_box,
                    privacy):
            column.addWidget(box)
        column.addStretch(1)
        self.kind.currentIndexChanged.connect(self._kind_picked)
        for combo in (self.format, self.layout_choice, self.width_choice, self.clip_media):
            combo.currentIndexChanged.connect(self._edited)
        for spin in (self.rows, self.cols, self.width_mm, self.dpi, self.frame_from, self.frame_to, self.speed):
            spin.valueChanged.connect(self._edited)
        for check in (self.legend, self.scale_bar, self.timestamp, self.orientation_on, self.plot,
                      self.caption_in_figure, self.keep_identifiers):
            check.toggled.connect(self._edited)
        self.left_word.currentTextChanged.connect(self._left_word_changed)
        self.right_word.currentTextChanged.connect(self._edited)
        self.caption.textChanged.connect(self._caption_typed)
        self.format.currentIndexChanged.connect(self._format_picked)

    # -- groups ----------------------------------------------------------------------------
    def _figure_group(self) -> QGroupBox:
        box = QGroupBox("Layout and print size")
        self.layout_choice = QComboBox()
        self.layout_choice.setObjectName("export_layout")
        for layout_id, text in LAYOUTS:
            self.layout_choice.addItem(text, layout_id)
        self.rows, self.cols = QSpinBox(), QSpinBox()
        for spin, name in ((self.rows, "rows"), (self.cols, "columns")):
            spin.setRange(1, 6)
            spin.setAccessibleName(f"grid {name}")
        self.width_choice = QComboBox()
        for mm in PRINT_WIDTHS_MM:
            self.width_choice.addItem(f"{mm:g} mm ({'one column' if mm < 100 else 'two columns'})", mm)
        self.width_choice.addItem("Custom", None)
        self.width_mm = QDoubleSpinBox()
        self.width_mm.setRange(20.0, 500.0)
        self.width_mm.setDecimals(0)
        self.width_mm.setSuffix(" mm")
        self.dpi = QSpinBox()
        self.dpi.setRange(72, 1200)
        self.dpi.setSingleStep(50)
        self.dpi.setSuffix(" dpi")
        self.legend = QCheckBox("Legend of the symbols")
        self.scale_bar = QCheckBox("Scale bar")
        self.timestamp = QCheckBox("Time stamp")
        self.orientation_on = QCheckBox("Orientation labels")
        self.left_word, self.right_word = QComboBox(), QComboBox()
        for combo, side in ((self.left_word, "left"), (self.right_word, "right")):
            combo.setEditable(True)
            combo.addItems(list(ORIENTATION_WORDS))
            combo.setAccessibleName(f"word at the {side} edge")
        self.plot = QCheckBox("Add a plot over time")
        self.plot.setToolTip("One more panel: the measurement of the dynamic annotation over its frames")
        form = QFormLayout(box)
        form.addRow("Layout:", _row(self.layout_choice, QLabel("rows"), self.rows, QLabel("columns"), self.cols))
        form.addRow("Print width:", _row(self.width_choice, self.width_mm))
        form.addRow("Resolution:", _row(self.dpi))
        form.addRow(_row(self.legend, self.scale_bar, self.timestamp))
        form.addRow(_row(self.orientation_on, self.left_word, QLabel("|"), self.right_word))
        form.addRow(self.plot)
        return box

    def _clip_group(self) -> QGroupBox:
        box = QGroupBox("Clip")
        self.clip_media = QComboBox()
        self.clip_media.setObjectName("export_clip_media")
        self.frame_from, self.frame_to = QSpinBox(), QSpinBox()
        self.frame_from.setAccessibleName("first frame")
        self.frame_to.setAccessibleName("last frame")
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0.1, 4.0)
        self.speed.setSingleStep(0.25)
        self.speed.setSuffix("\u00d7")
        self.speed.setToolTip("1\u00d7: the clip's own speed; 0.5\u00d7: slowed down to half speed")
        self.clip_timestamp = QCheckBox("Time stamp")
        self.clip_scale_bar = QCheckBox("Scale bar")
        self.clip_timestamp.toggled.connect(self.timestamp.setChecked)
        self.timestamp.toggled.connect(self.clip_timestamp.setChecked)
        self.clip_scale_bar.toggled.connect(self.scale_bar.setChecked)
        self.scale_bar.toggled.connect(self.clip_scale_bar.setChecked)
        form = QFormLayout(box)
        form.addRow("Clip:", self.clip_media)
        form.addRow("Frames:", _row(self.frame_from, QLabel("to"), self.frame_to))
        form.addRow("Speed:", _row(self.speed))
        form.addRow(_row(self.clip_scale_bar, self.clip_timestamp))
        return box

    def _caption_group(self) -> QGroupBox:
        box = QGroupBox("Caption")
        self.caption = QPlainTextEdit()
        self.caption.setObjectName("export_caption")
        self.caption.setPlaceholderText("Drafting the caption from the findings and measurements\u2026")
        self.caption.setFixedHeight(96)
        self.caption_state = QLabel("Drafted from the findings and measurements.")
        self.use_draft = QPushButton("Use the draft")
        self.use_draft.setToolTip("Forget your edits and draft the caption again")
        self.use_draft.setAutoDefault(False)
        self.use_draft.clicked.connect(self._use_draft)
        copy = QPushButton("Copy")
        copy.setToolTip("Copy the caption, e.g. for the manuscript")
        copy.setAutoDefault(False)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.caption.toPlainText()))
        self.caption_in_figure = QCheckBox("Set it under the picture too")
        self.caption_in_figure.setToolTip("PNG, TIFF, JPEG and DICOM: the caption as part of the picture "
                                          "(SVG and PDF always set it, as text)")
        column = QVBoxLayout(box)
        column.addWidget(self.caption)
        column.addLayout(_row(self.caption_state, self.use_draft, copy, stretch=False))
        column.addWidget(self.caption_in_figure)
        return box

    def _privacy_group(self) -> QGroupBox:
        box = QGroupBox("De-identification")
        self.keep_identifiers = QCheckBox("Keep identifiers")
        self.keep_identifiers.setToolTip("Patient name, IDs, dates and UIDs in the metadata, and the whole "
                                         "frame with the scanner's header text")
        self.keep_identifiers.setObjectName("export_keep_identifiers")
        self.keep_warning = QLabel(KEEP_WARNING)
        self.keep_warning.setWordWrap(True)
        self.keep_warning.setStyleSheet("color: #c62828; font-weight: bold;")
        self.keep_warning.setVisible(False)
        self.keep_identifiers.toggled.connect(self.keep_warning.setVisible)
        self.privacy_state = QLabel()
        self.privacy_state.setObjectName("export_privacy_state")
        self.privacy_state.setWordWrap(True)
        self.keep_identifiers.toggled.connect(self._show_privacy)
        self._show_privacy(False)
        column = QVBoxLayout(box)
        column.addWidget(self.privacy_state)
        column.addWidget(self.keep_identifiers)
        column.addWidget(self.keep_warning)
        return box

    def _show_privacy(self, keep: bool) -> None:
        self.privacy_state.setText(privacy_text(keep))

    def _file_group(self) -> QGroupBox:
        box = QGroupBox("File")
        self.file = FileField()
        self.path = self.file.line
        column = QVBoxLayout(box)
        column.addWidget(self.file)
        return box

    # -- showing and reading choices -------------------------------------------------------
    def show_choices(self, c: ExportChoices, clips: Sequence[MediaEntry]) -> None:
        self._setting = True
        try:
            self.kind.setCurrentIndex(self.kind.findData(c.kind))
            self._fill_formats(c.kind, c.suffix)
            self.layout_choice.setCurrentIndex(max(0, self.layout_choice.findData(c.layout)))
            self.rows.setValue(c.rows)
            self.cols.setValue(c.cols)
            preset = self.width_choice.findData(c.width_mm)
            self.width_choice.setCurrentIndex(preset if preset >= 0 else self.width_choice.count() - 1)
            self.width_mm.setValue(c.width_mm)
            self.dpi.setValue(c.dpi)
            self.legend.setChecked(c.legend)
            self.scale_bar.setChecked(c.scale_bar)
            self.timestamp.setChecked(c.timestamp)
            self.orientation_on.setChecked(c.orientation is not None)
            left, right = c.orientation or ("Proximal", "Distal")
            self.left_word.setCurrentText(left)
            self.right_word.setCurrentText(right)
            self.plot.setChecked(c.plot is not None)
            self.clip_media.clear()
            for e in clips:
                self.clip_media.addItem(f"{e.name} ({e.frame_count} frames)", e.id)
            self.clip_media.setCurrentIndex(max(0, self.clip_media.findData(c.clip_media)))
            self.set_frame_limits(next((e.frame_count for e in clips if e.id == c.clip_media), 1))
            self.frame_from.setValue(c.frame_from)
            self.frame_to.setValue(c.frame_to)
            self.speed.setValue(c.speed)
            self.caption_in_figure.setChecked(c.caption_in_figure)
            self.keep_identifiers.setChecked(c.keep_identifiers)
            self.update_enabled()
        finally:
            self._setting = False

    def read_into(self, c: ExportChoices) -> None:
        c.kind = str(self.kind.currentData())
        c.suffix = str(self.format.currentData() or "")
        c.layout = str(self.layout_choice.currentData())
        c.rows, c.cols = self.rows.value(), self.cols.value()
        preset = self.width_choice.currentData()
        c.width_mm = float(preset) if preset is not None else self.width_mm.value()
        c.dpi = self.dpi.value()
        c.legend, c.scale_bar, c.timestamp = (self.legend.isChecked(), self.scale_bar.isChecked(),
                                              self.timestamp.isChecked())
        left, right = self.left_word.currentText().strip(), self.right_word.currentText().strip()
        c.orientation = (left, right) if self.orientation_on.isChecked() and (left or right) else None
        data = self.clip_media.currentData()
        c.clip_media = str(data) if data is not None else None
        c.frame_from, c.frame_to = self.frame_from.value(), self.frame_to.value()
        c.speed = self.speed.value()
        c.caption = self.caption.toPlainText() if self.caption_edited else None
        c.caption_in_figure = self.caption_in_figure.isChecked()
        c.keep_identifiers = self.keep_identifiers.isChecked()

    def set_frame_limits(self, frame_count: int, whole: bool = False) -> None:
        """Frames 0..count-1 (``whole``: and choose them all), without reporting an edit."""
        last = max(0, frame_count - 1)
        for spin in (self.frame_from, self.frame_to):
            spin.blockSignals(True)
            spin.setRange(0, last)
        if whole:
            self.frame_from.setValue(0)
            self.frame_to.setValue(last)
        for spin in (self.frame_from, self.frame_to):
            spin.blockSignals(False)

    def set_plot_target(self, label: str | None) -> None:
        """The dynamic annotation a plot panel would show (None: none to plot)."""
        self.plot.setEnabled(label is not None)
        self.plot.setText(f"Add a plot over time of {label}" if label else "Add a plot over time (no dynamic "
                          "annotation)")
        if label is None:
            self.plot.setChecked(False)

    def show_draft(self, caption: str) -> None:
        """The drafted caption, unless the user has written their own."""
        if self.caption_edited or caption == self.caption.toPlainText():
            return
        self._setting = True
        try:
            self.caption.setPlainText(caption)
        finally:
            self._setting = False

    def update_enabled(self) -> None:
        kind = KIND_BY_ID[str(self.kind.currentData())]
        self.panels_box.setVisible(kind.figure)
        self.figure_box.setVisible(kind.figure)
        self.caption_box.setVisible(kind.figure)
        self.clip_box.setVisible(kind.clip)
        self.crop_box.setVisible(kind.figure or kind.clip)
        grid = self.layout_choice.currentData() == "grid"
        self.rows.setEnabled(grid)
        self.cols.setEnabled(grid)
        self.width_mm.setEnabled(self.width_choice.currentData() is None)
        for w in (self.left_word, self.right_word):
            w.setEnabled(self.orientation_on.isChecked())
        self.caption_state.setText("Your caption (used for the export)." if self.caption_edited
                                   else "Drafted from the findings and measurements.")
        self.use_draft.setEnabled(self.caption_edited)

    # -- reactions -------------------------------------------------------------------------
    def _fill_formats(self, kind_id: str, suffix: str | None) -> None:
        self.format.blockSignals(True)
        self.format.clear()
        for s, description in KIND_BY_ID[kind_id].formats:
            self.format.addItem(f"{description} ({s})", s)
        index = self.format.findData(suffix)
        self.format.setCurrentIndex(index if index >= 0 else 0)
        self.format.blockSignals(False)

    def select_format(self, suffix: str) -> bool:
        """Pick the format of ``suffix`` if the kind has it (a typed or browsed file name)."""
        index = self.format.findData(suffix)
        if index >= 0 and index != self.format.currentIndex():
            self.format.setCurrentIndex(index)
        return index >= 0

    def _format_picked(self) -> None:
        if not self._setting:
            self.format_changed.emit(str(self.format.currentData() or ""))

    def _kind_picked(self) -> None:
        if self._setting:
            return
        self._fill_formats(str(self.kind.currentData()), None)
        self.update_enabled()
        self.kind_changed.emit(str(self.kind.currentData()))
        self.changed.emit()

    def _left_word_changed(self, word: str) -> None:
        if not self._setting and word in OPPOSITE:
            self.right_word.setCurrentText(OPPOSITE[word])
        self._edited()

    def _caption_typed(self) -> None:
        if self._setting:
            return
        self.caption_edited = True
        self.update_enabled()
        self.changed.emit()

    def _use_draft(self) -> None:
        self.caption_edited = False
        self.update_enabled()
        self.draft_requested.emit()
        self.changed.emit()

    def _edited(self, *_args: object) -> None:
        if self._setting:
            return
        self.update_enabled()
        self.changed.emit()
