"""The case's story and the names of its media, edited in the app.

``CaseInfoDialog``: the case title, history, impression (free text) and exam date, which the
report and the slides tell. ``MediaInfoDialog``: a media file's label (e.g. "Longitudinal RF,
rest and contraction"), its view (long or transverse axis) and side. Each accepted dialog is
one undoable command (``SetCaseInfo``, ``ChangeMedia``), pushed through the controller; a
dialog that changed nothing pushes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from annotator.case.commands import ChangeMedia, Command, SetCaseInfo
from annotator.case.document import CaseDocument
from annotator.case.model import MEDIA_VIEWS, SIDES, Case, MediaRef

VIEW_NAMES = {"": "not given", "longitudinal": "longitudinal (long axis)", "transverse": "transverse (short axis)"}


class Pusher(Protocol):
    """What the dialogs need from the app controller."""

    @property
    def document(self) -> CaseDocument | None: ...

    def push(self, command: Command) -> None: ...


def _text_box(text: str, placeholder: str) -> QPlainTextEdit:
    box = QPlainTextEdit(text)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setMinimumHeight(80)
    return box


def date_problem(text: str) -> str | None:
    """Why an exam date is not a date (YYYY-MM-DD), or None ("" is allowed: no date)."""
    if not text.strip():
        return None
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return f"{text.strip()!r} is not a date: write it as YYYY-MM-DD"
    return None


class CaseInfoDialog(QDialog):
    def __init__(self, case: Case, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Case Details")
        self.case = case
        self.title_edit = QLineEdit(case.title)
        self.title_edit.setPlaceholderText("e.g. Missed rectus femoris tear shown by dynamic sonography")
        self.title_edit.setCursorPosition(0)  # a long title shows its start, not its end
        self.history = _text_box(case.history, "Why the scan was done: symptoms, duration, earlier imaging")
        self.impression = _text_box(case.impression, "What the scan shows, in a sentence or two")
        self.exam_date = QLineEdit(case.exam_date)
        self.exam_date.setPlaceholderText("YYYY-MM-DD")
        self.exam_date.setToolTip("An identifier: exports show it only with 'keep identifiers'")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Title:", self.title_edit)
        form.addRow("History:", self.history)
        form.addRow("Impression:", self.impression)
        form.addRow("Exam date:", self.exam_date)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.resize(560, 460)

    def values(self) -> dict[str, str]:
        return {
            "title": self.title_edit.text().strip() or "Untitled case",
            "history": self.history.toPlainText().strip(),
            "impression": self.impression.toPlainText().strip(),
            "exam_date": self.exam_date.text().strip(),
        }

    def command(self) -> SetCaseInfo | None:
        """The edit as one command, with only the fields that changed (None: nothing did)."""
        changed = {k: v for k, v in self.values().items() if getattr(self.case, k) != v}
        return SetCaseInfo(**changed) if changed else None

    def accept(self) -> None:
        problem = date_problem(self.exam_date.text())
        if problem:
            self.problem.setText(problem)
            return
        super().accept()


class MediaInfoDialog(QDialog):
    def __init__(self, ref: MediaRef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Media Label and View")
        self.ref = ref
        self.label = QLineEdit(ref.label)
        self.label.setCursorPosition(0)  # a long label shows its start, not its end
        self.label.setPlaceholderText("e.g. Longitudinal RF, rest and contraction")
        self.label.setToolTip("How figures, slides and reports name this media (never its file name)")
        # a label like its placeholder fits whole (the dialog's own size showed 25 characters)
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(self.label.placeholderText()) + 24)
        self.view = QComboBox()
        for view in MEDIA_VIEWS:
            self.view.addItem(VIEW_NAMES[view], view)
        self.view.setCurrentIndex(max(0, self.view.findData(ref.view)))
        self.side = QComboBox()
        for side in SIDES:
            self.side.addItem(side, side)
        self.side.setCurrentIndex(max(0, self.side.findData(ref.side)))
        form = QFormLayout()
        form.addRow("Label:", self.label)
        form.addRow("View:", self.view)
        form.addRow("Side:", self.side)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def command(self) -> ChangeMedia | None:
        values = {"label": self.label.text().strip(), "view": str(self.view.currentData()),
                  "side": str(self.side.currentData())}
        changed = {k: v for k, v in values.items() if getattr(self.ref, k) != v}
        return ChangeMedia(self.ref.id, **changed) if changed else None


def edit_case_info(controller: Pusher, parent: QWidget | None = None) -> bool:
    """Show the case details; True when an edit was pushed."""
    doc = controller.document
    if doc is None:
        return False
    dialog = CaseInfoDialog(doc.case, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    command = dialog.command()
    if command is not None:
        controller.push(command)
    return command is not None


def edit_media_info(controller: Pusher, media_id: str, parent: QWidget | None = None) -> bool:
    """Show a media file's label, view and side; True when an edit was pushed."""
    doc = controller.document
    if doc is None:
        return False
    try:
        ref = doc.case.media_ref(media_id)
    except KeyError:
        return False
    dialog = MediaInfoDialog(ref, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    command = dialog.command()
    if command is not None:
        controller.push(command)
    return command is not None
