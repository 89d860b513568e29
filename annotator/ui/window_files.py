"""Files from the window's point of view: opening (remembering the folder; ``recent_menu``
remembers the files that open), the demo, recovering autosaves after a crash, and the unsaved-changes prompt."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from annotator.case.autosave import find_recoverable
from annotator.ui.window_actions import save

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow


def open_paths(window: MainWindow, paths: list[Path]) -> None:
    existing = [Path(p) for p in paths if Path(p).exists()]
    if existing:  # File > Open starts where these came from (the command line, a drop)
        window.settings.set_last_folder(existing[0] if existing[0].is_dir() else existing[0].parent)
    window.controller.open_paths([Path(p) for p in paths])


def open_demo(window: MainWindow) -> None:
    from annotator.demo import demo_case_path

    try:
        path = demo_case_path()
    except (OSError, FileNotFoundError) as exc:
        window.show_error("Cannot open the demo", str(exc))
        return
    window.open_paths([path])  # a recent case like any other, so its autosave is found


def offer_recovery(window: MainWindow) -> bool:
    """After a crash: offer the autosaves left behind; True when one was recovered."""
    from annotator.demo import user_demo_dir

    controller = window.controller
    folders = {r.path.parent for r in window.settings.recent_files("case")} | {user_demo_dir()}
    found = [p for p in find_recoverable(folders) if not p.name.startswith(f"unsaved-{controller.session}.")]
    if not found:
        return False
    from annotator.ui.dialogs.recovery_dialog import offer_recovery as ask

    chosen = ask(window, found)
    if chosen is None or (controller.is_modified and not controller.confirm_discard()):
        return False
    return controller.recover(chosen)


def confirm_discard(window: MainWindow) -> bool:
    """Save, discard or keep unsaved changes; True when it is fine to go on."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                      "The case has changes that are not saved.", parent=window)
    box.setInformativeText("Save them before closing?")
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return save(window)
    return answer == QMessageBox.StandardButton.Discard
