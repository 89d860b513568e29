"""Frame buffers whose memory is already mapped, made ahead on a helper thread.

A clip read for the first time fills the frame cache with new frames, and the first write to
each new 4 KiB page of a frame is a page fault: about a third of the time of a 1148x624 frame
decoded and converted on a 2-core machine (the frame cache recycles memory only once it is
full). Touching the pages of the next few buffers on another thread takes that cost off the
decoding thread, which is what lets sequential reading keep up with OpenCV's own loop (that
loop keeps no frames, so its memory is reused and never faults).
"""

from __future__ import annotations

import queue
import threading

import numpy as np

PAGE = 4096
#: buffers kept ready: enough to absorb a burst, little memory (about 9 MB at 1148x624 RGB)
DEPTH = 4


class FreshBuffers:
    """Hands out writable arrays of one shape, pre-faulted when the helper kept up.

    The helper thread starts at the second request for the same shape (a clip being read,
    not a still) and stops on ``close()``.
    """

    def __init__(self, depth: int = DEPTH) -> None:
        self._depth = depth
        self._key: tuple[tuple[int, ...], np.dtype] | None = None
        self._requests = 0
        self._ready: queue.Queue[np.ndarray] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        key = (tuple(shape), np.dtype(dtype))
        with self._lock:
            if key != self._key:  # another size (a stream that changes size): start over
                self._stop_thread()
                self._key, self._requests = key, 0
                self._ready = queue.Queue(maxsize=self._depth)
            self._requests += 1
            if self._requests == 2 and self._thread is None:
                self._stop = threading.Event()
                self._thread = threading.Thread(target=_fill, args=(self._ready, key, self._stop),
                                                name="frame-buffers", daemon=True)
                self._thread.start()
            ready = self._ready
        try:
            return ready.get_nowait()
        except queue.Empty:
            return np.empty(key[0], key[1])

    def close(self) -> None:
        with self._lock:
            self._stop_thread()
            self._key = None

    def _stop_thread(self) -> None:
        if self._thread is not None:
            self._stop.set()
            # a helper waiting to hand over a buffer (the queue full) sees the stop only once
            # its put goes through: emptied first, the queue lets it go at once (closing a
            # clip read through waited 150-160 ms for it)
            self._drain()
            self._thread.join(timeout=1.0)
            self._thread = None
        self._drain()  # the memory of buffers nobody took goes back now

    def _drain(self) -> None:
        while True:
            try:
                self._ready.get_nowait()
            except queue.Empty:
                break


def _fill(ready: queue.Queue[np.ndarray], key: tuple[tuple[int, ...], np.dtype], stop: threading.Event) -> None:
    shape, dtype = key
    while not stop.is_set():
        buffer = np.empty(shape, dtype)
        buffer.reshape(-1).view(np.uint8)[::PAGE] = 0  # one write per page maps it
        while not stop.is_set():
            try:
                ready.put(buffer, timeout=0.25)
                break
            except queue.Full:
                continue
