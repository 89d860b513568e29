"""The LRU of decoded frames every Media keeps, bounded in bytes, recycling frame memory.

Playback and export decode a new frame for every one the cache drops. Allocating each new
frame afresh costs page faults on every megabyte (about a quarter of the decode time of a
1148x624 H.264 clip on a 2-core machine); handing the dropped frame's memory to the next
decode avoids that. A dropped frame is recycled only when nothing outside the cache still
references it, so a frame a caller keeps is never overwritten.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict

import numpy as np

#: dropped frames kept for reuse; one is enough for sequential reading, a few absorb bursts
SPARE_BUFFERS = 4


class FrameCache:
    """A thread-safe LRU of decoded frames, bounded in bytes."""

    def __init__(self, max_bytes: int = 512 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._frames: OrderedDict[int, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._spares: list[np.ndarray] = []
        self._lock = threading.Lock()

    def get(self, index: int) -> np.ndarray | None:
        with self._lock:
            frame = self._frames.get(index)
            if frame is not None:
                self._frames.move_to_end(index)
            return frame

    def put(self, index: int, frame: np.ndarray) -> None:
        if frame.nbytes > self.max_bytes:
            return
        with self._lock:
            old = self._frames.pop(index, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._frames[index] = frame
            self._bytes += frame.nbytes
            while self._bytes > self.max_bytes and self._frames:
                self._drop_oldest()

    def take_buffer(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
        """A writable array of this shape and dtype from a dropped frame, or None."""
        with self._lock:
            for n, spare in enumerate(self._spares):
                if spare.shape == shape and spare.dtype == dtype:
                    return self._spares.pop(n)
        return None

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._spares.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __contains__(self, index: int) -> bool:
        with self._lock:
            return index in self._frames

    def _drop_oldest(self) -> None:
        """Evict the least recently used frame (under the lock); keep its memory if unshared."""
        _, dropped = self._frames.popitem(last=False)
        self._bytes -= dropped.nbytes
        if (
            len(self._spares) < SPARE_BUFFERS
            and dropped.flags.owndata
            and _references(dropped) <= _UNSHARED_REFERENCES
        ):
            dropped.setflags(write=True)
            self._spares.append(dropped)


def _references(array: np.ndarray) -> int:
    return sys.getrefcount(array)


def _references_of_an_unshared_drop() -> int:
    """What ``_references`` reports in ``_drop_oldest`` for a frame only the cache held.

    Measured through the same shape of code rather than assumed, because interpreters count
    references to locals differently (3.14 borrows them, for one).
    """
    frames: OrderedDict[int, np.ndarray] = OrderedDict({0: np.empty(1)})
    _, dropped = frames.popitem(last=False)
    return _references(dropped)


_UNSHARED_REFERENCES = _references_of_an_unshared_drop()
