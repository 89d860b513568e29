"""File > Open from PACS...: search a DICOMweb server (or a dicom:// DIMSE peer) for studies,
look at their series, and download one into the user's data folder as a case that then opens.

Every request runs on a worker thread (``Task``), so a slow or dead server never freezes the
window; failures show as one line in the dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.case.userdirs import data_dir
from annotator.pacs.errors import PacsError
from annotator.pacs.study import SeriesSummary, StudySummary, study_query
from annotator.ui.tasks import Task

MAX_STUDIES = 1000
THUMBNAILS = 20  # series with a /rendered picture
THUMBNAIL_SIZE = 64


class PacsBrowser(QDialog):
    """The study browser; emits ``case_ready(path)`` when a study has been downloaded."""

    case_ready = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open from PACS")
        self.resize(900, 600)
        self.studies: list[StudySummary] = []
        self.task: Task | None = None
        self.thumb_task: Task | None = None
        self.thumbnails_shown = 0
        self._password: dict[str, str | None] = {}

        self.server = QComboBox()
        self.server.setEditable(True)
        self.server.setToolTip("A saved server, a URL like http://user@host:8042/dicom-web, "
                               "or a DIMSE peer dicom://AE_TITLE@host:port")
        self._fill_servers()
        self.patient_name = QLineEdit(placeholderText="e.g. DOE^* (wildcards * and ?)")
        self.patient_id = QLineEdit()
        self.accession = QLineEdit()
        self.date = QLineEdit(placeholderText="YYYYMMDD or YYYYMMDD-YYYYMMDD")
        self.modality = QLineEdit("US")
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("Patient name", self.patient_name)
        form.addRow("Patient ID", self.patient_id)
        form.addRow("Accession", self.accession)
        form.addRow("Study date", self.date)
        form.addRow("Modality", self.modality)

        self.search_button = QPushButton("&Search")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.study_table = _table(["Date", "Patient", "ID", "Accession", "Description"])
        self.study_table.itemSelectionChanged.connect(self._study_selected)
        self.study_table.itemDoubleClicked.connect(lambda _item: self.download())
        self.series_table = _table(["Modality", "Description", "Instances", "Frames"])
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("Download and &Open")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.download)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        servers = QPushButton("Ser&vers\u2026")
        servers.setToolTip("Add, change or test PACS servers")
        servers.clicked.connect(self.edit_servers)

        buttons = QHBoxLayout()
        buttons.addWidget(servers)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addLayout(form, 1)
        top.addWidget(self.search_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(top)
        layout.addWidget(self.study_table, 3)
        layout.addWidget(QLabel("Series of the selected study"))
        layout.addWidget(self.series_table, 1)
        layout.addLayout(buttons)

    def _fill_servers(self) -> None:
        from annotator.pacs.servers import load_servers

        try:
            self.server.addItems([s.name for s in load_servers()])
        except PacsError as exc:
            self.server.setToolTip(str(exc))

    def edit_servers(self) -> None:
        from annotator.ui.pacs_servers_dialog import PacsServersDialog

        text = self.server.currentText()
        PacsServersDialog(self).exec()
        self.server.clear()
        self._fill_servers()
        self.server.setEditText(text)
        self._password.clear()

    # -- connections ------------------------------------------------------------------------
    def _target(self) -> tuple[str, Any]:
        """("dimse", peer) or ("web", client) for the server field; may ask for a password."""
        text = self.server.currentText().strip()
        if text.startswith("dicom://"):
            from annotator.pacs.dimse import peer_from_url

            return "dimse", peer_from_url(text)
        from annotator.pacs.client import DicomWebClient
        from annotator.pacs.servers import find_password, resolve_server

        server = resolve_server(text)
        if text not in self._password:
            self._password[text] = find_password(server, self._ask_password)
        return "web", DicomWebClient(server, self._password[text])

    def _ask_password(self, prompt: str) -> str:
        text, ok = QInputDialog.getText(self, "PACS password", prompt, QLineEdit.EchoMode.Password)
        if not ok:
            raise PacsError("no password given", "auth")
        return text

    def _run(self, work: Any, done: Any, busy: str) -> None:
        if self.task is not None:
            return
        self.message.setText(busy)
        self.search_button.setEnabled(False)
        self.open_button.setEnabled(False)
        task = Task(lambda _p: work(), busy)
        task.succeeded.connect(done, Qt.ConnectionType.QueuedConnection)
        task.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        task.ended.connect(self._ended, Qt.ConnectionType.QueuedConnection)
        self.task = task.start()

    def _ended(self) -> None:
        self.task = None
        self.search_button.setEnabled(True)
        self.open_button.setEnabled(bool(self.study_table.selectedItems()))

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, PacsError) and exc.kind == "auth":
            self._password.pop(self.server.currentText().strip(), None)  # ask again next time
        self.message.setText(f"<b>Failed:</b> {exc}")

    # -- search -----------------------------------------------------------------------------
    def search(self) -> None:
        try:
            query = study_query(self.patient_name.text().strip() or None,
                                self.patient_id.text().strip() or None,
                                self.accession.text().strip() or None,
                                self.date.text().strip() or None, self.modality.text().strip() or None)
            kind, target = self._target()
        except PacsError as exc:
            self._failed(exc)
            return

        def work() -> list[StudySummary]:
            if kind == "dimse":
                from annotator.pacs.dimse import find_studies_dimse

                return find_studies_dimse(target, query)[:MAX_STUDIES]
            from annotator.pacs.study import find_studies

            return find_studies(target, query, with_series=False, max_results=MAX_STUDIES)

        self._run(work, self._show_studies, "Searching\u2026")

    def _show_studies(self, studies: list[StudySummary]) -> None:
        self.studies = studies
        self.study_table.setRowCount(len(studies))
        for row, s in enumerate(studies):
            for col, value in enumerate((_date(s.study_date), s.patient_name.replace("^", " "),
                                         s.patient_id, s.accession, s.description)):
                self.study_table.setItem(row, col, QTableWidgetItem(value))
        self.series_table.setRowCount(0)
        more = " (only the first shown: narrow the search)" if len(studies) >= MAX_STUDIES else ""
        self.message.setText(f"{len(studies)} studies{more}" if studies else "No studies match")

    def selected_study(self) -> StudySummary | None:
        rows = {i.row() for i in self.study_table.selectedItems()}
        return self.studies[min(rows)] if rows else None

    def _study_selected(self) -> None:
        study = self.selected_study()
        self.open_button.setEnabled(study is not None and self.task is None)
        if study is None:
            return
        if study.series:
            self._show_series(study.series)
            return
        try:
            kind, target = self._target()
        except PacsError as exc:
            self._failed(exc)
            return
        if kind == "dimse":
            return  # the DIMSE search already listed the series
        from annotator.pacs.study import list_series

        def work() -> list[SeriesSummary]:
            study.series = list_series(target, study.study_uid)
            return study.series

        self._run(work, self._show_series, "Listing series\u2026")

    def _show_series(self, series: list[SeriesSummary]) -> None:
        self.series_table.setRowCount(len(series))
        for row, s in enumerate(series):
            for col, value in enumerate((s.modality, s.description, str(s.instances), str(s.frames))):
                self.series_table.setItem(row, col, QTableWidgetItem(value))
        self.message.setText(f"{len(series)} series, {sum(s.frames for s in series)} frames")
        self._load_thumbnails(series)

    def _load_thumbnails(self, series: list[SeriesSummary]) -> None:
        """One /rendered JPEG per series, on its own thread; failures just leave no picture."""
        study = self.selected_study()
        if study is None or self.server.currentText().strip().startswith("dicom://"):
            return
        try:
            _, client = self._target()
        except PacsError:
            return
        wanted = list(enumerate(series[:THUMBNAILS]))

        def work() -> list[tuple[int, bytes]]:
            out = []
            for row, s in wanted:
                for sop in s.sample_instances:  # some servers cannot render every syntax
                    try:
                        out.append((row, client.rendered(study.study_uid, s.series_uid, sop,
                                                         THUMBNAIL_SIZE)))
                        break
                    except PacsError:
                        continue
            return out

        def show(pictures: list[tuple[int, bytes]]) -> None:
            if self.selected_study() is not study:
                return  # the user moved on
            for row, data in pictures:
                pixmap = QPixmap()
                item = self.series_table.item(row, 0)
                if item is not None and pixmap.loadFromData(data):
                    item.setIcon(QIcon(pixmap))
            self.series_table.setIconSize(QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
            self.series_table.resizeRowsToContents()
            self.thumbnails_shown += 1

        self.thumb_task = Task(lambda _p: work(), "Thumbnails")
        self.thumb_task.succeeded.connect(show, Qt.ConnectionType.QueuedConnection)
        self.thumb_task.start()

    # -- download ---------------------------------------------------------------------------
    def download(self, dest: Path | None = None) -> None:
        study = self.selected_study()
        if study is None:
            return
        folder = dest or data_dir() / "pacs" / study.study_uid
        try:
            kind, target = self._target()
        except PacsError as exc:
            self._failed(exc)
            return

        def work() -> Path:
            if kind == "dimse":
                from annotator.pacs.dimse import c_get_study
                from annotator.pacs.study import write_study_case

                return write_study_case(c_get_study(target, study.study_uid, folder), folder,
                                        study.study_uid)
            from annotator.pacs.study import get_study

            return get_study(target, study.study_uid, folder)

        def done(path: Path) -> None:
            self.message.setText(f"Downloaded into {folder}")
            self.case_ready.emit(path)

        self._run(work, done, f"Downloading into {folder}\u2026")


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    return table


def _date(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isdigit() else value


def open_from_pacs(parent: QWidget, open_paths: Callable[[list[Path]], None]) -> PacsBrowser:
    """Show the browser over ``parent``; a downloaded study opens like any case."""
    dialog = PacsBrowser(parent)

    def opened(path: Path) -> None:
        dialog.accept()
        open_paths([path])

    dialog.case_ready.connect(opened)
    dialog.show()
    return dialog
