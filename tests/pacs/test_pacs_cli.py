"""``us-annotator pacs`` against a real Orthanc: find --json, get, send, echo, named servers."""

from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pytest

from annotator.case.io import load_case
from annotator.cli import main

US1_STUDY = "1.3.6.1.4.1.5962.1.2.13.20040826185059.5457"


def test_find_json_lists_studies_with_series(server_url: str, password_env: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pacs", "find", server_url, "--patient-name", "Compressed*", "--modality", "US",
                 "--json"]) == 0
    (study,) = json.loads(capsys.readouterr().out)
    assert study["study_uid"] == US1_STUDY and study["patient_name"] == "CompressedSamples^US1"
    assert set(study) == {"study_uid", "patient_name", "patient_id", "study_date", "accession",
                          "description", "series"}
    assert study["study_date"] == "20040826"
    (series,) = study["series"]
    assert series["modality"] == "US" and series["instances"] >= 2


def test_get_writes_a_case_that_validates(server_url: str, password_env: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pacs", "get", server_url, US1_STUDY, str(tmp_path / "study")]) == 0
    case_path = Path(capsys.readouterr().out.strip())
    case = load_case(case_path)
    assert len(case.media) >= 2 and not case.load_warnings
    assert main(["validate", str(case_path)]) == 0


def test_echo_and_named_server(server_url: str, password_env: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pacs", "echo", server_url]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["pacs", "add-server", "clinic", server_url]) == 0
    out = capsys.readouterr()
    assert "clinic" in out.out
    assert "no OS keyring" in out.err or "stored in the OS keyring" in out.out
    assert main(["pacs", "servers"]) == 0
    assert "clinic" in capsys.readouterr().out
    assert main(["pacs", "echo", "clinic"]) == 0
    assert main(["pacs", "echo", "nosuch"]) == 2
    assert "no PACS server named 'nosuch'" in capsys.readouterr().err


def test_password_never_in_settings(server_url: str, password_env: str) -> None:
    from annotator.pacs.servers import settings_path

    with_pw = server_url.replace("sono@", f"sono:{password_env}@")
    main(["pacs", "add-server", "withpw", with_pw])
    assert password_env not in settings_path().read_text()


def test_send_then_find(server_url: str, password_env: str, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    from pydicom.data import get_testdata_file
    from pydicom.uid import generate_uid

    ds = pydicom.dcmread(str(get_testdata_file("US1_UNCR.dcm")))
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = (generate_uid() for _ in range(3))
    ds.PatientName = "Sent^ByCli"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    path = tmp_path / "sent.dcm"
    ds.save_as(path)
    assert main(["pacs", "send", server_url, str(path)]) == 0
    capsys.readouterr()
    assert main(["pacs", "find", server_url, "--patient-name", "Sent^*", "--json"]) == 0
    assert [s["study_uid"] for s in json.loads(capsys.readouterr().out)] == [ds.StudyInstanceUID]
    (tmp_path / "plain.txt").write_text("hello")
    assert main(["pacs", "send", server_url, str(tmp_path / "plain.txt")]) == 2
    assert "not a DICOM file" in capsys.readouterr().err


def test_wrong_password_is_one_clear_line(server_url: str, monkeypatch: pytest.MonkeyPatch,
                                          orthanc: object, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("US_ANNOTATOR_PACS_PASSWORD", "not-it")
    assert main(["pacs", "find", server_url, "--json"]) == 2
    assert "refused the user name or password" in capsys.readouterr().err


def test_dimse_peer_on_the_command_line(orthanc: object, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    peer = f"dicom://ORTHANCTEST@127.0.0.1:{orthanc.dicom_port}"  # type: ignore[attr-defined]
    assert main(["pacs", "echo", peer]) == 0
    assert main(["pacs", "find", peer, "--patient-name", "Compressed*", "--json"]) == 0
    out = capsys.readouterr().out
    (study,) = json.loads(out[out.index("["):])
    assert study["study_uid"] == US1_STUDY and study["series"][0]["modality"] == "US"
    assert study["series"][0]["instances"] >= 2
    assert main(["pacs", "get", peer, US1_STUDY, str(tmp_path / "d")]) == 0
    case = load_case(Path(capsys.readouterr().out.strip().splitlines()[-1]))
    assert len(case.media) >= 2 and not case.load_warnings


def test_add_server_puts_the_password_in_the_keyring(
        server_url: str, memory_keyring: dict[tuple[str, str], str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from orthanc_server import PASSWORD as password

    from annotator.pacs.servers import PASSWORD_ENV, settings_path
    assert main(["pacs", "add-server", "kr", server_url.replace("sono@", f"sono:{password}@")]) == 0
    assert "stored in the OS keyring" in capsys.readouterr().out
    assert list(memory_keyring.values()) == [password]
    assert password not in settings_path().read_text()
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    assert main(["pacs", "echo", "kr"]) == 0  # the keyring's password, nothing else given
