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

STUDY_PAGE = 500  # studies per page of the list (More Studies fetches the next)
DIMSE_SUFFIX = " (DIMSE)"
MAX_OPEN = 20  # instances opened at once by Open; Download Study takes them all
THUMBNAILS = 20  # series with a /rendered picture
THUMBNAIL_SIZE = 64


class PacsBrowser(QDialog):
    """The study browser; emits ``clip_ready(media)`` for each instance opened (streaming
    into the local cache), and ``case_ready(path)`` when a whole study has been downloaded."""

    case_ready = Signal(Path)
    clip_ready = Signal(object)  # a Media, emitted from the worker thread

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open from PACS")
        self.resize(900, 600)
        self.studies: list[StudySummary] = []
        self.task: Task | None = None
        self.thumb_task: Task | None = None
        self.thumbnails_shown = 0
        self.opened_count = 0
        self._password: dict[str, str | None] = {}
        #: how a DIMSE study is fetched: ("get", 0) or ("move", listener port)
        self.retrieve: tuple[str, int] = ("get", 0)

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
        self.search_button.clicked.connect(lambda: self.search())
        self.more_button = QPushButton("&More Studies")
        self.more_button.setVisible(False)
        self.more_button.clicked.connect(self.more)
        self.study_table = _table(["Date", "Patient", "ID", "Accession", "Description"])
        self.study_table.itemSelectionChanged.connect(self._study_selected)
        self.study_table.itemDoubleClicked.connect(lambda _item: self.open_lazily())
        self.series_table = _table(["Modality", "Description", "Instances", "Frames"])
        self.series_table.itemDoubleClicked.connect(lambda _item: self.open_lazily())
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_button = QPushButton("&Open")
        self.open_button.setToolTip("Show the selected series (or the whole study) at once; "
                                    "the clips stream into the local cache meanwhile")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_lazily)
        self.download_button = QPushButton("&Download Study")
        self.download_button.setToolTip("Fetch every file of the study first, then open it as a case")
        self.download_button.setEnabled(False)
        self.download_button.clicked.connect(lambda: self.download())
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        servers = QPushButton("Ser&vers\u2026")
        servers.setToolTip("Add, change or test PACS servers")
        servers.clicked.connect(self.edit_servers)

        buttons = QHBoxLayout()
        buttons.addWidget(servers)
        buttons.addWidget(self.more_button)
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.download_button)
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
            for s in load_servers():
                self.server.addItem(s.name)
                if s.has_dimse:  # the same archive through its DIMSE peer
                    self.server.addItem(s.name + DIMSE_SUFFIX)
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
        self.retrieve = ("get", 0)
        if text.startswith("dicom://"):
            from annotator.pacs.dimse import peer_from_url

            return "dimse", peer_from_url(text)
        from annotator.pacs.client import DicomWebClient
        from annotator.pacs.servers import find_password, resolve_server

        if text.endswith(DIMSE_SUFFIX):
            from annotator.pacs.dimse import peer_from_server

            saved = resolve_server(text[: -len(DIMSE_SUFFIX)])
            self.retrieve = (saved.dimse_retrieve, saved.listen_port)
            return "dimse", peer_from_server(saved)

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
        self.download_button.setEnabled(False)
        task = Task(lambda _p: work(), busy)
        task.succeeded.connect(done, Qt.ConnectionType.QueuedConnection)
        task.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        task.ended.connect(self._ended, Qt.ConnectionType.QueuedConnection)
        self.task = task.start()

    def _ended(self) -> None:
        self.task = None
        self.search_button.setEnabled(True)
        self.open_button.setEnabled(bool(self.study_table.selectedItems()))
        self.download_button.setEnabled(bool(self.study_table.selectedItems()))

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, PacsError) and exc.kind == "auth":
            self._password.pop(self.server.currentText().strip(), None)  # ask again next time
        self.message.setText(f"<b>Failed:</b> {exc}")

    # -- search -----------------------------------------------------------------------------
    def search(self, offset: int = 0) -> None:
        """Search; ``offset`` > 0 fetches the next page (``STUDY_PAGE`` studies, QIDO-RS
        limit/offset) and appends it."""
        try:
            query = study_query(self.patient_name.text().strip() or None,
                                self.patient_id.text().strip() or None,
                                self.accession.text().strip() or None,
                                self.date.text().strip() or None, self.modality.text().strip() or None)
            kind, target = self._target()
        except PacsError as exc:
            self._failed(exc)
            return
        earlier = self.studies if offset else []

        def work() -> list[StudySummary]:
            # one more than a page: whether a next page exists, without counting them all
            if kind == "dimse":  # C-FIND has no paging: the page is cut here
                from annotator.pacs.dimse import find_studies_dimse

                return find_studies_dimse(target, query)[offset:offset + STUDY_PAGE + 1]
            from annotator.pacs.study import find_studies

            return find_studies(target, query, with_series=False, max_results=STUDY_PAGE + 1,
                                offset=offset)

        self._run(work, lambda page: self._show_studies(earlier + page[:STUDY_PAGE],
                                                        len(page) > STUDY_PAGE),
                  "Searching\u2026")

    def more(self) -> None:
        self.search(len(self.studies))

    def _show_studies(self, studies: list[StudySummary], more: bool = False) -> None:
        self.studies = studies
        self.study_table.setUpdatesEnabled(False)  # one repaint for the whole list
        self.study_table.setRowCount(len(studies))
        for row, s in enumerate(studies):
            for col, value in enumerate((_date(s.study_date), s.patient_name.replace("^", " "),
                                         s.patient_id, s.accession, s.description)):
                self.study_table.setItem(row, col, QTableWidgetItem(value))
        self.study_table.setUpdatesEnabled(True)
        self.series_table.setRowCount(0)
        self.more_button.setVisible(more)
        tail = f" shown; {STUDY_PAGE} more with More Studies" if more else ""
        self.message.setText(f"{len(studies)} studies{tail}" if studies else "No studies match")

    def selected_study(self) -> StudySummary | None:
        rows = {i.row() for i in self.study_table.selectedItems()}
        return self.studies[min(rows)] if rows else None

    def _study_selected(self) -> None:
        study = self.selected_study()
        self.open_button.setEnabled(study is not None and self.task is None)
        self.download_button.setEnabled(study is not None and self.task is None)
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
        text = self.server.currentText().strip()
        if study is None or text.startswith("dicom://") or text.endswith(DIMSE_SUFFIX):
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

    # -- open -------------------------------------------------------------------------------
    def open_lazily(self) -> None:
        """Open the selected series (else every series of the study) instance by instance:
        each shows as soon as its first frame is there. DIMSE peers download first."""
        study = self.selected_study()
        if study is None:
            return
        try:
            kind, client = self._target()
        except PacsError as exc:
            self._failed(exc)
            return
        if kind == "dimse":
            self.download()
            return
        rows = sorted({i.row() for i in self.series_table.selectedItems()})
        chosen = [study.series[r] for r in rows if r < len(study.series)]
        series_uids = [s.series_uid for s in chosen] or None

        def work() -> int:
            from annotator.pacs.client import tag_value
            from annotator.pacs.remote_clip import open_instance
            from annotator.ui.pacs_open import pacs_cache

            wanted = series_uids or [str(tag_value(s, "0020000E"))
                                     for s in client.search_series(study.study_uid)]
            opened = 0
            for series_uid in wanted:
                for inst in client.search_instances(study.study_uid, series_uid,
                                                    max_results=MAX_OPEN - opened):
                    sop = str(tag_value(inst, "00080018"))
                    self.clip_ready.emit(open_instance(client, study.study_uid, series_uid, sop,
                                                       pacs_cache()))
                    opened += 1
                if opened >= MAX_OPEN:
                    break
            if not opened:
                raise PacsError(f"study {study.study_uid} has no instances to open", "not-found")
            return opened

        def done(count: int) -> None:
            more = " (the first ones only: use Download Study for all)" if count >= MAX_OPEN else ""
            self.message.setText(f"Opened {count} instance(s){more}; they stream into the local cache")
            self.opened_count += count

        self._run(work, done, "Opening…")

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

        how, port = self.retrieve

        def work() -> Path:
            if kind == "dimse":
                from annotator.pacs.dimse import c_get_study, c_move_study
                from annotator.pacs.study import write_study_case

                files = (c_move_study(target, study.study_uid, folder, port) if how == "move"
                         else c_get_study(target, study.study_uid, folder))
                return write_study_case(files, folder, study.study_uid)
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


def open_from_pacs(parent: QWidget, open_paths: Callable[[list[Path]], None],
                   add_clip: Callable[[Any], None]) -> PacsBrowser:
    """Show the browser over ``parent``; a downloaded study opens like any case
    (``open_paths``), a clip opened lazily joins the open case (``add_clip``)."""
    dialog = PacsBrowser(parent)

    def opened(path: Path) -> None:
        dialog.accept()
        open_paths([path])

    dialog.case_ready.connect(opened)

    def clip(media: Any) -> None:
        add_clip(media)
        dialog.accept()  # the clip is on screen; the browser is in the way

    dialog.clip_ready.connect(clip, Qt.ConnectionType.QueuedConnection)
    dialog.show()
    return dialog
