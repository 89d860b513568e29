"""Opening a video container safely: the video stream, its display rotation and its metadata."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import av
import av.error
import av.logging
from av.stream import Disposition

from annotator.media.base import MediaError, MediaMetadata

#: container and stream tags that describe the encoding only; every other tag is free text a
#: scanner or phone may fill with a clinic, operator or patient name, a date or a place
TECHNICAL_TAGS = frozenset({
    "major_brand", "minor_version", "compatible_brands", "encoder", "handler_name",
    "vendor_id", "language", "encoder_options", "duration", "timecode", "software",
})
TAG_LABELS = {
    "encoder": "Encoder", "creation_time": "Creation time", "title": "Title",
    "comment": "Comment", "artist": "Artist", "author": "Author", "date": "Date",
    "location": "Location", "description": "Description", "copyright": "Copyright",
    "handler_name": "Handler", "major_brand": "Brand",
}

_ROTATION = re.compile(r"rotation of (-?\d+(?:\.\d+)?) degrees", re.IGNORECASE)
_STREAM_HEADER = re.compile(r"Stream #\d+:(\d+)")
# av.logging's level is process-wide: change it for one dump at a time.
_LOG_LEVEL_LOCK = threading.Lock()


def open_container(path: Path) -> av.container.InputContainer:
    """The opened container, or ``MediaError`` naming what is wrong with the file."""
    if not path.exists():
        raise MediaError(path, "file not found")
    if not path.is_file():
        raise MediaError(path, "not a file")
    if path.stat().st_size == 0:
        raise MediaError(path, "the file is empty")
    try:
        return av.open(str(path), mode="r", metadata_errors="replace")
    except av.error.FFmpegError as exc:
        raise MediaError(path, f"not a readable video file ({ffmpeg_reason(exc)})") from exc
    except (OSError, ValueError, IndexError) as exc:
        raise MediaError(path, f"cannot open the video ({exc})") from exc


def video_stream(container: av.container.InputContainer, path: Path) -> av.video.stream.VideoStream:
    """The first real video stream (cover art in MP4/MKV is a video stream too: skip it)."""
    streams = [s for s in container.streams.video if not s.disposition & Disposition.attached_pic]
    if not streams:
        raise MediaError(path, "no video stream (the file may be audio only, truncated or damaged)")
    stream = streams[0]
    if stream.codec_context is None:
        raise MediaError(path, f"no decoder for the video codec {stream.codec.name!r}")
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0:
        raise MediaError(path, "the video stream does not say its frame size")
    if width * height > 16384 * 16384:
        raise MediaError(path, f"the claimed frame size {width}x{height} is implausible")
    return stream


def display_rotation(container: av.container.InputContainer, stream_index: int) -> int:
    """Counter-clockwise rotation (0, 90, 180, 270) the display matrix asks for.

    PyAV exposes the matrix only on decoded frames; FFmpeg's stream dump states it without
    decoding, so read it from there.
    """
    # While the level is raised, other threads' FFmpeg messages go to a throw-away capture
    # instead of Python logging (where they would reach stderr).
    with _LOG_LEVEL_LOCK, av.logging.Capture(local=False):
        previous = av.logging.get_level()
        av.logging.set_level(av.logging.INFO)
        try:
            dump = container.dumps_format()  # type: ignore[attr-defined]  # missing from PyAV's stubs
        finally:
            av.logging.set_level(previous)
    headers = list(_STREAM_HEADER.finditer(dump))
    for n, header in enumerate(headers):
        if int(header.group(1)) != stream_index:
            continue
        end = headers[n + 1].start() if n + 1 < len(headers) else len(dump)
        match = _ROTATION.search(dump, header.end(), end)
        if match:
            return round(float(match.group(1)) / 90.0) % 4 * 90
    return 0


def video_metadata(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                   rotation: int) -> MediaMetadata:
    meta = MediaMetadata()
    meta.add("format", "Container", container.format.long_name or container.format.name)
    codec = stream.codec_context.codec
    meta.add("codec", "Codec", codec.long_name or codec.name)
    meta.add("pixel_format", "Pixel format", stream.codec_context.pix_fmt)
    if stream.average_rate:
        meta.add("declared_fps", "Declared frame rate", f"{float(stream.average_rate):.3f}")
    if container.bit_rate:
        meta.add("bit_rate", "Bit rate", f"{container.bit_rate / 1000:.0f} kb/s")
    if rotation:
        meta.add("rotation", "Display rotation", f"{rotation} degrees counter-clockwise (applied)")
    sar = stream.sample_aspect_ratio
    if sar and sar != 1:
        # Frames stay in stored pixels; a manual calibration must then use separate x and y.
        meta.add("sample_aspect_ratio", "Pixel aspect ratio", f"{sar.numerator}:{sar.denominator}")
    for prefix, tags in (("tag", container.metadata), ("stream_tag", stream.metadata)):
        for key, value in sorted(tags.items()):
            name = key.lower()
            if prefix == "stream_tag" and meta.get(f"tag.{name}") == str(value).strip():
                continue  # the same value repeated on the stream
            label = TAG_LABELS.get(name, key.replace("_", " ").capitalize())
            meta.add(f"{prefix}.{name}", label, value, identifier=name not in TECHNICAL_TAGS)
    return meta


def sample_pixel_shape(stream: av.video.stream.VideoStream, rotation: int) -> tuple[float, float] | None:
    """(width, height) of a displayed pixel from the stream's sample aspect ratio (anamorphic
    video), its axes swapped by a quarter-turn rotation; None when square or not declared."""
    sar = stream.sample_aspect_ratio
    if not sar or sar == 1 or sar.numerator <= 0 or sar.denominator <= 0:
        return None
    shape = (float(sar.numerator), float(sar.denominator))
    return (shape[1], shape[0]) if rotation in (90, 270) else shape


def ffmpeg_reason(exc: Exception) -> str:
    """FFmpeg's short description of an error, without PyAV's errno and file name."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip() or type(exc).__name__
