"""The image viewer: paints the current frame through the one renderer, with zoom and pan,
a display LUT, the active tool's preview, and cursor read-outs for the status bar.

Frames are never decoded here: a frame not yet in the media cache is requested from the
read-ahead worker and shown when it arrives (the previous one stays up meanwhile).
"""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from annotator.media.bmode_area import found_image_region
from annotator.media.calibration import Calibration
from annotator.render import FrameScene, RenderOptions, paint_scene, pixel_aspect
from annotator.render.painter import value_warning
from annotator.ui.cursor_info import cursor_info
from annotator.ui.display import DisplayCache, DisplayLut
from annotator.ui.tools import PREVIEW_ID, Tool, ToolContext, ToolResult
from annotator.ui.tools.base import Rect
from annotator.ui.view_transform import ViewTransform
from annotator.ui.viewer_input import (
    InputState,
    annotation_at,
    buttons_of,
    key_of,
    keyboard_menu_target,
    modifiers_of,
)
from annotator.ui.viewer_source import ViewerSource

BACKGROUND = QColor(24, 24, 26)
HANDLE_TOLERANCE_PX = 6.0  # screen pixels within which a click catches a shape or handle
WHEEL_ZOOM_PER_NOTCH = 1.25

_CURSORS = {
    "move": Qt.CursorShape.SizeAllCursor,
    "handle": Qt.CursorShape.PointingHandCursor,
}


