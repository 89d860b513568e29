"""A PACS clip that opens at once and streams into the local cache.

Opening starts ONE WADO-RS request for the whole instance in its original transfer syntax
(``stream.InstanceDownload``, written to a part file). The first frame comes from the whole
file when the transfer ends within ``STREAM_ALONE_S``, else from the part file as soon as it
holds that frame; when the stream is slower than ``FIRST_FRAME_WAIT``, or its transfer waits
its turn (``gate.py``), the metadata and the first frame are asked for alone (two small
requests), so the first frame shows at once.
Frame ``i`` is then read from the part file as soon as it is whole there; a frame the stream
has not brought yet (the user scrubbed ahead) is asked for on its own. Every frame is decoded
like ``DicomMedia`` decodes it. When the download is done the part file is renamed into the
cache and frames come from that ordinary file: a case that references it reopens offline.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

import numpy as np
from pydicom import uid
from pydicom.dataset import Dataset

from annotator.media.base import Media, MediaError, MediaMetadata
from annotator.media.calibration import Calibration
from annotator.media.dicom import DicomMedia
from annotator.media.dicom_header import JPEG_8BIT_SYNTAXES, PixelLayout, missing_decoder_problem
from annotator.media.dicom_header import _layout_from_dataset as layout_from_dataset
from annotator.media.dicom_jpeg import decode_jpeg_8bit
from annotator.media.dicom_meta import build_metadata, frame_times
from annotator.media.dicom_pixels import DisplayMapper, decode_native, decode_with_pydicom
from annotator.media.dicom_regions import parse_calibration
from annotator.pacs.client import DicomWebClient
from annotator.pacs.errors import PacsError
from annotator.pacs.partial import NativePart
from annotator.pacs.stream import InstanceDownload, remove_stale_parts
from annotator.pacs.verify import cache_file_problem, length_path

#: how long the first frame may take to come down the stream before it is asked for alone
FIRST_FRAME_WAIT = 0.15
#: how long the first frame leaves the stream alone: a transfer that ends sooner is shown from
#: the whole file. Parsing the growing file and decoding a frame while the bytes pour in took
#: the same two cores, slowed a loopback transfer by a third and showed the frame no sooner.
STREAM_ALONE_S = 0.04


def cache_path(cache: Path, study_uid: str, sop_uid: str) -> Path:
    """Where an instance lives locally (the same place ``get_study`` downloads to)."""
    return cache / study_uid / f"{sop_uid}.dcm"


def dataset_from_metadata(item: dict[str, object]) -> Dataset:
    """A pixel-less data set from WADO-RS metadata (other bulk data dropped)."""
    clean = {k: v for k, v in item.items() if k.upper() != "7FE00010" and not k.startswith("0002")}
    return Dataset.from_json(clean, bulk_data_uri_handler=lambda *_: b"")


class RemoteClip(Media):
    """One instance on a DICOMweb server, shown while it streams to ``target``."""

    def __init__(self, client: DicomWebClient, study_uid: str, series_uid: str, sop_uid: str,
                 target: Path, first_frame_wait: float = FIRST_FRAME_WAIT) -> None:
        super().__init__()
        self.client = client
        self.uids = (study_uid, series_uid, sop_uid)
        self.path = target
        self.kind = "dicom"
        self._lock = threading.Lock()
        #: the part file as last opened, or the final file
        self._file: DicomMedia | NativePart | None = None
        self._file_size = -1
        self._single: dict[int, bytes] = {}
        #: header and layout kept from a part file that a failed download deleted
        self._salvaged: tuple[Dataset, PixelLayout] | None = None
        self._opening = True  # no header yet
        self.download = InstanceDownload(client, *self.uids, target, release=self._release)
        self.download.start()
        try:
            # A transfer waiting its turn (gate.py) brings nothing yet: no wait for it.
            opened = None if self.download.queued else self._first_from_stream(first_frame_wait)
            if opened is None:  # the stream is slow to start: two small requests instead
                opened = self._first_on_its_own()
        except BaseException:
            self.download.cancel()
            raise
        self.header, self.layout = opened
        self._opening = False
        ts = self.layout.transfer_syntax
        self.frame_count = self.layout.frames
        self.width, self.height = self.layout.columns, self.layout.rows
        self.frame_times_ms, self.timing_source = frame_times(self.header, self.frame_count)
        self.regions, self._per_frame_regions = parse_calibration(
            self.header, self.width, self.height, self.frame_count)
        self.transfer_syntax = str(ts)
        self._jpeg = ts.is_compressed and ts in JPEG_8BIT_SYNTAXES
        self._display = DisplayMapper(self.header, self.layout, lambda: self.raw_frame(0))
        self.serial_decode = False

    def _build_metadata(self) -> MediaMetadata:
        # on first use, not while the first frame races the transfer for the interpreter
        meta = build_metadata(self.header, self.layout.transfer_syntax, self.layout.photometric)
        meta.add("source", "Source", f"PACS {self.client.server.name}")
        return meta

    def _first_from_stream(self, wait: float) -> tuple[Dataset, PixelLayout] | None:
        """Header and layout from the part file once it holds the header and a whole first
        frame (within ``wait`` seconds); None when the stream is slower than that."""
        download = self.download
        deadline = time.perf_counter() + wait
        download.done.wait(min(wait, STREAM_ALONE_S))
        tried_at = -1
        while True:
            with download.grown:
                download.grown.wait_for(lambda seen=tried_at: download.done.is_set()  # type: ignore[misc]
                                        or download.bytes_received > seen + 4096,
                                        max(0.0, deadline - time.perf_counter()))
            if download.error is not None:
                if download.error.kind in ("cut", "timeout"):
                    # what came before the cut (``_release``), or the single-frame requests
                    return self._salvaged
                raise download.error
            if download.bytes_received > tried_at:
                tried_at = download.bytes_received
                with self._lock:
                    media = self._local_file()
                    if media is not None and media.frame_count > 0:
                        return media.header, media.layout
            if download.done.is_set() or time.perf_counter() >= deadline:
                return None

    def _first_on_its_own(self) -> tuple[Dataset, PixelLayout]:
        study_uid, series_uid, sop_uid = self.uids
        meta = self.client.metadata(*self.uids)
        if not meta:
            raise PacsError(f"the server has no metadata for instance {sop_uid}", "not-found")
        ((syntax, first),) = self.client.retrieve_frames_as_stored(*self.uids, [1])
        header = dataset_from_metadata(meta[0])
        ts = uid.UID(syntax or uid.ExplicitVRLittleEndian)
        problem = missing_decoder_problem(ts)
        if problem:
            raise MediaError(self.path, problem)
        vr = "OB" if int(header.get("BitsAllocated", 8) or 8) <= 8 else "OW"
        layout = layout_from_dataset(self.path, header, ts, vr, 0, None if ts.is_compressed else 0)
        self._single[0] = first
        return header, layout

    # -- the download -------------------------------------------------------------------------
    @property
    def complete(self) -> bool:
        return self.download.ok

    @property
    def error(self) -> PacsError | None:
        return self.download.error

    def frames_local(self) -> int:
        """How many frames are whole on the local disk so far."""
        with self._lock:
            media = self._local_file()
            return 0 if media is None else media.frame_count

    def retry(self) -> None:
        """Download again after a failure (the frames shown so far stay cached)."""
        if self.download.running or self.download.ok or self._closed:
            return
        listeners = self.download._listeners  # noqa: SLF001 - carried over to the new attempt
        self.download = InstanceDownload(self.client, *self.uids, self.path, release=self._release)
        self.download._listeners = listeners  # noqa: SLF001
        self.download.start()

    def _release(self) -> None:
        """Close the part file before the download deletes it (or renames it, on Windows).
        A download that failed while the clip was still opening leaves its header here."""
        with self._lock:
            if self._opening and self._salvaged is None and self.download.error is not None:
                self._salvaged = self._header_of(self.download.part)
            if self._file is not None:
                self._file.close()
                self._file, self._file_size = None, -1

    @staticmethod
    def _header_of(part: Path) -> tuple[Dataset, PixelLayout] | None:
        """Header and layout of a part file holding at least one whole frame, else None."""
        media = open_part(part)
        if media is None:
            return None
        try:
            return (media.header, media.layout) if media.frame_count > 0 else None
        finally:
            media.close()

    def _local_file(self) -> DicomMedia | NativePart | None:
        """The final file when the download is done, else the part file as far as it came
        (opened again only when it has grown). Called under ``_lock``."""
        final = self.download.ok
        source = self.path if final else self.download.part
        if self._file is not None and (Path(self._file.path) == source) and (
                final or not self.download.running):
            return self._file
        try:
            size = source.stat().st_size
        except OSError:
            return self._file if final else None
        if size == self._file_size and self._file is not None:
            return self._file
        if self._file is not None:
            self._file.close()
            self._file = None
        self._file = open_part(source, native=not final)
        if self._file is None and not final and self.download.ok:  # renamed into place meanwhile
            self._file_size = -1
            return self._local_file()
        self._file_size = size
        return self._file

    # -- frames -------------------------------------------------------------------------------
    def frame_bytes(self, index: int) -> bytes:
        index = self.check_index(index)
        with self._lock:
            media = self._file if self._file is not None and index < self._file.frame_count else None
            if media is None:
                media = self._local_file()
            if media is not None and index < media.frame_count:
                try:
                    return media.frame_bytes(index)
                except MediaError:
                    pass  # the part file was just renamed: ask the server below
            data = self._single.get(index)
        if data is not None:
            return data
        if self._closed:
            raise MediaError(self.path, "the media is closed")
        try:
            ((_, data),) = self.client.retrieve_frames_as_stored(*self.uids, [index + 1])
        except (PacsError, ValueError) as exc:
            raise MediaError(self.path, f"frame {index + 1} could not be fetched: {exc}") from None
        with self._lock:
            self._single[index] = data
        return data

    def raw_frame(self, index: int) -> np.ndarray:
        data = self.frame_bytes(index)
        try:
            if not self.layout.encapsulated:
                return decode_native(data, self.layout)
            if self._jpeg:
                pixels = decode_jpeg_8bit(data, self.layout.photometric, self.layout.samples_per_pixel)
                if pixels is not None:
                    return pixels
            return decode_with_pydicom(data, self.layout)
        except Exception as exc:
            raise MediaError(self.path, f"frame {index + 1} cannot be decoded: {exc}") from None

    def _decode(self, index: int) -> np.ndarray:
        return self._display(self.raw_frame(index))

    def calibration_at(self, index: int) -> Calibration:
        if self._per_frame_regions is None:
            return self.calibration
        return Calibration(self._per_frame_regions[self.check_index(index)])

    def _close(self) -> None:
        self.download.cancel()
        self._release()


def open_part(path: Path, native: bool = True) -> DicomMedia | NativePart | None:
    """A local copy as far as it came: a DICOM file, else (``native``) the whole frames of a
    short uncompressed one; None when its header has not arrived (or it is gone)."""
    with contextlib.suppress(MediaError, OSError):
        return DicomMedia(path)
    return NativePart.open(path) if native else None


def open_instance(client: DicomWebClient, study_uid: str, series_uid: str, sop_uid: str,
                  cache: Path) -> Media:
    """The local copy when there is one (no network at all), else a streaming clip."""
    local = cache_path(cache, study_uid, sop_uid)
    if local.parent.is_dir():
        remove_stale_parts(local.parent)
    if local.is_file():
        if cache_file_problem(local) is None:
            try:
                return DicomMedia(local)
            except MediaError:
                pass
        local.unlink(missing_ok=True)  # short (a crash before the cache reached the disk) or damaged
        length_path(local).unlink(missing_ok=True)
    return RemoteClip(client, study_uid, series_uid, sop_uid, local)
