"""File > Open from PACS... against the real Orthanc: search, series, download and open."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from annotator.case.io import load_case
from annotator.ui.pacs_dialog import PacsBrowser


def cell(table: object, row: int, col: int) -> str:
    item = table.item(row, col)  # type: ignore[attr-defined]
    assert item is not None
    return str(item.text())

US1_STUDY = "1.3.6.1.4.1.5962.1.2.13.20040826185059.5457"


def test_search_list_series_and_download(qtbot: QtBot, server_url: str, password_env: str,
                                         tmp_path: Path) -> None:
    dialog = PacsBrowser()
    qtbot.addWidget(dialog)
    dialog.server.setEditText(server_url)
    dialog.patient_name.setText("Compressed*")
    dialog.search()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.study_table.rowCount() == 1, timeout=20000)
    assert cell(dialog.study_table, 0, 1) == "CompressedSamples US1"
    assert cell(dialog.study_table, 0, 0) == "2004-08-26"
    dialog.study_table.selectRow(0)
    qtbot.waitUntil(lambda: dialog.task is None and dialog.series_table.rowCount() == 1, timeout=20000)
    assert cell(dialog.series_table, 0, 0) == "US"
    qtbot.waitUntil(lambda: dialog.thumbnails_shown == 1, timeout=20000)
    item = dialog.series_table.item(0, 0)
    assert item is not None and not item.icon().isNull()  # the /rendered thumbnail
    with qtbot.waitSignal(dialog.case_ready, timeout=30000) as blocker:
        dialog.download(tmp_path / "study")
    case = load_case(blocker.args[0])
    assert len(case.media) >= 2 and not case.load_warnings


def test_errors_show_in_the_dialog(qtbot: QtBot, server_url: str, orthanc: object,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("US_ANNOTATOR_PACS_PASSWORD", "wrong")
    dialog = PacsBrowser()
    qtbot.addWidget(dialog)
    dialog.server.setEditText(server_url)
    dialog.search()
    qtbot.waitUntil(lambda: dialog.task is None and "Failed" in dialog.message.text(), timeout=20000)
    assert "password" in dialog.message.text()
    dialog.server.setEditText("not-configured")
    dialog.search()
    assert "no PACS server named" in dialog.message.text()
    dialog.date.setText("yesterday")
    dialog.search()
    assert "YYYYMMDD" in dialog.message.text()


def test_store_sends_sr_and_sc_into_the_original_study(server_url: str, password_env: str,
                                                       tmp_path: Path, qtbot: QtBot) -> None:
    """Store to PACS: the case's SR and one SC per annotated frame keep the scan's Study
    Instance UID and identifiers, and arrive in that study on the server."""
    import pydicom

    from annotator.case.document import CaseDocument
    from annotator.case.model import Annotation
    from annotator.pacs.client import DicomWebClient, tag_value
    from annotator.pacs.servers import find_password, server_from_url
    from annotator.pacs.study import get_study
    from annotator.ui.pacs_store import build_store_files, describe, send_items

    server = server_from_url(server_url)
    client = DicomWebClient(server, find_password(server))
    doc = CaseDocument.load(get_study(client, US1_STUDY, tmp_path / "study"))
    first, second = doc.case.media[0].id, doc.case.media[1].id
    doc.case.annotations.append(Annotation.single("a1", first, "line", 0, [(10, 10), (60, 40)]))
    doc.case.annotations.append(Annotation.single("a2", second, "line", 0, [(20, 30), (90, 30)]))
    doc.case.annotations.append(Annotation.single("a3", second, "line", 0, [(20, 50), (90, 50)]))
    items, notes = build_store_files(doc, tmp_path, first, 0)
    kinds = [i.what.split(" (")[0] for i in items]
    assert kinds == ["Structured report", "Secondary capture 1", "Secondary capture 2"], notes
    assert {i.study_uid for i in items} == {US1_STUDY}
    assert all(i.patient == "CompressedSamples^US1" for i in items)
    text = describe(items, notes, "clinic")
    assert "keep the patient's identifiers" in text and "Send to clinic" in text and US1_STUDY in text
    assert send_items(server_url, items, find_password(server)) == len(items)
    on_server = {str(tag_value(i, "00080018")): str(tag_value(i, "00080016"))
                 for i in client.search(f"/studies/{US1_STUDY}/instances")}
    for item in items:
        sop = str(pydicom.dcmread(item.path, stop_before_pixels=True).SOPInstanceUID)
        assert sop in on_server, item.what
    classes = {on_server[str(pydicom.dcmread(i.path, stop_before_pixels=True).SOPInstanceUID)] for i in items}
    assert classes == {"1.2.840.10008.5.1.4.1.1.88.34", "1.2.840.10008.5.1.4.1.1.7"}  # SR and SC


def test_servers_dialog_saves_tests_and_never_writes_the_password(
        qtbot: QtBot, server_url: str, password_env: str, orthanc: object) -> None:
    from annotator.pacs.servers import load_servers, settings_path
    from annotator.ui.pacs_servers_dialog import PacsServersDialog

    dialog = PacsServersDialog()
    qtbot.addWidget(dialog)
    dialog.name.setText("clinic")
    dialog.url.setText(server_url.replace("sono@", ""))
    dialog.user.setText("sono")
    dialog.password.setText("typed-secret")
    dialog.save()
    assert [s.name for s in load_servers()] == ["clinic"]
    assert "typed-secret" not in settings_path().read_text()
    dialog.test_connection()  # the typed (wrong) password is used for the test
    qtbot.waitUntil(lambda: dialog.task is None and "Failed" in dialog.message.text(), timeout=20000)
    assert "password" in dialog.message.text()
    dialog.password.clear()  # now the environment's password
    dialog.test_connection()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.message.text().startswith("OK"), timeout=20000)
    dialog.url.setText("ftp://nowhere")
    dialog.test_connection()
    assert "not a server name" in dialog.message.text()
    dialog.list.setCurrentRow(0)
    dialog.remove()
    assert load_servers() == []


def test_dimse_peer_saved_tested_and_used_for_c_move(qtbot: QtBot, server_url: str, password_env: str,
                                                     orthanc: object, tmp_path: Path) -> None:
    """The saved server holds its DIMSE peer; the browser lists it as 'NAME (DIMSE)', searches
    with C-FIND and downloads with C-MOVE to our own listener."""
    from annotator.pacs.servers import load_servers, settings_path
    from annotator.ui.pacs_servers_dialog import PacsServersDialog

    servers = PacsServersDialog()
    qtbot.addWidget(servers)
    servers.name.setText("clinic")
    servers.url.setText(server_url.replace("sono@", ""))
    servers.user.setText("sono")
    servers.dimse_ae.setText("ORTHANCTEST")
    servers.save()
    assert "Not saved" in servers.message.text() and "AE title, host and port" in servers.message.text()
    servers.dimse_host.setText("127.0.0.1")
    servers.dimse_port.setValue(orthanc.dicom_port)  # type: ignore[attr-defined]
    servers.retrieve.setCurrentIndex(servers.retrieve.findData("move"))
    servers.listen_port.setValue(orthanc.move_port)  # type: ignore[attr-defined]
    servers.save()
    (saved,) = load_servers()
    assert (saved.dimse_ae, saved.dimse_port, saved.dimse_retrieve) == ("ORTHANCTEST", orthanc.dicom_port, "move")  # type: ignore[attr-defined]
    assert '"dimse_host": "127.0.0.1"' in settings_path().read_text()
    servers.test_connection()
    qtbot.waitUntil(lambda: servers.task is None and servers.message.text().startswith("OK"), timeout=20000)
    assert "answers C-ECHO" in servers.message.text()

    dialog = PacsBrowser()
    qtbot.addWidget(dialog)
    names = [dialog.server.itemText(i) for i in range(dialog.server.count())]
    assert names == ["clinic", "clinic (DIMSE)"]
    dialog.server.setCurrentIndex(1)
    dialog.patient_name.setText("Compressed*")
    dialog.search()
    qtbot.waitUntil(lambda: dialog.task is None and dialog.study_table.rowCount() == 1, timeout=20000)
    dialog.study_table.selectRow(0)
    dialog._ended()
    with qtbot.waitSignal(dialog.case_ready, timeout=30000, raising=False) as blocker:
        dialog.download(tmp_path / "moved")
    assert blocker.signal_triggered, dialog.message.text()
    assert dialog.retrieve[0] == "move"
    case = load_case(blocker.args[0])
    assert len(case.media) >= 2 and not case.load_warnings
