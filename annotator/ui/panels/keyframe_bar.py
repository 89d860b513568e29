"""Keyframe and frame-range editing for the selected annotation at the current frame.

``keyframe_edits`` is the logic (which edit is possible here, as a command, or why not), so it
is tested without widgets; ``KeyframeBar`` shows it as buttons whose tooltips say why one is
off. Edits are the case commands (``SetPoints``, ``DeleteKeyframe``, ``SetFrameRange``), one
undo step each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from annotator.case.commands import Command, DeleteKeyframe, SetFrameRange, SetPoints
from annotator.case.model import Annotation
from annotator.dynamics.keyframes import next_keyframe, previous_keyframe

#: edit id -> (button text, what it does)
EDIT_TEXTS: dict[str, tuple[str, str]] = {
    "previous_keyframe": ("\u25c0 Keyframe", "Go to the previous keyframe of this annotation"),
    "next_keyframe": ("Keyframe \u25b6", "Go to the next keyframe of this annotation"),
    "make_keyframe": ("Make keyframe", "Keep the shape on this frame as a keyframe"),
    "delete_keyframe": ("Delete keyframe", "Delete the keyframe on this frame (the shape interpolates again)"),
    "range_start_here": ("Start here", "Make the annotation's range start on this frame"),
    "range_end_here": ("End here", "Make the annotation's range end on this frame"),
    "make_dynamic": ("Make dynamic", "Follow this annotation to the end of the clip (keyframes, tracking)"),
}


@dataclass(frozen=True)
class KeyframeEdit:
    """One possible edit: a command to push or a frame to go to; ``reason`` when neither.
    ``make`` builds a fresh command each time (a command object is pushed only once)."""

    make: Callable[[], Command] | None = None
    frame: int | None = None
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.make is not None or self.frame is not None

    def command(self) -> Command | None:
        return None if self.make is None else self.make()


def keyframe_edits(annotation: Annotation, frame: int, frame_count: int) -> dict[str, KeyframeEdit]:
    """What each keyframe/range edit would do for ``annotation`` on ``frame`` of a clip of
    ``frame_count`` frames."""
    a, last_clip = annotation, frame_count - 1
    ident, range_first, range_last = a.id, a.frame, a.last_frame  # read now: lambdas run later
    edits: dict[str, KeyframeEdit] = {}
    before, after = previous_keyframe(a, frame), next_keyframe(a, frame)
    edits["previous_keyframe"] = KeyframeEdit(frame=before, reason="" if before is not None else "no keyframe before this frame")
    edits["next_keyframe"] = KeyframeEdit(frame=after, reason="" if after is not None else "no keyframe after this frame")

    if not a.is_dynamic:
        edits["make_keyframe"] = KeyframeEdit(reason="a single-frame annotation: make it dynamic first")
    elif not a.on_frame(frame):
        edits["make_keyframe"] = KeyframeEdit(reason=f"frame {frame} is outside its range {a.frame}..{a.last_frame}")
    elif a.is_keyframe(frame):
        edits["make_keyframe"] = KeyframeEdit(reason="this frame is already a keyframe")
    else:
        points = a.points_at(frame)
        assert points is not None
        edits["make_keyframe"] = KeyframeEdit(lambda: SetPoints(ident, frame, points))

    if not a.is_keyframe(frame):
        edits["delete_keyframe"] = KeyframeEdit(reason="this frame is not a keyframe")
    elif len(a.keyframes) < 2:
        edits["delete_keyframe"] = KeyframeEdit(reason="it is the only keyframe")
    else:
        edits["delete_keyframe"] = KeyframeEdit(lambda: DeleteKeyframe(ident, frame))

    if frame == a.frame:
        edits["range_start_here"] = KeyframeEdit(reason="the range already starts here")
    elif frame == a.last_frame:
        edits["range_start_here"] = KeyframeEdit(reason="this is the range's last frame")
    elif frame > a.last_frame:
        edits["range_start_here"] = KeyframeEdit(reason=f"the range ends on frame {a.last_frame}, before this one")
    else:
        edits["range_start_here"] = KeyframeEdit(lambda: SetFrameRange(ident, frame, range_last))

    if frame == a.last_frame:
        edits["range_end_here"] = KeyframeEdit(reason="the range already ends here")
    elif frame == a.frame:
        edits["range_end_here"] = KeyframeEdit(reason="this is the range's first frame")
    elif frame < a.frame:
        edits["range_end_here"] = KeyframeEdit(reason=f"the range starts on frame {a.frame}, after this one")
    else:
        edits["range_end_here"] = KeyframeEdit(lambda: SetFrameRange(ident, range_first, frame))

    if a.is_dynamic:
        edits["make_dynamic"] = KeyframeEdit(reason="it already spans frames")
    elif a.frame >= last_clip:
        edits["make_dynamic"] = KeyframeEdit(reason="it is on the clip's last frame")
    else:
        edits["make_dynamic"] = KeyframeEdit(lambda: SetFrameRange(ident, range_first, last_clip))
    return edits


def describe_frame(annotation: Annotation, frame: int) -> str:
    """What the annotation is on ``frame``: range, keyframes, and how this frame got its shape."""
    a = annotation
    if not a.is_dynamic:
        where = "on this frame" if frame == a.frame else f"on frame {a.frame} only"
        return f"Single frame ({where})."
    span = f"Frames {a.frame}\u2013{a.last_frame}, {len(a.keyframes)} keyframe(s)."
    if not a.on_frame(frame):
        return f"{span} This frame is outside the range."
    if a.is_keyframe(frame):
        conf = a.confidence.get(frame)
        how = "placed by hand" if conf is None else f"tracked, confidence {conf:.2f}"
        return f"{span} This frame: keyframe ({how})."
    return f"{span} This frame: interpolated."


class KeyframeBar(QWidget):
    """Buttons for the keyframe and range edits; the panel pushes what they ask for."""

    command_requested = Signal(object)  # a Command
    frame_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: dict[str, QToolButton] = {}
        self.edits: dict[str, KeyframeEdit] = {}
        self.info = QLabel()
        self.info.setObjectName("keyframe_info")
        self.info.setWordWrap(True)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        # two columns, as the tracking buttons above: four in a row made the panel's column
        # 411 px wide, more than its share beside the plot, and its buttons were cut at 1366-1600 px
        layout_order = (("previous_keyframe", "next_keyframe"), ("make_keyframe", "delete_keyframe"),
                        ("range_start_here", "range_end_here"), ("make_dynamic",))
        for row, ids in enumerate(layout_order):
            for col, edit_id in enumerate(ids):
                text, tip = EDIT_TEXTS[edit_id]
                button = QToolButton()
                button.setObjectName(f"dyn_{edit_id}")
                button.setText(text)
                button.setToolTip(tip)
                button.setAutoRaise(False)
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                button.clicked.connect(lambda _c=False, e=edit_id: self.trigger(e))
                grid.addWidget(button, row, col)
                self.buttons[edit_id] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.info)
        layout.addLayout(grid)
        self.show_for(None, 0, 0)

    def show_for(self, annotation: Annotation | None, frame: int, frame_count: int) -> None:
        """Enable what is possible for ``annotation`` on ``frame`` (nothing without one)."""
        if annotation is None or frame_count < 2:
            self.edits = {}
            self.info.setText("")
        else:
            self.edits = keyframe_edits(annotation, frame, frame_count)
            self.info.setText(describe_frame(annotation, frame))
        for edit_id, button in self.buttons.items():
            edit = self.edits.get(edit_id)
            button.setEnabled(edit is not None and edit.available)
            tip = EDIT_TEXTS[edit_id][1]
            button.setToolTip(tip if edit is None or edit.available else f"{tip} (not now: {edit.reason})")

    def trigger(self, edit_id: str) -> bool:
        """Do the edit ``edit_id`` if it is possible now; True when something was asked for."""
        edit = self.edits.get(edit_id)
        if edit is None or not edit.available:
            return False
        if edit.frame is not None:
            self.frame_requested.emit(edit.frame)
        else:
            self.command_requested.emit(edit.command())
        return True
