"""Frame count and frame delays of a GIF from its block structure, without decoding pixels.

Pillow can only learn a frame's delay by seeking to it, which decodes every frame before it;
walking the blocks gives the same numbers for the cost of reading the file once.
"""

from __future__ import annotations

from dataclasses import dataclass

#: browsers show delays of 0 or 1 centisecond at 100 ms; sonographers expect the same speed
MIN_DELAY_MS = 20
DEFAULT_DELAY_MS = 100


@dataclass(frozen=True)
class GifIndex:
    delays_ms: tuple[int, ...]  # as stored (centiseconds x 10), one per frame
    comments: tuple[str, ...]
    applications: tuple[str, ...]  # application extensions, e.g. "NETSCAPE2.0", "XMP DataXMP"
    has_trailer: bool

    @property
    def frame_count(self) -> int:
        return len(self.delays_ms)

    @property
    def shown_delays_ms(self) -> tuple[int, ...]:
        return tuple(DEFAULT_DELAY_MS if d < MIN_DELAY_MS else d for d in self.delays_ms)


class GifFormatError(ValueError):
    """The GIF's block structure is truncated or damaged; the message says where."""


#: more frames than any clip an annotator steps through (20 minutes at 10 fps); see docs/limits.md
MAX_GIF_FRAMES = 12_000


class GifLimitError(GifFormatError):
    """The GIF has more frames than MAX_GIF_FRAMES."""


def scan_gif(data: bytes) -> GifIndex:
    view = memoryview(data)
    if len(view) < 13 or bytes(view[:3]) != b"GIF":
        raise GifFormatError("not a GIF file")
    pos = 13
    packed = view[10]
    if packed & 0x80:
        pos += 3 * (2 << (packed & 0x07))  # global colour table
    delays: list[int] = []
    comments: list[str] = []
    apps: list[str] = []
    pending_delay = 0
    while pos < len(view):
        block = view[pos]
        if block == 0x3B:  # trailer
            return GifIndex(tuple(delays), tuple(comments), tuple(apps), has_trailer=True)
        if block == 0x21:  # extension
            if pos + 2 > len(view):
                raise GifFormatError(f"truncated extension after frame {len(delays)}")
            label = view[pos + 1]
            body, pos = _sub_blocks(view, pos + 2, len(delays), keep=True)
            if label == 0xF9 and len(body) >= 3:
                pending_delay = (body[1] | body[2] << 8) * 10
            elif label == 0xFE:
                comments.append(bytes(body).decode("latin-1").strip())
            elif label == 0xFF and len(body) >= 11:
                apps.append(bytes(body[:11]).decode("latin-1"))
        elif block == 0x2C:  # image descriptor: one frame
            if pos + 10 > len(view):
                raise GifFormatError(f"truncated image descriptor of frame {len(delays) + 1}")
            local = view[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 * (2 << (local & 0x07))  # local colour table
            pos += 1  # LZW minimum code size
            _, pos = _sub_blocks(view, pos, len(delays), keep=False)
            delays.append(pending_delay)
            pending_delay = 0
            if len(delays) > MAX_GIF_FRAMES:
                raise GifLimitError(f"more than {MAX_GIF_FRAMES:,} frames (the limit)")
        else:
            if delays:
                break  # garbage after the last frame: keep what is whole, as browsers do
            raise GifFormatError(f"unknown block 0x{block:02x} at byte {pos}")
    return GifIndex(tuple(delays), tuple(comments), tuple(apps), has_trailer=False)


def _sub_blocks(view: memoryview, pos: int, frames_done: int, keep: bool) -> tuple[bytes, int]:
    """The data sub-blocks starting at ``pos`` (joined when ``keep``) and the position after them."""
    chunks: list[bytes] = []
    while True:
        if pos >= len(view):
            raise GifFormatError(f"the file is truncated in frame {frames_done + 1}")
        size = view[pos]
        pos += 1
        if size == 0:
            return b"".join(chunks), pos
        if pos + size > len(view):
            raise GifFormatError(f"the file is truncated in frame {frames_done + 1}")
        if keep:
            chunks.append(bytes(view[pos:pos + size]))
        pos += size
