"""After a crash: offer the autosaves left behind, newest first, with what each one holds
(title, media file names, when it was saved, how many annotations), so several unsaved cases,
all "Untitled case", can be told apart."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.case.io import discard_autosave
from annotator.ui.start_screen import describe_when

MEDIA_NAMES_SHOWN = 3


@dataclass(frozen=True)
class AutosaveSummary:
    path: Path
    title: str
    of: str | None  # the case file it belongs to; None for a case never saved
    saved: datetime | None
    annotations: int | None
    media: tuple[str, ...] = ()  # file names (or labels) of the case's media

    def media_text(self) -> str:
        if not self.media:
            return "no media"
        shown = ", ".join(self.media[:MEDIA_NAMES_SHOWN])
        more = len(self.media) - MEDIA_NAMES_SHOWN
        return f"{shown} (+{more} more)" if more > 0 else shown

    def describe(self) -> str:
        when = describe_when(self.saved) if self.saved else "at an unknown time"
        where = f"of {self.of}" if self.of else "an unsaved case"
        count = "" if self.annotations is None else f", {self.annotations} annotation(s)"
        return f"{self.title}: {self.media_text()}\nautosaved {when}, {where}{count}"


def _media_names(entries: object) -> tuple[str, ...]:
    names: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        label, path = entry.get("label"), entry.get("path")
        if isinstance(path, str) and path:
            name = PurePath(path.replace("\\", "/")).name
            names.append(f"{label} ({name})" if isinstance(label, str) and label and label != name else name)
        elif isinstance(label, str) and label:
            names.append(label)
    return tuple(names)


def summarize_autosave(path: Path) -> AutosaveSummary:
    """What an autosave holds, read leniently: a damaged file still gets a line."""
    saved: datetime | None = None
    with contextlib.suppress(OSError):
        saved = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return AutosaveSummary(path, f"{path.name} (unreadable)", None, saved, None)
    if not isinstance(data, dict):
        return AutosaveSummary(path, f"{path.name} (unreadable)", None, saved, None)
    info = data.get("autosave") if isinstance(data.get("autosave"), dict) else {}
    stamp = info.get("saved_at") if isinstance(info, dict) else None
    if isinstance(stamp, str):
        with contextlib.suppress(ValueError):
            saved = datetime.fromisoformat(stamp)
    annotations = data.get("annotations")
    of = info.get("of") if isinstance(info, dict) else None
    return AutosaveSummary(
        path,
        str(data.get("title") or "Untitled case"),
        str(of) if of else None,
        saved,
        len(annotations) if isinstance(annotations, list) else None,
        _media_names(data.get("media")),
    )


class RecoveryDialog(QDialog):
    """Lists autosaves; Recover returns the selected one, Discard deletes it, Later keeps all."""

    def __init__(self, parent: QWidget | None, paths: list[Path]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover unsaved work")
        self.setMinimumWidth(520)
        intro = QLabel(
            "us-annotator did not close normally last time. These automatic saves hold work "
            "that was not saved. Recover one to continue where you stopped."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAlternatingRowColors(True)
        for p in paths:
            summary = summarize_autosave(Path(p))
            item = QListWidgetItem(summary.describe())
            item.setData(Qt.ItemDataRole.UserRole, str(summary.path))
            item.setToolTip(f"{summary.path}\nMedia: {', '.join(summary.media) or 'none'}")
            self.list.addItem(item)
        self.buttons = QDialogButtonBox()
        self.recover_button = self.buttons.addButton("Recover", QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Delete the selected automatic save for good")
        self.buttons.addButton(self.discard_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.later_button = self.buttons.addButton("Not now", QDialogButtonBox.ButtonRole.RejectRole)
        self.recover_button.clicked.connect(self.accept)
        self.later_button.clicked.connect(self.reject)
        self.discard_button.clicked.connect(self._discard_selected)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.list.currentRowChanged.connect(self._update_buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addWidget(self.buttons)
        if self.list.count():
            self.list.setCurrentRow(0)
        self._update_buttons()
        #: ask before deleting (tests switch it off)
        self.confirm_discard = True

    def selected_path(self) -> Path | None:
        item = self.list.currentItem()
        return None if item is None else Path(str(item.data(Qt.ItemDataRole.UserRole)))

    def _update_buttons(self) -> None:
        has = self.list.currentItem() is not None
        self.recover_button.setEnabled(has)
        self.discard_button.setEnabled(has)

    def _discard_selected(self) -> None:
        path = self.selected_path()
        if path is None:
            return
        if self.confirm_discard:
            answer = QMessageBox.question(
                self, "Discard automatic save",
                "Delete this automatic save? The unsaved work in it will be lost.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        discard_autosave(path)
        self.list.takeItem(self.list.currentRow())
        if self.list.count() == 0:
            self.reject()
        self._update_buttons()


def offer_recovery(parent: QWidget | None, paths: list[Path]) -> Path | None:
    """Ask which autosave to recover; None when there is none, or the user declines."""
    if not paths:
        return None
    dialog = RecoveryDialog(parent, [Path(p) for p in paths])
    try:
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.selected_path() if accepted else None
    finally:
        dialog.deleteLater()  # not left to Python's garbage collector
