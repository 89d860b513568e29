"""The Tools menu's drawing tools (one exclusive group) and what choosing one does: the
viewer gets a fresh tool object, the choice is remembered, and calibrating is a one-off."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QWidget

from annotator.ui import prompts
from annotator.ui.actions import ActionArea
from annotator.ui.settings import Settings
from annotator.ui.tools import CalibrationTool, RedactTool, SelectTool, TextTool, Tool
from annotator.ui.tools.base import ContextFn
from annotator.ui.tools.calibration_tool import KnownDistance
from annotator.ui.tools.registry import DRAWING_TOOLS
from annotator.ui.viewer import Viewer
from annotator.ui.window_level import WindowLevelTool

#: tools whose first click asks something: no way to start a session
DIALOG_TOOLS = frozenset({"text", "calibrate"})
#: id, text, key, icon, tooltip (the tool's name is the id without ``tool_``)
TOOLS: tuple[tuple[str, str, str, str, str], ...] = (
    ("tool_select", "&Select / Edit", "V", "tool:select", "Select, move and reshape annotations (V)"),
    ("tool_caliper", "&Caliper", "C", "tool:line", "Measure a distance (C); Shift keeps it horizontal or vertical"),
    ("tool_polyline", "Poly&line", "L", "tool:polyline", "Measure a path of straight pieces (L)"),
    ("tool_polygon", "&Polygon", "P", "tool:polygon", "Outline an area point by point (P)"),
    ("tool_trace", "&Freehand Trace", "F", "tool:trace", "Trace an area by dragging around it (F)"),
    ("tool_ellipse", "&Ellipse", "E", "tool:ellipse", "Fit an ellipse to a round structure, e.g. a nerve (E)"),
    ("tool_angle", "&Angle", "A", "tool:angle", "Measure an angle, e.g. pennation (A)"),
    ("tool_thickness", "T&hickness", "Shift+T", "tool:thickness",
     "Muscle thickness: drag along the superficial, then the deep aponeurosis (Shift+T)"),
    ("tool_pennation", "Pe&nnation", "Shift+P", "tool:pennation",
     "Pennation angle: drag along a fascicle, then the deep aponeurosis (Shift+P)"),
    ("tool_fascicle", "Fascicle Len&gth", "Shift+F", "tool:fascicle",
     "Fascicle length: drag along the fascicle, then both aponeuroses (Shift+F)"),
    ("tool_arrow", "A&rrow", "R", "tool:arrow", "Point at a finding (R)"),
    ("tool_text", "&Text", "T", "tool:text", "Write on the image (T)"),
    ("tool_point", "Point &Marker", "M", "tool:point", "Mark a point (M)"),
    ("tool_window_level", "&Window / Level", "W", "tool:window_level",
     "Brightness and contrast: drag on the image; double-click resets (W)"),
    ("tool_calibrate", "Cali&brate\u2026", "K", "tool:calibrate", "Draw along the depth ruler and type its length (K)"),
    ("tool_redact", "Re&dact Burned-in Text", "Shift+X", "tool:redact",
     "Drag a box over text in the image: black in every export (Shift+X)"),
)
TOOL_ACTIONS: dict[str, str] = {action_id: action_id.removeprefix("tool_") for action_id, *_ in TOOLS}


def make_tool(context: ContextFn, parent: QWidget, name: str) -> Tool:
    """A fresh tool called ``name`` (select for an unknown name); ``parent``: its dialogs' parent."""

    def ask_text() -> str | None:
        return prompts.ask_text(parent, "Text", "Words to show on the image:")

    def ask_distance(px: float) -> KnownDistance | None:
        from annotator.ui.dialogs.calibration_dialog import ask_known_distance

        return ask_known_distance(parent, px)

    simple: dict[str, type[Tool]] = {"select": SelectTool, "redact": RedactTool, **DRAWING_TOOLS}
    if name == "text":
        return TextTool(context, ask_text)
    if name == "calibrate":
        return CalibrationTool(context, ask_distance)
    if name == "window_level":
        return WindowLevelTool(context)
    return simple.get(name, SelectTool)(context)


class AnnotateActions(ActionArea):
    """The tools. ``parent``: the tools' dialogs' parent (text, calibration)."""

    def __init__(self, parent: QWidget, viewer: Viewer, settings: Settings) -> None:
        super().__init__(parent)
        self.widget, self.viewer, self.settings = parent, viewer, settings
        for action_id, text, key, icon, tip in TOOLS:
            tool = TOOL_ACTIONS[action_id]
            self.add(action_id, text, key, icon=icon, tip=tip, checkable=True, group="tool",
                     on_trigger=partial(self.choose_tool, tool))
        # calibrating is a one-off: back to selecting afterwards (measuring tools stay on)
        viewer.tool_done.connect(lambda name: self.choose_tool("select") if name == "calibrate" else None)

    def choose_tool(self, name: str) -> None:
        self.viewer.set_tool(make_tool(self.viewer.tool_context, self.widget, name))
        for action_id, tool in TOOL_ACTIONS.items():
            if tool == name:
                self.actions[action_id].setChecked(True)
        if name != "calibrate":
            self.settings.set_last_tool(name)

    def restore(self) -> None:
        """The tool of the last session, unless it opens a dialog on its first click."""
        last = self.settings.last_tool()
        self.choose_tool(last if last and last not in DIALOG_TOOLS else "select")
