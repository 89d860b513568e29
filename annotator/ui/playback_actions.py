"""The Playback actions and what they do: play or pause, step, first and last frame, the
selected annotation's keyframes, bounce and speed (all through ``Playback``)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from annotator.ui.actions import ActionArea
from annotator.ui.controller import AppController
from annotator.ui.playback import Playback
from annotator.ui.viewer import Viewer


class PlaybackActions(ActionArea):
    def __init__(self, parent: QObject, controller: AppController, playback: Playback, viewer: Viewer) -> None:
        super().__init__(parent)
        self.controller, self.playback = controller, playback
        p = playback
        play = self.add("play", "&Play / Pause", "Space", icon="std:SP_MediaPlay", checkable=True,
                        tip="Play or pause the clip (Space)", on_trigger=self.toggle_play)
        self.add("step_back", "Step &Back", "Left", ",", icon="std:SP_MediaSeekBackward", tip="Previous frame (Left)",
                 on_trigger=lambda: p.step(-1))
        self.add("step_forward", "Step &Forward", "Right", ".", icon="std:SP_MediaSeekForward",
                 tip="Next frame (Right)", on_trigger=lambda: p.step(1))
        self.add("first_frame", "F&irst Frame", "Home", icon="std:SP_MediaSkipBackward", tip="First frame (Home)",
                 on_trigger=p.first)
        self.add("last_frame", "&Last Frame", "End", icon="std:SP_MediaSkipForward", tip="Last frame (End)",
                 on_trigger=p.last)
        self.add("previous_keyframe", "Previous &Keyframe", "Ctrl+Left",
                 tip="Jump to the previous keyframe of the selected annotation",
                 on_trigger=lambda: self.jump_keyframe(-1))
        self.add("next_keyframe", "Next K&eyframe", "Ctrl+Right", tip="Jump to the next keyframe of the selected annotation",
                 on_trigger=lambda: self.jump_keyframe(1))
        self.add("bounce", "&Bounce", "B", tip="Play forwards and backwards instead of looping (B)",
                 on_toggle=p.set_bounce)
        self.add("slower", "&Slower", "[", tip="Halve the playback speed (down to 0.25x)", on_trigger=p.slower)
        self.add("faster", "&Faster", "]", tip="Double the playback speed (up to 4x)", on_trigger=p.faster)
        self.add("normal_speed", "&Normal Speed", "\\", tip="Play at the clip's own speed",
                 on_trigger=lambda: p.set_speed(1.0))
        p.playing_changed.connect(play.setChecked)
        viewer.play_toggle_requested.connect(play.trigger)  # Space held in the viewer, etc.

    def toggle_play(self) -> None:
        """Play or pause by what the playback does, not by the action's check mark (which a
        still image or a refused start would leave wrong)."""
        self.playback.toggle()
        self.actions["play"].setChecked(self.playback.playing)

    def jump_keyframe(self, direction: int) -> None:
        c = self.controller
        frames: set[int] = set()
        for a in c.annotations():
            if a.is_dynamic and (not c.selection or a.id in c.selection):
                frames.update(a.keyframes)
        later = sorted(f for f in frames if (f - c.current_frame) * direction > 0)
        if later:
            c.set_current_frame(later[0] if direction > 0 else later[-1])
