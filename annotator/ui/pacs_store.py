"""File > Store to PACS...: the clinical path. The case's measurements as a DICOM SR and each
annotated frame (the key images; the current frame when none is annotated) as a Secondary
Capture, with identifiers KEPT and the Study Instance UID of the scan, so the PACS files them
beside it. Shows what goes where and asks before sending.

(The de-identified teaching path stays the default of every other export.)"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from annotator.case.document import CaseDocument
from annotator.export.context import ExportOptions
from annotator.export.output import ExportError
from annotator.export.registry import export
from annotator.pacs.errors import PacsError
from annotator.ui.controller import AppController
from annotator.ui.tasks import Task

DIMSE_SUFFIX = " (DIMSE)"  # as the study browser lists a saved server's DIMSE peer


@dataclass
class StoreItem:
    path: Path
    what: str  # "Structured report" / "Secondary capture"
    patient: str
    study_uid: str


MAX_CAPTURES = 20  # key images per store: more is a teaching export, not a report


def key_frames(document: CaseDocument, media_id: str | None = None,
               frame: int | None = None) -> list[tuple[str, int]]:
    """The (media id, frame) of every annotated frame, in case order; else the current one."""
    known = {m.id for m in document.case.media}
    frames = list(dict.fromkeys((a.media, a.frame) for a in document.case.annotations
                                if a.media in known))
    if not frames and media_id is not None:
        frames = [(media_id, frame or 0)]
    return frames


def build_store_files(document: CaseDocument, folder: Path, media_id: str | None = None,
                      frame: int | None = None) -> tuple[list[StoreItem], list[str]]:
    """The SR and the SCs of the case in ``folder`` (identifiers kept), and notes on what was
    left out."""
    import pydicom

    items: list[StoreItem] = []
    notes: list[str] = []
    outputs = [("Structured report (measurements)", folder / "measurements-sr.dcm",
                ExportOptions(keep_identifiers=True))]
    frames = key_frames(document, media_id, frame)
    if len(frames) > MAX_CAPTURES:
        notes.append(f"Only the first {MAX_CAPTURES} of {len(frames)} annotated frames are sent "
                     "as secondary captures")
    names = {m.id: Path(m.path).name for m in document.case.media}
    for n, (media, index) in enumerate(frames[:MAX_CAPTURES], 1):
        outputs.append((f"Secondary capture {n} ({names.get(media, media)}, frame {index + 1})",
                        folder / f"figure-sc-{n}.dcm",
                        ExportOptions(keep_identifiers=True, secondary_capture=True, media=media,
                                      frame=index)))
    for what, path, options in outputs:
        try:
            export(document, path, options)
        except ExportError as exc:
            notes.append(f"{what}: not made ({exc})")
            continue
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        items.append(StoreItem(path, what, str(ds.get("PatientName", "")), str(ds.StudyInstanceUID)))
    return items, notes


def describe(items: list[StoreItem], notes: list[str], where: str) -> str:
    lines = [f"Send to {where}:"]
    for item in items:
        lines.append(f"\u2022 {item.what}\n   patient {item.patient or '(none)'}, study {item.study_uid}")
    lines += notes
    lines.append("\nThese files keep the patient's identifiers (the clinical path).")
    return "\n".join(lines)


def send_items(target: str, items: list[StoreItem], password: str | None) -> int:
    """Send to a DICOMweb server (STOW-RS) or a dicom:// peer (C-STORE); the count sent."""
    if target.startswith("dicom://") or target.endswith(DIMSE_SUFFIX):
        from annotator.pacs.dimse import c_store, peer_from_server, peer_from_url
        from annotator.pacs.servers import resolve_server

        peer = (peer_from_url(target) if target.startswith("dicom://")
                else peer_from_server(resolve_server(target[: -len(DIMSE_SUFFIX)])))
        c_store(peer, [i.path for i in items])
        return len(items)
    from annotator.pacs.client import DicomWebClient
    from annotator.pacs.servers import resolve_server

    DicomWebClient(resolve_server(target), password).store([i.path.read_bytes() for i in items])
    return len(items)


def store_to_pacs(parent: QWidget, controller: AppController, status: Callable[[str, int], None],
                  show_error: Callable[[str, str], None]) -> None:
    """Ask for the server, say what goes, send in the background (dialogs over ``parent``)."""
    doc = controller.document
    if doc is None:
        return
    from annotator.pacs.servers import find_password, load_servers, resolve_server

    try:
        names = []
        for s in load_servers():
            names += [s.name] + ([s.name + DIMSE_SUFFIX] if s.has_dimse else [])
    except PacsError:
        names = []
    target, ok = QInputDialog.getItem(parent, "Store to PACS", "Server (saved name, URL, or "
                                      "dicom://AE@host:port):", names, 0, True)
    if not ok or not target.strip():
        return
    target = target.strip()
    folder = Path(tempfile.mkdtemp(prefix="us-annotator-store-"))
    media, frame = controller.current_media_id, controller.current_frame
    try:
        items, notes = build_store_files(doc, folder, media, frame)
        password = None
        if not target.startswith("dicom://") and not target.endswith(DIMSE_SUFFIX):
            server = resolve_server(target)
            password = find_password(server, lambda prompt: _ask_password(parent, prompt))
    except (PacsError, ExportError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        show_error("Store to PACS", str(exc))
        return
    if not items:
        shutil.rmtree(folder, ignore_errors=True)
        show_error("Store to PACS", "Nothing to send:\n" + "\n".join(notes))
        return
    answer = QMessageBox.question(parent, "Store to PACS", describe(items, notes, target),
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Cancel)
    if answer != QMessageBox.StandardButton.Yes:
        shutil.rmtree(folder, ignore_errors=True)
        return
    task = Task(lambda _p: send_items(target, items, password), "Storing to PACS\u2026")
    task.succeeded.connect(lambda n: status(f"Stored {n} file(s) to {target}", 8000),
                           Qt.ConnectionType.QueuedConnection)
    task.failed.connect(lambda exc: show_error("Store to PACS failed", str(exc)),
                        Qt.ConnectionType.QueuedConnection)
    task.ended.connect(lambda: shutil.rmtree(folder, ignore_errors=True), Qt.ConnectionType.QueuedConnection)
    task.start()  # Task keeps itself alive until it ends


def _ask_password(parent: QWidget, prompt: str) -> str:
    from PySide6.QtWidgets import QLineEdit

    text, ok = QInputDialog.getText(parent, "PACS password", prompt, QLineEdit.EchoMode.Password)
    if not ok:
        raise PacsError("no password given", "auth")
    return text
