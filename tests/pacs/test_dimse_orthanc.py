"""DIMSE (pynetdicom) against the same real Orthanc: C-ECHO, C-FIND, C-STORE, C-GET."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from annotator.pacs.dimse import (
    DimsePeer,
    c_echo,
    c_find_studies,
    c_get_study,
    c_store,
    peer_from_url,
)
from annotator.pacs.errors import PacsError

US1_STUDY = "1.3.6.1.4.1.5962.1.2.13.20040826185059.5457"


@pytest.fixture
def peer(orthanc: object) -> DimsePeer:
    return peer_from_url(f"dicom://ORTHANCTEST@127.0.0.1:{orthanc.dicom_port}")  # type: ignore[attr-defined]


def test_echo_and_find(peer: DimsePeer) -> None:
    c_echo(peer)
    studies = c_find_studies(peer, {"PatientName": "Compressed*"})
    assert [s["StudyInstanceUID"] for s in studies] == [US1_STUDY]
    assert studies[0]["PatientName"] == "CompressedSamples^US1"
    assert c_find_studies(peer, {"PatientName": "Nobody*"}) == []


def test_get_study_keeps_the_original_syntax(peer: DimsePeer, tmp_path: Path) -> None:
    files = c_get_study(peer, US1_STUDY, tmp_path)
    syntaxes = {str(pydicom.dcmread(p).file_meta.TransferSyntaxUID) for p in files}
    assert len(files) >= 2 and "1.2.840.10008.1.2.4.90" in syntaxes  # US1_J2KR stays JPEG 2000
    assert not list(tmp_path.glob(".*.part"))
    with pytest.raises(PacsError, match="unknown"):
        c_get_study(peer, "1.2.3.4.5", tmp_path / "none")


def test_store_then_find(peer: DimsePeer, tmp_path: Path) -> None:
    from pydicom.data import get_testdata_file
    from pydicom.uid import generate_uid

    ds = pydicom.dcmread(str(get_testdata_file("US1_UNCR.dcm")))
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = (generate_uid() for _ in range(3))
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientName = "Stored^ByDimse"
    ds.save_as(tmp_path / "x.dcm")
    c_store(peer, [tmp_path / "x.dcm"])
    assert [s["StudyInstanceUID"] for s in c_find_studies(peer, {"PatientName": "Stored^*"})] == [
        ds.StudyInstanceUID]


def test_peer_down_and_bad_url() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PacsError, match="cannot reach the DICOM peer") as err:
        c_echo(DimsePeer("NOBODY", "127.0.0.1", port, timeout=3))
    assert err.value.kind == "down"
    with pytest.raises(PacsError, match="AE_TITLE"):
        peer_from_url("dicom://127.0.0.1:104")
