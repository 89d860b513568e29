"""The Media interface every reader implements, with its frame cache and read-ahead."""

from __future__ import annotations

import functools
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np

from annotator.media.calibration import Calibration, Region
from annotator.media.frame_cache import FrameCache
from annotator.media.fresh_buffers import FreshBuffers

MediaKind = Literal["dicom", "video", "image"]


class MediaError(Exception):
    """A file that cannot be read as media; the message names the file and the problem."""

    def __init__(self, path: str | Path | None, problem: str) -> None:
        self.path = None if path is None else str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}" if path is not None else problem)


class MediaLimitError(MediaError):
    """A file beyond a documented limit (docs/limits.md): no other reader is tried."""


@dataclass(frozen=True)
class MetadataItem:
    """One metadata value a user may need to see; identifiers are flagged for de-identification."""

    key: str  # stable key, e.g. "manufacturer", "patient_name"
    label: str  # human label, e.g. "Manufacturer"
    value: str
    identifier: bool = False  # patient identity, dates, institution, people, UIDs


@dataclass
class MediaMetadata:
    items: list[MetadataItem] = field(default_factory=list)

    def get(self, key: str, default: str | None = None) -> str | None:
        for item in self.items:
            if item.key == key:
                return item.value
        return default

    def add(self, key: str, label: str, value: Any, identifier: bool = False) -> None:
        if value is None or str(value).strip() == "":
            return
        self.items.append(MetadataItem(key, label, str(value).strip(), identifier))

    @property
    def identifiers(self) -> list[MetadataItem]:
        return [i for i in self.items if i.identifier]

    def to_json(self) -> dict[str, dict[str, object]]:
        return {i.key: {"label": i.label, "value": i.value, "identifier": i.identifier} for i in self.items}


