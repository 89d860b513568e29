"""The Edit actions and what they do: undo and redo (their texts name the step), delete
(asking first when findings rely on what goes) and select the annotations of this frame, edit
a label, the media's label and view, and remove a manual calibration."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from annotator.case.commands import RemoveAnnotations, SetCalibration
from annotator.ui import prompts
from annotator.ui.actions import ActionArea
from annotator.ui.annotation_menu import edit_words
from annotator.ui.controller import AppController
from annotator.ui.dialogs.case_info_dialog import edit_media_info
from annotator.ui.panels.common import unlink_summary


class EditActions(ActionArea):
    def __init__(self, parent: QWidget, controller: AppController, status: Callable[[str, int], None]) -> None:
        super().__init__(parent)
        self.widget, self.controller = parent, controller
        c = controller
        stack = c.undo_stack
        undo = self.add("undo", "&Undo", "Ctrl+Z", icon="std:SP_ArrowBack", tip="Undo the last edit",
                        on_trigger=stack.undo)
        redo = self.add("redo", "&Redo", "Ctrl+Shift+Z", "Ctrl+Y", icon="std:SP_ArrowForward", tip="Redo",
                        on_trigger=stack.redo)
        self.add("delete", "&Delete", "Del", tip="Delete the selected annotations", needs_case=True,
                 on_trigger=self.delete_selection)
        self.add("select_all", "Select &All", "Ctrl+A", tip="Select every annotation on this frame", needs_case=True,
                 on_trigger=self.select_all)
        self.add("edit_label", "Edit &Label or Text\u2026", "F2", needs_case=True,
                 tip="Name the selected annotation, or change a text annotation's words (or double-click it)",
                 on_trigger=lambda: edit_words(parent, c, status))
        self.add("media_details", "Media Label and &View\u2026",
                 tip="Name the current media (e.g. Longitudinal RF, rest and contraction) and say its view",
                 on_trigger=lambda: edit_media_info(c, c.current_media_id or "", parent))
        self.add("remove_calibration", "Remove Manual Calibration", tip="Go back to the file's own calibration",
                 on_trigger=self.remove_calibration)
        # enabled by the stack, not by the case: nothing to undo in a fresh case either
        stack.canUndoChanged.connect(undo.setEnabled)
        stack.canRedoChanged.connect(redo.setEnabled)
        stack.undoTextChanged.connect(lambda t: undo.setText(f"&Undo {t}".rstrip()))
        stack.redoTextChanged.connect(lambda t: redo.setText(f"&Redo {t}".rstrip()))
        undo.setEnabled(False)
        redo.setEnabled(False)

    def delete_selection(self) -> None:
        c = self.controller
        if c.document is None or not c.selection:
            return
        known = {a.id for a in c.document.case.annotations}
        ids = [i for i in c.selection if i in known]
        if ids:
            c.push(RemoveAnnotations(ids))

    def select_all(self) -> None:
        """Every annotation shown on this frame (hidden ones stay out of reach of Delete)."""
        c = self.controller
        c.select([a.id for a in c.annotations() if a.on_frame(c.current_frame) and not c.visibility.is_hidden(a.id)])

    def confirm_removal(self, ids: list[str]) -> bool:
        """Before deleting annotations that findings rely on, say what they take with them
        (the controller asks this before any removal: Delete, the menu, a panel)."""
        doc = self.controller.document
        lost = unlink_summary(doc.case, ids) if doc is not None else []
        if not lost:
            return True
        text = "Deleting this takes from the findings:\n" + "\n".join(lost) + "\n\n(Undo brings it back.)"
        return prompts.ask_confirm(self.widget, "Delete annotations", text, "Delete")

    def remove_calibration(self) -> None:
        c = self.controller
        if c.document is None or c.current_media_id is None:
            return
        if c.document.case.media_ref(c.current_media_id).calibration is not None:
            c.push(SetCalibration(c.current_media_id, None))
