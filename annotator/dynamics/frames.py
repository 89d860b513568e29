"""The grey frames tracking and the structure analysis read, with coloured marks burned into
the image left out (``analysis_frames``); for tracking, decoded and converted ahead on a
worker thread (``GreyFrameReader``).

The media's own read-ahead (``Media.prefetch``) decodes the frames to come (JPEG DICOM on two
workers, video on one, in order) while a worker here converts decoded frames to grey and the
caller tracks the previous frame; OpenCV and most decoders release the GIL, so all of it
overlaps on two cores. Frames are requested in the order they will be used (forward or
backward).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from annotator.media.base import Media
from annotator.media.grey import to_grey
from annotator.media.marks import Marks, image_marks


class FrameReadError(Exception):
    """A frame that could not be decoded (the cause is chained)."""

    def __init__(self, index: int, cause: BaseException) -> None:
        self.index = index
        super().__init__(f"frame {index} could not be read ({type(cause).__name__}: {cause})")


class GreyFrameReader:
    """Iterate ``(index, grey)`` over ``indices`` with up to ``ahead`` frames converted to grey
    ahead and up to ``decode_ahead`` frames queued for decoding on the media's read-ahead.
    Coloured marks burned into the clip are filled from the tissue (``analysis_frames``).

    Use as a context manager (or call ``close``) so a cancelled run stops the conversion; at
    most ``decode_ahead`` queued decodes outlive it (they land in the media's cache).
    A frame that fails to decode raises ``FrameReadError`` naming it.
    """

    def __init__(self, media: Media, indices: Sequence[int], ahead: int = 6, decode_ahead: int = 12) -> None:
        self._media = media
        self._indices = list(indices)
        self._ahead = max(1, ahead)
        # frames decoded further ahead than half the media's cache holds would be dropped
        # again before they are used (4K RGB: ~25 MB a frame)
        fits = media.cache_bytes // max(1, 3 * media.width * media.height) // 2
        self._decode_ahead = max(self._ahead, min(decode_ahead, fits))
        self._executor: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="tracking-read-ahead"
        )
        # coloured marks burned into the clip stay put while the tissue moves: left in, they
        # held a caliper beside them back (3.6 px off after 30 frames at confidence 1.0). One
        # worker loads the frames in order: the first one read decides the marks
        self._load = analysis_frames(media.frame)

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        executor = self._executor
        if executor is None:
            raise RuntimeError("the frame reader is closed")
        indices = self._indices
        # Decoding is queued first, in order, so the grey worker mostly finds frames decoded
        # (a frame still queued when it is needed is decoded by whoever needs it first).
        self._media.prefetch(indices[: self._decode_ahead])
        queue: deque[tuple[int, Future[np.ndarray]]] = deque()
        upcoming = iter(enumerate(indices))
        for _, index in upcoming:
            queue.append((index, executor.submit(self._load, index)))
            if len(queue) >= self._ahead:
                break
        while queue:
            index, future = queue.popleft()
            nxt = next(upcoming, None)
            if nxt is not None:
                position, next_index = nxt
                queue.append((next_index, executor.submit(self._load, next_index)))
                decode_next = position + self._decode_ahead - self._ahead
                if decode_next < len(indices):
                    self._media.prefetch(indices[decode_next: decode_next + 1])
            try:
                grey = future.result()
            except Exception as exc:
                raise FrameReadError(index, exc) from exc
            yield index, grey

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> GreyFrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def analysis_frames(frame: Callable[[int], np.ndarray],
                    roi: tuple[int, int, int, int] | None = None) -> Callable[[int], np.ndarray]:
    """``frames(i)``: frame i (grey, RGB or RGBA) as the grey uint8 image the structure
    analysis reads, with the coloured marks burned into the B-mode image (or ``roi``) of the
    first frame read filled from the tissue around them (``media.marks.image_marks``; a clip's
    calipers, tracks and labels stay where they were drawn). A grey frame, or one without
    marks there, is only converted."""
    found: list[Marks | None] = []

    def frames(index: int) -> np.ndarray:
        raw = frame(index)
        if not found:
            found.append(image_marks(raw, roi))
        grey = to_grey(raw)
        marks = found[0]
        return grey if marks is None else marks.fill(grey)

    return frames
