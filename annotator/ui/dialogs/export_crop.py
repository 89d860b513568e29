"""The imaging area an export keeps, per media: the found one (calibrated regions, or the
pixels that move in a clip, or the speckle of a still) drawn dashed over the whole frame, and
the user's own rectangle, typed as x/y/width/height or dragged out on the picture."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.export.imaging_area import ImagingArea, Rect, clamp_rect
from annotator.render import ImageTransform, numpy_to_qimage
from annotator.ui.dialogs.export_panels import MediaEntry
from annotator.ui.tasks import Task

SOURCE_TEXT = {
    "regions": "the calibrated regions of the file",
    "motion": "the pixels that change during the clip",
    "texture": "the speckled image area",
    "full": "the whole frame (no imaging area found)",
}
#: for a media id, the work (run on a worker) giving its frame pixels and found imaging area
AreaLoader = Callable[[str], Callable[[], tuple[np.ndarray, ImagingArea]]]


class CropView(QWidget):
    """The whole frame with the found area (dashed) and the chosen one; drag to choose."""

    rect_drawn = Signal(object)  # Rect in image pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(QSize(200, 130))
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag a rectangle to choose the area to export")
        self.image: QImage | None = None
        self.found: Rect | None = None
        self.chosen: Rect | None = None
        self._drag_from: QPointF | None = None
        self._drag_to: QPointF | None = None

    def set_frame(self, rgb: np.ndarray | None, found: Rect | None, chosen: Rect | None) -> None:
        self.image = None if rgb is None else numpy_to_qimage(rgb).copy()
        self.found, self.chosen = found, chosen
        self.update()

    def set_chosen(self, chosen: Rect | None) -> None:
        self.chosen = chosen
        self.update()

    def _transform(self) -> ImageTransform:
        """The whole frame fitted and centred (the one image transform, ``render.transform``)."""
        assert self.image is not None
        w, h = self.image.width(), self.image.height()
        scale = min(self.width() / w, self.height() / h)
        at = QPointF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2)
        return ImageTransform.scaled((0, 0, w, h), scale, origin=at)

    def _target(self) -> QRectF:
        if self.image is None:
            return QRectF()
        return self._transform().device_rect((0, 0, self.image.width(), self.image.height()))

    def _to_widget(self, rect: Rect) -> QRectF:
        return self._transform().device_rect(rect)

    def _to_image(self, point: QPointF) -> QPointF:
        x, y = self._transform().to_image(point.x(), point.y())
        return QPointF(x + 0.5, y + 0.5)  # a crop's corners are pixel edges: pixel x spans x..x+1

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#2b2b2b"))
        if self.image is None:
            painter.setPen(QColor("#cccccc"))
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), "Finding the imaging area\u2026")
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(self._target(), self.image)
        shown = self._dragged() or self.chosen or self.found
        if shown is not None:
            outside = QColor(0, 0, 0, 150)
            area = self._to_widget(shown)
            t = self._target()
            for r in (QRectF(t.left(), t.top(), t.width(), area.top() - t.top()),
                      QRectF(t.left(), area.bottom(), t.width(), t.bottom() - area.bottom()),
                      QRectF(t.left(), area.top(), area.left() - t.left(), area.height()),
                      QRectF(area.right(), area.top(), t.right() - area.right(), area.height())):
                if r.width() > 0 and r.height() > 0:
                    painter.fillRect(r, outside)
            painter.setPen(QPen(QColor("#33ccff"), 2))
            painter.drawRect(area)
        if self.found is not None:
            pen = QPen(QColor("#ffd400"), 1.5, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawRect(self._to_widget(self.found))

    def _dragged(self) -> Rect | None:
        if self._drag_from is None or self._drag_to is None or self.image is None:
            return None
        a, b = self._to_image(self._drag_from), self._to_image(self._drag_to)
        x0, x1 = sorted((a.x(), b.x()))
        y0, y1 = sorted((a.y(), b.y()))
        if x1 - x0 < 4 or y1 - y0 < 4:
            return None
        return clamp_rect((round(x0), round(y0), round(x1 - x0), round(y1 - y0)),
                          self.image.width(), self.image.height())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.image is not None:
            self._drag_from = self._drag_to = event.position()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag_from is not None:
            self._drag_to = event.position()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        rect = self._dragged()
        self._drag_from = self._drag_to = None
        if rect is not None:
            self.rect_drawn.emit(rect)
        self.update()


class CropEditor(QWidget):
    """Choose a media, see its found imaging area, and set another rectangle if needed."""

    changed = Signal(str, object)  # media id, Rect or None (the found area)

    def __init__(self, loader: AreaLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.crops: dict[str, Rect] = {}
        self.found: dict[str, ImagingArea] = {}
        self.sizes: dict[str, tuple[int, int]] = {}
        self.keep_identifiers = False
        self._frames: dict[str, np.ndarray] = {}
        self._loading: set[str] = set()
        self.media_box = QComboBox()
        self.media_box.setObjectName("export_crop_media")
        self.view = CropView()
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.spins = {name: QSpinBox() for name in ("x", "y", "width", "height")}
        grid = QGridLayout()
        for i, (name, spin) in enumerate(self.spins.items()):
            spin.setAccessibleName(f"imaging area {name}")
            spin.setRange(0, 100_000)
            spin.setSuffix(" px")
            spin.editingFinished.connect(self._typed)
            grid.addWidget(QLabel(name.capitalize() + ":"), i // 2, (i % 2) * 2)
            grid.addWidget(spin, i // 2, (i % 2) * 2 + 1)
        self.found_button = QPushButton("Use found area")
        self.found_button.setToolTip("Go back to the imaging area found in the file")
        self.whole_button = QPushButton("Whole frame")
        self.whole_button.setToolTip("Keep the whole frame: the scanner's header and menus too")
        for b in (self.found_button, self.whole_button):
            b.setAutoDefault(False)
        self.found_button.clicked.connect(lambda: self._set(None))
        self.whole_button.clicked.connect(self._whole)
        buttons = QHBoxLayout()
        buttons.addWidget(self.found_button)
        buttons.addWidget(self.whole_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.media_box)
        column.addWidget(self.view, 1)
        column.addWidget(self.info)
        column.addLayout(grid)
        column.addLayout(buttons)
        self.media_box.currentIndexChanged.connect(lambda _i: self._show())
        self.view.rect_drawn.connect(lambda rect: self._set(rect))

    @property
    def media_id(self) -> str | None:
        data = self.media_box.currentData()
        return str(data) if data is not None else None

    def set_media(self, entries: Sequence[MediaEntry], current: str | None) -> None:
        ids = [e.id for e in entries]
        if ids == [self.media_box.itemData(i) for i in range(self.media_box.count())]:
            if current in ids and current != self.media_id:
                self.media_box.setCurrentIndex(ids.index(current))
            return
        self.media_box.blockSignals(True)
        self.media_box.clear()
        for e in entries:
            self.media_box.addItem(e.name, e.id)
        if current in ids:
            self.media_box.setCurrentIndex(ids.index(current))
        self.media_box.blockSignals(False)
        self._show()

    def forget(self) -> None:
        """The case changed: frames and found areas are read again."""
        self._frames.clear()
        self.found.clear()

    def set_keep_identifiers(self, keep: bool) -> None:
        self.keep_identifiers = keep
        self._show_info()

    def exported_rect(self, media_id: str) -> Rect | None:
        """The area an export keeps: the chosen one, else the whole frame when identifiers are
        kept, else the found one (None while it is being found)."""
        chosen = self.crops.get(media_id)
        if chosen is not None:
            return chosen
        size = self.sizes.get(media_id)
        if self.keep_identifiers and size is not None:
            return (0, 0, size[0], size[1])
        found = self.found.get(media_id)
        return found.rect if found is not None else None

    def _show(self) -> None:
        media_id = self.media_id
        if media_id is None:
            self.view.set_frame(None, None, None)
            return
        if media_id not in self._frames:
            self.view.set_frame(None, None, None)
            self._load(media_id)
        else:
            found = self.found.get(media_id)
            self.view.set_frame(self._frames[media_id], found.rect if found else None, self.exported_rect(media_id))
        self._show_info()

    def _load(self, media_id: str) -> None:
        if media_id in self._loading:
            return
        self._loading.add(media_id)
        load = self.loader(media_id)

        def work(_progress: object) -> tuple[str, np.ndarray | None, ImagingArea | None, str]:
            try:
                rgb, found = load()
            except Exception as exc:  # noqa: BLE001 - shown in the editor, never lost
                return media_id, None, None, str(exc)
            return media_id, rgb, found, ""

        task = Task(work, "Finding the imaging area")
        task.succeeded.connect(self._loaded, Qt.ConnectionType.QueuedConnection)
        task.start()

    def _loaded(self, result: tuple[str, np.ndarray | None, ImagingArea | None, str]) -> None:
        media_id, rgb, found, problem = result
        self._loading.discard(media_id)
        if rgb is None or found is None:
            if media_id == self.media_id:
                self.info.setText(f"Cannot read this media: {problem}")
            return
        self._frames[media_id] = rgb
        self.found[media_id] = found
        self.sizes[media_id] = (rgb.shape[1], rgb.shape[0])
        if media_id == self.media_id:
            self._show()

    def _show_info(self) -> None:
        media_id = self.media_id
        found = self.found.get(media_id or "")
        chosen = self.crops.get(media_id or "")
        if found is None:
            self.info.setText("Finding the imaging area\u2026")
            rect = chosen
        else:
            x, y, w, h = found.rect
            text = f"Found ({SOURCE_TEXT.get(found.source, found.source)}): {w} \u00d7 {h} px at {x}, {y}."
            if chosen is not None:
                text += " You chose another area (solid outline)."
            elif self.keep_identifiers:
                text += " Identifiers are kept: the whole frame is exported unless you choose an area."
            self.info.setText(text)
            rect = self.exported_rect(media_id or "")
        self.view.set_chosen(self.exported_rect(media_id or ""))
        size = self.sizes.get(media_id or "")
        for spin in self.spins.values():
            spin.blockSignals(True)
        if size is not None:
            self.spins["x"].setMaximum(size[0] - 1)
            self.spins["y"].setMaximum(size[1] - 1)
            self.spins["width"].setRange(1, size[0])
            self.spins["height"].setRange(1, size[1])
        if rect is not None:
            for spin, value in zip(self.spins.values(), rect, strict=True):
                spin.setValue(value)
        for spin in self.spins.values():
            spin.blockSignals(False)
        editable = size is not None
        for widget in (*self.spins.values(), self.found_button, self.whole_button):
            widget.setEnabled(editable)

    def _typed(self) -> None:
        rect = tuple(spin.value() for spin in self.spins.values())
        media_id = self.media_id
        if media_id is None or media_id not in self.sizes:
            return
        if rect != self.exported_rect(media_id):
            self._set((rect[0], rect[1], rect[2], rect[3]))

    def _whole(self) -> None:
        size = self.sizes.get(self.media_id or "")
        if size is not None:
            self._set((0, 0, size[0], size[1]))

    def _set(self, rect: Rect | None) -> None:
        media_id = self.media_id
        if media_id is None:
            return
        size = self.sizes.get(media_id)
        if rect is not None and size is not None:
            rect = clamp_rect(rect, size[0], size[1])
        if rect is None:
            self.crops.pop(media_id, None)
        else:
            self.crops[media_id] = rect
        self._show_info()
        self.changed.emit(media_id, rect)
