"""Still images (PNG, JPEG, BMP, TIFF, GIF, ...) through Pillow; multi-page TIFF and animated GIF
are clips.

A single still is decoded at open, so a truncated or damaged file fails there with a clear
message and never in the viewer. Multi-frame files read headers only at open and decode a
frame on ``frame(i)``. Stills carry no calibration (their DPI describes paper, not tissue).
"""

from __future__ import annotations

import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from annotator.media.base import Media, MediaError, MediaLimitError
from annotator.media.gif_index import GifFormatError, GifLimitError, scan_gif
from annotator.media.image_meta import image_metadata
from annotator.media.image_pixels import HIGH_BIT_MODES, stored_values, to_display_rgb

#: refuse images beyond this many pixels before allocating them (ultrasound is < 20 MP)
MAX_PIXELS = 100_000_000
#: frame rate assumed for multi-page TIFF that stores no timing
NOMINAL_PAGE_FPS = 30.0
# EXIF/TIFF Orientation -> the transpose that shows the image upright (as ImageOps.exif_transpose)
_ORIENTATION_FIX = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG = 0x0112
_IMAGEJ_INTERVAL = re.compile(r"^finterval=([0-9.eE+-]+)\s*$", re.MULTILINE)
_IMAGEJ_FPS = re.compile(r"^fps=([0-9.eE+-]+)\s*$", re.MULTILINE)
# Pillow raises many types for bad data; all mean "this file is damaged".
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
                  struct.error, zlib.error, MemoryError, Image.DecompressionBombError)


