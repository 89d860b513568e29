"""The file an export writes: a name that follows the kind and format of output (never the case
title, which often names the patient) and never an existing file, until the user types or
browses their own; then only its extension follows the format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from annotator.ui.dialogs.export_choices import KindChoice, free_path


class FileField(QWidget):
    named = Signal(str)  # the user typed or browsed a name (its extension, lower case)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: where a new name goes (the dialog sets it: the last export folder or the case's)
        self.default_folder: Callable[[], Path] = Path.home
        self.custom_name = False
        self.confirmed: Path | None = None  # the file dialog already asked to replace it
        self.line = QLineEdit()
        self.line.setObjectName("export_path")
        self.browse_button = QPushButton("Browse\u2026")
        self.browse_button.setAutoDefault(False)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.line, 1)
        row.addWidget(self.browse_button)
        self.line.textEdited.connect(self._typed)
        self._kind: KindChoice | None = None
        self._suffix = ""
        self.browse_button.clicked.connect(self.browse)

    def follow(self, kind: KindChoice, suffix: str) -> None:
        """The kind or the format changed: name the file after them (or fix the extension of
        the user's own name)."""
        self._kind, self._suffix = kind, suffix
        text = self.line.text().strip()
        current = Path(text) if text else None
        if self.custom_name and current is not None:
            path = current.with_suffix(suffix)
        else:
            folder = current.parent if current is not None else self.default_folder()
            path = free_path(folder, kind.default_name, suffix)
        self.line.setText(str(path))

    def problem(self) -> str | None:
        text = self.line.text().strip()
        if not text:
            return "Choose a file to write"
        if Path(text).suffix.lower() != self._suffix:
            return f"The file name should end in {self._suffix} for this format"
        return None

    def target(self) -> Path:
        path = Path(self.line.text().strip()).expanduser()
        return path if path.is_absolute() else self.default_folder() / path

    def exported(self, written: Path) -> None:
        """After an export: the next default name is a fresh one; the user's own name stays
        (exporting to it again asks before replacing)."""
        if self._kind is not None and not self.custom_name:
            self.line.setText(str(free_path(written.parent, self._kind.default_name, self._suffix)))
        self.confirmed = None

    def browse(self) -> None:
        if self._kind is None:
            return
        formats = self._kind.formats
        filters = ";;".join(f"{d} (*{s})" for s, d in formats)
        current = dict(formats).get(self._suffix, formats[0][1])
        name, _ = QFileDialog.getSaveFileName(self, "Export to", str(self.target()), filters,
                                              f"{current} (*{self._suffix})")
        if not name:
            return
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(self._suffix)
        self.confirmed = path
        self.line.setText(str(path))
        self._typed(str(path))

    def _typed(self, text: str) -> None:
        self.custom_name = True
        self.named.emit(Path(text.strip()).suffix.lower())
