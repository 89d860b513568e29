"""The Dynamics actions (tracking, rest and peak, keyframes and range, the series' files),
done by the dynamics panel, which also says when each can act; and Tools > Analyse Muscle
Architecture (``architecture_action``)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from annotator.ui.actions import ActionArea
from annotator.ui.architecture_action import analyse_architecture
from annotator.ui.controller import AppController
from annotator.ui.panels.dynamics_panel import DynamicsPanel
from annotator.ui.tasks import Task


class DynamicsActions(ActionArea):
    """``show_plot`` brings the dynamics panel into view; ``parent``: the dialogs' parent."""

    def __init__(self, parent: QWidget, controller: AppController, panel: DynamicsPanel,
                 show_plot: Callable[[], None]) -> None:
        super().__init__(parent)
        self.widget, self.controller, self.show_plot = parent, controller, show_plot
        do = panel.handlers()
        self.add("track_forward", "&Track to the End", "Ctrl+T", on_trigger=do["track_forward"],
                 tip="Track the selected annotation from this frame to the end of the clip")
        self.add("track_backward", "Track &Backwards", "Ctrl+Shift+T", on_trigger=do["track_backward"],
                 tip="Track the selected annotation from this frame back to the start")
        self.add("track_to_frame", "Track to &Frame\u2026", "Ctrl+Alt+T", on_trigger=do["track_to_frame"],
                 tip="Track the selected annotation up to a frame you choose")
        self.add("retrack", "&Re-track from Here", "Ctrl+Shift+R", on_trigger=do["retrack"],
                 tip="After correcting this frame, track again from it")
        self.add("cancel_tracking", "&Cancel Tracking", tip="Stop the tracking under way",
                 on_trigger=do["cancel_tracking"])
        self.add("next_uncertain", "Next &Uncertain Frame", "Ctrl+U", on_trigger=do["next_uncertain"],
                 tip="Jump to the next frame where tracking was unsure or lost")
        self.add("set_rest", "Set &Rest Frame", "Alt+1", tip="Use this frame as rest", on_trigger=do["set_rest"])
        self.add("set_peak", "Set &Peak Frame", "Alt+2", tip="Use this frame as peak", on_trigger=do["set_peak"])
        self.add("suggest_rest_peak", "&Suggest Rest and Peak", "Alt+3", on_trigger=do["suggest_rest_peak"],
                 tip="Rest and peak from the measurement's extremes")
        self.add("make_keyframe", "Make &Keyframe", "Ctrl+K", on_trigger=do["make_keyframe"],
                 tip="Keep the selected annotation's points on this frame as a keyframe")
        self.add("delete_keyframe", "&Delete Keyframe", "Ctrl+Shift+K", on_trigger=do["delete_keyframe"],
                 tip="Delete the selected annotation's keyframe on this frame")
        self.add("range_start_here", "Range &Starts Here", "Ctrl+[", on_trigger=do["range_start_here"],
                 tip="The selected annotation starts on this frame")
        self.add("range_end_here", "Range &Ends Here", "Ctrl+]", on_trigger=do["range_end_here"],
                 tip="The selected annotation ends on this frame")
        self.add("make_dynamic", "Follow Through the &Clip", "Ctrl+D", on_trigger=do["make_dynamic"],
                 tip="Make the selected annotation span the whole clip (keyframed)")
        self.add("export_series_csv", "Save Series as &CSV\u2026", on_trigger=do["export_series_csv"],
                 tip="The measurement over time, one row per frame")
        self.add("export_series_plot", "Save &Plot\u2026", tip="The plot as PNG, SVG or PDF",
                 on_trigger=do["export_series_plot"])
        panel.follow_actions(self.actions)  # enabled while the panel can do them
        self.add("analyse_architecture", "Analyse &Muscle Architecture", "Ctrl+Shift+A",
                 tip="Find both aponeuroses and a fascicle on every frame: thickness, pennation and fascicle "
                     "length over time (Ctrl+Shift+A)", on_trigger=self.analyse_architecture)

    def analyse_architecture(self, show_dialog: bool = True) -> Task | None:
        return analyse_architecture(self.controller, self.widget if show_dialog else None, self.show_plot)