class ImageMedia(Media):
    """A still, an animated GIF or a multi-page TIFF, as RGB uint8 frames."""

    serial_decode = True  # a Pillow image is not thread-safe

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.kind = "image"
        self.regions = ()
        self.high_bit_depth = False
        self._img: Image.Image | None = None  # kept open for multi-frame files
        self._pages: list[int] = [0]
        self._still: np.ndarray | None = None
        self._still_raw: np.ndarray | None = None
        img = _open(self.path)
        try:
            frames = _tiff_page_count(img, self.path) if img.format == "TIFF" else 1
            if img.format == "GIF" and getattr(img, "is_animated", False):
                self._init_gif(img)
            elif frames > 1:
                self._init_pages(img, frames)
            else:
                self._init_still(img)
        except BaseException:
            img.close()
            raise
        if self._img is None:
            img.close()

    # -- the three shapes of image file ------------------------------------------------------
    def _init_still(self, img: Image.Image) -> None:
        with _quiet():
            try:
                img.load()
                self.metadata = image_metadata(img, 1)  # PNG text after the pixels needs load()
                upright = _upright(img, _still_orientation(img))
                rgb = to_display_rgb(upright)
            except _DECODE_ERRORS as exc:
                raise MediaError(self.path, f"the image data is truncated or damaged ({_reason(exc)})") from exc
        if getattr(img, "is_animated", False):  # APNG, animated WebP: rare in ultrasound
            self.metadata.add("animation", "Animation", "only the first frame is shown")
        self.high_bit_depth = upright.mode in HIGH_BIT_MODES
        if self.high_bit_depth:
            self._still_raw = stored_values(upright)
        rgb.setflags(write=False)
        self._still = rgb
        self.height, self.width = rgb.shape[:2]
        self.frame_count = 1
        self.frame_times_ms = np.zeros(1, dtype=np.float64)

    def _init_gif(self, img: Image.Image) -> None:
        try:
            gif = scan_gif(self.path.read_bytes())
        except GifLimitError as exc:
            raise MediaLimitError(self.path, f"the GIF has {exc}") from None
        except GifFormatError as exc:
            raise MediaError(self.path, f"damaged GIF: {exc}") from exc
        if gif.frame_count == 0:
            raise MediaError(self.path, "the GIF has no frames")
        self.metadata = image_metadata(img, gif.frame_count)
        for n, comment in enumerate(gif.comments):
            if comment != self.metadata.get("comment"):
                self.metadata.add(f"gif_comment.{n}", "Comment", comment, identifier=True)
        if "XMP DataXMP" in gif.applications and self.metadata.get("xmp") is None:
            self.metadata.add("xmp", "XMP packet", "present (may hold names and dates)", identifier=True)
        shown = np.array(gif.shown_delays_ms, dtype=np.float64)
        if any(s != d for s, d in zip(gif.shown_delays_ms, gif.delays_ms, strict=True)):
            self.metadata.add("timing", "Frame timing", "delays under 20 ms shown at 100 ms, as browsers do")
        self.frame_times_ms = np.concatenate([[0.0], np.cumsum(shown[:-1])])
        self.frame_count = gif.frame_count
        self._pages = list(range(gif.frame_count))
        self.width, self.height = img.size
        self._img = img

    def _init_pages(self, img: ImageFile.ImageFile, frames: int) -> None:
        """Multi-page TIFF: every page with the first page's size and mode is a frame."""
        file_size = self.path.stat().st_size
        first: tuple[tuple[int, int], str] | None = None
        pages: list[int] = []
        for page in range(frames):
            try:
                with _quiet():
                    img.seek(page)  # reads the page's directory only
            except _DECODE_ERRORS as exc:
                raise MediaError(self.path, f"page {page + 1} is damaged ({_reason(exc)})") from exc
            _check_claimed_size(img, self.path, file_size, f"page {page + 1}")
            _check_strips_inside(img, self.path, file_size, page)
            shape = (_upright_size(img, _page_orientation(img)), img.mode)
            if first is None:
                first = shape
            if shape == first:  # thumbnails and masks of another size are not frames
                pages.append(page)
        img.seek(0)
        assert first is not None
        self.metadata = image_metadata(img, len(pages))
        if len(pages) < frames:
            self.metadata.add("skipped_pages", "Pages not shown", f"{frames - len(pages)} (other size or mode)")
        (self.width, self.height), mode = first
        self.high_bit_depth = mode in HIGH_BIT_MODES
        self.frame_count = len(pages)
        self._pages = pages
        self.frame_times_ms = self._page_times(img)
        self._img = img

    def _page_times(self, img: Image.Image) -> np.ndarray:
        description = str(img.info.get("description") or getattr(img, "tag_v2", {}).get(270, ""))
        interval_ms = None
        if m := _IMAGEJ_INTERVAL.search(description):
            interval_ms = float(m.group(1)) * 1000.0
        elif m := _IMAGEJ_FPS.search(description):
            interval_ms = 1000.0 / float(m.group(1)) if float(m.group(1)) > 0 else None
        if interval_ms is None or not interval_ms > 0:
            interval_ms = 1000.0 / NOMINAL_PAGE_FPS
            self.metadata.add("timing", "Frame timing", f"not stored in the file; {NOMINAL_PAGE_FPS:g} fps assumed")
        return np.arange(self.frame_count, dtype=np.float64) * interval_ms

    # -- decoding ---------------------------------------------------------------------------
    def _decode(self, index: int) -> np.ndarray:
        if self._still is not None:
            return self._still
        return to_display_rgb(self._load_frame(index))

    def raw_frame(self, index: int) -> np.ndarray:
        """Stored values: uint16 (h, w) for 16-bit grey; the display frame for 8-bit files."""
        index = self.check_index(index)
        if not self.high_bit_depth:
            return self.frame(index)
        if self._still_raw is not None:
            return self._still_raw
        with self._decode_lock:
            return stored_values(self._load_frame(index))

    def _load_frame(self, index: int) -> Image.Image:
        img = self._img
        if img is None:
            raise MediaError(self.path, "the image is closed")
        with _quiet():
            try:
                img.seek(self._pages[index])
                img.load()
                frame = _upright(img, _page_orientation(img)) if img.format == "TIFF" else img
                if frame.size != (self.width, self.height):
                    raise MediaError(self.path, f"frame {index + 1} has another size than the first")
                return frame
            except _DECODE_ERRORS as exc:
                raise MediaError(self.path, f"frame {index + 1} is truncated or damaged ({_reason(exc)})") from exc

    def _close(self) -> None:
        with self._decode_lock:
            if self._img is not None:
                self._img.close()
                self._img = None


