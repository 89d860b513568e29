"""Where each action sits: the menus in order (None is a separator) and the toolbars.

The actions themselves, with their handlers, are declared by the areas (``ui/*_actions.py``);
a test checks that every action is in exactly one menu and every id here is an action."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMenuBar, QToolBar, QWidget

MENU_LAYOUT: dict[str, tuple[str | None, ...]] = {
    "File": ("new_case", "open", "open_pacs", "store_pacs", "save", "save_as", None,
             "export", "export_figure", "export_clip", "export_slides", "export_report", "export_dicom",
             "export_measurements", None,
             "case_details", "close_case", "start_screen", "quit"),
    "Edit": ("undo", "redo", "delete", "select_all", "edit_label", "media_details", "remove_calibration"),
    "View": ("zoom_fit", "zoom_actual", "zoom_in", "zoom_out", "reset_display", "show_regions", "show_values",
             "show_labels", "true_aspect", None,
             "show_annotations", "hide_selected", "show_hidden", None,
             "compare_rest_peak", "compare_media", None,
             "next_media", "previous_media", "full_screen"),
    "Tools": ("tool_select", "tool_caliper", "tool_polyline", "tool_polygon", "tool_trace", "tool_ellipse",
              "tool_angle", "tool_thickness", "tool_pennation", "tool_fascicle", "tool_arrow", "tool_text",
              "tool_point", "tool_window_level", None,
              "analyse_architecture", None,
              "tool_calibrate", "tool_redact"),
    "Playback": ("play", "step_back", "step_forward", "first_frame", "last_frame", "previous_keyframe",
                 "next_keyframe", "bounce", "slower", "faster", "normal_speed"),
    "Dynamics": ("track_forward", "track_backward", "track_to_frame", "retrack", "cancel_tracking",
                 "next_uncertain", "set_rest", "set_peak", "suggest_rest_peak", "make_keyframe",
                 "delete_keyframe", "range_start_here", "range_end_here", "make_dynamic",
                 "export_series_csv", "export_series_plot"),
    "Help": ("shortcuts", "about"),
}
TOOLBARS: dict[str, tuple[str, ...]] = {
    "File": ("open", "save", "undo", "redo"),
    "Tools": ("tool_select", "tool_caliper", "tool_polyline", "tool_polygon", "tool_trace", "tool_ellipse",
              "tool_angle", "tool_thickness", "tool_pennation", "tool_fascicle", "tool_arrow", "tool_text",
              "tool_point", "tool_window_level", "tool_calibrate"),
}


def menu_order() -> list[str]:
    """Every action id in menu order (the shortcuts list follows it)."""
    return [i for ids in MENU_LAYOUT.values() for i in ids if i is not None]


def build_menus(bar: QMenuBar, actions: dict[str, QAction]) -> dict[str, QMenu]:
    """The menu bar's menus from the layout; title -> menu."""
    menus: dict[str, QMenu] = {}
    for title, ids in MENU_LAYOUT.items():
        menu = menus[title] = bar.addMenu(f"&{title}")
        for action_id in ids:
            if action_id is None:
                menu.addSeparator()
            else:
                menu.addAction(actions[action_id])
    return menus


def build_toolbars(parent: QWidget, actions: dict[str, QAction]) -> list[QToolBar]:
    bars = []
    for title, ids in TOOLBARS.items():
        bar = QToolBar(title, parent)
        bar.setObjectName(f"toolbar_{title.lower()}")
        for action_id in ids:
            bar.addAction(actions[action_id])
        bars.append(bar)
    return bars
