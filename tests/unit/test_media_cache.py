"""The frame cache and read-ahead every reader inherits from ``Media`` (checked with ArrayMedia)."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import wait

import numpy as np
import pytest

from annotator.media.base import ArrayMedia, FrameCache, MediaError

FRAMES, HEIGHT, WIDTH = 12, 24, 32
FRAME_BYTES = HEIGHT * WIDTH * 3


def make_frames(n: int = FRAMES) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.integers(0, 256, size=(n, HEIGHT, WIDTH, 3), dtype=np.uint8)


class RecordingMedia(ArrayMedia):
    """ArrayMedia that records which thread decoded which frame, and can hold decodes."""

    def __init__(self, frames: np.ndarray, serial: bool = False) -> None:
        super().__init__(frames)
        self.serial_decode = serial
        self.decoded: list[tuple[int, str]] = []
        self.hold: set[int] = set()
        self.release = threading.Event()
        self.started = threading.Event()

    def _decode(self, index: int) -> np.ndarray:
        self.decoded.append((index, threading.current_thread().name))
        if index in self.hold:
            self.started.set()
            assert self.release.wait(10), "test did not release the held decode"
        return super()._decode(index)


def run_with_timeout(fn: Callable[[], object], seconds: float = 5.0) -> None:
    """Run ``fn`` on a thread and fail (instead of hanging the suite) if it deadlocks."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            fn()
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{fn} did not finish within {seconds} s (deadlock?)"
    if errors:
        raise errors[0]


def deadlock_guard(test: Callable[[], None]) -> Callable[[], None]:
    """Fail a threaded test after 10 s instead of hanging the whole suite."""

    @functools.wraps(test)
    def guarded() -> None:
        run_with_timeout(test, seconds=10)

    return guarded


# -- FrameCache ---------------------------------------------------------------------------
def test_cache_is_bounded_in_bytes_and_evicts_least_recently_used() -> None:
    frames = list(make_frames())  # one array object per frame, for identity checks
    cache = FrameCache(max_bytes=3 * FRAME_BYTES)
    for i in range(3):
        cache.put(i, frames[i])
    assert cache.get(0) is frames[0]  # 0 is now the most recent, 1 the least
    cache.put(3, frames[3])
    assert 1 not in cache
    assert all(i in cache for i in (0, 2, 3))
    assert cache.nbytes == 3 * FRAME_BYTES
    for i in range(4, FRAMES):
        cache.put(i, frames[i])
        assert cache.nbytes <= cache.max_bytes


def test_cache_replaces_without_double_counting_and_skips_oversized_frames() -> None:
    frames = list(make_frames())
    cache = FrameCache(max_bytes=2 * FRAME_BYTES)
    cache.put(0, frames[0])
    cache.put(0, frames[1])
    assert cache.nbytes == FRAME_BYTES
    assert cache.get(0) is frames[1]
    cache.put(5, np.zeros((HEIGHT * 3, WIDTH, 3), np.uint8))  # bigger than the whole budget
    assert 5 not in cache
    cache.clear()
    assert cache.nbytes == 0 and 0 not in cache


def test_media_cache_respects_its_budget() -> None:
    class SmallCacheMedia(ArrayMedia):
        cache_bytes = 4 * FRAME_BYTES

    frames = make_frames()
    media = SmallCacheMedia(frames)
    for i in range(FRAMES):
        media.frame(i)
    assert media._cache.nbytes <= 4 * FRAME_BYTES
    assert [i for i in range(FRAMES) if media.cached_frame(i) is not None] == list(range(FRAMES - 4, FRAMES))


class PaddedRowsMedia(ArrayMedia):
    """Decodes to views with padded rows, as video decoders do; the cache keeps 2 frames."""

    cache_bytes = 2 * FRAME_BYTES

    def __init__(self, frames: np.ndarray) -> None:
        super().__init__(frames)
        padded = np.zeros((len(frames), HEIGHT, WIDTH + 5, 3), np.uint8)
        padded[:, :, :WIDTH] = frames
        self._padded = padded

    def _decode(self, index: int) -> np.ndarray:
        return self._padded[index, :, :WIDTH]


