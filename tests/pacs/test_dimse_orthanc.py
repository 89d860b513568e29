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


@pytest.fixture(scope="module")
def syntax_study(orthanc: object, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    """One study holding an ultrasound image in each syntax ultrasound needs: JPEG Baseline,
    RLE, JPEG 2000, explicit and implicit VR little endian. (study UID, {SOP UID: syntax})"""
    import clips
    from pydicom.data import get_testdata_file
    from pydicom.uid import (
        ExplicitVRLittleEndian,
        ImplicitVRLittleEndian,
        RLELossless,
        generate_uid,
    )

    folder = tmp_path_factory.mktemp("syntaxes")
    study = generate_uid()
    sent: dict[str, str] = {}

    def keep(ds: pydicom.Dataset, name: str) -> None:
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, generate_uid()
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.PatientName, ds.PatientID = "Dimse^Syntaxes", "DS-1"
        path = folder / f"{name}.dcm"
        ds.save_as(path, enforce_file_format=True)
        orthanc.upload(path)  # type: ignore[attr-defined]
        sent[str(ds.SOPInstanceUID)] = str(ds.file_meta.TransferSyntaxUID)

    import io

    keep(pydicom.dcmread(io.BytesIO(clips.clip_dicom(3, jpeg=True))), "jpeg")
    keep(pydicom.dcmread(str(get_testdata_file("US1_J2KR.dcm"))), "j2k")
    explicit = pydicom.dcmread(str(get_testdata_file("US1_UNCR.dcm")))
    assert explicit.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    keep(explicit, "explicit")
    rle = pydicom.dcmread(str(get_testdata_file("US1_UNCR.dcm")))
    rle.compress(RLELossless)
    keep(rle, "rle")
    implicit = pydicom.dcmread(str(get_testdata_file("US1_UNCR.dcm")))
    implicit.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    keep(implicit, "implicit")
    return study, sent


def _syntaxes(files: list[Path]) -> dict[str, str]:
    out = {}
    for p in files:
        ds = pydicom.dcmread(p)
        out[str(ds.SOPInstanceUID)] = str(ds.file_meta.TransferSyntaxUID)
        ds.pixel_array  # noqa: B018 - every file decodes
    return out


def test_get_keeps_each_ultrasound_syntax(peer: DimsePeer, syntax_study: tuple[str, dict[str, str]],
                                          tmp_path: Path) -> None:
    study, sent = syntax_study
    assert len(set(sent.values())) == 5
    assert _syntaxes(c_get_study(peer, study, tmp_path)) == sent


def test_move_to_our_own_listener(peer: DimsePeer, syntax_study: tuple[str, dict[str, str]],
                                  orthanc: object, tmp_path: Path) -> None:
    from annotator.pacs.dimse import c_move_study

    study, sent = syntax_study
    files = c_move_study(peer, study, tmp_path / "moved", orthanc.move_port,  # type: ignore[attr-defined]
                         listen_host="127.0.0.1")
    assert _syntaxes(files) == sent
    assert not list((tmp_path / "moved").glob(".*.part"))
    with pytest.raises(PacsError, match="unknown"):
        c_move_study(peer, "1.2.3.4.5", tmp_path / "none", orthanc.move_port,  # type: ignore[attr-defined]
                     listen_host="127.0.0.1")


def test_move_to_a_listener_the_pacs_does_not_know(peer: DimsePeer, syntax_study: tuple[str, dict[str, str]],
                                                   tmp_path: Path) -> None:
    """Orthanc knows US_ANNOTATOR at another port: nothing arrives, and the message says what
    to configure (or that nothing came)."""
    import socket

    from annotator.pacs.dimse import c_move_study

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    peer.timeout = 10
    with pytest.raises(PacsError) as err:
        c_move_study(peer, syntax_study[0], tmp_path / "x", port, listen_host="127.0.0.1")
    assert "US_ANNOTATOR" in str(err.value) and str(port) in str(err.value), err.value
    assert not list((tmp_path / "x").glob("*.dcm"))


def test_move_to_a_listener_with_our_own_ae_title(peer: DimsePeer, syntax_study: tuple[str, dict[str, str]],
                                                  orthanc: object, tmp_path: Path) -> None:
    """The AE title and port come from the server settings (Orthanc knows OTHER_AE at its
    own port, not US_ANNOTATOR there)."""
    from orthanc_server import OTHER_AE

    from annotator.pacs.dimse import c_move_study, peer_from_server
    from annotator.pacs.servers import PacsServer

    server = PacsServer("ws", "http://127.0.0.1:1", dimse_ae="ORTHANCTEST", dimse_host="127.0.0.1",
                        dimse_port=peer.port, dimse_retrieve="move", listen_ae=OTHER_AE,
                        listen_port=orthanc.other_move_port)  # type: ignore[attr-defined]
    mine = peer_from_server(server)
    assert mine.calling_ae == OTHER_AE
    study, sent = syntax_study
    files = c_move_study(mine, study, tmp_path / "moved", server.listen_port, listen_host="127.0.0.1")
    assert _syntaxes(files) == sent


def test_a_taken_listener_port_is_said_clearly(peer: DimsePeer, syntax_study: tuple[str, dict[str, str]],
                                               tmp_path: Path) -> None:
    import socket

    from annotator.pacs.dimse import c_move_study

    with socket.socket() as other:  # another program listens there
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(PacsError) as err:
            c_move_study(peer, syntax_study[0], tmp_path / "x", port, listen_host="127.0.0.1")
    text = str(err.value)
    assert err.value.kind == "config" and f"port {port}" in text and "taken" in text, text
    assert "Our C-MOVE port" in text and "US_ANNOTATOR" in text, text


def test_the_listener_has_a_fixed_default_port() -> None:
    import inspect

    from annotator.pacs.dimse import c_move_study
    from annotator.pacs.servers import DEFAULT_LISTEN_PORT, PacsServer

    server = PacsServer("a", "http://h:1")
    assert server.listen_port == DEFAULT_LISTEN_PORT == 11113 and server.listen_ae == "US_ANNOTATOR"
    assert inspect.signature(c_move_study).parameters["listen_port"].default == DEFAULT_LISTEN_PORT
    assert peer_from_url("dicom://X@h:1").calling_ae == "US_ANNOTATOR"


def test_our_ae_title_and_port_are_saved(tmp_path: Path) -> None:
    from annotator.pacs.servers import PacsServer, load_servers, save_servers

    path = tmp_path / "servers.json"
    save_servers([PacsServer("a", "http://h:1", listen_ae="WS_7", listen_port=12000)], path)
    (loaded,) = load_servers(path)
    assert (loaded.listen_ae, loaded.listen_port) == ("WS_7", 12000)
    old = '{"servers": [{"name": "b", "url": "http://h:1"}]}'  # saved before these fields
    path.write_text(old, encoding="utf-8")
    (loaded,) = load_servers(path)
    assert (loaded.listen_ae, loaded.listen_port) == ("US_ANNOTATOR", 11113)
