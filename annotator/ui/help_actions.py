"""The Help actions: the list of keyboard shortcuts (from the actions themselves, so it
cannot disagree with them) and About."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.ui.actions import ActionArea, ActionSpec

MOUSE_HELP = ("Space: play/pause (hold and drag to pan). Wheel: zoom at the cursor. "
              "Middle or right drag: pan. Brightness/contrast: the Window/Level tool (W), "
              "Shift + right drag, or Alt + drag; Ctrl+R resets. "
              "Right-click a shape: its menu. Double-click a shape or its label: edit the label.")


def shortcuts_dialog(parent: QWidget, specs: Iterable[ActionSpec]) -> QDialog:
    """Every shortcut in a scrolling table (about 70 rows: a message box would outgrow the
    screen), sized to fit the screen."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("Keyboard shortcuts")
    keyed = [spec for spec in specs if spec.shortcut]
    table = QTableWidget(len(keyed), 2, dialog)
    table.setHorizontalHeaderLabels(["Action", "Keys"])
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    native = QKeySequence.SequenceFormat.NativeText
    for row, spec in enumerate(keyed):
        keys = " / ".join(QKeySequence(k).toString(native) or k for k in spec.shortcut)
        table.setItem(row, 0, QTableWidgetItem(spec.text.replace("&", "").removesuffix("\u2026")))
        table.setItem(row, 1, QTableWidgetItem(keys))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    mouse = QLabel(MOUSE_HELP, dialog)
    mouse.setWordWrap(True)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(table, 1)
    layout.addWidget(mouse)
    layout.addWidget(buttons)
    screen = (parent.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    dialog.resize(min(560, screen.width() - 40), min(640, int(screen.height() * 0.8)))
    return dialog


class HelpActions(ActionArea):
    """``specs``: every action of the window in menu order (for the shortcuts list)."""

    def __init__(self, parent: QWidget, specs: Callable[[], list[ActionSpec]]) -> None:
        super().__init__(parent)
        self.widget, self.all_specs = parent, specs
        self.add("shortcuts", "&Keyboard Shortcuts", "F1", tip="List every shortcut", on_trigger=self.show_shortcuts)
        self.add("about", "&About us-annotator", on_trigger=self.show_about)

    def show_shortcuts(self) -> None:
        shortcuts_dialog(self.widget, self.all_specs()).exec()

    def show_about(self) -> None:
        from annotator.ui.dialogs.about_dialog import show_about

        show_about(self.widget)
