"""Every action of the app in one table: id, text, shortcut, icon, tooltip, checkable.

The window builds its menus and toolbars from this table; nothing else binds a shortcut
(a test checks that no key sequence is used twice). Icons: ``std:NAME`` is a QStyle standard
icon, ``tool:KIND`` is drawn by the renderer (see ``ui/icons.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence


@dataclass(frozen=True)
class ActionSpec:
    id: str
    text: str
    shortcut: tuple[str, ...] = ()  # portable key sequences; the first is shown in menus
    icon: str = ""
    tooltip: str = ""
    checkable: bool = False
    menu: str = ""  # File, Edit, View, Tools, Playback, Help
    group: str = ""  # actions of one exclusive group (the tools)
    section: str = ""  # actions kept together between separators in their menu


def _a(id: str, text: str, *shortcut: str, icon: str = "", tip: str = "", checkable: bool = False,
       menu: str = "", group: str = "", section: str = "") -> ActionSpec:
    return ActionSpec(id, text, tuple(shortcut), icon, tip, checkable, menu, group, section)


ACTIONS: tuple[ActionSpec, ...] = (
    # File
    _a("new_case", "&New Case", "Ctrl+N", icon="std:SP_FileIcon", tip="Start an empty case", menu="File"),
    _a("open", "&Open\u2026", "Ctrl+O", icon="std:SP_DialogOpenButton",
       tip="Open a case, or add DICOM, video or image files to the case", menu="File"),
    _a("open_pacs", "Open from &PACS\u2026", menu="File",
       tip="Search a PACS (DICOMweb or DIMSE) and open a study as a case"),
    _a("store_pacs", "S&tore to PACS\u2026", menu="File",
       tip="Send the measurements (DICOM SR) and the annotated frame into the patient's study on the PACS"),
    _a("save", "&Save", "Ctrl+S", icon="std:SP_DialogSaveButton", tip="Save the case", menu="File"),
    _a("save_as", "Save &As\u2026", "Ctrl+Shift+S", tip="Save the case under another name", menu="File"),
    _a("export", "&Export\u2026", "Ctrl+E", tip="Export figures, clips, slides, report or DICOM", menu="File",
       section="export"),
    _a("export_figure", "Export &Figure\u2026", "Ctrl+Shift+E", menu="File", section="export",
       tip="A figure of the current frame (PNG, TIFF, JPEG, SVG or PDF)"),
    _a("export_clip", "Export Cl&ip\u2026", menu="File", section="export",
       tip="The clip with its annotations as MP4 or GIF"),
    _a("export_slides", "Export S&lides\u2026", menu="File", section="export", tip="PowerPoint slides of the case"),
    _a("export_report", "Export &Report\u2026", menu="File", section="export",
       tip="The case report (HTML or PDF): findings, measurements, figures"),
    _a("export_dicom", "Export &DICOM\u2026", menu="File", section="export",
       tip="The measurements as a DICOM SR, or a figure as DICOM Secondary Capture"),
    _a("export_measurements", "Export &Measurements\u2026", menu="File", section="export",
       tip="Every measurement as CSV or JSON"),
    _a("case_details", "Case &Details\u2026", menu="File",
       tip="The case title, history, impression and exam date, as the report and slides tell them"),
    _a("close_case", "&Close Case", "Ctrl+W", tip="Close the case", menu="File"),
    _a("start_screen", "Start Screen", tip="Show recent cases and the demo", menu="File"),
    _a("quit", "&Quit", "Ctrl+Q", tip="Quit us-annotator", menu="File"),
    # Edit
    _a("undo", "&Undo", "Ctrl+Z", icon="std:SP_ArrowBack", tip="Undo the last edit", menu="Edit"),
    _a("redo", "&Redo", "Ctrl+Shift+Z", "Ctrl+Y", icon="std:SP_ArrowForward", tip="Redo", menu="Edit"),
    _a("delete", "&Delete", "Del", tip="Delete the selected annotations", menu="Edit"),
    _a("select_all", "Select &All", "Ctrl+A", tip="Select every annotation on this frame", menu="Edit"),
    _a("edit_label", "Edit &Label or Text\u2026", "F2", menu="Edit",
       tip="Name the selected annotation, or change a text annotation's words (or double-click it)"),
    _a("media_details", "Media Label and &View\u2026", menu="Edit",
       tip="Name the current media (e.g. Longitudinal RF, rest and contraction) and say its view"),
    _a("remove_calibration", "Remove Manual Calibration", tip="Go back to the file's own calibration",
       menu="Edit"),
    # View
    _a("zoom_fit", "&Fit to Window", "Ctrl+0", tip="Show the whole image", menu="View"),
    _a("zoom_actual", "&Actual Size (1:1)", "Ctrl+1", tip="One image pixel per screen pixel", menu="View"),
    _a("zoom_in", "Zoom &In", "Ctrl+=", "Ctrl++", tip="Zoom in (or use the wheel)", menu="View"),
    _a("zoom_out", "Zoom &Out", "Ctrl+-", tip="Zoom out", menu="View"),
    _a("reset_display", "&Reset Brightness/Contrast", "Ctrl+R",
       tip="Back to the stored grey levels (display only; pixels are never changed)", menu="View"),
    _a("show_regions", "Calibrated &Regions", "Shift+R", checkable=True,
       tip="Outline the calibrated regions of the image", menu="View"),
    _a("show_values", "Measurement &Values", "Shift+V", checkable=True,
       tip="Show values next to shapes", menu="View"),
    _a("show_labels", "&Labels", "Shift+L", checkable=True, tip="Show annotation labels", menu="View"),
    _a("true_aspect", "True Pixel &Shape", checkable=True, menu="View",
       tip="Show non-square pixels at their physical shape, as they are measured (display only)"),
    _a("show_annotations", "&Annotations", "Shift+A", checkable=True, menu="View", section="visibility",
       tip="Show or hide every annotation on screen (display only: exports show them all)"),
    _a("hide_selected", "&Hide Selected Annotations", "H", menu="View", section="visibility",
       tip="Take the selected annotations off the screen (display only: exports show them)"),
    _a("show_hidden", "Show Hi&dden Annotations", "Shift+H", menu="View", section="visibility",
       tip="Show again the annotations hidden one by one"),
    _a("compare_rest_peak", "&Compare Rest and Peak", menu="View", section="compare",
       tip="The rest and peak frames of the clip side by side (of the selected tracked annotation)"),
    _a("compare_media", "Compare &Two Media\u2026", menu="View", section="compare",
       tip="This media and another of the case side by side, played in step (e.g. left and right)"),
    _a("next_media", "Next Media", "PgDown", tip="Show the next media of the case", menu="View"),
    _a("previous_media", "Previous Media", "PgUp", tip="Show the previous media of the case", menu="View"),
    _a("full_screen", "Full &Screen", "F11", checkable=True, tip="Full screen", menu="View"),
    # Tools (one exclusive group)
    _a("tool_select", "&Select / Edit", "V", icon="tool:select", checkable=True, menu="Tools", group="tool",
       tip="Select, move and reshape annotations (V)"),
    _a("tool_caliper", "&Caliper", "C", icon="tool:line", checkable=True, menu="Tools", group="tool",
       tip="Measure a distance (C); Shift keeps it horizontal or vertical"),
    _a("tool_polyline", "Poly&line", "L", icon="tool:polyline", checkable=True, menu="Tools", group="tool",
       tip="Measure a path of straight pieces (L)"),
    _a("tool_polygon", "&Polygon", "P", icon="tool:polygon", checkable=True, menu="Tools", group="tool",
       tip="Outline an area point by point (P)"),
    _a("tool_trace", "&Freehand Trace", "F", icon="tool:trace", checkable=True, menu="Tools", group="tool",
       tip="Trace an area by dragging around it (F)"),
    _a("tool_ellipse", "&Ellipse", "E", icon="tool:ellipse", checkable=True, menu="Tools", group="tool",
       tip="Fit an ellipse to a round structure, e.g. a nerve (E)"),
    _a("tool_angle", "&Angle", "A", icon="tool:angle", checkable=True, menu="Tools", group="tool",
       tip="Measure an angle, e.g. pennation (A)"),
    _a("tool_thickness", "T&hickness", "Shift+T", icon="tool:thickness", checkable=True, menu="Tools",
       group="tool", tip="Muscle thickness: drag along the superficial, then the deep aponeurosis (Shift+T)"),
    _a("tool_pennation", "Pe&nnation", "Shift+P", icon="tool:pennation", checkable=True, menu="Tools",
       group="tool", tip="Pennation angle: drag along a fascicle, then the deep aponeurosis (Shift+P)"),
    _a("tool_fascicle", "Fascicle Len&gth", "Shift+F", icon="tool:fascicle", checkable=True, menu="Tools",
       group="tool", tip="Fascicle length: drag along the fascicle, then both aponeuroses (Shift+F)"),
    _a("tool_arrow", "A&rrow", "R", icon="tool:arrow", checkable=True, menu="Tools", group="tool",
       tip="Point at a finding (R)"),
    _a("tool_text", "&Text", "T", icon="tool:text", checkable=True, menu="Tools", group="tool",
       tip="Write on the image (T)"),
    _a("tool_point", "Point &Marker", "M", icon="tool:point", checkable=True, menu="Tools", group="tool",
       tip="Mark a point (M)"),
    _a("tool_window_level", "&Window / Level", "W", icon="tool:window_level", checkable=True, menu="Tools",
       group="tool", tip="Brightness and contrast: drag on the image; double-click resets (W)"),
    _a("analyse_architecture", "Analyse &Muscle Architecture", "Ctrl+Shift+A", menu="Tools",
       tip="Find both aponeuroses and a fascicle on every frame: thickness, pennation and fascicle "
           "length over time (Ctrl+Shift+A)"),
    _a("tool_calibrate", "Cali&brate\u2026", "K", icon="tool:calibrate", checkable=True, menu="Tools",
       group="tool", tip="Draw along the depth ruler and type its length (K)"),
    _a("tool_redact", "Re&dact Burned-in Text", "Shift+X", icon="tool:redact", checkable=True, menu="Tools",
       group="tool", tip="Drag a box over text in the image: black in every export (Shift+X)"),
    # Playback
    _a("play", "&Play / Pause", "Space", icon="std:SP_MediaPlay", checkable=True, menu="Playback",
       tip="Play or pause the clip (Space)"),
    _a("step_back", "Step &Back", "Left", ",", icon="std:SP_MediaSeekBackward", menu="Playback",
       tip="Previous frame (Left)"),
    _a("step_forward", "Step &Forward", "Right", ".", icon="std:SP_MediaSeekForward", menu="Playback",
       tip="Next frame (Right)"),
    _a("first_frame", "F&irst Frame", "Home", icon="std:SP_MediaSkipBackward", menu="Playback",
       tip="First frame (Home)"),
    _a("last_frame", "&Last Frame", "End", icon="std:SP_MediaSkipForward", menu="Playback",
       tip="Last frame (End)"),
    _a("previous_keyframe", "Previous &Keyframe", "Ctrl+Left", menu="Playback",
       tip="Jump to the previous keyframe of the selected annotation"),
    _a("next_keyframe", "Next K&eyframe", "Ctrl+Right", menu="Playback",
       tip="Jump to the next keyframe of the selected annotation"),
    _a("bounce", "&Bounce", "B", checkable=True, menu="Playback",
       tip="Play forwards and backwards instead of looping (B)"),
    _a("slower", "&Slower", "[", menu="Playback", tip="Halve the playback speed (down to 0.25x)"),
    _a("faster", "&Faster", "]", menu="Playback", tip="Double the playback speed (up to 4x)"),
    _a("normal_speed", "&Normal Speed", "\\", menu="Playback", tip="Play at the clip's own speed"),
    # Dynamics (handled by the dynamics panel: ``DynamicsPanel.bind_actions``)
    _a("track_forward", "&Track to the End", "Ctrl+T", menu="Dynamics",
       tip="Track the selected annotation from this frame to the end of the clip"),
    _a("track_backward", "Track &Backwards", "Ctrl+Shift+T", menu="Dynamics",
       tip="Track the selected annotation from this frame back to the start"),
    _a("track_to_frame", "Track to &Frame\u2026", "Ctrl+Alt+T", menu="Dynamics",
       tip="Track the selected annotation up to a frame you choose"),
    _a("retrack", "&Re-track from Here", "Ctrl+Shift+R", menu="Dynamics",
       tip="After correcting this frame, track again from it"),
    _a("cancel_tracking", "&Cancel Tracking", menu="Dynamics", tip="Stop the tracking under way"),
    _a("next_uncertain", "Next &Uncertain Frame", "Ctrl+U", menu="Dynamics",
       tip="Jump to the next frame where tracking was unsure or lost"),
    _a("set_rest", "Set &Rest Frame", "Alt+1", menu="Dynamics", tip="Use this frame as rest"),
    _a("set_peak", "Set &Peak Frame", "Alt+2", menu="Dynamics", tip="Use this frame as peak"),
    _a("suggest_rest_peak", "&Suggest Rest and Peak", "Alt+3", menu="Dynamics",
       tip="Rest and peak from the measurement's extremes"),
    _a("make_keyframe", "Make &Keyframe", "Ctrl+K", menu="Dynamics",
       tip="Keep the selected annotation's points on this frame as a keyframe"),
    _a("delete_keyframe", "&Delete Keyframe", "Ctrl+Shift+K", menu="Dynamics",
       tip="Delete the selected annotation's keyframe on this frame"),
    _a("range_start_here", "Range &Starts Here", "Ctrl+[", menu="Dynamics",
       tip="The selected annotation starts on this frame"),
    _a("range_end_here", "Range &Ends Here", "Ctrl+]", menu="Dynamics",
       tip="The selected annotation ends on this frame"),
    _a("make_dynamic", "Follow Through the &Clip", "Ctrl+D", menu="Dynamics",
       tip="Make the selected annotation span the whole clip (keyframed)"),
    _a("export_series_csv", "Save Series as &CSV\u2026", menu="Dynamics",
       tip="The measurement over time, one row per frame"),
    _a("export_series_plot", "Save &Plot\u2026", menu="Dynamics", tip="The plot as PNG, SVG or PDF"),
    # Help
    _a("shortcuts", "&Keyboard Shortcuts", "F1", menu="Help", tip="List every shortcut"),
    _a("about", "&About us-annotator", menu="Help"),
)

SPECS: dict[str, ActionSpec] = {spec.id: spec for spec in ACTIONS}
MENUS: tuple[str, ...] = ("File", "Edit", "View", "Tools", "Playback", "Dynamics", "Help")
#: File > Export entries -> the export dialog's kind of output (None: the dialog's own choice)
EXPORT_KINDS: dict[str, str | None] = {
    "export": None, "export_figure": "figure-current", "export_clip": "clip", "export_slides": "slides",
    "export_report": "report", "export_dicom": "dicom-sr", "export_measurements": "measurements",
}
#: actions whose handlers live in the dynamics panel (``DynamicsPanel.handlers()``)
DYNAMICS_ACTIONS: tuple[str, ...] = tuple(spec.id for spec in ACTIONS if spec.menu == "Dynamics")
TOOL_ACTIONS: dict[str, str] = {  # action id -> tool name
    "tool_select": "select", "tool_caliper": "caliper", "tool_polyline": "polyline",
    "tool_polygon": "polygon", "tool_trace": "trace", "tool_ellipse": "ellipse",
    "tool_angle": "angle", "tool_arrow": "arrow", "tool_text": "text", "tool_point": "point",
    "tool_calibrate": "calibrate", "tool_window_level": "window_level", "tool_redact": "redact",
    "tool_thickness": "thickness", "tool_pennation": "pennation", "tool_fascicle": "fascicle",
}


def portable(sequence: str) -> str:
    """The normalised text of a key sequence ("ctrl+s" and "Ctrl+S" are the same)."""
    return QKeySequence(sequence).toString(QKeySequence.SequenceFormat.PortableText)


def duplicate_shortcuts(specs: Iterable[ActionSpec] = ACTIONS) -> dict[str, list[str]]:
    """Key sequences bound to more than one action (should be empty)."""
    seen: dict[str, list[str]] = {}
    for spec in specs:
        for s in spec.shortcut:
            seen.setdefault(portable(s), []).append(spec.id)
    return {key: ids for key, ids in seen.items() if len(ids) > 1}


def create_actions(parent: QObject) -> dict[str, QAction]:
    """A QAction per table row (tools in one exclusive group), parented to ``parent``."""
    from annotator.ui.icons import action_icon

    actions: dict[str, QAction] = {}
    groups: dict[str, QActionGroup] = {}
    for spec in ACTIONS:
        action = QAction(spec.text, parent)
        action.setObjectName(f"action_{spec.id}")
        if spec.shortcut:
            action.setShortcuts([QKeySequence(s) for s in spec.shortcut])
        tip = spec.tooltip or spec.text.replace("&", "").rstrip("\u2026")
        if spec.shortcut and spec.shortcut[0] not in tip:
            tip = f"{tip} ({QKeySequence(spec.shortcut[0]).toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setCheckable(spec.checkable)
        # a held key must not flicker a toggle (Space held on a focused button: play once)
        action.setAutoRepeat(not spec.checkable)
        if spec.icon:
            icon = action_icon(spec.icon)
            if icon is not None:
                action.setIcon(icon)
        if spec.group:
            group = groups.get(spec.group)
            if group is None:
                group = groups[spec.group] = QActionGroup(parent)
                group.setExclusive(True)
            group.addAction(action)
        actions[spec.id] = action
    return actions
