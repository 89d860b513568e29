"""What each action of the table does in the main window (the wiring, kept out of the
window's layout code)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from annotator.case.commands import RemoveAnnotations, SetCalibration
from annotator.media.kinds import dialog_filter
from annotator.ui import prompts
from annotator.ui.actions import ACTIONS, DYNAMICS_ACTIONS, EXPORT_KINDS, SPECS, TOOL_ACTIONS
from annotator.ui.annotation_menu import edit_words, hide_annotations
from annotator.ui.architecture_action import analyse_architecture
from annotator.ui.compare_actions import compare_rest_peak, compare_two_media
from annotator.ui.dialogs.case_info_dialog import edit_case_info, edit_media_info
from annotator.ui.display import DisplayLut
from annotator.ui.export_actions import open_export
from annotator.ui.pacs_dialog import open_from_pacs
from annotator.ui.pacs_store import store_to_pacs
from annotator.ui.tools import CalibrationTool, RedactTool, SelectTool, TextTool, Tool
from annotator.ui.tools.calibration_tool import KnownDistance
from annotator.ui.tools.registry import DRAWING_TOOLS
from annotator.ui.window_level import WindowLevelTool

if TYPE_CHECKING:
    from annotator.ui.main_window import MainWindow

OPEN_FILTER = dialog_filter(with_cases=True)


def make_tool(window: MainWindow, name: str) -> Tool:
    viewer = window.viewer

    def ask_text() -> str | None:
        return prompts.ask_text(window, "Text", "Words to show on the image:")

    def ask_distance(px: float) -> KnownDistance | None:
        from annotator.ui.dialogs.calibration_dialog import ask_known_distance

        return ask_known_distance(window, px)

    simple: dict[str, type[Tool]] = {"select": SelectTool, "redact": RedactTool, **DRAWING_TOOLS}
    if name == "text":
        return TextTool(viewer.tool_context, ask_text)
    if name == "calibrate":
        return CalibrationTool(viewer.tool_context, ask_distance)
    if name == "window_level":
        return WindowLevelTool(viewer.tool_context)
    return simple.get(name, SelectTool)(viewer.tool_context)


def choose_tool(window: MainWindow, name: str) -> None:
    window.viewer.set_tool(make_tool(window, name))
    for action_id, tool in TOOL_ACTIONS.items():
        if tool == name:
            window.action_by_id[action_id].setChecked(True)
    if name != "calibrate":
        window.settings.set_last_tool(name)


def open_dialog(window: MainWindow) -> None:
    files, _ = QFileDialog.getOpenFileNames(window, "Open a case or media", str(window.settings.last_folder()),
                                            OPEN_FILTER)
    if files:
        window.settings.set_last_folder(Path(files[0]).parent)
        window.open_paths([Path(f) for f in files])


def save_as(window: MainWindow) -> bool:
    doc = window.controller.document
    if doc is None:
        return False
    start = doc.path or window.settings.last_folder() / f"{doc.case.title or 'case'}.uscase.json"
    name, _ = QFileDialog.getSaveFileName(window, "Save case as", str(start), "Cases (*.uscase.json)")
    if not name:
        return False
    path = Path(name)
    if not path.name.lower().endswith(".uscase.json"):
        path = path.with_name(path.name.removesuffix(".json") + ".uscase.json")
    if window.controller.save(path):
        window.settings.set_last_folder(path.parent)
        return True
    return False


def save(window: MainWindow) -> bool:
    doc = window.controller.document
    if doc is None:
        return False
    if doc.path is None:
        return save_as(window)
    return window.controller.save()


def delete_selection(window: MainWindow) -> None:
    c = window.controller
    if c.document is None or not c.selection:
        return
    known = {a.id for a in c.document.case.annotations}
    ids = [i for i in c.selection if i in known]
    if ids:
        c.push(RemoveAnnotations(ids))


def select_all(window: MainWindow) -> None:
    """Every annotation shown on this frame (hidden ones stay out of reach of Delete)."""
    c = window.controller
    c.select([a.id for a in c.annotations() if a.on_frame(c.current_frame) and not c.visibility.is_hidden(a.id)])


def hide_selected(window: MainWindow) -> None:
    ids = list(window.controller.selection)
    if not ids:
        window.statusBar().showMessage("Select the annotations to hide first", 4000)
        return
    hide_annotations(window, ids)


def toggle_play(window: MainWindow) -> None:
    """Play or pause by what the playback does, not by the action's check mark (which a
    still image or a refused start would leave wrong)."""
    window.playback.toggle()
    window.action_by_id["play"].setChecked(window.playback.playing)


def remove_calibration(window: MainWindow) -> None:
    c = window.controller
    if c.document is None or c.current_media_id is None:
        return
    if c.document.case.media_ref(c.current_media_id).calibration is not None:
        c.push(SetCalibration(c.current_media_id, None))


def step_media(window: MainWindow, delta: int) -> None:
    c = window.controller
    if c.document is None or not c.document.case.media:
        return
    ids = [m.id for m in c.document.case.media]
    index = ids.index(c.current_media_id) if c.current_media_id in ids else 0
    c.set_current_media(ids[(index + delta) % len(ids)])


def jump_keyframe(window: MainWindow, direction: int) -> None:
    c = window.controller
    frames: set[int] = set()
    for a in c.annotations():
        if a.is_dynamic and (not c.selection or a.id in c.selection):
            frames.update(a.keyframes)
    later = sorted(f for f in frames if (f - c.current_frame) * direction > 0)
    if later:
        c.set_current_frame(later[0] if direction > 0 else later[-1])


def toggle_display(window: MainWindow, what: str, on: bool) -> None:
    setattr(window.viewer, what, on)
    if what == "show_values":
        window.settings.set_show_values(on)
    window.viewer.update()


MOUSE_HELP = ("Space: play/pause (hold and drag to pan). Wheel: zoom at the cursor. "
              "Middle or right drag: pan. Brightness/contrast: the Window/Level tool (W), "
              "Shift + right drag, or Alt + drag; Ctrl+R resets. "
              "Right-click a shape: its menu. Double-click a shape or its label: edit the label.")


def shortcuts_dialog(window: MainWindow) -> QDialog:
    """Every shortcut in a scrolling table (about 70 rows: a message box would outgrow the
    screen), sized to fit the screen."""
    dialog = QDialog(window)
    dialog.setWindowTitle("Keyboard shortcuts")
    specs = [spec for spec in ACTIONS if spec.shortcut]
    table = QTableWidget(len(specs), 2, dialog)
    table.setHorizontalHeaderLabels(["Action", "Keys"])
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    native = QKeySequence.SequenceFormat.NativeText
    for row, spec in enumerate(specs):
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
    screen = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    dialog.resize(min(560, screen.width() - 40), min(640, int(screen.height() * 0.8)))
    return dialog


def show_shortcuts(window: MainWindow) -> None:
    shortcuts_dialog(window).exec()


def show_about(window: MainWindow) -> None:
    from annotator.ui.dialogs.about_dialog import show_about as about

    about(window)


def wire_actions(window: MainWindow) -> None:
    """Connect every action of the table to its handler."""
    a, c, v, p = window.action_by_id, window.controller, window.viewer, window.playback
    handlers: dict[str, Callable[[], object]] = {
        "new_case": c.new_case,
        "open": lambda: open_dialog(window),
        "open_pacs": lambda: open_from_pacs(window),
        "store_pacs": lambda: store_to_pacs(window),
        "save": lambda: save(window),
        "save_as": lambda: save_as(window),
        "close_case": c.close_document,
        "case_details": lambda: edit_case_info(c, window),
        "media_details": lambda: edit_media_info(c, c.current_media_id or "", window),
        "start_screen": window.show_start_screen,
        "quit": window.close,
        "undo": c.undo_stack.undo,
        "redo": c.undo_stack.redo,
        "delete": lambda: delete_selection(window),
        "select_all": lambda: select_all(window),
        "edit_label": lambda: edit_words(window),
        "hide_selected": lambda: hide_selected(window),
        "show_hidden": c.visibility.show_hidden,
        "compare_rest_peak": lambda: compare_rest_peak(window),
        "compare_media": lambda: compare_two_media(window),
        "analyse_architecture": lambda: analyse_architecture(window),
        "remove_calibration": lambda: remove_calibration(window),
        "zoom_fit": v.fit,
        "zoom_actual": v.actual_size,
        "zoom_in": lambda: v.zoom_by(1.25),
        "zoom_out": lambda: v.zoom_by(0.8),
        "reset_display": lambda: v.set_display(DisplayLut()),
        "next_media": lambda: step_media(window, 1),
        "previous_media": lambda: step_media(window, -1),
        "step_back": lambda: p.step(-1),
        "step_forward": lambda: p.step(1),
        "first_frame": p.first,
        "last_frame": p.last,
        "previous_keyframe": lambda: jump_keyframe(window, -1),
        "next_keyframe": lambda: jump_keyframe(window, 1),
        "slower": p.slower,
        "faster": p.faster,
        "normal_speed": lambda: p.set_speed(1.0),
        "shortcuts": lambda: show_shortcuts(window),
        "about": lambda: show_about(window),
    }
    for action_id, handler in handlers.items():
        a[action_id].triggered.connect(lambda _checked=False, h=handler: h())
    for action_id, kind in EXPORT_KINDS.items():
        a[action_id].triggered.connect(lambda _checked=False, k=kind: open_export(window, k))
    for action_id, tool in TOOL_ACTIONS.items():
        a[action_id].triggered.connect(lambda _checked=False, t=tool: choose_tool(window, t))
    a["play"].triggered.connect(lambda _checked=False: toggle_play(window))
    p.playing_changed.connect(a["play"].setChecked)
    a["bounce"].toggled.connect(p.set_bounce)
    a["show_regions"].toggled.connect(lambda on: toggle_display(window, "show_regions", on))
    a["show_values"].toggled.connect(lambda on: toggle_display(window, "show_values", on))
    a["show_labels"].toggled.connect(lambda on: toggle_display(window, "show_labels", on))
    a["true_aspect"].toggled.connect(v.set_true_aspect)
    a["show_annotations"].toggled.connect(c.visibility.set_showing_annotations)
    c.visibility.changed.connect(lambda: a["show_annotations"].setChecked(c.visibility.showing_annotations))
    a["show_annotations"].setChecked(c.visibility.showing_annotations)
    a["full_screen"].toggled.connect(lambda on: window.showFullScreen() if on else window.showNormal())
    v.play_toggle_requested.connect(a["play"].trigger)
    # calibrating is a one-off: back to selecting afterwards (measuring tools stay on)
    v.tool_done.connect(lambda name: choose_tool(window, "select") if name == "calibrate" else None)
    c.undo_stack.canUndoChanged.connect(a["undo"].setEnabled)
    c.undo_stack.canRedoChanged.connect(a["redo"].setEnabled)
    c.undo_stack.undoTextChanged.connect(lambda t: a["undo"].setText(f"&Undo {t}".rstrip()))
    c.undo_stack.redoTextChanged.connect(lambda t: a["redo"].setText(f"&Redo {t}".rstrip()))
    a["undo"].setEnabled(False)
    a["redo"].setEnabled(False)
    toggles = {"play", "bounce", "show_regions", "show_values", "show_labels", "show_annotations", "full_screen",
               "true_aspect"}
    assert set(handlers) | set(TOOL_ACTIONS) | set(EXPORT_KINDS) | toggles | set(DYNAMICS_ACTIONS) == set(SPECS), \
        "an action has no handler"
    bind = getattr(window.panels.get("dynamics"), "bind_actions", None)
    if bind is not None:
        bind(a)
    else:  # no dynamics panel in this build
        for action_id in DYNAMICS_ACTIONS:
            a[action_id].setEnabled(False)
