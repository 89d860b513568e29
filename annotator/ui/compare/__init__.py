"""Comparison views: rest vs peak frames of one clip, and two media side by side.

Entry points for the main window (each opens a non-modal window and returns it; put the
returned widget in a dock instead with ``dock.setWidget(w)``). Both raise ``ComparisonError``
(a ``ValueError``) with a message for the user when the comparison cannot be shown.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from annotator.ui.compare.errors import ComparisonError
from annotator.ui.compare.frames_view import FrameComparison
from annotator.ui.compare.media_view import MediaComparison
from annotator.ui.controller import AppController

__all__ = ["ComparisonError", "FrameComparison", "MediaComparison", "open_frame_comparison",
           "open_media_comparison"]

DEFAULT_SIZE = (1200, 700)


def _as_window(widget: QWidget) -> QWidget:
    widget.setWindowFlag(Qt.WindowType.Window, True)
    widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    widget.resize(*DEFAULT_SIZE)
    widget.show()
    return widget


def open_frame_comparison(controller: AppController, media_id: str, frames: list[int],
                          parent: QWidget | None = None) -> QWidget:
    """Frames of clip ``media_id`` side by side (two to four; none: rest and peak suggested
    from the selected tracked annotation, else the first and last frame)."""
    return _as_window(FrameComparison(controller, media_id, frames, parent))


def open_media_comparison(controller: AppController, media_a: str, media_b: str,
                          parent: QWidget | None = None) -> QWidget:
    """Media ``media_a`` (left of the screen) and ``media_b`` side by side, played in step."""
    return _as_window(MediaComparison(controller, media_a, media_b, parent))
