"""The File actions and what they do: new, open (remembering the folder; ``recent_menu``
remembers the files that open), PACS, save, save as, case details, close, the start screen,
quit; and, for the window, the demo, recovering autosaves after a crash and the
unsaved-changes prompt."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from annotator.case.autosave import find_recoverable
from annotator.media.kinds import dialog_filter
from annotator.ui.actions import ActionArea
from annotator.ui.controller import AppController
from annotator.ui.dialogs.case_info_dialog import edit_case_info
from annotator.ui.settings import Settings

if TYPE_CHECKING:
    from annotator.ui.pacs_dialog import PacsBrowser

OPEN_FILTER = dialog_filter(with_cases=True)
ShowError = Callable[[str, str], None]


class FileActions(ActionArea):
    """File menu. ``parent`` is the dialogs' parent; ``show_start_screen`` and ``quit`` are
    the window's own (closing the window asks about unsaved changes)."""

    def __init__(self, parent: QWidget, controller: AppController, settings: Settings,
                 status: Callable[[str, int], None], show_error: ShowError,
                 show_start_screen: Callable[[], object], quit: Callable[[], object]) -> None:
        super().__init__(parent)
        self.widget, self.controller, self.settings = parent, controller, settings
        self.status, self.show_error = status, show_error
        c = controller
        self.add("new_case", "&New Case", "Ctrl+N", icon="std:SP_FileIcon", tip="Start an empty case",
                 on_trigger=c.new_case)
        self.add("open", "&Open\u2026", "Ctrl+O", icon="std:SP_DialogOpenButton",
                 tip="Open a case, or add DICOM, video or image files to the case", on_trigger=self.open_dialog)
        self.add("open_pacs", "Open from &PACS\u2026", tip="Search a PACS (DICOMweb or DIMSE) and open a study as a case",
                 on_trigger=self.open_from_pacs)
        self.add("store_pacs", "S&tore to PACS\u2026", needs_case=True, on_trigger=self.store_to_pacs,
                 tip="Send the measurements (DICOM SR) and the annotated frame into the patient's study on the PACS")
        self.add("save", "&Save", "Ctrl+S", icon="std:SP_DialogSaveButton", tip="Save the case", needs_case=True,
                 on_trigger=self.save)
        self.add("save_as", "Save &As\u2026", "Ctrl+Shift+S", tip="Save the case under another name", needs_case=True,
                 on_trigger=self.save_as)
        self.add("case_details", "Case &Details\u2026", on_trigger=lambda: edit_case_info(c, parent),
                 tip="The case title, history, impression and exam date, as the report and slides tell them")
        self.add("close_case", "&Close Case", "Ctrl+W", tip="Close the case", needs_case=True,
                 on_trigger=c.close_document)
        self.add("start_screen", "Start Screen", tip="Show recent cases and the demo", on_trigger=show_start_screen)
        self.add("quit", "&Quit", "Ctrl+Q", tip="Quit us-annotator", on_trigger=quit)

    # -- opening ---------------------------------------------------------------------------
    def open_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self.widget, "Open a case or media", str(self.settings.last_folder()),
                                                OPEN_FILTER)
        if files:
            self.settings.set_last_folder(Path(files[0]).parent)
            self.open_paths([Path(f) for f in files])

    def open_paths(self, paths: list[Path]) -> None:
        existing = [Path(p) for p in paths if Path(p).exists()]
        if existing:  # File > Open starts where these came from (the command line, a drop)
            self.settings.set_last_folder(existing[0] if existing[0].is_dir() else existing[0].parent)
        self.controller.open_paths([Path(p) for p in paths])

    def open_demo(self) -> None:
        from annotator.demo import demo_case_path

        try:
            path = demo_case_path()
        except (OSError, FileNotFoundError) as exc:
            self.show_error("Cannot open the demo", str(exc))
            return
        self.open_paths([path])  # a recent case like any other, so its autosave is found

    def open_from_pacs(self) -> PacsBrowser:
        """The PACS browser (returned for tests): studies download as cases, clips stream."""
        from annotator.ui.pacs_dialog import open_from_pacs
        from annotator.ui.pacs_open import add_streamed_media

        return open_from_pacs(self.widget, self.open_paths,
                              lambda media: add_streamed_media(self.controller, self.widget, self.status, media))

    def store_to_pacs(self) -> None:
        from annotator.ui.pacs_store import store_to_pacs

        store_to_pacs(self.widget, self.controller, self.status, self.show_error)

    def offer_recovery(self) -> bool:
        """After a crash: offer the autosaves left behind; True when one was recovered."""
        from annotator.demo import user_demo_dir

        controller = self.controller
        folders = {r.path.parent for r in self.settings.recent_files("case")} | {user_demo_dir()}
        found = [p for p in find_recoverable(folders) if not p.name.startswith(f"unsaved-{controller.session}.")]
        if not found:
            return False
        from annotator.ui.dialogs.recovery_dialog import offer_recovery as ask

        chosen = ask(self.widget, found)
        if chosen is None or (controller.is_modified and not controller.confirm_discard()):
            return False
        return controller.recover(chosen)

    # -- saving ----------------------------------------------------------------------------
    def save(self) -> bool:
        doc = self.controller.document
        if doc is None:
            return False
        if doc.path is None:
            return self.save_as()
        return self.controller.save()

    def save_as(self) -> bool:
        doc = self.controller.document
        if doc is None:
            return False
        start = doc.path or self.settings.last_folder() / f"{doc.case.title or 'case'}.uscase.json"
        name, _ = QFileDialog.getSaveFileName(self.widget, "Save case as", str(start), "Cases (*.uscase.json)")
        if not name:
            return False
        path = Path(name)
        if not path.name.lower().endswith(".uscase.json"):
            path = path.with_name(path.name.removesuffix(".json") + ".uscase.json")
        if self.controller.save(path):
            self.settings.set_last_folder(path.parent)
            return True
        return False

    def confirm_discard(self) -> bool:
        """Save, discard or keep unsaved changes; True when it is fine to go on."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          "The case has changes that are not saved.", parent=self.widget)
        box.setInformativeText("Save them before closing?")
        box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                               | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard
