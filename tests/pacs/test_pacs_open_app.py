"""File > Open from PACS in the app: the clip is on screen at once, streams into the local
cache meanwhile, and the saved case references the cached file, which reopens offline."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pydicom
import pytest
from clips import clip_dicom
from orthanc_server import USER, Orthanc
from pytestqt.qtbot import QtBot

from annotator.case.document import CaseDocument
from annotator.media.dicom import DicomMedia
from annotator.pacs.remote_clip import RemoteClip
from annotator.ui.main_window import MainWindow
from annotator.ui.pacs_open import pacs_cache


def test_open_shows_the_clip_at_once_and_the_case_reopens_offline(
        qtbot: QtBot, orthanc: Orthanc, password_env: str, tmp_path: Path) -> None:
    data = clip_dicom(30, patient="Lazy^Open")
    upload = tmp_path / "upload.dcm"
    upload.write_bytes(data)
    orthanc.upload(upload)
    ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)

    win = MainWindow()
    win.controller.confirm_discard = lambda: True
    qtbot.addWidget(win)
    win.show()
    dialog = win.files.open_from_pacs()
    dialog.server.setEditText(f"http://{USER}@127.0.0.1:{orthanc.http_port}/dicom-web")
    dialog.patient_name.setText("Lazy^*")
    dialog.search()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.study_table.rowCount() == 1, timeout=20000)
    dialog.study_table.selectRow(0)
    qtbot.waitUntil(lambda: dialog.task is None and dialog.series_table.rowCount() == 1, timeout=20000)
    messages: list[str] = []
    win.statusBar().messageChanged.connect(messages.append)
    start = time.perf_counter()
    with qtbot.waitSignal(win.viewer.frame_shown, timeout=20000):
        dialog.open_lazily()
    shown_after = time.perf_counter() - start
    assert shown_after < 5.0  # generous on a loaded machine; `make bench` measures the target

    doc = win.controller.document
    assert doc is not None and len(doc.case.media) == 1
    ref = doc.case.media[0]
    target = pacs_cache() / str(ds.StudyInstanceUID) / f"{ds.SOPInstanceUID}.dcm"
    assert Path(ref.path) == target
    media = doc.media(ref.id)
    assert isinstance(media, RemoteClip) and media.frame_count == 30
    qtbot.waitUntil(lambda: media.complete, timeout=20000)
    assert target.is_file() and not list(target.parent.glob(".*.part"))
    qtbot.waitUntil(lambda: any("complete in the local cache" in m for m in messages), timeout=5000)

    case_path = tmp_path / "case.uscase.json"
    assert win.controller.save(case_path)
    win.controller.set_document(None)
    win.close()
    with CaseDocument.load(case_path) as again:  # no server is asked: a plain local file
        (ref,) = again.case.media
        assert ref.sha256 and not again.warnings
        reopened = again.media(ref.id)
        assert isinstance(reopened, DicomMedia) and reopened.frame_count == 30
        assert reopened.transfer_syntax == "1.2.840.10008.1.2.4.50"


def test_open_errors_show_in_the_dialog(qtbot: QtBot, orthanc: Orthanc,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from annotator.pacs.study import StudySummary
    from annotator.ui.pacs_dialog import PacsBrowser

    monkeypatch.setenv("US_ANNOTATOR_PACS_PASSWORD", "s3cret-pw")
    dialog = PacsBrowser()
    qtbot.addWidget(dialog)
    dialog.server.setEditText(f"http://{USER}@127.0.0.1:{orthanc.http_port}/dicom-web")
    dialog._show_studies([StudySummary("1.2.3.999", "Nobody", "", "", "", "")])
    dialog.study_table.selectRow(0)
    qtbot.waitUntil(lambda: dialog.task is None, timeout=20000)
    dialog.open_lazily()
    qtbot.waitUntil(lambda: dialog.task is None and "Failed" in dialog.message.text(), timeout=20000)
    assert "no instances" in dialog.message.text() or "not found" in dialog.message.text()


def test_store_to_pacs_asks_shows_where_and_sends_through_dimse(
        qtbot: QtBot, orthanc: Orthanc, password_env: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """File > Store to PACS with a saved server's DIMSE peer (C-STORE): the question names
    the server, the patient and the study; the SR and SC arrive in the scan's study."""
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    from annotator.case.model import Annotation
    from annotator.pacs.client import DicomWebClient, tag_value
    from annotator.pacs.servers import PacsServer, save_servers, server_from_url

    data = clip_dicom(5, patient="Store^Back")
    upload = tmp_path / "scan.dcm"
    upload.write_bytes(data)
    orthanc.upload(upload)
    study = str(pydicom.dcmread(upload, stop_before_pixels=True).StudyInstanceUID)
    save_servers([PacsServer("clinic", f"http://127.0.0.1:{orthanc.http_port}", user=USER,
                             dimse_ae="ORTHANCTEST", dimse_host="127.0.0.1", dimse_port=orthanc.dicom_port)])

    win = MainWindow()
    win.controller.confirm_discard = lambda: True
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.viewer.frame_shown, timeout=20000):
        win.open_paths([upload])
    doc = win.controller.document
    assert doc is not None
    media_id = doc.case.media[0].id
    doc.case.annotations.append(Annotation.single("a1", media_id, "line", 2, [(10, 10), (60, 40)]))
    asked: list[tuple[str, list[str]]] = []
    questions: list[str] = []

    def get_item(_parent: object, _title: str, label: str, items: list[str], *_a: object) -> tuple[str, bool]:
        asked.append((label, list(items)))
        return "clinic (DIMSE)", True

    def ask(_parent: object, _title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        questions.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(get_item))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(ask))
    messages: list[str] = []
    win.statusBar().messageChanged.connect(messages.append)
    win.files.store_to_pacs()
    assert asked and asked[0][1] == ["clinic", "clinic (DIMSE)"]
    (question,) = questions
    assert "Send to clinic (DIMSE)" in question and "Store^Back" in question and study in question
    assert "Structured report" in question and "Secondary capture 1" in question
    qtbot.waitUntil(lambda: any("Stored 2 file(s)" in m for m in messages), timeout=30000)
    client = DicomWebClient(server_from_url(f"http://{USER}@127.0.0.1:{orthanc.http_port}/dicom-web"),
                            "s3cret-pw")
    classes = sorted(str(tag_value(i, "00080016")) for i in client.search(f"/studies/{study}/instances"))
    assert classes == ["1.2.840.10008.5.1.4.1.1.3.1", "1.2.840.10008.5.1.4.1.1.7",
                       "1.2.840.10008.5.1.4.1.1.88.34"]  # the scan, its SC and its SR
    win.controller.set_document(None)
    win.close()


def test_a_slow_or_refusing_server_loses_no_work_and_the_window_answers(
        qtbot: QtBot, orthanc: Orthanc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With an annotated case open: a slow server keeps the window answering and the clip joins
    the case; a wrong password is one message in the browser, and the case is untouched."""
    from proxy import running_proxy
    from PySide6.QtCore import QTimer

    from annotator.case.model import Annotation

    data = clip_dicom(6, patient="Slow^Server")
    upload = tmp_path / "slow.dcm"
    upload.write_bytes(data)
    orthanc.upload(upload)
    local = tmp_path / "local.dcm"
    local.write_bytes(clip_dicom(3, patient="Local^Work"))

    win = MainWindow()
    win.controller.confirm_discard = lambda: True
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.viewer.frame_shown, timeout=20000):
        win.open_paths([local])
    doc = win.controller.document
    assert doc is not None
    doc.case.annotations.append(Annotation.single("a1", doc.case.media[0].id, "line", 0, [(1, 1), (9, 9)]))
    with running_proxy(orthanc.http_port) as proxy:
        monkeypatch.setenv("US_ANNOTATOR_PACS_PASSWORD", "wrong")
        dialog = win.files.open_from_pacs()
        dialog.server.setEditText(proxy.url(USER))
        dialog.patient_name.setText("Slow^*")
        dialog.search()
        qtbot.waitUntil(lambda: dialog.task is None and "Failed" in dialog.message.text(), timeout=20000)
        assert "password" in dialog.message.text()
        assert win.controller.document is doc and len(doc.case.annotations) == 1

        monkeypatch.setenv("US_ANNOTATOR_PACS_PASSWORD", "s3cret-pw")
        dialog.search()
        qtbot.waitUntil(lambda: dialog.task is None and dialog.study_table.rowCount() == 1, timeout=20000)
        dialog.study_table.selectRow(0)
        qtbot.waitUntil(lambda: dialog.task is None and dialog.series_table.rowCount() == 1, timeout=20000)
        proxy.delay = 0.5  # every answer half a second late
        ticks: list[float] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start(20)
        dialog.open_lazily()
        qtbot.waitUntil(lambda: len(doc.case.media) == 2, timeout=30000)
        timer.stop()
        gaps = [b - a for a, b in zip(ticks[:-1], ticks[1:], strict=True)]
        assert len(ticks) > 20 and max(gaps) < 0.5  # painted and answered throughout
        assert win.controller.document is doc and len(doc.case.annotations) == 1  # nothing lost
        clip = doc.media(doc.case.media[1].id)
        assert isinstance(clip, RemoteClip)
        qtbot.waitUntil(lambda: clip.download.done.is_set(), timeout=30000)
        assert clip.complete
    win.controller.set_document(None)
    win.close()
