"""Instant scrubbing: a clip prepared in the background gives exactly the decoder's frames,
fast and in any order; the fast colour conversion agrees with FFmpeg's own."""

from __future__ import annotations

import time
from pathlib import Path

import av
import numpy as np
import pytest

from annotator.media import open_media
from annotator.media.base import ArrayMedia
from annotator.media.video import VideoMedia
from annotator.media.video_pixels import layout_of, pack, to_rgb
from tests.unit.test_video import encode, plain_decode, read_number

N = 120


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return encode(tmp_path_factory.mktemp("prepared") / "h264.mp4", n=N, size=(320, 240))


def test_the_fast_conversion_agrees_with_ffmpeg_within_rounding(clip: Path) -> None:
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        for k, frame in enumerate(container.decode(stream)):
            assert layout_of(frame, (320, 240)).i420  # the fast path is the one tested
            ours = to_rgb(frame, (320, 240), np.empty((240, 320, 3), np.uint8)).astype(int)
            theirs = frame.to_ndarray(format="rgb24").astype(int)
            diff = np.abs(ours - theirs)
            assert diff.max() <= 3 and diff.mean() < 1.0
            if k == 10:
                break


def test_packing_into_scratch_gives_the_same_bytes_without_the_row_padding(tmp_path: Path) -> None:
    # 1148 wide, as the corpus clips: FFmpeg pads each row of every plane (to 1152 and 576),
    # and the reused buffer must hold the planes without that padding, exactly as a new array.
    size = (1148, 96)
    path = encode(tmp_path / "padded.mp4", n=3, size=size)
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            layout = layout_of(frame, size)
            assert layout.i420 and frame.planes[0].line_size > size[0]
            scratch = np.full(layout.packed_bytes, 7, np.uint8)
            packed = pack(frame, layout, scratch)
            assert np.shares_memory(packed, scratch)
            np.testing.assert_array_equal(packed.reshape(-1), pack(frame, layout).reshape(-1))
            out = np.empty((size[1], size[0], 3), np.uint8)
            np.testing.assert_array_equal(to_rgb(frame, size, out.copy(), scratch),
                                          to_rgb(frame, size, out.copy()))


def test_full_range_and_odd_sizes_use_ffmpeg(tmp_path: Path) -> None:
    path = encode(tmp_path / "mjpeg.avi", n=4, codec="mjpeg", pix_fmt="yuvj420p")
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        assert not layout_of(frame, (frame.width, frame.height)).i420
        out = to_rgb(frame, (frame.width, frame.height), np.empty((frame.height, frame.width, 3), np.uint8))
        np.testing.assert_array_equal(out, frame.to_ndarray(format="rgb24"))


def test_a_prepared_clip_gives_the_decoders_frames_in_any_order(clip: Path) -> None:
    reference = plain_decode(clip)
    with VideoMedia(clip) as media:
        assert media.wait_ready(timeout=60)
        assert media._prepared.prepared_count == N
        order = [int(i) for i in np.random.default_rng(7).permutation(N)]
        for i in order:
            media._cache.clear()
            frame = media.frame(i)
            np.testing.assert_array_equal(frame, reference[i], err_msg=f"frame {i}")
            assert read_number(frame) == i


def test_random_access_is_fast_once_prepared(tmp_path: Path) -> None:
    path = encode(tmp_path / "long-gop.mp4", n=N, size=(640, 360),
                  options={"g": str(N)})  # one keyframe: every cold seek decodes from frame 0
    order = [int(i) for i in np.random.default_rng(1).permutation(N)][:40]

    def cost(media: VideoMedia) -> float:
        times = []
        for i in order:
            media._cache.clear()
            start = time.perf_counter()
            media.frame(i)
            times.append(time.perf_counter() - start)
        return float(np.median(times))

    with VideoMedia(path) as cold:
        cold_cost = cost(cold)
    with VideoMedia(path) as warm:
        assert warm.wait_ready(timeout=60)
        warm_cost = cost(warm)
    assert warm_cost < cold_cost / 3, (warm_cost, cold_cost)


def test_frames_past_the_cap_come_from_the_decoder(clip: Path) -> None:
    reference = plain_decode(clip)
    with VideoMedia(clip) as media:
        media._prepared._cap_bytes = 320 * 240 * 3 // 2 * 30  # room for 30 frames
        assert not media.wait_ready(timeout=60)  # stopped short of the whole clip
        assert media._prepared.prepared_count == 30
        for i in (100, 3, 29, 30, 119):
            media._cache.clear()
            np.testing.assert_array_equal(media.frame(i), reference[i])


def test_closing_while_preparing_stops_the_worker(clip: Path) -> None:
    media = VideoMedia(clip)
    media.prepare()
    media.close()
    assert media._prepared._thread is not None and not media._prepared._thread.is_alive()
    assert not media.wait_ready(timeout=0)


def test_wait_ready_starts_preparation_and_times_out_honestly(clip: Path) -> None:
    with VideoMedia(clip) as media:
        assert media.wait_ready(timeout=0) in (False, True)  # started, perhaps not finished
        assert media.wait_ready(timeout=60)


def test_stills_and_dicom_like_media_are_always_ready(tmp_path: Path) -> None:
    media = ArrayMedia(np.zeros((3, 8, 8), np.uint8))
    media.prepare()
    assert media.wait_ready(timeout=0)


@pytest.mark.corpus
def test_a_real_clip_prepared_gives_exact_frames(corpus: Path) -> None:
    path = corpus / "joshrbaxter-ultrasound_tracking" / "p6_isokinetic500_01_push_01.mp4"
    reference = plain_decode(path)
    with open_media(path) as media:
        assert media.wait_ready(timeout=120)
        for i in (len(reference) - 1, 0, len(reference) // 2, 7):
            media._cache.clear()
            np.testing.assert_array_equal(media.frame(i), reference[i])