class Viewer(QWidget):
    cursor_moved = Signal(object)  # CursorInfo, or None when the cursor leaves the image
    hint = Signal(str)  # tool guidance for the status bar
    zoom_changed = Signal(float)
    display_changed = Signal(object)  # DisplayLut
    frame_shown = Signal(int)  # a frame's pixels are on screen
    play_toggle_requested = Signal()  # Space tapped (held Space pans instead)
    tool_done = Signal(str)  # the active tool finished a shape (tool name)
    #: right click (or the menu key): the annotation under it ("" for none), global position
    context_menu_requested = Signal(str, QPoint)
    edit_requested = Signal(str)  # double click on an annotation or its label: edit its words
    _arrived = Signal(str, int)  # (media id, frame) decoded on the worker
    #: non-square pixels shown at their true physical shape (View > True Pixel Shape)
    true_aspect: bool = True

    def __init__(self, source: ViewerSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.view = ViewTransform()
        self.lut = DisplayLut()
        self.show_regions = False
        self.show_values = True
        self.show_labels = True
        self.playing = False  # a clip plays: shapes drawn in draft (``set_playing``)
        self.tool: Tool | None = None
        self.input = InputState()
        self._display = DisplayCache()
        self._frame: np.ndarray | None = None
        self._frame_index = 0
        self._frame_media: str | None = None
        self._wanted: tuple[str, int] | None = None
        self._calibration: tuple[tuple[str, int], Calibration] | None = None
        self._result = ToolResult()
        self._labels: list[tuple[str, Rect]] = []  # label boxes of the last paint, image pixels
        self._cursor: tuple[float, float] | None = None  # image point under the mouse, for the read-out
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setObjectName("viewer")
        self._arrived.connect(self._frame_arrived, Qt.ConnectionType.QueuedConnection)
        source.current_media_changed.connect(self._media_changed)
        source.current_frame_changed.connect(self.request_frame)
        source.document_changed.connect(self._media_changed)
        source.case_event.connect(self._case_changed)
        source.selection_changed.connect(lambda _ids: self.update())
        source.visibility.changed.connect(self._visibility_changed)
        if source.current_media_id is not None:
            self._media_changed()

    # -- frames ----------------------------------------------------------------------------
    @property
    def frame_index(self) -> int:
        return self._frame_index

    @property
    def label_boxes(self) -> list[tuple[str, Rect]]:
        """Where the last paint put labels: (annotation id, (x0, y0, x1, y1) image pixels)."""
        return list(self._labels)

    @property
    def frame_image(self) -> np.ndarray | None:
        """The stored pixels on screen (before the display LUT)."""
        return self._frame

    def _media_changed(self, *_args: object) -> None:
        self.cursor_moved.emit(None)  # until this media's frame is up: nothing to read
        self._frame = None
        self._frame_media = None
        self._calibration = None
        self._result = ToolResult()
        if self.tool is not None:
            self.tool.cancel()
        self.view.fit = True
        self.request_frame(self.source.current_frame)

    def request_frame(self, index: int) -> None:
        media_id = self.source.current_media_id
        media = self.source.current_media()
        if media is None or media_id is None:
            self._frame, self._wanted = None, None
            self.update()
            return
        index = min(max(index, 0), media.frame_count - 1)
        self._wanted = (media_id, index)
        cached = media.cached_frame(index)
        if cached is not None:
            self._set_frame(media_id, index, cached)
            return
        future = media.frame_future(index)

        def arrived(_future: Future[np.ndarray]) -> None:  # on the worker thread: queue it
            self._arrived.emit(media_id, index)

        future.add_done_callback(arrived)

    def _frame_arrived(self, media_id: str, index: int) -> None:
        if self._wanted != (media_id, index):
            return  # the user moved on
        media = self.source.current_media()
        if media is None:
            return
        future: Future[np.ndarray] = media.frame_future(index)
        if not future.done():
            return
        try:
            frame = future.result()
        except Exception as exc:  # a damaged frame: say so, keep the app running
            self.source.error.emit("Cannot show this frame", f"{media.path}: frame {index}: {exc}")
            return
        self._set_frame(media_id, index, frame)

    def _set_frame(self, media_id: str, index: int, frame: np.ndarray) -> None:
        first = self._frame is None or self._frame_media != media_id
        self._frame, self._frame_index, self._frame_media = frame, index, media_id
        if first:
            self._update_aspect()
        if first and self.view.fit:
            self.fit()
        self.update()
        self._emit_cursor()  # a frame stepped with the keys: the read-out follows
        self.frame_shown.emit(index)

    def _case_changed(self, _event: object) -> None:
        self._calibration = None
        self._update_aspect()  # a manual calibration may change the pixels' shape
        self.update()

    def _update_aspect(self) -> None:
        """Stretch the view along the coarser pixel axis when pixels are not square."""
        w, h = self.image_size()
        aspect = pixel_aspect(self.calibration(), w, h) if self.true_aspect and w and h else (1.0, 1.0)
        if aspect == (self.view.aspect_x, self.view.aspect_y):
            return
        self.view.set_aspect(*aspect, centre=QPointF(self.width() / 2, self.height() / 2))
        if self.view.fit:
            self.fit()

    def set_true_aspect(self, on: bool) -> None:
        self.true_aspect = on
        self._update_aspect()
        self.update()

    def _visibility_changed(self) -> None:
        self._result = ToolResult(preview=self._result.preview)  # no hover on a hidden shape
        self.update()

    def hidden(self) -> frozenset[str]:
        """Annotations of this media left off the screen (hidden one by one, or all)."""
        return self.source.visibility.hidden_ids(a.id for a in self.source.annotations(self._frame_media))

    def calibration(self) -> Calibration:
        key = (self._frame_media or "", self._frame_index)
        if self._calibration is None or self._calibration[0] != key:
            self._calibration = (key, self.source.calibration(self._frame_index))
        return self._calibration[1]

    # -- view ------------------------------------------------------------------------------
    def image_size(self) -> tuple[int, int]:
        return (0, 0) if self._frame is None else (int(self._frame.shape[1]), int(self._frame.shape[0]))

    def fit(self) -> None:
        w, h = self.image_size()
        self.view.fit_to(w, h, self.width(), self.height())
        self.zoom_changed.emit(self.view.zoom)
        self.update()

    def actual_size(self) -> None:
        w, h = self.image_size()
        self.view.actual_size(w, h, self.width(), self.height())
        self.zoom_changed.emit(self.view.zoom)
        self.update()

    def zoom_by(self, factor: float, at: QPointF | None = None) -> None:
        self.view.zoom_at(factor, at if at is not None else QPointF(self.width() / 2, self.height() / 2))
        self.zoom_changed.emit(self.view.zoom)
        self.update()

    def set_playing(self, playing: bool) -> None:
        """While a clip plays its shapes are drawn without antialiasing (a quarter of the paint
        time: ADR 0007); the frame it stops on is painted again in full."""
        self.playing = playing
        if not playing:
            self.update()

    def set_display(self, lut: DisplayLut) -> None:
        self.lut = lut.clamped()
        self.display_changed.emit(self.lut)
        self.update()

    def set_tool(self, tool: Tool | None) -> None:
        if self.tool is not None:
            self.tool.cancel()
        self.tool = tool
        self._result = ToolResult()
        self.setCursor(Qt.CursorShape.ArrowCursor if tool is None or tool.name == "select"
                       else Qt.CursorShape.CrossCursor)
        if tool is not None:
            self.hint.emit(tool.hint)
        self.update()

    def render_options(self) -> RenderOptions:
        return RenderOptions(
            show_handles=True, selected=frozenset(self.source.selection), hover=self._result.hover,
            hidden=self.hidden(), show_labels=self.show_labels, show_values=self.show_values, scale_bar=True,
            region_outlines=self.show_regions, pixelated=self.view.min_scale >= 4.0, draft=self.playing,
        )

    def scene(self) -> FrameScene | None:
        if self._frame is None or self._frame_media is None:
            return None
        media = self.source.current_media()
        time_ms = media.time_ms(self._frame_index) if media is not None else 0.0
        annotations = self.source.annotations(self._frame_media)
        if self._result.preview is not None:
            annotations = [*annotations, self._result.preview]
        image = self._display.apply((self._frame_media, self._frame_index), self._frame, self.lut)
        boxes = self.source.redactions(self._frame_media, self._frame_index)
        calibration = self.calibration()
        # with the regions shown, and none declared: where the app takes the image to be
        found = (found_image_region(media) if self.show_regions and media is not None
                 and calibration.scanner_image_roi() is None else None)
        return FrameScene(image, self._frame_index, time_ms, annotations, calibration,
                          self.source.measure, redactions=boxes, found_image=found)

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        scene = self.scene()
        if scene is None:
            painter.setPen(QColor(170, 170, 170))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._placeholder())
            painter.end()
            return
        painter.setClipRect(self.rect())
        xf = self.view.image_transform()  # the exports' transform (render.transform)
        # only the part on screen: the scale bar and labels stay in view when zoomed in
        on_screen = xf.image_rect(QRectF(self.rect()))
        boxes = paint_scene(painter, scene, xf.to_device(), self.render_options(), on_screen)
        self._labels = []
        for ident, rect in boxes:
            if ident != PREVIEW_ID:
                r = xf.image_rect(rect)
                self._labels.append((ident, (r.left(), r.top(), r.right(), r.bottom())))
        band = self._result.band
        if band is not None:
            rect = xf.to_device().mapRect(QRectF(QPointF(band[0], band[1]), QPointF(band[2], band[3])).normalized())
            painter.setPen(QPen(QColor(255, 255, 255, 200), 1, Qt.PenStyle.DashLine))
            painter.setBrush(QColor(255, 255, 255, 30))
            painter.drawRect(rect)
        painter.end()

    def _placeholder(self) -> str:
        if self._wanted is not None:
            return "Loading\u2026"
        if self.source.media_unreadable():
            return "This media file cannot be read (see the Case panel to find or remove it)"
        return "Open a clip, a still or a case (Ctrl+O), or drop files here"

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        if self.view.fit and self._frame is not None:
            self.fit()
        super().resizeEvent(event)

    # -- input -----------------------------------------------------------------------------
    def tool_context(self) -> ToolContext:
        doc = self.source.document
        assert doc is not None and self._frame_media is not None
        return ToolContext(doc.case, self._frame_media, self._frame_index, self.image_size(),
                           HANDLE_TOLERANCE_PX / self.view.min_scale, list(self.source.selection),
                           self.hidden(), self.label_boxes)

    def request_context_menu(self, widget_pos: QPointF, global_pos: QPoint) -> None:
        """Select the annotation under the point (it is what the menu acts on) and ask for its menu."""
        ident = annotation_at(self, widget_pos) if self._frame is not None and self.source.document else None
        if ident is not None and ident not in self.source.selection:
            self.source.select([ident])
        self.context_menu_requested.emit(ident or "", global_pos)

    def _image_pos(self, event: QMouseEvent | QWheelEvent) -> tuple[float, float]:
        p = event.position()
        x, y = p.x(), p.y()
        if x.is_integer() and y.is_integer():  # a mouse reports the pixel's corner: use its centre
            x, y = x + 0.5, y + 0.5
        return self.view.widget_to_image(x, y)

    def _tool_ready(self) -> bool:
        return self.tool is not None and self._frame is not None and self.source.document is not None

    def apply(self, result: ToolResult) -> None:
        """Carry out what a tool asked for: commands, selection, preview, hints."""
        for command in result.commands:
            self.source.push(command)
        if result.select is not None:
            self.source.select(result.select)
        was_drawing = self._result.preview is not None
        if result.hover != self._result.hover:
            self._explain_hover(result.hover)
        self._result = result
        cursor = _CURSORS.get(result.cursor)
        if cursor is not None:
            self.setCursor(cursor)
        elif self.tool is not None:
            self.setCursor(Qt.CursorShape.ArrowCursor if self.tool.name == "select" else Qt.CursorShape.CrossCursor)
        if result.hint:
            self.hint.emit(result.hint)
        elif self.tool is not None and (result.done or (was_drawing and result.preview is None)):
            self.hint.emit(self.tool.hint)  # done or cancelled: what starts the next shape
        if result.done and self.tool is not None:
            self.tool_done.emit(self.tool.name)
        if result.edit is not None:
            self.edit_requested.emit(result.edit)
        self.update()

    def _explain_hover(self, ident: str | None) -> None:
        """Over a value that is not in mm on a calibrated image: say why (tooltip, status bar)."""
        scene = self.scene()
        ann = next((a for a in self.source.annotations(self._frame_media) if a.id == ident), None)
        reason = value_warning(scene, ann) if scene is not None and ann is not None else ""
        self.setToolTip(reason)
        if reason:
            self.hint.emit(reason)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if self.input.press(event, self):
            return
        if self._tool_ready() and self.tool is not None:
            self.apply(self.tool.press(self._image_pos(event), buttons_of(event), modifiers_of(event)))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.input.move(event, self):
            return
        x, y = self._image_pos(event)
        self._cursor = (x, y)
        self._emit_cursor()
        if self._tool_ready() and self.tool is not None:
            self.apply(self.tool.move((x, y), buttons_of(event), modifiers_of(event)))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.input.release(event, self):
            if self.input.clicked:  # a right click, not a pan: the menu of what is under it
                self.input.clicked = False
                self.request_context_menu(event.position(), event.globalPosition().toPoint())
            return
        if self._tool_ready() and self.tool is not None:
            self.apply(self.tool.release(self._image_pos(event), buttons_of(event), modifiers_of(event)))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.tool is not None and self.tool.name == "window_level":
            self.set_display(DisplayLut())  # the window/level tool's reset
            return
        if self._tool_ready() and self.tool is not None and event.button() == Qt.MouseButton.LeftButton:
            self.apply(self.tool.double_click(self._image_pos(event), buttons_of(event), modifiers_of(event)))

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        # the mouse's right click is handled on release (a right drag pans); the menu key here
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            ident, where = keyboard_menu_target(self)
            self.context_menu_requested.emit(ident, self.mapToGlobal(where.toPoint()))
        event.accept()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps and self._frame is not None:
            self.zoom_by(WHEEL_ZOOM_PER_NOTCH**steps, event.position())
        event.accept()

    def _emit_cursor(self) -> None:
        if self._frame is None or self._cursor is None:
            return
        media = self.source.current_media()
        t = media.time_ms(self._frame_index) if media is not None else 0.0
        x, y = self._cursor
        self.cursor_moved.emit(cursor_info(self._frame, self.calibration(), x, y, self._frame_index, t))

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802
        self._cursor = None
        self.cursor_moved.emit(None)
        if self._result.hover is not None:
            self._result = ToolResult(preview=self._result.preview)
            self.update()

    def event(self, event: QEvent) -> bool:
        # take Space before the window's play shortcut: tap = play/pause, hold + drag = pan
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Space):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self.input.space_down()
            return
        key = key_of(event)
        if key and self._tool_ready() and self.tool is not None:
            self.apply(self.tool.key(key, modifiers_of(event)))
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            if self.input.space_up():
                self.play_toggle_requested.emit()
            return
        super().keyReleaseEvent(event)
