"""The grey frame reader behind tracking: frames queued for decoding on the media's read-ahead,
in tracking order and a fixed distance ahead, and converted to grey on its own worker."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pytest

from annotator.dynamics.frames import FrameReadError, GreyFrameReader, to_grey
from annotator.media.base import ArrayMedia


class RecordingClip(ArrayMedia):
    """Remembers every frame index queued for read-ahead, in order."""

    def __init__(self, frames: np.ndarray) -> None:
        super().__init__(frames, kind="video")
        self.queued: list[int] = []

    def prefetch(self, indices: Iterable[int]) -> None:
        wanted = list(indices)
        self.queued.extend(wanted)
        super().prefetch(wanted)


def clip(count: int = 30, size: int = 24) -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, (count, size, size, 3), dtype=np.uint8)


@pytest.mark.parametrize("indices", [list(range(0, 30)), list(range(25, 4, -1)), [7, 8, 9]])
def test_decoding_is_queued_in_tracking_order_a_fixed_distance_ahead(indices: list[int]) -> None:
    frames = clip()
    media = RecordingClip(frames)
    ahead, decode_ahead = 2, 5
    queued_at_yield: list[int] = []
    got: list[int] = []
    with GreyFrameReader(media, indices, ahead=ahead, decode_ahead=decode_ahead) as reader:
        for index, grey in reader:
            queued_at_yield.append(len(media.queued))
            got.append(index)
            np.testing.assert_array_equal(grey, to_grey(frames[index]))
    assert got == indices
    assert media.queued == indices  # each frame queued once, none outside the range
    n = len(indices)
    assert queued_at_yield == [min(n, p + decode_ahead + 1) for p in range(n)]
    media.close()


class SmallCacheClip(RecordingClip):
    cache_bytes = 10 * 64 * 64 * 3  # room for ten 64x64 frames: decode at most five ahead


def test_decoding_ahead_is_bounded_by_the_media_cache() -> None:
    media = SmallCacheClip(clip(count=40, size=64))
    with GreyFrameReader(media, range(40), ahead=2, decode_ahead=30) as reader:
        next(iter(reader))
        assert media.queued == list(range(6))  # the frame given and five ahead
    media.close()


class BrokenFrame(ArrayMedia):
    def _decode(self, index: int) -> np.ndarray:
        if index == 4:
            raise ValueError("corrupt fragment")
        return super()._decode(index)


def test_a_frame_that_fails_on_the_read_ahead_is_named() -> None:
    media = BrokenFrame(clip(), kind="video")
    got: list[int] = []
    with GreyFrameReader(media, range(10)) as reader, pytest.raises(FrameReadError, match="frame 4"):
        for index, _ in reader:
            got.append(index)
    assert got == [0, 1, 2, 3]
    media.close()