def test_dropped_frames_lend_their_memory_but_frames_a_caller_keeps_stay_intact() -> None:
    frames = make_frames()
    media = PaddedRowsMedia(frames)
    lent_ids: list[int | None] = []  # ids only: holding the arrays would keep them shared
    take_buffer = media._cache.take_buffer

    def counting_take_buffer(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray | None:
        buffer = take_buffer(shape, dtype)
        lent_ids.append(None if buffer is None else id(buffer))
        return buffer

    media._cache.take_buffer = counting_take_buffer  # type: ignore[method-assign]
    kept = media.frame(0)
    assert kept.flags.c_contiguous and not kept.flags.writeable
    for i in range(1, FRAMES):
        np.testing.assert_array_equal(media.frame(i), frames[i])
    np.testing.assert_array_equal(kept, frames[0])  # never recycled while referenced
    assert not kept.flags.writeable
    reused = [i for i in lent_ids if i is not None]
    assert len(reused) >= FRAMES - 4  # the others reused memory of frames the cache dropped
    assert id(kept) not in reused
    media.close()


# -- frames, futures and read-ahead ---------------------------------------------------------
def test_frame_is_read_only_and_equal_to_the_source() -> None:
    frames = make_frames()
    media = ArrayMedia(frames)
    got = media.frame(3)
    np.testing.assert_array_equal(got, frames[3])
    assert not got.flags.writeable
    with pytest.raises(ValueError):
        got[0, 0, 0] = 1
    assert media.frame(3) is got  # the cached array, not a new decode
    with pytest.raises(IndexError):
        media.frame(FRAMES)
    with pytest.raises(TypeError):
        media.frame(1.0)  # type: ignore[arg-type]


@deadlock_guard
def test_frame_future_and_prefetch_decode_on_the_worker_and_give_the_same_arrays() -> None:
    frames = make_frames()
    media = RecordingMedia(frames)
    futures = [media.frame_future(i) for i in range(0, FRAMES, 2)]
    for i, fut in zip(range(0, FRAMES, 2), futures, strict=True):
        np.testing.assert_array_equal(fut.result(timeout=5), frames[i])
    media.prefetch(range(1, FRAMES, 2))
    wait(list(media._pending.values()), timeout=5)
    for i in range(FRAMES):
        assert media.cached_frame(i) is not None
        np.testing.assert_array_equal(media.frame(i), frames[i])
    assert {name for _, name in media.decoded} <= {
        t.name for t in media._executor._threads  # type: ignore[union-attr]
    }
    assert all(name.startswith("media-read-ahead") for _, name in media.decoded)
    assert sorted(i for i, _ in media.decoded) == list(range(FRAMES))  # each frame decoded once
    media.close()


@deadlock_guard
def test_serial_decoder_reads_ahead_in_the_order_queued() -> None:
    media = RecordingMedia(make_frames(), serial=True)
    media.prefetch([5, 6, 7, 8, 9, 0, 1])
    wait(list(media._pending.values()), timeout=5)
    assert [i for i, _ in media.decoded] == [5, 6, 7, 8, 9, 0, 1]
    media.close()


@deadlock_guard
def test_cached_frame_never_blocks_while_a_decode_runs() -> None:
    media = RecordingMedia(make_frames(), serial=True)
    media.hold = {0}
    fut = media.frame_future(0)
    assert media.started.wait(5)
    start = time.perf_counter()
    assert media.cached_frame(0) is None
    assert media.cached_frame(-1) is None and media.cached_frame(FRAMES) is None
    assert time.perf_counter() - start < 0.5
    media.release.set()
    assert fut.result(timeout=5) is media.cached_frame(0)
    media.close()


@deadlock_guard
def test_frame_does_not_wait_behind_queued_read_ahead() -> None:
    frames = make_frames()
    media = RecordingMedia(frames, serial=False)
    media.hold = {0, 1}  # both workers stuck
    media.prefetch(range(FRAMES))
    assert media.started.wait(5)
    got: list[np.ndarray] = []
    run_with_timeout(lambda: got.append(media.frame(7)), seconds=3)
    np.testing.assert_array_equal(got[0], frames[7])
    media.release.set()
    wait(list(media._pending.values()), timeout=5)
    assert [i for i, _ in media.decoded].count(7) == 1  # the worker found it in the cache
    media.close()


def test_frame_futures_that_finish_at_once_do_not_deadlock() -> None:
    media = ArrayMedia(make_frames(64))

    def request_all() -> None:
        for _ in range(5):
            media._cache.clear()
            futures = [media.frame_future(i) for i in range(64)]
            wait(futures, timeout=5)

    run_with_timeout(request_all)
    media.close()


@deadlock_guard
def test_cancel_prefetch_drops_queued_frames_without_deadlock() -> None:
    media = RecordingMedia(make_frames(), serial=True)
    media.hold = {0}
    media.prefetch(range(FRAMES))
    assert media.started.wait(5)
    futures = dict(media._pending)
    run_with_timeout(media.cancel_prefetch)
    media.release.set()
    assert futures[0].result(timeout=5) is not None  # the running decode finishes
    assert all(futures[i].cancelled() for i in range(1, FRAMES))
    assert [i for i, _ in media.decoded] == [0]
    assert media._pending == {}
    np.testing.assert_array_equal(media.frame(4), media._frames[4])  # still readable
    media.close()


@deadlock_guard
def test_close_stops_the_worker_and_refuses_further_reads() -> None:
    media = RecordingMedia(make_frames(), serial=True)
    media.prefetch(range(FRAMES))
    executor = media._executor
    assert executor is not None
    run_with_timeout(media.close)
    assert all(not t.is_alive() for t in executor._threads)
    assert media._executor is None and media._cache.nbytes == 0
    media.prefetch(range(3))  # a stray timer after close: ignored
    assert media._executor is None
    with pytest.raises(MediaError, match="closed"):
        media.frame_future(0)
    with pytest.raises(MediaError, match="closed"):
        media.frame(0)
    media.close()  # idempotent


@deadlock_guard
def test_concurrent_readers_get_the_right_frames() -> None:
    frames = make_frames(40)
    media = ArrayMedia(frames)
    media.serial_decode = True
    errors: list[int] = []

    def reader(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for i in rng.integers(0, 40, size=200):
            if not np.array_equal(media.frame(int(i)), frames[i]):
                errors.append(int(i))

    threads = [threading.Thread(target=reader, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    media.prefetch(range(40))
    for t in threads:
        t.join(10)
    assert errors == []
    media.close()


def test_timing_helpers_follow_the_frame_times() -> None:
    times = np.array([0.0, 40.0, 80.0, 200.0])
    media = ArrayMedia(make_frames(4), frame_times_ms=times)
    assert media.fps == pytest.approx(3 * 1000.0 / 200.0)
    assert media.duration_ms == pytest.approx(320.0)
    assert media.frame_at_time(-5) == 0
    assert media.frame_at_time(79.9) == 1
    assert media.frame_at_time(80.0) == 2
    assert media.frame_at_time(10_000) == 3
    still = ArrayMedia(make_frames(1))
    assert still.fps is None and still.duration_ms == 0.0 and not still.is_clip