def _open(path: Path) -> ImageFile.ImageFile:
    if not path.exists():
        raise MediaError(path, "file not found")
    if not path.is_file():
        raise MediaError(path, "not a file")
    file_size = path.stat().st_size
    if file_size == 0:
        raise MediaError(path, "the file is empty")
    with _quiet():
        try:
            img = Image.open(path)  # reads the header only
        except UnidentifiedImageError as exc:
            raise MediaError(path, "not an image format that can be read") from exc
        except _DECODE_ERRORS as exc:
            raise MediaError(path, f"the image header is damaged ({_reason(exc)})") from exc
    try:
        _check_claimed_size(img, path, file_size, "the image")
    except MediaError:
        img.close()
        raise
    return img


def _tiff_page_count(img: Image.Image, path: Path) -> int:
    """Pages in a TIFF; walking the directory chain reads headers only."""
    try:
        with _quiet():
            return int(getattr(img, "n_frames", 1) or 1)
    except _DECODE_ERRORS as exc:
        raise MediaError(path, f"the TIFF page directory is truncated or damaged ({_reason(exc)})") from exc


def _check_claimed_size(img: ImageFile.ImageFile, path: Path, file_size: int, what: str) -> None:
    """Refuse sizes that are implausible or cannot fit the file, before allocating pixels."""
    width, height = img.size
    if width <= 0 or height <= 0:
        raise MediaError(path, f"{what} claims an empty size {width}x{height}")
    if width * height > MAX_PIXELS:
        raise MediaError(path, f"{what} claims {width}x{height} pixels, more than {MAX_PIXELS // 1_000_000} megapixels")
    for tile in img.tile:
        # Uncompressed data needs at least one bit per pixel of its tile (or strip: a TIFF
        # written in strips has one per few rows, the last near the file's end) after its offset.
        x0, y0, x1, y1 = tile.extents or (0, 0, width, height)
        if tile.codec_name == "raw" and tile.offset + (x1 - x0) * (y1 - y0) // 8 > file_size:
            raise MediaError(path, f"{what} claims {width}x{height} pixels but the file is too short (truncated?)")


def _check_strips_inside(img: Image.Image, path: Path, file_size: int, page: int) -> None:
    """A TIFF page's strips (or tiles) must end inside the file: catches truncated stacks."""
    tags = getattr(img, "tag_v2", None)
    if tags is None:
        return
    offsets = tags.get(273) or tags.get(324)  # StripOffsets or TileOffsets
    counts = tags.get(279) or tags.get(325)  # StripByteCounts or TileByteCounts
    if isinstance(offsets, int):
        offsets = (offsets,)
    if isinstance(counts, int):
        counts = (counts,)
    if not offsets or not counts:
        return
    end = max(int(o) + int(c) for o, c in zip(offsets, counts, strict=False))
    if end > file_size:
        raise MediaError(path, f"the file is truncated: page {page + 1} needs {end} bytes, the file has {file_size}")


def _still_orientation(img: Image.Image) -> int:
    try:
        return int(img.getexif().get(_ORIENTATION_TAG, 1) or 1)
    except (OSError, ValueError, SyntaxError, TypeError):
        return 1


def _page_orientation(img: Image.Image) -> int:
    tags = getattr(img, "tag_v2", None)
    try:
        return int(tags.get(_ORIENTATION_TAG, 1) or 1) if tags is not None else 1
    except (TypeError, ValueError):
        return 1


def _upright(img: Image.Image, orientation: int) -> Image.Image:
    fix = _ORIENTATION_FIX.get(orientation)
    return img.transpose(fix) if fix is not None else img


def _upright_size(img: Image.Image, orientation: int) -> tuple[int, int]:
    width, height = img.size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


@contextmanager
def _quiet() -> Iterator[None]:
    """Pillow warns on big images (we bound sizes ourselves) and on odd metadata."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _reason(exc: BaseException) -> str:
    return str(exc).strip() or type(exc).__name__
