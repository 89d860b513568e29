"""The tracking controls of the dynamics panel: one button per way to track, a progress bar
with Cancel while a run is going, and the report of the last run with links to its frames."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.panels.dynamics_tracking import TrackRequest

TRACK_BUTTONS: dict[str, tuple[str, str]] = {
    "track_forward": ("Track to end", "Track the annotation from this frame to the clip's last frame"),
    "track_backward": ("Track backward", "Track the annotation from this frame back to the first frame"),
    "track_to_frame": ("Track to frame\u2026", "Track the annotation from this frame to a frame you choose"),
    "retrack": ("Re-track from here", "After correcting this frame, track again from it to the end of the range"),
}


class TrackingBox(QGroupBox):
    track_requested = Signal(str)  # a key of TRACK_BUTTONS
    cancel_requested = Signal()
    link_activated = Signal(str)  # "frame:N" or "next-low"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Tracking", parent)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for i, (key, (text, tip)) in enumerate(TRACK_BUTTONS.items()):
            button = QPushButton(text)
            button.setObjectName(f"dyn_{key}")
            button.setToolTip(tip)
            button.clicked.connect(lambda _c=False, k=key: self.track_requested.emit(k))
            grid.addWidget(button, i // 2, i % 2)
            self.buttons[key] = button
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop tracking; nothing is written")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.progress_row = QWidget()
        row = QHBoxLayout(self.progress_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        self.progress_row.hide()
        self.report = QLabel()
        self.report.setObjectName("dynamics_report")
        self.report.setWordWrap(True)
        self.report.linkActivated.connect(self.link_activated)
        column = QVBoxLayout(self)
        column.addLayout(grid)
        column.addWidget(self.progress_row)
        column.addWidget(self.report)

    def set_available(self, key: str, reason: str | None) -> None:
        """Enable button ``key`` (``reason`` None) or disable it saying why."""
        button, tip = self.buttons[key], TRACK_BUTTONS[key][1]
        button.setEnabled(reason is None)
        button.setToolTip(tip if reason is None else f"{tip} (not now: {reason})")

    def show_started(self, request: TrackRequest) -> None:
        self.progress.setValue(0)
        self.progress.setFormat(f"Tracking {request.describe()}")
        self.progress_row.show()

    def show_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(round(fraction * 1000))
        if text:
            self.progress.setFormat(text)

    def show_ended(self) -> None:
        self.progress_row.hide()
