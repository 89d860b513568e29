"""Video clips (MP4, MOV, M4V, AVI, MKV, WebM) through PyAV, with frame-accurate random access.

Opening demuxes the packets once to index the frames (``video_index``) and decodes nothing.
``frame(i)`` seeks to the keyframe at or before frame i and decodes forward to the frame whose
pts matches; the decoder stays where it stopped, so reading i, i+1, ... (playback, export)
decodes forward without seeking.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import av.error
import numpy as np

from annotator.media.base import Media, MediaError
from annotator.media.video_index import VideoIndex, build_index
from annotator.media.video_pixels import to_rgb
from annotator.media.video_probe import (
    display_rotation,
    open_container,
    sample_pixel_shape,
    video_metadata,
    video_stream,
)
from annotator.media.video_proxy import PreparedClip


class VideoMedia(Media):
    """A clip from a video container; no calibration (video files carry none)."""

    serial_decode = True  # one decoder per media, used by one thread at a time

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.kind = "video"
        container = open_container(self.path)
        try:
            stream = video_stream(container, self.path)
            self.rotation = display_rotation(container, stream.index)
            index = build_index(container, stream, self.path)
            self.metadata = video_metadata(container, stream, self.rotation)
        except BaseException:
            container.close()
            raise
        stored_w, stored_h = stream.codec_context.width, stream.codec_context.height
        if self.rotation in (90, 270):
            self.width, self.height = stored_h, stored_w
        else:
            self.width, self.height = stored_w, stored_h
        self.frame_count = index.frame_count
        self.frame_times_ms = index.times_ms
        self.regions = ()
        self.pixel_shape = sample_pixel_shape(stream, self.rotation)
        self.index = index
        self.metadata.add("frames", "Frames", self.frame_count)
        self.metadata.add("duration", "Duration", f"{self.duration_ms / 1000.0:.3f} s")
        if not index.by_pts:
            self.metadata.add("timing", "Frame timing", "estimated: the file has no usable timestamps")
        self._stored_size = (stored_w, stored_h)
        self._cursor = _Cursor(self.path, container, stream, index, self._stored_size)
        self._prepared = PreparedClip(self.path, stream.index, index, self._stored_size)

    def prepare(self) -> None:
        """Start preparing the clip for instant random access (see ``video_proxy``)."""
        if self.frame_count > 1 and not self._closed:
            self._prepared.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        if self.frame_count < 2:
            return True
        return self._prepared.wait(timeout)

    def _decode(self, index: int) -> np.ndarray:
        # Without rotation the picture is converted straight into the frame's own memory
        # (the cache may keep it); with rotation, into a scratch buffer first.
        buffer = self._frame_buffer if not self.rotation else _scratch
        rgb = self._prepared.read(index, buffer)
        if rgb is None:
            frame = self._cursor.read(index)
            w, h = self._stored_size
            rgb = to_rgb(frame, self._stored_size, buffer((h, w, 3)), self._cursor.scratch)
        if not self.rotation:
            return rgb
        turned = np.rot90(rgb, self.rotation // 90)
        out = self._frame_buffer(turned.shape)
        np.copyto(out, turned)
        return out

    def _close(self) -> None:
        self._prepared.close()
        with self._decode_lock:
            self._cursor.close()


def _scratch(shape: tuple[int, ...]) -> np.ndarray:
    return np.empty(shape, np.uint8)


class _Cursor:
    """An open decoder and where it stands in the stream (guarded by the media's decode lock)."""

    def __init__(self, path: Path, container: av.container.InputContainer,
                 stream: av.video.stream.VideoStream, index: VideoIndex, size: tuple[int, int]) -> None:
        self._path = path
        self._index = index
        self._size = size
        self._container: av.container.InputContainer | None = None
        #: the I420 bytes of the picture being converted, reused frame after frame
        self.scratch = np.empty(size[0] * size[1] * 3 // 2, np.uint8)
        self._attach(container, stream)

    def _attach(self, container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> None:
        stream.codec_context.thread_type = "AUTO"  # frame + slice threads: playback speed
        self._container = container
        self._stream = stream
        self._frames: Iterator[av.VideoFrame] | None = None
        self._next: int | None = None  # display index the decoder yields next; None: unknown
        self._held: av.VideoFrame | None = None  # read past a target that was not there
        self._last: av.VideoFrame | None = None  # the last frame handed out or passed

    def close(self) -> None:
        if self._frames is not None:
            self._frames.close()  # type: ignore[attr-defined]
            self._frames = None
        if self._container is not None:
            self._container.close()
            self._container = None

    def read(self, i: int) -> av.VideoFrame:
        """The decoded picture shown as frame ``i`` (converted by the caller)."""
        if self._container is None:
            raise MediaError(self._path, "the video is closed")
        return self._read_by_pts(i) if self._index.by_pts else self._read_by_count(i)

    # -- finding frame i by its presentation timestamp -------------------------------------
    def _read_by_pts(self, i: int) -> av.VideoFrame:
        index = self._index
        target = int(index.pts[i])
        if self._next is not None and i >= self._next and index.keyframe_at_or_before(i) <= self._next:
            frame = self._forward(i, target, after_seek=False)
            if frame is not None:
                return frame
        slot = index.keyframe_slot(i)
        rewound = False
        while True:
            if slot == 0 and rewound:
                self._rewind()
            else:
                self._seek(int(index.keyframe_seek_ts[slot]))
            frame = self._forward(i, target, after_seek=True)
            if frame is not None:
                return frame
            if slot > 0:
                slot -= 1  # the seek landed after the target (open GOP, inexact index)
            elif not rewound:
                rewound = True  # even the first keyframe overshot: reopen and start over
            else:
                break
        if self._held is not None:  # the target never decodes: show the nearest frame
            self._next = i + 1
            return self._held
        raise MediaError(self._path, f"frame {i} cannot be decoded")

    def _forward(self, i: int, target: int, after_seek: bool) -> av.VideoFrame | None:
        """Decode up to the frame with pts ``target``.

        If the decoder skips that frame, return the frame before it (the one on screen at
        that time); return None when a seek landed after the target or nothing was decoded.
        """
        previous = None if after_seek else self._last
        while True:
            frame = self._take()
            if frame is None:
                break
            pts = frame.pts
            if pts is None or pts < target:
                previous = frame
                continue
            if pts == target:
                self._next, self._last = i + 1, frame
                return frame
            self._held = frame  # a later frame: keep it for the next read
            if previous is None and not after_seek:
                previous = frame
            break
        if previous is None:
            return None
        self._next, self._last = i + 1, previous
        return previous

    # -- finding frame i by counting (no usable timestamps) --------------------------------
    def _read_by_count(self, i: int) -> av.VideoFrame:
        if self._next is None or i < self._next:
            self._rewind()
        assert self._next is not None
        while self._next <= i:
            frame = self._take()
            if frame is None:
                break
            self._next += 1
            self._last = frame
        if self._last is None:
            raise MediaError(self._path, f"frame {i} cannot be decoded")
        return self._last  # past the decodable end: the last frame stays on screen

    # -- the decoder's position -------------------------------------------------------------
    def _take(self) -> av.VideoFrame | None:
        if self._held is not None:
            frame, self._held = self._held, None
            return frame
        if self._frames is None:
            return None
        return next(self._frames, None)

    def _decoded_frames(self) -> Iterator[av.VideoFrame]:
        assert self._container is not None
        for packet in self._container.demux(self._stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue  # a damaged packet: the decoder conceals it in later frames
            yield from frames  # type: ignore[misc]

    def _seek(self, timestamp: int) -> None:
        assert self._container is not None
        self._drop_frames()
        try:
            self._container.seek(timestamp, backward=True, any_frame=False, stream=self._stream)
        except av.error.FFmpegError:
            self._rewind()  # a container that cannot seek: read from the start
            return
        self._frames = self._decoded_frames()

    def _rewind(self) -> None:
        """Reopen the file and start decoding from its first packet."""
        stream_index = self._stream.index
        self.close()
        container = open_container(self._path)
        streams = [s for s in container.streams.video if s.index == stream_index]
        if not streams:
            container.close()
            raise MediaError(self._path, "the video stream is gone (the file changed on disk)")
        self._attach(container, streams[0])
        self._frames = self._decoded_frames()
        self._next = 0

    def _drop_frames(self) -> None:
        if self._frames is not None:
            self._frames.close()  # type: ignore[attr-defined]
        self._frames = None
        self._held = None
        self._last = None
        self._next = None
