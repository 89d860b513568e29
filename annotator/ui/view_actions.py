"""The View actions and what they do: zoom, display (brightness reset, regions, values,
labels, true pixel shape; display only), which annotations show, stepping through the case's
media, and full screen."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from annotator.ui.actions import ActionArea
from annotator.ui.annotation_menu import hide_annotations
from annotator.ui.controller import AppController
from annotator.ui.display import DisplayLut
from annotator.ui.settings import Settings
from annotator.ui.viewer import Viewer


class ViewActions(ActionArea):
    """``top``: the top-level widget that goes full screen (and the actions' parent)."""

    def __init__(self, top: QWidget, controller: AppController, viewer: Viewer, settings: Settings,
                 status: Callable[[str, int], None]) -> None:
        super().__init__(top)
        self.controller, self.viewer, self.settings, self.status = controller, viewer, settings, status
        v, visibility = viewer, controller.visibility
        self.add("zoom_fit", "&Fit to Window", "Ctrl+0", tip="Show the whole image", on_trigger=v.fit)
        self.add("zoom_actual", "&Actual Size (1:1)", "Ctrl+1", tip="One image pixel per screen pixel",
                 on_trigger=v.actual_size)
        self.add("zoom_in", "Zoom &In", "Ctrl+=", "Ctrl++", tip="Zoom in (or use the wheel)",
                 on_trigger=lambda: v.zoom_by(1.25))
        self.add("zoom_out", "Zoom &Out", "Ctrl+-", tip="Zoom out", on_trigger=lambda: v.zoom_by(0.8))
        self.add("reset_display", "&Reset Brightness/Contrast", "Ctrl+R",
                 tip="Back to the stored grey levels (display only; pixels are never changed)",
                 on_trigger=lambda: v.set_display(DisplayLut()))
        self.add("show_regions", "Calibrated &Regions", "Shift+R",
                 tip="Outline the calibrated regions of the image (without any declared: the image found on the screen)",
                 on_toggle=lambda on: self.toggle_display("show_regions", on))
        self.add("show_values", "Measurement &Values", "Shift+V", tip="Show values next to shapes",
                 on_toggle=lambda on: self.toggle_display("show_values", on))
        self.add("show_labels", "&Labels", "Shift+L", tip="Show annotation labels",
                 on_toggle=lambda on: self.toggle_display("show_labels", on))
        self.add("true_aspect", "True Pixel &Shape", on_toggle=v.set_true_aspect,
                 tip="Show non-square pixels at their physical shape, as they are measured (display only)")
        shown = self.add("show_annotations", "&Annotations", "Shift+A",
                         tip="Show or hide every annotation on screen (display only: exports show them all)",
                         on_toggle=visibility.set_showing_annotations)
        self.add("hide_selected", "&Hide Selected Annotations", "H", needs_case=True,
                 tip="Take the selected annotations off the screen (display only: exports show them)",
                 on_trigger=self.hide_selected)
        self.add("show_hidden", "Show Hi&dden Annotations", "Shift+H", needs_case=True,
                 tip="Show again the annotations hidden one by one", on_trigger=visibility.show_hidden)
        self.add("next_media", "Next Media", "PgDown", tip="Show the next media of the case",
                 on_trigger=lambda: self.step_media(1))
        self.add("previous_media", "Previous Media", "PgUp", tip="Show the previous media of the case",
                 on_trigger=lambda: self.step_media(-1))
        self.add("full_screen", "Full &Screen", "F11", tip="Full screen",
                 on_toggle=lambda on: top.showFullScreen() if on else top.showNormal())
        visibility.changed.connect(lambda: shown.setChecked(visibility.showing_annotations))
        shown.setChecked(visibility.showing_annotations)

    def restore(self) -> None:
        """The check marks from the settings and the viewer (at start)."""
        show_values = self.settings.show_values()
        self.actions["show_values"].setChecked(show_values)
        self.actions["show_labels"].setChecked(True)
        self.actions["true_aspect"].setChecked(self.viewer.true_aspect)
        self.viewer.show_values = show_values

    def toggle_display(self, what: str, on: bool) -> None:
        setattr(self.viewer, what, on)
        if what == "show_values":
            self.settings.set_show_values(on)
        self.viewer.update()

    def hide_selected(self) -> None:
        ids = list(self.controller.selection)
        if not ids:
            self.status("Select the annotations to hide first", 4000)
            return
        hide_annotations(self.controller, ids)

    def step_media(self, delta: int) -> None:
        c = self.controller
        if c.document is None or not c.document.case.media:
            return
        ids = [m.id for m in c.document.case.media]
        index = ids.index(c.current_media_id) if c.current_media_id in ids else 0
        c.set_current_media(ids[(index + delta) % len(ids)])
