"""The exact frame index of a video stream, built by demuxing packets once (no decoding).

Container frame counts and frame rates can be wrong (recorders that crashed, AVI headers,
variable frame rate), so the index counts the packets that are really there and keeps each
frame's presentation timestamp. Frames are numbered in display order: B-frames make decode
order differ, so packets are sorted by pts.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np

from annotator.media.base import MediaError
from annotator.media.video_probe import ffmpeg_reason

#: nominal frame rate when a stream has no usable timestamps and no declared rate
FALLBACK_FPS = 30.0


@dataclass(frozen=True)
class VideoIndex:
    """Where every frame of one video stream is, in display order.

    ``pts`` holds the presentation timestamps (stream time base) sorted ascending;
    ``keyframes`` the display-order indices of frames that start a decodable run, and
    ``keyframe_seek_ts`` the timestamp to seek to for each of them (the packet's smaller of
    pts and dts, aiming at or before it; the reader steps back a keyframe when a demuxer still
    lands after the target). When ``by_pts`` is False the timestamps
    are missing or ambiguous: frames are then found by counting decoded frames from the start.
    """

    pts: np.ndarray
    keyframes: np.ndarray
    keyframe_seek_ts: np.ndarray
    time_base: Fraction
    times_ms: np.ndarray
    by_pts: bool

    @property
    def frame_count(self) -> int:
        return len(self.times_ms)

    def keyframe_slot(self, index: int) -> int:
        """Position in ``keyframes`` of the last keyframe at or before frame ``index``."""
        slot = int(np.searchsorted(self.keyframes, index, side="right")) - 1
        return max(slot, 0)

    def keyframe_at_or_before(self, index: int) -> int:
        if len(self.keyframes) == 0:
            return 0
        return int(self.keyframes[self.keyframe_slot(index)])


def build_index(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                path: Path) -> VideoIndex:
    """Demux every packet of ``stream`` once and index its frames.

    Raises ``MediaError`` for a truncated or damaged file and for a stream without frames.
    """
    pts_list: list[int | None] = []
    dts_list: list[int | None] = []
    key_list: list[bool] = []
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the flush packet PyAV yields at the end
                continue
            if packet.is_corrupt:
                raise MediaError(path, f"the file is truncated or damaged (frame {len(pts_list) + 1} is incomplete)")
            if packet.is_discard:  # before the start of an edit list: never displayed
                continue
            pts_list.append(packet.pts)
            dts_list.append(packet.dts)
            key_list.append(bool(packet.is_keyframe))
    except av.error.FFmpegError as exc:
        raise MediaError(path, f"the file is truncated or damaged after {len(pts_list)} frames ({ffmpeg_reason(exc)})") from exc

    count = len(pts_list)
    if count == 0:
        raise MediaError(path, "the video stream has no frames")
    claimed = int(stream.frames or 0)
    # MP4/MOV sample tables are exact, so fewer packets than samples means lost data.
    if "mp4" in container.format.name and claimed > count:
        raise MediaError(path, f"the file is truncated: {count} of {claimed} frames are present")

    time_base = stream.time_base or Fraction(1, 1)
    by_pts = all(p is not None for p in pts_list) and len(set(pts_list)) == count
    if by_pts:
        return _index_by_pts(pts_list, dts_list, key_list, time_base)
    return _index_by_count(dts_list, stream, time_base)


def _index_by_pts(pts_list: list[int | None], dts_list: list[int | None], key_list: list[bool],
                  time_base: Fraction) -> VideoIndex:
    pts = np.array(pts_list, dtype=np.int64)
    order = np.argsort(pts, kind="stable")
    sorted_pts = pts[order]
    display_index = np.empty(len(pts), dtype=np.int64)
    display_index[order] = np.arange(len(pts))
    keys: list[tuple[int, int]] = []
    for packet_i, is_key in enumerate(key_list):
        if is_key:
            p = int(pts[packet_i])
            d = dts_list[packet_i]
            keys.append((int(display_index[packet_i]), p if d is None else min(p, d)))
    if not keys or min(keys)[0] != 0:
        # No keyframe flag on the first frame: early frames decode from the very start.
        known_dts = [d for d in dts_list if d is not None]
        keys.append((0, min([int(sorted_pts[0]), *known_dts])))
    keys.sort()
    keyframes = np.array([k for k, _ in keys], dtype=np.int64)
    seek_ts = np.array([t for _, t in keys], dtype=np.int64)
    times = (sorted_pts - sorted_pts[0]).astype(np.float64) * float(time_base) * 1000.0
    return VideoIndex(sorted_pts, keyframes, seek_ts, time_base, times, by_pts=True)


def _index_by_count(dts_list: list[int | None], stream: av.video.stream.VideoStream,
                    time_base: Fraction) -> VideoIndex:
    count = len(dts_list)
    if all(d is not None for d in dts_list) and len(set(dts_list)) == count:
        dts = np.sort(np.array(dts_list, dtype=np.int64))
        times = (dts - dts[0]).astype(np.float64) * float(time_base) * 1000.0
    else:
        rate = stream.guessed_rate or stream.average_rate
        fps = float(rate) if rate else FALLBACK_FPS
        times = np.arange(count, dtype=np.float64) * (1000.0 / fps)
    empty = np.zeros(1, dtype=np.int64)
    return VideoIndex(np.arange(count, dtype=np.int64), empty, empty, time_base, times, by_pts=False)