class Media(ABC):
    """A still or a clip: lazy frames as RGB uint8 (height, width, 3), timing and calibration.

    Subclasses set ``path``, ``kind``, ``frame_count``, ``width``, ``height``,
    ``frame_times_ms``, ``regions`` and ``metadata`` in ``__init__`` without decoding pixels
    (or build the metadata in ``_build_metadata``, on first use), and implement
    ``_decode(i)``. ``frame(i)`` is thread-safe.
    """

    path: Path
    kind: MediaKind
    frame_count: int
    width: int
    height: int
    #: start time of each frame in ms from the first frame (frame_times_ms[0] == 0)
    frame_times_ms: np.ndarray
    regions: tuple[Region, ...] = ()
    #: (width, height) of a stored pixel relative to each other when the file declares it
    #: without lengths (``Calibration.pixel_shape``); None = square or not declared
    pixel_shape: tuple[float, float] | None = None

    #: cache budget per media; the prefetcher fills it ahead of playback
    cache_bytes: int = 256 * 1024 * 1024

    def __init__(self) -> None:
        self._metadata: MediaMetadata | None = None
        self._cache = FrameCache(self.cache_bytes)
        self._fresh = FreshBuffers()  # new frames' memory mapped ahead, off the decoding thread
        self._executor: ThreadPoolExecutor | None = None
        self._pending: dict[int, Future[np.ndarray]] = {}
        # Re-entrant: a future that is already done (or cancelled) runs its done-callback,
        # which takes this lock, in the thread that holds it.
        self._pending_lock = threading.RLock()
        self._decode_lock = threading.Lock()
        self._closed = False
        #: what the user should know about this file once open (e.g. frames missing)
        self.open_warnings: list[str] = []

    # -- what readers implement -------------------------------------------------------------
    @property
    def metadata(self) -> MediaMetadata:
        """What a user may need to see, built on first use (``_build_metadata``)."""
        if self._metadata is None:
            self._metadata = self._build_metadata()
        return self._metadata

    @metadata.setter
    def metadata(self, value: MediaMetadata) -> None:
        self._metadata = value

    def _build_metadata(self) -> MediaMetadata:
        """The metadata of a media that did not set it when opened (a DICOM builds it here:
        reading every shown element through pydicom is most of an open's time, and a PACS part
        file opened only for its frames never shows it)."""
        return MediaMetadata()

    @abstractmethod
    def _decode(self, index: int) -> np.ndarray:
        """Decode frame ``index`` to RGB uint8 (height, width, 3).

        Called under the media's decode lock when ``serial_decode`` is True, else concurrently.
        """

    def _frame_buffer(self, shape: tuple[int, ...], dtype: np.dtype | type = np.uint8) -> np.ndarray:
        """A writable C-contiguous array for a reader to decode into, reusing the memory of a
        frame the cache dropped when nobody else holds it (saves page faults in playback)."""
        spare = self._cache.take_buffer(tuple(shape), np.dtype(dtype))
        return spare if spare is not None else self._fresh.take(tuple(shape), np.dtype(dtype))

    def raw_frame(self, index: int) -> np.ndarray:
        """The stored values of one frame (e.g. 16-bit grey) before display scaling."""
        return self.frame(index)

    #: readers whose decoder is not thread-safe set this to serialise ``_decode`` calls
    serial_decode: bool = True

    # -- the public API --------------------------------------------------------------------
    @property
    def fps(self) -> float | None:
        """Mean frames per second from the frame times; None for a still."""
        if self.frame_count < 2:
            return None
        span = float(self.frame_times_ms[-1] - self.frame_times_ms[0])
        if span <= 0:
            return None
        return (self.frame_count - 1) * 1000.0 / span

    @property
    def duration_ms(self) -> float:
        """Time from the first frame's start to the last frame's end."""
        if self.frame_count < 2:
            return 0.0
        last_step = float(self.frame_times_ms[-1] - self.frame_times_ms[-2])
        return float(self.frame_times_ms[-1]) + max(last_step, 0.0)

    @property
    def calibration(self) -> Calibration:
        return Calibration(tuple(self.regions), self.pixel_shape)

    def calibration_at(self, index: int) -> Calibration:
        """Calibration of one frame; readers with per-frame calibration override this."""
        return self.calibration

    @property
    def is_clip(self) -> bool:
        return self.frame_count > 1

    def check_index(self, index: int) -> int:
        if not isinstance(index, (int, np.integer)):
            raise TypeError(f"frame index must be an int, not {type(index).__name__}")
        if not 0 <= index < self.frame_count:
            raise IndexError(f"{self.path.name}: frame {index} is out of range 0..{self.frame_count - 1}")
        return int(index)

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as a read-only RGB uint8 array of shape (height, width, 3)."""
        index = self.check_index(index)
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        if self._closed:
            raise MediaError(self.path, "the media is closed")
        with self._pending_lock:
            pending = self._pending.get(index)
        # Queued read-ahead may sit behind many frames: decode here rather than wait (the
        # worker then finds the frame cached); wait only for a decode already under way.
        if pending is not None and (pending.running() or pending.done()):
            try:
                return pending.result()
            except CancelledError:
                pass  # cancelled by cancel_prefetch meanwhile: decode here
        return self._decode_and_cache(index)

    def prepare(self) -> None:  # noqa: B027 - optional: only clips with slow seeks prepare
        """Start background preparation for instant random access (a no-op for readers whose
        frames are independent, such as DICOM and stills)."""

    def wait_ready(self, timeout: float | None = None) -> bool:
        """True once ``frame(i)`` is fast for any i (preparation finished); False when the
        time-out passed first, or preparation stopped short (then frames still decode, from
        the file). Starts preparation if ``prepare`` was not called."""
        return True

    def cached_frame(self, index: int) -> np.ndarray | None:
        """The frame if it is already decoded, else None; never blocks (for the UI thread)."""
        if not isinstance(index, (int, np.integer)) or not 0 <= index < self.frame_count:
            return None
        return self._cache.get(int(index))

    def frame_future(self, index: int) -> Future[np.ndarray]:
        """A future for frame ``index``, decoded on the read-ahead worker.

        Raises ``MediaError`` after ``close()``.
        """
        index = self.check_index(index)
        cached = self._cache.get(index)
        if cached is not None:
            done: Future[np.ndarray] = Future()
            done.set_result(cached)
            return done
        with self._pending_lock:
            fut = self._pending.get(index)
            if fut is None:
                fut = self._worker().submit(self._decode_and_cache, index)
                self._pending[index] = fut
                fut.add_done_callback(functools.partial(self._forget, index))
            return fut

    def prefetch(self, indices: Iterable[int]) -> None:
        """Queue frames for decoding on the worker (skips cached and pending ones).

        Frames decode in the order given; after ``close()`` this does nothing.
        """
        if self._closed:
            return
        for i in indices:
            if 0 <= i < self.frame_count and i not in self._cache:
                self.frame_future(i)

    def cancel_prefetch(self) -> None:
        """Drop queued read-ahead that has not started (after a seek)."""
        with self._pending_lock:
            queued = list(self._pending.values())
        for fut in queued:
            fut.cancel()  # a running decode finishes; its frame lands in the cache

    def close(self) -> None:
        """Stop the read-ahead worker (waiting for a running decode), drop the cache and
        release the file. Idempotent; ``frame()`` raises ``MediaError`` afterwards."""
        with self._pending_lock:
            self._closed = True
            executor, self._executor = self._executor, None
        self.cancel_prefetch()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        self._cache.clear()
        self._fresh.close()
        self._close()

    def _close(self) -> None:  # noqa: B027 - an optional hook, not every reader holds files
        """Release file handles; readers override."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def time_ms(self, index: int) -> float:
        return float(self.frame_times_ms[self.check_index(index)])

    def frame_at_time(self, t_ms: float) -> int:
        """The frame shown at time ``t_ms`` (the last frame starting at or before it)."""
        i = int(np.searchsorted(self.frame_times_ms, t_ms, side="right")) - 1
        return min(max(i, 0), self.frame_count - 1)

    # -- internals -------------------------------------------------------------------------
    def _worker(self) -> ThreadPoolExecutor:
        """The read-ahead executor (called under ``_pending_lock``)."""
        if self._closed:
            raise MediaError(self.path, "the media is closed")
        if self._executor is None:
            # A serial decoder gets one worker, so frames decode in the order they were
            # queued: two workers would race for the lock and make a video decoder seek back.
            workers = 1 if self.serial_decode else 2
            self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="media-read-ahead")
        return self._executor

    def _forget(self, index: int, fut: Future[np.ndarray]) -> None:
        with self._pending_lock:
            if self._pending.get(index) is fut:  # not a newer request for the same frame
                del self._pending[index]

    def _decode_and_cache(self, index: int) -> np.ndarray:
        if self.serial_decode:
            with self._decode_lock:
                # Another thread may have decoded it while this one waited for the lock.
                cached = self._cache.get(index)
                if cached is not None:
                    return cached
                frame = self._decode(index)
        else:
            cached = self._cache.get(index)
            if cached is not None:
                return cached
            frame = self._decode(index)
        if not frame.flags.c_contiguous:  # views from decoders (padded rows, rotations)
            contiguous = self._frame_buffer(frame.shape, frame.dtype)
            np.copyto(contiguous, frame)
            frame = contiguous
        frame.setflags(write=False)
        self._cache.put(index, frame)
        return frame


class ArrayMedia(Media):
    """Media held in memory (generated test clips, tracking on arrays, the demo)."""

    def __init__(
        self,
        frames: np.ndarray,
        frame_times_ms: np.ndarray | None = None,
        regions: Iterable[Region] = (),
        path: str | Path = "<memory>",
        kind: MediaKind = "image",
    ) -> None:
        super().__init__()
        arr = np.asarray(frames)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim == 3:  # a stack of grey frames
            arr = np.repeat(arr[..., None], 3, axis=-1)
        if arr.ndim != 4 or arr.shape[-1] != 3 or arr.dtype != np.uint8:
            raise ValueError("frames must be uint8 of shape (n, h, w, 3), (n, h, w) or (h, w)")
        self._frames = arr
        self.path = Path(path)
        self.kind = kind
        self.frame_count, self.height, self.width = arr.shape[0], arr.shape[1], arr.shape[2]
        if frame_times_ms is None:
            frame_times_ms = np.arange(self.frame_count, dtype=np.float64) * (1000.0 / 30.0)
        self.frame_times_ms = np.asarray(frame_times_ms, dtype=np.float64)
        self.regions = tuple(regions)
        self.serial_decode = False

    def _decode(self, index: int) -> np.ndarray:
        return self._frames[index]
