"""What a ``Viewer`` needs from whoever feeds it: a small typed interface, not the controller.

The main window's ``AppController`` provides it for the main viewer; each comparison panel's
``FrameSource`` provides it with its own media and frame over the shared case. The viewer
reads the frame source, the calibration at a frame and the visible annotations, and issues
only the commands listed here (push an edit, select, report an error).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from annotator.case.commands import Command
    from annotator.case.document import CaseDocument
    from annotator.case.measure import Measurement
    from annotator.case.model import Annotation
    from annotator.media import Calibration, Media
    from annotator.ui.visibility import AnnotationVisibility


class ViewerSource(Protocol):
    # -- signals the viewer follows ----------------------------------------------------------
    @property
    def document_changed(self) -> SignalInstance: ...
    @property
    def case_event(self) -> SignalInstance: ...
    @property
    def current_media_changed(self) -> SignalInstance: ...
    @property
    def current_frame_changed(self) -> SignalInstance: ...
    @property
    def selection_changed(self) -> SignalInstance: ...
    @property
    def error(self) -> SignalInstance: ...

    # -- what it shows -----------------------------------------------------------------------
    @property
    def document(self) -> CaseDocument | None: ...
    @property
    def current_media_id(self) -> str | None: ...
    @property
    def current_frame(self) -> int: ...
    @property
    def selection(self) -> list[str]: ...
    @property
    def visibility(self) -> AnnotationVisibility: ...

    def media_unreadable(self) -> bool:
        """True when the current media's file failed to open (the viewer says so)."""
        ...

    def current_media(self) -> Media | None: ...
    def calibration(self, frame: int | None = None) -> Calibration: ...
    def annotations(self, media_id: str | None = None) -> list[Annotation]: ...
    def measure(self, annotation: Annotation, frame: int) -> list[Measurement]: ...
    def redactions(self, media_id: str, frame: int) -> list[tuple[int, int, int, int]]:
        """Boxes painted black on this frame (burned-in text), as (x, y, w, h)."""
        ...

    # -- the commands it may issue -----------------------------------------------------------
    def push(self, command: Command) -> None: ...
    def select(self, ids: Sequence[str]) -> None: ...
