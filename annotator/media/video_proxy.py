"""A prepared clip: every picture decoded once, in the background, into an intra-frame store.

H.264 and its kin are read from the last keyframe: a random ``frame(i)`` decodes up to a whole
group of pictures (33-41 ms median, 108-130 ms p95 on the corpus clips). Scrubbing to find the
peak of a contraction must feel instant, so after opening, a worker decodes the clip once with a
decoder of its own and keeps each picture, packed exactly as the converter reads it, in a slot
of a temporary file. Reading a prepared frame is then one ``preadv`` and one colour conversion,
and gives exactly the pixels the decoder gives (lossless: no re-encoding).

The file is unlinked as soon as it is created, so nothing is left behind, whatever ends the
process; its pages live in the OS file cache, not in the process (memory stays flat). A size
cap bounds the disk used: frames past it are simply read from the decoder as before. The worker
runs at a lower CPU priority, so it never competes with playback or the user.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import av
import av.error
import numpy as np

from annotator.media.video_index import VideoIndex
from annotator.media.video_pixels import PictureLayout, layout_of, pack, unpack
from annotator.media.video_probe import open_container

#: disk the prepared pictures of one clip may use (1,000 frames of 1148x624 take 1.07 GB)
DEFAULT_CAP_BYTES = 4 * 1024 ** 3
#: niceness added to the preparing thread (Linux sets it per thread)
_NICE = 19  # the lowest: playback and the user always come first


class PreparedClip:
    """Slots of packed pictures in an anonymous temporary file, filled by a background decoder.

    ``read(i, out)`` returns False for a frame not prepared (yet, or past the cap); the caller
    then decodes it the ordinary way.
    """

    def __init__(self, path: Path, stream_index: int, index: VideoIndex, size: tuple[int, int],
                 cap_bytes: int = DEFAULT_CAP_BYTES, folder: str | None = None) -> None:
        self._path = path
        self._stream_index = stream_index
        self._index = index
        self._size = size
        self._cap_bytes = cap_bytes
        self._folder = folder
        self._ready = np.zeros(index.frame_count, dtype=bool)
        self._layout: PictureLayout | None = None
        self._file: IO[bytes] | None = None
        self._scratch: np.ndarray | None = None  # the worker's packing buffer, reused
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None  # why preparation stopped early, if it did

    # -- the worker --------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="clip-prepare", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            _lower_priority()
            self._fill()
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            self.error = f"preparation stopped: {exc}"
        finally:
            self._done.set()

    def _fill(self) -> None:
        container = open_container(self._path)
        try:
            stream = next(s for s in container.streams.video if s.index == self._stream_index)
            stream.codec_context.thread_type = "NONE"  # one core at most: never starve playback
            for i, frame in self._numbered(container, stream):
                if self._stop.is_set():
                    return
                if self._ready[i]:
                    continue
                self._store(i, frame)
        finally:
            container.close()

    def _numbered(self, container: av.container.InputContainer,
                  stream: av.video.stream.VideoStream) -> Iterator[tuple[int, av.VideoFrame]]:
        """Decoded pictures with their display index (by pts, or by count without pts)."""
        count = 0
        pts = self._index.pts
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue  # a damaged packet: that frame stays unprepared
            for frame in frames:
                if self._index.by_pts:
                    if frame.pts is None:
                        continue
                    i = int(np.searchsorted(pts, frame.pts))
                    if i >= len(pts) or int(pts[i]) != frame.pts:
                        continue
                else:
                    i = count
                    count += 1
                if i < len(self._ready):
                    yield i, frame

    def _store(self, i: int, frame: av.VideoFrame) -> None:
        if self._layout is None:
            self._layout = layout_of(frame, self._size)
            # closed in close(); unlinked at once, so nothing outlives the process
            self._file = tempfile.TemporaryFile(  # noqa: SIM115
                prefix="us-annotator-clip-", dir=self._folder)
        layout = self._layout
        if layout_of(frame, self._size) != layout:
            return  # a picture of another format mid-stream: leave it to the decoder
        offset = i * layout.packed_bytes
        if offset + layout.packed_bytes > self._cap_bytes:
            return
        if self._scratch is None:
            self._scratch = np.empty(layout.packed_bytes, np.uint8)
        data = pack(frame, layout, self._scratch)
        assert self._file is not None
        written = os.pwrite(self._file.fileno(), data.data.cast("B"), offset)
        if written == layout.packed_bytes:
            self._ready[i] = True

    # -- the reader side ---------------------------------------------------------------------
    def read(self, i: int, out_for: Callable[[tuple[int, ...]], np.ndarray]) -> np.ndarray | None:
        """Frame ``i`` converted into a buffer from ``out_for(shape)``, or None if not prepared."""
        layout = self._layout
        if layout is None or not self._ready[i] or self._file is None:
            return None
        packed = np.empty(layout.packed_bytes, dtype=np.uint8)
        try:
            got = os.preadv(self._file.fileno(), [packed.data], i * layout.packed_bytes)
        except (OSError, ValueError):  # closed meanwhile
            return None
        if got != layout.packed_bytes:
            return None
        return unpack(packed, layout, out_for((layout.height, layout.width, 3)))

    @property
    def prepared_count(self) -> int:
        return int(self._ready.sum())

    def wait(self, timeout: float | None) -> bool:
        """True once every frame is prepared; False on time-out or when preparation stopped
        short (the cap, a damaged stream, ``close``)."""
        self.start()
        self._done.wait(timeout)
        return self._done.is_set() and bool(self._ready.all())

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join()
        if self._file is not None:
            self._file.close()


def _lower_priority() -> None:
    # On Linux a thread's niceness is its own (setpriority on its thread id); FFmpeg's decoder
    # threads, created from this one, inherit it. Elsewhere this is a best-effort no-op.
    with contextlib.suppress(AttributeError, OSError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + _NICE)
