"""One instance downloaded in ONE WADO-RS request, in its original transfer syntax, straight
into a part file beside its place in the local cache, renamed there when whole.

The cache is not fsynced: the PACS holds the original, and fsync alone cost as much as the
transfer. Only a transfer that reached its closing boundary is renamed, and a file that a
crash left short under its final name is found and fetched again when opened (``verify.py``).

The multipart answer is split as it arrives (only the DICOM part's bytes reach the disk), so
a reader may open the growing part file at any time and see the frames that have arrived.

A transfer cut off halfway is resumed once: the frames whose bytes are whole in the part
file are kept, the missing ones are asked for in one frames request, and the file is
completed from both (see ``resume.py``). When that fails too, the part file is deleted and
``error`` says why: never a half-written file under the final name, nor a part file left
behind.

Transfers wait their turn in a small queue (``gate.py``): at most three run at once.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

from annotator.pacs import gate as transfer_gate
from annotator.pacs.client import DICOM_MULTIPART, DicomWebClient
from annotator.pacs.errors import PacsError
from annotator.pacs.gate import Cancelled, TransferGate
from annotator.pacs.multipart import content_type_params
from annotator.pacs.verify import record_length

CHUNK = 1024 * 1024
FLUSH_S = 0.02  # the part file grows at least this often while bytes arrive
#: Windows cannot rename a file that is open: readers close it first (``release``). Elsewhere
#: a reader keeps reading its open part file, and a finished download does not wait for it.
CLOSE_BEFORE_RENAME = os.name == "nt"


class SinglePartSplitter:
    """Feeds the content of the one part of a multipart body to ``sink`` as it arrives."""

    def __init__(self, boundary: str, sink: Callable[[memoryview], None]) -> None:
        self._open = b"--" + boundary.encode("latin-1")
        self._close = b"\r\n" + self._open
        self._sink = sink
        self._buf = bytearray()
        self._state = "preamble"  # -> "body" -> "end"
        self.part_headers: dict[str, str] = {}

    def feed(self, data: bytes) -> None:
        if self._state == "preamble":
            self._buf += data
            start = self._buf.find(self._open)
            if start < 0:
                return
            head_end = self._buf.find(b"\r\n\r\n", start + len(self._open))
            if head_end < 0:
                return
            for line in bytes(self._buf[start + len(self._open):head_end]).decode("latin-1").split("\r\n"):
                name, sep, value = line.partition(":")
                if sep:
                    self.part_headers[name.strip().lower()] = value.strip()
            data = bytes(self._buf[head_end + 4:])
            self._buf = bytearray()
            self._state = "body"
        if self._state == "body":
            self._body(data)
        else:
            self._buf += data
        if self._state == "end" and len(self._buf) >= 2 and not self._buf.startswith(b"--"):
            raise PacsError("the server sent more than one file for one instance", "not-dicom")

    def _body(self, data: bytes) -> None:
        # No copy of the chunk: the few bytes kept back from the last one (a delimiter may
        # straddle two chunks) are searched together with the start of this one.
        close, tail = self._close, bytes(self._buf)
        keep = len(close) - 1
        joint = tail + data[:keep]
        end = joint.find(close)
        if end < 0:
            found = data.find(close)
            end = -1 if found < 0 else len(tail) + found
        view = memoryview(data)
        if end >= 0:
            if end <= len(tail):
                self._sink(memoryview(tail)[:end])
            else:
                self._sink(memoryview(tail))
                self._sink(view[:end - len(tail)])
            self._buf = bytearray(view[end + len(close) - len(tail):])
            self._state = "end"
            return
        if len(tail) + len(data) <= keep:
            self._buf = bytearray(joint)
            return
        if len(data) >= keep:
            self._sink(memoryview(tail))
            self._sink(view[:len(data) - keep])
            self._buf = bytearray(view[len(data) - keep:])
        else:
            both = tail + data
            self._sink(memoryview(both)[:len(both) - keep])
            self._buf = bytearray(both[len(both) - keep:])

    def finish(self) -> None:
        if self._state != "end":
            raise PacsError("the transfer was cut off: the answer ended before the whole file "
                            "arrived", "cut")


def part_path(target: Path) -> Path:
    """A part file of its own beside ``target`` (two downloads of one instance never share one)."""
    return target.parent / f".{target.name}.{secrets.token_hex(4)}.part"


def remove_stale_parts(folder: Path, older_than_s: float = 3600.0) -> int:
    """Delete part files a crashed or killed app left in ``folder`` (a running download
    touches its part file all the time); how many were deleted."""
    removed = 0
    now = time.time()
    for part in folder.glob(".*.part"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > older_than_s:
                part.unlink()
                removed += 1
    return removed


class InstanceDownload:
    """Streams one instance to ``target`` on a worker thread; ``done`` is set at the end,
    with ``error`` None when the file is in place."""

    def __init__(self, client: DicomWebClient, study_uid: str, series_uid: str, sop_uid: str,
                 target: Path, release: Callable[[], None] | None = None,
                 resume: bool = True, gate: TransferGate | None = None) -> None:
        self.client = client
        #: the queue this transfer waits in (the app's, shared by every clip)
        self.gate = gate or transfer_gate.TRANSFERS
        self.uids = (study_uid, series_uid, sop_uid)
        self.target = target
        self.part = part_path(target)
        #: called before the part file is deleted (a failed download: readers take what they
        #: need and close it), and before it is renamed where that needs it closed
        self.release = release or (lambda: None)
        self.allow_resume = resume
        self.bytes_received = 0
        #: the answer's length when the server said it (the progress shown), else None
        self.bytes_expected: int | None = None
        self.error: PacsError | None = None
        self.resumed_frames = 0  # frames fetched again after a cut
        self.done = threading.Event()
        self.started = time.perf_counter()
        self.finished = 0.0
        self.received = 0.0
        self._cancel = threading.Event()
        #: notified whenever bytes reach the part file, and at the end
        self.grown = threading.Condition()
        self._listeners: list[Callable[[InstanceDownload], None]] = []
        self._thread = threading.Thread(target=self._run, name="pacs-download", daemon=True)

    def start(self) -> InstanceDownload:
        self.started = time.perf_counter()
        self.gate.enter(self)
        self._thread.start()
        return self

    def on_done(self, listener: Callable[[InstanceDownload], None]) -> None:
        """Call ``listener(self)`` on the worker thread when done (at once if already done)."""
        self._listeners.append(listener)
        if self.done.is_set():
            listener(self)

    @property
    def ok(self) -> bool:
        return self.done.is_set() and self.error is None

    @property
    def queued(self) -> bool:
        """Waiting for its turn (no byte asked for yet)."""
        return self.gate.queued(self)

    @property
    def waiting_for(self) -> int:
        """How many other transfers run or wait before this one (0 once it has started)."""
        return self.gate.ahead(self)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def cancel(self, wait: float = 5.0) -> None:
        self._cancel.set()
        self.gate.wake()  # a queued transfer leaves the queue at once
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(wait)

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    # -- the worker -------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self.gate.wait_turn(self, self._cancel)
        except Cancelled:
            self.error = PacsError("the download was stopped before it started", "cancelled")
            self._end()
            return
        try:
            self.started = time.perf_counter()
            self.target.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._transfer()
            except PacsError as exc:
                if exc.kind != "cut" or not self.allow_resume or self._cancel.is_set():
                    raise
                from annotator.pacs.resume import complete_part_file

                self.resumed_frames = complete_part_file(self.client, self.uids, self.part, exc)
                self._check_whole()  # the closing boundary vouches for an uncut transfer
            if CLOSE_BEFORE_RENAME:
                self.release()
            record_length(self.target, self.part.stat().st_size)
            os.replace(self.part, self.target)
        except Cancelled:
            self.error = PacsError("the download was stopped", "cancelled")
        except PacsError as exc:
            self.error = exc
        except OSError as exc:
            self.error = PacsError(f"cannot write the local copy {self.target}: "
                                   f"{exc.strerror or exc}", "disk")
        except Exception as exc:  # noqa: BLE001 - a worker must always report its end
            self.error = PacsError(f"the download of {self.target.name} failed: {exc}", "http")
        finally:
            self.gate.leave()
            if self.error is not None:
                self.release()
                with contextlib.suppress(OSError):
                    self.part.unlink()
            self._end()

    def _end(self) -> None:
        self.finished = time.perf_counter()
        with self.grown:
            self.done.set()
            self.grown.notify_all()
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):
                listener(self)

    def _transfer(self) -> None:
        study, series, sop = self.uids
        path = f"/studies/{study}/series/{series}/instances/{sop}"
        with self.client.open_stream(path, DICOM_MULTIPART) as response, \
                self.client.network_errors():
            media, params = content_type_params(response.getheader("Content-Type", ""))
            if not media.startswith("multipart/") or not params.get("boundary"):
                raise PacsError(f"{self.client.server.url} answered with {media or 'no content type'} "
                                "instead of DICOM: is the DICOMweb root right?", "not-dicom")
            self.bytes_expected = response.length  # None when chunked
            with open(self.part, "wb") as out:
                def sink(data: memoryview) -> None:
                    try:
                        out.write(data)
                    except OSError as exc:  # not a network failure: say where
                        raise PacsError(f"cannot write the local copy {self.part}: "
                                        f"{exc.strerror or exc}", "disk") from None
                    self.bytes_received += len(data)

                splitter = SinglePartSplitter(params["boundary"], sink)
                checked = False
                while True:
                    if self._cancel.is_set():
                        raise Cancelled
                    chunk = self._read_some(response)
                    if not chunk:
                        break
                    splitter.feed(chunk)
                    out.flush()  # readers of the part file see what arrived
                    with self.grown:
                        self.grown.notify_all()
                    if not checked and self.bytes_received >= 132:
                        self._check_dicom(splitter)
                        checked = True
                out.flush()
                splitter.finish()
                self.received = time.perf_counter()  # every byte local and readable

    @staticmethod
    def _read_some(response: http.client.HTTPResponse) -> bytes:
        """What arrived within ``FLUSH_S`` (at most ``CHUNK`` bytes): socket reads are small,
        and handling each one on its own costs more than the transfer on a fast network."""
        pieces: list[bytes] = []
        size = 0
        until = time.perf_counter() + FLUSH_S
        while size < CHUNK:
            piece = response.read1(CHUNK - size)
            if not piece:
                break
            pieces.append(piece)
            size += len(piece)
            if time.perf_counter() >= until:
                break
        return b"".join(pieces)

    def _check_dicom(self, splitter: SinglePartSplitter) -> None:
        ptype, _ = content_type_params(splitter.part_headers.get("content-type", "application/dicom"))
        with open(self.part, "rb") as f:
            head = f.read(132)
        if ptype != "application/dicom" or head[128:132] != b"DICM":
            raise PacsError(f"{self.client.server.url} sent {ptype} instead of a DICOM file",
                            "not-dicom")

    def _check_whole(self) -> None:
        from annotator.media.base import MediaError
        from annotator.media.dicom import DicomMedia

        try:
            with DicomMedia(self.part) as media:
                if media.open_warnings:
                    raise PacsError(f"the file from {self.client.server.url} is incomplete: "
                                    f"{media.open_warnings[0]}", "cut")
        except MediaError as exc:
            raise PacsError(f"the file from {self.client.server.url} cannot be read: {exc.problem}",
                            "not-dicom") from None
