"""DIMSE for archives without DICOMweb (pynetdicom): C-ECHO, C-FIND (study root), C-GET of a
study into a folder, and C-STORE, offering the transfer syntaxes ultrasound needs (JPEG
Baseline, RLE, JPEG 2000, explicit and implicit VR little endian).

A peer is written ``dicom://AE_TITLE@host:port``; our calling AE title is US_ANNOTATOR.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from annotator.pacs.errors import PacsError
from annotator.pacs.servers import DEFAULT_LISTEN_AE, DEFAULT_LISTEN_PORT
from annotator.pacs.study import SeriesSummary, StudySummary

CALLING_AET = DEFAULT_LISTEN_AE
TRANSFER_SYNTAXES = [
    "1.2.840.10008.1.2.1",  # explicit VR little endian
    "1.2.840.10008.1.2",  # implicit VR little endian
    "1.2.840.10008.1.2.4.50",  # JPEG Baseline
    "1.2.840.10008.1.2.4.51",  # JPEG Extended
    "1.2.840.10008.1.2.4.70",  # JPEG Lossless SV1
    "1.2.840.10008.1.2.5",  # RLE
    "1.2.840.10008.1.2.4.90",  # JPEG 2000 lossless
    "1.2.840.10008.1.2.4.91",  # JPEG 2000
]
# What an ultrasound study holds: images, clips, secondary captures and reports. With one
# context per syntax, 12 classes x 8 syntaxes stay under the 128 contexts of an association.
STORAGE_CLASSES = [
    "1.2.840.10008.5.1.4.1.1.6.1",  # Ultrasound Image
    "1.2.840.10008.5.1.4.1.1.3.1",  # Ultrasound Multi-frame Image
    "1.2.840.10008.5.1.4.1.1.6.2",  # Enhanced US Volume
    "1.2.840.10008.5.1.4.1.1.7",  # Secondary Capture
    "1.2.840.10008.5.1.4.1.1.7.4",  # Multi-frame True Color SC
    "1.2.840.10008.5.1.4.1.1.88.11",  # Basic Text SR
    "1.2.840.10008.5.1.4.1.1.88.22",  # Enhanced SR
    "1.2.840.10008.5.1.4.1.1.88.33",  # Comprehensive SR
    "1.2.840.10008.5.1.4.1.1.88.34",  # Comprehensive 3D SR (our measurement report)
    "1.2.840.10008.5.1.4.1.1.88.35",  # Extensible SR
    "1.2.840.10008.5.1.4.1.1.88.59",  # Key Object Selection
    "1.2.840.10008.5.1.4.1.1.104.1",  # Encapsulated PDF
]
FIND_MODEL = "1.2.840.10008.5.1.4.1.2.2.1"  # Study Root Q/R FIND
GET_MODEL = "1.2.840.10008.5.1.4.1.2.2.3"  # Study Root Q/R GET
MOVE_MODEL = "1.2.840.10008.5.1.4.1.2.2.2"  # Study Root Q/R MOVE
VERIFICATION = "1.2.840.10008.1.1"


@dataclass
class DimsePeer:
    ae_title: str
    host: str
    port: int
    timeout: float = 30.0
    #: our own AE title on associations with this peer (and the C-MOVE destination)
    calling_ae: str = CALLING_AET


def peer_from_url(text: str) -> DimsePeer:
    parts = urlsplit(text)
    if parts.scheme != "dicom" or not parts.hostname or not parts.username:
        raise PacsError(f"a DIMSE peer is dicom://AE_TITLE@host:port, not {text!r}", "config")
    try:
        port = parts.port or 104
    except ValueError:
        raise PacsError(f"bad port in {text!r}", "config") from None
    return DimsePeer(parts.username, parts.hostname, port)


@contextlib.contextmanager
def _association(peer: DimsePeer, contexts: Sequence[str], get_storage: bool = False,
                 handlers: list[Any] | None = None) -> Iterator[Any]:
    from pynetdicom import AE, build_role

    ae = AE(ae_title=peer.calling_ae)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = peer.timeout
    ae.connection_timeout = min(peer.timeout, 10.0)
    for uid in contexts:
        if uid in (VERIFICATION, FIND_MODEL, GET_MODEL, MOVE_MODEL):
            ae.add_requested_context(uid)
        else:
            # One context per transfer syntax: the peer accepts one syntax per context, so a
            # single context would make it transcode (Orthanc's C-GET refuses to) instead of
            # sending each file as stored.
            for syntax in TRANSFER_SYNTAXES:
                ae.add_requested_context(uid, syntax)
    roles: list[Any] = [build_role(uid, scp_role=True) for uid in STORAGE_CLASSES] if get_storage else []
    assoc = ae.associate(peer.host, peer.port, ae_title=peer.ae_title, ext_neg=roles or None,
                         evt_handlers=handlers or None)
    where = f"{peer.ae_title}@{peer.host}:{peer.port}"
    if not assoc.is_established:
        if assoc.is_rejected:
            raise PacsError(f"{where} rejected the association (unknown AE title {peer.calling_ae}? "
                            "add it to the PACS's list of modalities)", "auth")
        raise PacsError(f"cannot reach the DICOM peer {where} (down, wrong port, or no answer "
                        f"within {peer.timeout:g} s)", "down")
    try:
        yield assoc
    finally:
        if assoc.is_established:
            assoc.release()
        ae.shutdown()


def _status_ok(status: Any) -> int:
    if not status or "Status" not in status:
        raise PacsError("the DICOM peer did not answer (connection lost or timed out)", "timeout")
    return int(status.Status)


def c_echo(peer: DimsePeer) -> None:
    with _association(peer, [VERIFICATION]) as assoc:
        if _status_ok(assoc.send_c_echo()) != 0:
            raise PacsError("C-ECHO failed", "http")


def c_find(peer: DimsePeer, level: str, keys: Sequence[str],
           query: dict[str, str | int]) -> list[dict[str, str]]:
    """C-FIND (study root) at ``level`` ("STUDY", "SERIES", "IMAGE"): every match as a dict
    of the DICOM keywords ``keys`` to strings; ``query`` uses the same keywords."""
    from pydicom.dataset import Dataset

    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for key in keys:
        setattr(ds, key, "")
    for key, value in query.items():
        setattr(ds, key, str(value))
    out = []
    with _association(peer, [FIND_MODEL]) as assoc:
        for status, identifier in assoc.send_c_find(ds, FIND_MODEL):
            code = _status_ok(status)
            if code in (0xFF00, 0xFF01) and identifier is not None:
                out.append({k: str(identifier.get(k, "") or "") for k in keys})
            elif code != 0:
                raise PacsError(f"C-FIND failed with status 0x{code:04X}", "http")
    return out


STUDY_KEYS = ("StudyInstanceUID", "PatientName", "PatientID", "StudyDate", "AccessionNumber",
              "StudyDescription", "ModalitiesInStudy")


def c_find_studies(peer: DimsePeer, query: dict[str, str | int]) -> list[dict[str, str]]:
    """Studies matching ``query`` (QIDO-style keys: PatientName, PatientID, AccessionNumber,
    StudyDate, ModalitiesInStudy, StudyInstanceUID)."""
    return c_find(peer, "STUDY", STUDY_KEYS, {k: v for k, v in query.items() if k in STUDY_KEYS})


def find_studies_dimse(peer: DimsePeer, query: dict[str, str | int]) -> list[StudySummary]:
    """The same study list as the DICOMweb ``find_studies``, through C-FIND."""
    studies = []
    for st in c_find_studies(peer, query):
        summary = StudySummary(st["StudyInstanceUID"], st["PatientName"], st["PatientID"],
                               st["StudyDate"], st["AccessionNumber"], st["StudyDescription"])
        uid: dict[str, str | int] = {"StudyInstanceUID": summary.study_uid}
        for se in c_find(peer, "SERIES", ("SeriesInstanceUID", "Modality", "SeriesDescription"), uid):
            images = c_find(peer, "IMAGE", ("SOPInstanceUID", "NumberOfFrames"),
                            {**uid, "SeriesInstanceUID": se["SeriesInstanceUID"]})
            frames = sum(int(i["NumberOfFrames"] or 1) for i in images)
            summary.series.append(SeriesSummary(se["SeriesInstanceUID"], se["Modality"],
                                                se["SeriesDescription"], len(images), frames))
        studies.append(summary)
    return studies


def c_store(peer: DimsePeer, files: Sequence[Path]) -> None:
    from pydicom import dcmread

    datasets = [dcmread(p) for p in files]
    classes = sorted({str(ds.SOPClassUID) for ds in datasets} | set(STORAGE_CLASSES))
    with _association(peer, classes) as assoc:
        for path, ds in zip(files, datasets, strict=True):
            code = _status_ok(assoc.send_c_store(ds))
            if code not in (0, 0xB000, 0xB006, 0xB007):
                raise PacsError(f"{path}: C-STORE refused with status 0x{code:04X}", "http")


def c_get_study(peer: DimsePeer, study_uid: str, dest: Path) -> list[Path]:
    """Fetch every instance of a study into ``dest`` (one atomic file per SOP instance)."""
    from pydicom.dataset import Dataset
    from pynetdicom import evt

    # Peers answer an unknown study with a bare failure status (Orthanc: 0xC000): ask first.
    if not c_find_studies(peer, {"StudyInstanceUID": study_uid}):
        raise PacsError(f"study {study_uid} is unknown to {peer.ae_title}", "not-found")
    dest.mkdir(parents=True, exist_ok=True)
    received: list[Path] = []
    on_store = _store_handler(dest, received)

    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = study_uid
    with _association(peer, [GET_MODEL, *STORAGE_CLASSES], get_storage=True,
                      handlers=[(evt.EVT_C_STORE, on_store)]) as assoc:
        final = None
        for status, _ in assoc.send_c_get(query, GET_MODEL):
            final = _status_ok(status)
        if final not in (0, 0xB000):
            raise PacsError(f"C-GET of study {study_uid} failed with status 0x{final or 0:04X}", "http")
    if not received:
        raise PacsError(f"study {study_uid} is unknown to {peer.ae_title} or has no instances",
                        "not-found")
    return received


def _store_handler(dest: Path, received: list[Path]) -> Any:
    """A C-STORE handler that writes each instance atomically into ``dest`` (as received:
    the transfer syntax the peer sent, never transcoded here)."""

    def on_store(event: Any) -> int:
        ds = event.dataset
        ds.file_meta = event.file_meta
        target = dest / f"{ds.SOPInstanceUID}.dcm"
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=dest)
        try:
            with os.fdopen(fd, "wb") as f:
                ds.save_as(f, enforce_file_format=True)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return 0xA700  # out of resources: the peer reports the failure
        received.append(target)
        return 0

    return on_store


def peer_from_server(server: Any) -> DimsePeer:
    """The DIMSE peer of a saved server (``PacsServer`` with ``has_dimse``)."""
    if not server.has_dimse:
        raise PacsError(f"the server {server.name} has no DIMSE peer (AE title, host, port)", "config")
    return DimsePeer(server.dimse_ae, server.dimse_host, int(server.dimse_port), server.timeout,
                     server.listen_ae or CALLING_AET)


def c_move_study(peer: DimsePeer, study_uid: str, dest: Path, listen_port: int = DEFAULT_LISTEN_PORT,
                 listen_host: str = "0.0.0.0") -> list[Path]:
    """C-MOVE a study to our own storage listener (AE title ``peer.calling_ae`` on ``listen_port``,
    which the PACS must have in its list of modalities); each instance lands in ``dest``.
    The port is fixed (0, any free port, only suits tests): a clear error when it is taken."""
    import errno

    from pydicom.dataset import Dataset
    from pynetdicom import AE, evt

    me = peer.calling_ae.strip() or CALLING_AET
    if len(me) > 16:
        raise PacsError(f"our AE title {me!r} is longer than 16 characters", "config")

    if not c_find_studies(peer, {"StudyInstanceUID": study_uid}):
        raise PacsError(f"study {study_uid} is unknown to {peer.ae_title}", "not-found")
    dest.mkdir(parents=True, exist_ok=True)
    received: list[Path] = []
    listener = AE(ae_title=me)
    listener.network_timeout = listener.acse_timeout = listener.dimse_timeout = peer.timeout
    for sop_class in STORAGE_CLASSES:
        listener.add_supported_context(sop_class, TRANSFER_SYNTAXES)
    try:
        server = listener.start_server((listen_host, listen_port), block=False,
                                       evt_handlers=[(evt.EVT_C_STORE, _store_handler(dest, received))])
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
            raise PacsError(f"cannot receive the C-MOVE: port {listen_port} of this computer is "
                            "taken by another program (another DICOM listener, or a second copy "
                            "of this app?). Close it, or set another 'Our C-MOVE port' in the "
                            f"server settings (--listen-port) and give {peer.ae_title} the new "
                            f"port for {me}", "config") from None
        raise PacsError(f"cannot listen on port {listen_port} for C-MOVE: {exc.strerror or exc} "
                        "(ports below 1024 need administrator rights: set another listener "
                        "port)", "config") from None
    assert server is not None  # non-blocking start_server returns the server
    try:
        query = Dataset()
        query.QueryRetrieveLevel = "STUDY"
        query.StudyInstanceUID = study_uid
        with _association(peer, [MOVE_MODEL]) as assoc:
            final = None
            for status, _ in assoc.send_c_move(query, me, MOVE_MODEL):
                if not status or "Status" not in status:
                    raise PacsError(
                        f"{peer.ae_title} ended the C-MOVE without an answer: it may not know "
                        f"{me} (add AE title {me} at this computer, port "
                        f"{server.server_address[1]}, to its modalities), or it could not connect "
                        "back to us (a firewall?)", "config")
                final = _status_ok(status)
                if final == 0xA801:
                    raise PacsError(f"{peer.ae_title} does not know where {me} is: add "
                                    f"{me} at this computer, port {server.server_address[1]}, "
                                    "to the PACS's list of modalities", "config")
            if final not in (0, 0xB000):
                hint = "" if received else (f" and nothing arrived: can it connect to {me} "
                                            f"at this computer, port {server.server_address[1]}?")
                raise PacsError(f"C-MOVE of study {study_uid} failed with status "
                                f"0x{final or 0:04X}{hint}", "http")
    finally:
        server.shutdown()
    if not received:
        raise PacsError(f"study {study_uid}: {peer.ae_title} sent no instances to {me}",
                        "not-found")
    return received
