"""The measurements table: every measurement of the case, sortable, copied as TSV or saved as CSV.

Selecting a row selects its annotation and shows its media and frame. The table refreshes
after every change of the case (debounced, so dragging a handle does not re-measure per event).
Copy copies the rows the user picked in the table, else the whole table: rows highlighted only
because the annotation is selected in the image are not a choice to copy just those.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QItemSelection, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.case.document import CaseDocument
from annotator.ui.panels.common import ControllerLike, Debouncer, go_to_annotation
from annotator.ui.panels.measurements_model import (
    COLUMNS,
    SORT_ROLE,
    MeasurementRow,
    MeasurementsModel,
    collect_rows,
    rows_summary,
    rows_to_csv,
    rows_to_tsv,
)
from annotator.ui.settings import Settings

log = logging.getLogger(__name__)
DEFAULT_TITLE = "Untitled case"
MEDIA_WIDTH = 200  # px: the Media column as first fitted (the user may widen it)


def _safe_name(text: str) -> str:
    """A file-name stem from a title: no path separators or characters file systems refuse."""
    cleaned = "".join(c if c.isalnum() or c in " -_." else "-" for c in text).strip(" .-")
    return cleaned[:80]


def default_csv_path(document: CaseDocument | None, media_id: str | None, fallback: Path) -> Path:
    """Where Save CSV… starts: next to the saved case, else next to the media on screen (the
    folder Save As suggests), else ``fallback``; named after the case, or measurements.csv."""
    if document is not None and document.path is not None:
        stem = document.path.name.removesuffix(".uscase.json").removesuffix(".json")
        return document.path.parent / f"{stem}-measurements.csv"
    folder = fallback
    if document is not None:
        refs = document.case.media
        ordered = [r for r in refs if r.id == media_id] + [r for r in refs if r.id != media_id]
        for ref in ordered:
            media_path = document.case.resolve_media_path(ref)
            if media_path.is_absolute() and media_path.exists():
                folder = media_path.parent
                break
    title = _safe_name(document.case.title) if document is not None else ""
    if not title or title == DEFAULT_TITLE:
        return folder / "measurements.csv"
    return folder / f"{title}-measurements.csv"


class MeasurementsPanel(QWidget):
    def __init__(self, controller: ControllerLike, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.model = MeasurementsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # case order until asked
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        # one text line per row: more rows in the short dock under the image
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.setWordWrap(False)  # one line per row; full text in tooltips
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection)

        self.all_keyframes = QCheckBox("All keyframes")
        self.all_keyframes.setChecked(True)
        self.all_keyframes.setToolTip("Measure dynamic annotations on each keyframe, not only the first")
        self.main_only = QCheckBox("Main values only")
        self.main_only.setToolTip("Only the length, area or angle of each annotation")
        self.copy_button = QPushButton("Copy all")
        self.copy_button.setToolTip("Copy the rows you selected in the table, or the whole table, "
                                    "as tab-separated text")
        self.save_button = QPushButton("Save CSV…")
        self.all_keyframes.toggled.connect(self.refresh)
        self.main_only.toggled.connect(self.refresh)
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.save_button.clicked.connect(self._save_dialog)

        copy_action = QAction("Copy", self.table)
        copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        copy_action.triggered.connect(self.copy_to_clipboard)
        self.table.addAction(copy_action)

        self.status = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.all_keyframes)
        bar.addWidget(self.main_only)
        bar.addStretch(1)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        self._syncing = False
        self._user_picked_rows = False  # rows chosen in the table, not mirrored from the image
        self._columns_fitted = False
        self.refresh_later = Debouncer(self.refresh, 40, self)
        controller.case_event.connect(self.refresh_later)
        controller.document_changed.connect(self.refresh)
        controller.selection_changed.connect(self._on_controller_selection)
        self.refresh()

    # -- content ---------------------------------------------------------------------------
    def refresh(self) -> None:
        document = self.controller.document
        rows: list[MeasurementRow] = []
        error = ""
        if document is not None:
            try:
                rows = collect_rows(document, self.all_keyframes.isChecked(), self.main_only.isChecked())
            except Exception as exc:  # noqa: BLE001 - a panel must never take the app down
                log.exception("measuring the case failed")
                error = f"Could not measure: {exc}"
        self._syncing = True
        try:
            self.model.set_rows(rows)
        finally:
            self._syncing = False
        self.copy_button.setEnabled(bool(rows))
        self.save_button.setEnabled(bool(rows))
        if rows and not self._columns_fitted:  # once: later widths are the user's
            self._columns_fitted = True
            self.table.resizeColumnsToContents()
            for column in range(len(COLUMNS)):
                self.table.setColumnWidth(column, min(self.table.columnWidth(column), 480))
            # a media's label ("Right medial gastrocnemius, long axis, contraction") pushed the
            # Value and Unit columns out of sight at 1366 px: it is cut, whole in its tooltip
            media = COLUMNS.index("Media")
            self.table.setColumnWidth(media, min(self.table.columnWidth(media), MEDIA_WIDTH))
        if any(r.flagged for r in rows):
            self._widen_to_fit(COLUMNS.index("Source"))
        if error:
            self.status.setText(error)
        elif rows:
            self.status.setText(rows_summary(rows))
        elif document is None:
            self.status.setText("No case open.")
        else:
            self.status.setText("No measurements yet: draw a caliper, trace, ellipse or angle.")
        self._on_controller_selection(list(self.controller.selection))

    def _widen_to_fit(self, column: int, cap: int = 480) -> None:
        """Make room for a "none (why)" text; never narrows what the user widened."""
        wanted = min(cap, self.table.sizeHintForColumn(column) + 12)
        if self.table.columnWidth(column) < wanted:
            self.table.setColumnWidth(column, wanted)

    def rows(self) -> list[MeasurementRow]:
        """All rows in the order the table shows them (sorted as the user sorted)."""
        return [self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
                for r in range(self.proxy.rowCount())]

    def selected_rows(self) -> list[MeasurementRow]:
        indexes = sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row())
        return [self.model.row_at(self.proxy.mapToSource(i).row()) for i in indexes]

    def rows_to_copy(self) -> list[MeasurementRow]:
        """The rows the user picked in the table, else every row."""
        picked = self.selected_rows() if self._user_picked_rows else []
        return picked or self.rows()

    # -- copy and save ---------------------------------------------------------------------
    def copy_to_clipboard(self) -> str:
        rows = self.rows_to_copy()
        text = rows_to_tsv(rows)
        QGuiApplication.clipboard().setText(text)
        self.status.setText(f"Copied {len(rows)} row(s)")
        return text

    def _update_copy_button(self) -> None:
        picked = self.selected_rows() if self._user_picked_rows else []
        self.copy_button.setText(f"Copy {len(picked)} row(s)" if picked else "Copy all")

    def save_csv(self, path: Path) -> None:
        """Write every row (full precision) to ``path``; OSError on failure."""
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(rows_to_csv(self.rows()), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise

    def suggested_csv_path(self) -> Path:
        settings = Settings()
        return default_csv_path(self.controller.document, self.controller.current_media_id,
                                settings.last_folder())

    def _save_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save measurements as CSV",
                                              str(self.suggested_csv_path()), "CSV files (*.csv)")
        if not name:
            return
        path = Path(name) if name.lower().endswith(".csv") else Path(name + ".csv")
        try:
            self.save_csv(path)
        except OSError as exc:
            self.controller.error.emit("Save measurements", f"{path}: {exc.strerror or exc}")
            return
        Settings().set_last_folder(path.parent)
        self.status.setText(f"Saved {path.name}")

    # -- selection both ways ---------------------------------------------------------------
    def _on_table_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._syncing:
            return
        rows = self.selected_rows()
        self._user_picked_rows = bool(rows)
        self._update_copy_button()
        document = self.controller.document
        if not rows or document is None:
            return
        first = rows[0]
        try:
            annotation = document.case.annotation(first.annotation)
        except KeyError:
            return
        self._syncing = True
        try:
            go_to_annotation(self.controller, annotation, first.frame)
            ids = list(dict.fromkeys(r.annotation for r in rows))
            if ids != [annotation.id]:
                self.controller.select(ids)
        finally:
            self._syncing = False

    def _on_controller_selection(self, ids: list[str]) -> None:
        """Highlight the rows of the annotations selected elsewhere (viewer, findings)."""
        if self._syncing:
            return
        self._user_picked_rows = False
        wanted = set(ids)
        selection = QItemSelection()
        for r in range(self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(r, 0))
            if self.model.row_at(source.row()).annotation in wanted:
                left = self.proxy.index(r, 0)
                right = self.proxy.index(r, self.proxy.columnCount() - 1)
                selection.select(left, right)
        self._syncing = True
        try:
            flags = self.table.selectionModel().SelectionFlag
            self.table.selectionModel().select(selection, flags.ClearAndSelect | flags.Rows)
        finally:
            self._syncing = False
        self._update_copy_button()

    def current_index(self) -> QModelIndex:
        return self.table.currentIndex()
