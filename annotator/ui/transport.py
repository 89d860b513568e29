"""The cine bar under the viewer: transport buttons, the timeline, frame and time, speed."""

from __future__ import annotations

from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from annotator.ui.controller import AppController
from annotator.ui.icons import action_icon
from annotator.ui.playback import SPEEDS, Playback
from annotator.ui.timeline import Timeline


def speed_text(speed: float) -> str:
    return f"{speed:g}\u00d7"


TIMELINE_MIN = 160  # px: narrower than this beside the buttons, the timeline takes a row of its own


class TransportBar(QWidget):
    """One row (buttons, timeline, frame and time, speed, bounce); where that row would leave
    the timeline narrower than ``TIMELINE_MIN`` (a 1024 px window left it 10 px), the timeline
    moves to a row of its own above the rest. Its minimum width stays 0, so the bar never
    widens the window."""

    def __init__(self, controller: AppController, playback: Playback, timeline: Timeline,
                 actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.playback = playback
        self.timeline = timeline
        self.setObjectName("transport")
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 2, 6, 2)
        self._margins = column.contentsMargins()
        column.setSpacing(2)
        self._top = QHBoxLayout()  # the timeline alone, when the bar is narrow
        self._row = QHBoxLayout()
        column.addLayout(self._top)
        column.addLayout(self._row)
        layout = self._row
        layout.setSpacing(2)
        for action_id in ("first_frame", "step_back", "play", "step_forward", "last_frame"):
            button = QToolButton(self)
            button.setDefaultAction(actions[action_id])
            button.setAutoRaise(True)
            layout.addWidget(button)
        self._slot = layout.count()  # where the timeline sits in the row
        layout.addWidget(timeline, 1)
        self.position = QLabel(self)
        self.position.setObjectName("frame_position")
        self.position.setMinimumWidth(150)
        layout.addWidget(self.position)
        self.speed = QComboBox(self)
        self.speed.setToolTip("Playback speed, relative to the clip's own frame times")
        for s in SPEEDS:
            self.speed.addItem(speed_text(s), s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(lambda i: playback.set_speed(float(self.speed.itemData(i))))
        playback.speed_changed.connect(self._speed_changed)
        layout.addWidget(self.speed)
        bounce = QToolButton(self)
        bounce.setDefaultAction(actions["bounce"])
        layout.addWidget(bounce)
        self._play = actions["play"]
        playback.playing_changed.connect(self.show_playing)
        controller.current_frame_changed.connect(self.update_position)
        controller.current_media_changed.connect(self.update_position)
        self.update_position()

    @property
    def timeline_on_own_row(self) -> bool:
        return self._top.indexOf(self.timeline) >= 0

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._place_timeline()

    def _place_timeline(self) -> None:
        items = [self._row.itemAt(i) for i in range(self._row.count())]
        others = [w for w in (item.widget() for item in items if item is not None)
                  if w is not None and w is not self.timeline]
        used = sum(w.sizeHint().width() for w in others) + self._row.spacing() * len(others)
        # the same sum wherever the timeline is: moving it changes the bar's height, and the
        # resize that follows must not move it back
        room = self.width() - self._margins.left() - self._margins.right() - used
        own_row = room < TIMELINE_MIN
        if own_row == self.timeline_on_own_row:
            return
        (self._row if own_row else self._top).removeWidget(self.timeline)
        if own_row:
            self._top.addWidget(self.timeline)
        else:
            self._row.insertWidget(self._slot, self.timeline, 1)

    def show_playing(self, playing: bool) -> None:
        """The play button becomes pause while the clip plays (and back)."""
        icon = action_icon("std:SP_MediaPause" if playing else "std:SP_MediaPlay")
        if icon is not None:
            self._play.setIcon(icon)
        self._play.setText("&Pause" if playing else "&Play")
        tip = "Pause the clip (Space)" if playing else "Play the clip (Space)"
        self._play.setToolTip(tip)
        self._play.setStatusTip(tip)

    def _speed_changed(self, speed: float) -> None:
        index = self.speed.findData(speed)
        if index >= 0 and index != self.speed.currentIndex():
            self.speed.setCurrentIndex(index)

    def update_position(self, *_args: object) -> None:
        media = self.controller.current_media() if self.controller.current_media_id else None
        if media is None:
            self.position.setText("")
            self.setEnabled(False)
            return
        self.setEnabled(media.frame_count > 1)
        frame = self.controller.current_frame
        if media.frame_count < 2:
            self.position.setText("still image")
            return
        self.position.setText(
            f"frame {frame} / {media.frame_count - 1}   {media.time_ms(frame) / 1000:.3f} s"
        )
