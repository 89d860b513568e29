"""Manual calibration: the user drew a line along a known distance (the scanner's depth ruler)
and types how long it is."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.tools.calibration_tool import (
    ZERO_AT_END,
    ZERO_AT_START,
    ZERO_UNKNOWN,
    KnownDistance,
)

#: where the ruler's zero is (status-bar depth is measured from it)
ZERO_CHOICES = (
    (ZERO_AT_START, "Where I started the line"),
    (ZERO_AT_END, "Where I ended the line"),
    (ZERO_UNKNOWN, "Neither (show no depth)"),
)
#: common ruler spans, offered as one-click choices (mm)
PRESETS_MM = (5.0, 10.0, 20.0, 50.0)
UNITS = {"mm": 1.0, "cm": 10.0}


class KnownDistanceDialog(QDialog):
    """Asks the real length of a drawn line; shows the resulting mm per pixel as you type."""

    def __init__(self, parent: QWidget | None, measured_px: float, initial_mm: float = 10.0) -> None:
        super().__init__(parent)
        self.measured_px = float(measured_px)
        self.setWindowTitle("Calibrate from a known distance")
        intro = QLabel(
            f"The line you drew is <b>{self.measured_px:.1f} px</b> long. How long is it in the "
            "body? Use the scanner's depth ruler or another known distance."
        )
        intro.setWordWrap(True)
        self.spin = QDoubleSpinBox()
        self.spin.setDecimals(2)
        self.spin.setRange(0.01, 1000.0)
        self.spin.setValue(initial_mm)
        self.spin.setAccessibleName("known distance")
        self.unit = QComboBox()
        self.unit.addItems(list(UNITS))
        row = QHBoxLayout()
        row.addWidget(self.spin, 1)
        row.addWidget(self.unit)
        presets = QHBoxLayout()
        for mm in PRESETS_MM:
            button = QPushButton(f"{mm:g} mm")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, v=mm: self._set_mm(v))
            presets.addWidget(button)
        self.result_label = QLabel()
        self.zero = QComboBox()
        for key, text in ZERO_CHOICES:
            self.zero.addItem(text, key)
        self.zero.setAccessibleName("depth zero")
        self.zero.setToolTip("The depth ruler's 0 (the skin line): the status bar measures depth from it")
        form = QFormLayout()
        form.addRow("Known distance:", row)
        form.addRow("Common spans:", presets)
        form.addRow("Depth zero (ruler's 0):", self.zero)
        form.addRow("Scale:", self.result_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.spin.valueChanged.connect(self._update)
        self.unit.currentTextChanged.connect(self._update)
        self._update()
        self.spin.selectAll()

    def _set_mm(self, mm: float) -> None:
        self.unit.setCurrentText("mm")
        self.spin.setValue(mm)

    def distance_mm(self) -> float:
        return float(self.spin.value()) * UNITS[self.unit.currentText()]

    def answer(self) -> KnownDistance:
        return KnownDistance(self.distance_mm(), str(self.zero.currentData()))

    def mm_per_px(self) -> float:
        return self.distance_mm() / self.measured_px

    def _update(self) -> None:
        self.result_label.setText(f"{self.mm_per_px():.4f} mm per pixel")


def ask_known_distance(parent: QWidget | None, measured_px: float) -> KnownDistance | None:
    """The length in mm of a line ``measured_px`` pixels long and where the ruler's zero is,
    or None if the user cancels (or the line is too short to calibrate from)."""
    if not measured_px >= 1.0:
        from annotator.ui.dialogs.error_dialog import show_error

        show_error(parent, "Calibration", "The calibration line is shorter than one pixel. "
                   "Draw it along a longer known distance.")
        return None
    dialog = KnownDistanceDialog(parent, measured_px)
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.answer() if accepted else None
    finally:
        dialog.deleteLater()  # not left to Python's garbage collector
