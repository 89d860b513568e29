"""PACS servers: name, URL, DICOMweb root, user, TLS check and timeout, and the optional DIMSE
peer of the same archive (AE title, host, port; C-GET or C-MOVE to our listener port), saved
in the settings; the password goes into the OS keyring only (or, without one, is used for this
session and never written). "Test Connection" asks the server (and C-ECHOes the DIMSE peer)
on a thread."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from annotator.pacs.errors import PacsError
from annotator.pacs.servers import (
    DEFAULT_LISTEN_AE,
    DEFAULT_LISTEN_PORT,
    PacsServer,
    keyring_problem,
    load_servers,
    save_servers,
    server_from_url,
    store_password,
)
from annotator.ui.tasks import Task


class PacsServersDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("PACS Servers")
        self.task: Task | None = None
        try:
            self.servers = load_servers()
        except PacsError as exc:
            self.servers = []
            self._startup_problem = str(exc)
        else:
            self._startup_problem = ""
        self.list = QListWidget()
        self.list.addItems([s.name for s in self.servers])
        self.list.currentRowChanged.connect(self._selected)
        self.name = QLineEdit()
        self.url = QLineEdit(placeholderText="https://pacs.example.org:8042/dicom-web")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        problem = keyring_problem()
        self.password.setPlaceholderText("kept in the OS keyring" if problem is None else
                                         "no OS keyring: used for this test only, not saved")
        self.verify = QCheckBox("Verify the TLS certificate")
        self.verify.setChecked(True)
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 600)
        self.timeout.setValue(30)
        self.timeout.setSuffix(" s")
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("URL (with DICOMweb root)", self.url)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow("", self.verify)
        form.addRow("Timeout", self.timeout)
        self.dimse_ae = QLineEdit(placeholderText="optional, e.g. ORTHANC")
        self.dimse_host = QLineEdit(placeholderText="host of the DIMSE peer")
        self.dimse_port = _port_box("not set")
        self.retrieve = QComboBox()
        self.retrieve.addItem("C-GET (same connection)", "get")
        self.retrieve.addItem("C-MOVE to this computer", "move")
        self.listen_ae = QLineEdit(DEFAULT_LISTEN_AE)
        self.listen_ae.setToolTip("Our AE title: the PACS must know it (for C-MOVE: at this "
                                  "computer and the port below)")
        self.listen_port = _port_box("any free port")
        self.listen_port.setValue(DEFAULT_LISTEN_PORT)
        self.listen_port.setToolTip("The fixed port the PACS sends C-MOVE results to: it must know "
                                    "our AE title at this computer and port")
        form.addRow("DIMSE AE title", self.dimse_ae)
        form.addRow("DIMSE host", self.dimse_host)
        form.addRow("DIMSE port", self.dimse_port)
        form.addRow("Retrieve with", self.retrieve)
        form.addRow("Our AE title", self.listen_ae)
        form.addRow("Our C-MOVE port", self.listen_port)
        self.message = QLabel(self._startup_problem or (problem or ""))
        self.message.setWordWrap(True)
        save, remove, test, close = (QPushButton(t) for t in ("&Save", "&Remove", "&Test Connection", "Close"))
        save.clicked.connect(self.save)
        remove.clicked.connect(self.remove)
        test.clicked.connect(self.test_connection)
        close.clicked.connect(self.accept)
        self.test_button = test
        buttons = QHBoxLayout()
        for b in (save, remove, test):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.message)
        top = QHBoxLayout()
        top.addWidget(self.list, 1)
        top.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(buttons)

    def _selected(self, row: int) -> None:
        if 0 <= row < len(self.servers):
            s = self.servers[row]
            self.name.setText(s.name)
            self.url.setText(s.base)
            self.user.setText(s.user)
            self.password.clear()
            self.verify.setChecked(s.verify_tls)
            self.timeout.setValue(s.timeout)
            self.dimse_ae.setText(s.dimse_ae)
            self.dimse_host.setText(s.dimse_host)
            self.dimse_port.setValue(s.dimse_port)
            self.retrieve.setCurrentIndex(max(0, self.retrieve.findData(s.dimse_retrieve)))
            self.listen_ae.setText(s.listen_ae)
            self.listen_port.setValue(s.listen_port)

    def current(self) -> PacsServer:
        """The server the fields describe (PacsError when the URL is not usable)."""
        url = self.url.text().strip()
        server = server_from_url(url)
        server.name = self.name.text().strip() or server.name
        server.user = self.user.text().strip()
        server.verify_tls = self.verify.isChecked()
        server.timeout = float(self.timeout.value())
        server.dimse_ae = self.dimse_ae.text().strip()
        server.dimse_host = self.dimse_host.text().strip()
        server.dimse_port = int(self.dimse_port.value())
        server.dimse_retrieve = str(self.retrieve.currentData())
        server.listen_port = int(self.listen_port.value())
        server.listen_ae = self.listen_ae.text().strip() or DEFAULT_LISTEN_AE
        if any((server.dimse_ae, server.dimse_host, server.dimse_port)) and not server.has_dimse:
            raise PacsError("a DIMSE peer needs its AE title, host and port (or none of them)",
                            "config")
        if len(server.dimse_ae) > 16 or len(server.listen_ae) > 16:
            raise PacsError("an AE title has at most 16 characters", "config")
        return server

    def save(self) -> None:
        try:
            server = self.current()
            self.servers = [s for s in self.servers if s.name != server.name] + [server]
            save_servers(self.servers)
            note = ""
            if server.user and self.password.text():
                if keyring_problem() is None:
                    store_password(server, self.password.text())
                    note = " (password in the OS keyring)"
                else:
                    note = " (password NOT saved: no OS keyring here)"
        except (PacsError, OSError) as exc:
            self.message.setText(f"<b>Not saved:</b> {exc}")
            return
        self.list.clear()
        self.list.addItems([s.name for s in self.servers])
        self.message.setText(f"Saved {server.name}{note}")

    def remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.servers):
            del self.servers[row]
            save_servers(self.servers)
            self.list.takeItem(row)
            self.message.setText("Removed")

    def test_connection(self) -> None:
        if self.task is not None:
            return
        from annotator.pacs.client import DicomWebClient
        from annotator.pacs.servers import find_password

        try:
            server = self.current()
        except PacsError as exc:
            self.message.setText(f"<b>Failed:</b> {exc}")
            return
        password = self.password.text() or find_password(server)
        client = DicomWebClient(server, password)
        self.message.setText(f"Asking {server.base}\u2026")
        self.test_button.setEnabled(False)
        def work() -> str:
            client.echo()
            answer = f"OK: {server.base} answers DICOMweb"
            if server.has_dimse:
                from annotator.pacs.dimse import c_echo, peer_from_server

                c_echo(peer_from_server(server))
                answer += f"; {server.dimse_url()} answers C-ECHO"
            return answer

        task = Task(lambda _p: work(), "Test connection")
        task.succeeded.connect(self.message.setText, Qt.ConnectionType.QueuedConnection)
        task.failed.connect(lambda exc: self.message.setText(f"<b>Failed:</b> {exc}"),
                            Qt.ConnectionType.QueuedConnection)
        task.ended.connect(self._ended, Qt.ConnectionType.QueuedConnection)
        self.task = task.start()

    def _ended(self) -> None:
        self.task = None
        self.test_button.setEnabled(True)


def _port_box(unset: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, 65535)
    box.setSpecialValueText(unset)  # shown for 0
    return box
