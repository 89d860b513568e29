"""The panels of a figure as a small table: media, frame and title of each, in reading order,
with buttons to add the current frame, remove, reorder, and fill in rest and peak."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.export.figure import PanelSpec
from annotator.export.layout import MAX_PANELS, panel_letter


@dataclass(frozen=True)
class MediaEntry:
    id: str
    name: str  # as the user knows it (label or file name): on screen only
    frame_count: int


class PanelsEditor(QWidget):
    changed = Signal()  # the user edited the panels
    add_requested = Signal()  # the dialog knows the current media and frame
    rest_peak_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.media: list[MediaEntry] = []
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("export_panels")
        self.table.setHorizontalHeaderLabels(["Media", "Frame", "Title"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(110)
        self.add_button = self._button("Add current", "Add the frame shown in the viewer as a panel")
        self.remove_button = self._button("Remove", "Remove the selected panel")
        self.up_button = self._button("\u2191", "Move the selected panel earlier")
        self.down_button = self._button("\u2193", "Move the selected panel later")
        self.rest_peak_button = self._button("Rest + peak", "Two panels: rest and peak of the selected "
                                             "dynamic annotation's measurement")
        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self._remove)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(1))
        self.rest_peak_button.clicked.connect(self.rest_peak_requested)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button, self.rest_peak_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table)
        column.addLayout(buttons)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self._update_buttons()

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        return button

    # -- content ---------------------------------------------------------------------------
    def set_media(self, media: Sequence[MediaEntry]) -> None:
        self.media = list(media)

    def set_panels(self, panels: Sequence[PanelSpec]) -> None:
        """Show these panels (no ``changed``: the dialog set them, the user did not)."""
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for panel in panels:
            self._append(panel)
        self.table.blockSignals(False)
        self._update_buttons()

    def panels(self) -> list[PanelSpec]:
        out = []
        for row in range(self.table.rowCount()):
            media, frame, title = self._row_widgets(row)
            out.append(PanelSpec(str(media.currentData()), frame.value(), title.text().strip()))
        return out

    def append_panel(self, panel: PanelSpec) -> None:
        if self.table.rowCount() >= MAX_PANELS:
            return
        self._append(panel)
        self.table.selectRow(self.table.rowCount() - 1)
        self.changed.emit()

    def set_rest_peak_available(self, available: bool, tip: str = "") -> None:
        self.rest_peak_button.setEnabled(available)
        if tip:
            self.rest_peak_button.setToolTip(tip)

    def _row_widgets(self, row: int) -> tuple[QComboBox, QSpinBox, QLineEdit]:
        media = self.table.cellWidget(row, 0)
        frame = self.table.cellWidget(row, 1)
        title = self.table.cellWidget(row, 2)
        assert isinstance(media, QComboBox) and isinstance(frame, QSpinBox) and isinstance(title, QLineEdit)
        return media, frame, title

    def _append(self, panel: PanelSpec) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        media = QComboBox()
        for entry in self.media:
            media.addItem(entry.name, entry.id)
        index = media.findData(panel.media)
        media.setCurrentIndex(max(index, 0))
        frame = QSpinBox()
        frame.setAccessibleName("panel frame")
        title = QLineEdit(panel.title)
        title.setPlaceholderText("e.g. Rest, Contraction, Left")
        self.table.setCellWidget(row, 0, media)
        self.table.setCellWidget(row, 1, frame)
        self.table.setCellWidget(row, 2, title)
        self._limit_frames(media, frame)
        frame.setValue(panel.frame)
        media.currentIndexChanged.connect(lambda _i, m=media, f=frame: self._media_changed(m, f))
        frame.valueChanged.connect(lambda _v: self.changed.emit())
        title.textEdited.connect(lambda _t: self.changed.emit())
        self._letter_rows()

    def _limit_frames(self, media: QComboBox, frame: QSpinBox) -> None:
        entry = next((e for e in self.media if e.id == media.currentData()), None)
        count = entry.frame_count if entry is not None else 1
        frame.setRange(0, max(0, count - 1))
        frame.setEnabled(count > 1)

    def _media_changed(self, media: QComboBox, frame: QSpinBox) -> None:
        self._limit_frames(media, frame)
        self.changed.emit()

    def _letter_rows(self) -> None:
        self.table.setVerticalHeaderLabels([panel_letter(i) for i in range(self.table.rowCount())])

    def _selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def _remove(self) -> None:
        row = self._selected_row()
        if row < 0:
            return
        self.table.removeRow(row)
        self._letter_rows()
        self._update_buttons()
        self.changed.emit()

    def _move(self, step: int) -> None:
        row = self._selected_row()
        target = row + step
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        panels = self.panels()
        panels[row], panels[target] = panels[target], panels[row]
        self.set_panels(panels)
        self.table.selectRow(target)
        self.changed.emit()

    def _update_buttons(self) -> None:
        row = self._selected_row()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < self.table.rowCount() - 1)
        self.add_button.setEnabled(self.table.rowCount() < MAX_PANELS)
