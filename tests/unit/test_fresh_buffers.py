"""New frame buffers are mapped ahead on a helper thread for clips (not for a still), never
shared between two takers, and the helper stops with the media."""

from __future__ import annotations

import time

import numpy as np

from annotator.media.fresh_buffers import FreshBuffers


def _helper_running(pool: FreshBuffers) -> bool:
    thread = pool._thread
    return thread is not None and thread.is_alive()


def test_a_still_starts_no_helper_and_a_clip_gets_distinct_ready_buffers() -> None:
    pool = FreshBuffers(depth=3)
    first = pool.take((4, 5, 3), np.dtype(np.uint8))
    assert first.shape == (4, 5, 3) and first.flags.writeable and not _helper_running(pool)
    taken = [pool.take((4, 5, 3), np.dtype(np.uint8)) for _ in range(2)]
    deadline = time.monotonic() + 5
    while pool._ready.qsize() < 3 and time.monotonic() < deadline:  # the helper fills up
        time.sleep(0.01)
    assert pool._ready.qsize() == 3 and _helper_running(pool)
    taken += [pool.take((4, 5, 3), np.dtype(np.uint8)) for _ in range(6)]
    assert len({id(b) for b in [first, *taken]}) == 9  # never the same memory twice
    assert all(b.shape == (4, 5, 3) and b.dtype == np.uint8 and b.flags.owndata for b in taken)
    pool.close()
    assert not _helper_running(pool) and pool._ready.qsize() == 0


def test_another_shape_starts_over() -> None:
    pool = FreshBuffers(depth=2)
    for _ in range(3):
        pool.take((8, 8, 3), np.dtype(np.uint8))
    other = pool.take((2, 3), np.dtype(np.uint16))
    assert other.shape == (2, 3) and other.dtype == np.uint16
    assert pool._ready.qsize() == 0  # the old shape's buffers were let go
    pool.close()
    assert not _helper_running(pool)


def test_closing_does_not_wait_for_a_helper_blocked_on_a_full_queue() -> None:
    """Closing a clip (switching media in a case) must not stall: a helper waiting to hand
    over a buffer used to be seen stopping only at its put's 0.25 s time-out."""
    took = []
    for _ in range(3):
        pool = FreshBuffers(depth=2)
        for _ in range(2):
            pool.take((64, 64, 3), np.dtype(np.uint8))
        deadline = time.monotonic() + 5
        while pool._ready.qsize() < 2 and time.monotonic() < deadline:  # full: the helper waits
            time.sleep(0.01)
        time.sleep(0.05)  # well inside its put's wait
        start = time.perf_counter()
        pool.close()
        took.append(time.perf_counter() - start)
        assert not _helper_running(pool) and pool._ready.qsize() == 0
    assert max(took) < 0.05, took
