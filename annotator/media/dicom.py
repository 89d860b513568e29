"""DICOM media: lazy, frame-at-a-time reading of (multi-frame, compressed) ultrasound DICOM.

Opening reads the header only and indexes where each frame's bytes lie; ``frame(i)`` reads
and decodes frame i alone. 8-bit JPEG frames go through libjpeg-turbo (``cv2.imdecode``, which
releases the GIL, so the two read-ahead workers decode in parallel); everything else through
pydicom's decoders, one frame at a time. See ``dicom_jpeg`` for how JPEG colours are decided,
``dicom_pixels`` for display mapping, ``dicom_meta`` for the order of trust of timing sources
and ``dicom_regions`` for calibration.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian

from annotator.media.base import Media, MediaError, MediaMetadata
from annotator.media.calibration import Calibration, Region
from annotator.media.dicom_frames import (
    FileSource,
    FramePieces,
    MemorySource,
    Source,
    frame_pieces,
    scan_fragments,
)
from annotator.media.dicom_header import (
    JPEG_8BIT_SYNTAXES,
    PixelLayout,
    missing_decoder_problem,
    read_header,
)
from annotator.media.dicom_jpeg import decode_jpeg_8bit
from annotator.media.dicom_meta import build_metadata, frame_times
from annotator.media.dicom_pixels import DisplayMapper, decode_native, decode_with_pydicom
from annotator.media.dicom_regions import declared_pixel_shape, parse_calibration


class DicomMedia(Media):
    """A DICOM image or cine loop; frames are RGB uint8, ``raw_frame`` gives stored values."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.kind = "dicom"
        header = read_header(self.path)
        layout = header.layout
        problem = missing_decoder_problem(layout.transfer_syntax)
        if problem:
            raise MediaError(self.path, problem)
        self.layout: PixelLayout = layout
        self.header: Dataset = header.dataset  # the data set without Pixel Data
        source: Source
        if header.in_memory_pixels is not None:
            source = MemorySource(self.path, header.in_memory_pixels)
        else:
            try:
                source = FileSource(self.path)
            except OSError as exc:
                raise MediaError(self.path, f"cannot open the file ({exc.strerror or exc})") from None
        self._source = source
        self._closer = weakref.finalize(self, source.close)
        try:
            self._pieces: list[FramePieces] = []
            if layout.encapsulated:
                scan = scan_fragments(source, layout.value_offset)
                self._pieces = frame_pieces(self.path, scan, layout.frames, _extended_offsets(self.header))
        except BaseException:
            self._closer()
            raise
        self.frame_count = layout.frames
        missing = ""
        if self._pieces and len(self._pieces) < layout.frames:
            if not self._pieces:
                self._closer()
                raise MediaError(self.path, "truncated: no whole frame in the file")
            self.frame_count = len(self._pieces)
            missing = (f"only {self.frame_count} of {layout.frames} frames are in the file (a partial transfer?): "
                       f"frames {self.frame_count + 1}-{layout.frames} are missing")
            self.open_warnings.append(missing)
        self.width, self.height = layout.columns, layout.rows
        self.frame_times_ms, self.timing_source = frame_times(self.header, self.frame_count)
        regions, per_frame = parse_calibration(self.header, self.width, self.height, self.frame_count)
        self.regions = regions
        self.pixel_shape = declared_pixel_shape(self.header)
        self._per_frame_regions = per_frame
        self.transfer_syntax = str(layout.transfer_syntax)
        self.transfer_syntax_name = layout.transfer_syntax.name
        self.photometric = layout.photometric
        self._missing = missing  # said in the metadata, built when first used
        self._jpeg = layout.encapsulated and layout.transfer_syntax in JPEG_8BIT_SYNTAXES
        # 8-bit samples byte-swapped in 16-bit words across a big-endian OW element: frames are
        # read from whole words, swapped back and decoded as little endian (once, not per frame)
        self._unswapped_layout = (replace(layout, transfer_syntax=ExplicitVRLittleEndian)
                                  if not layout.encapsulated and layout.words_swapped else None)
        self._display = DisplayMapper(self.header, layout, lambda: self.raw_frame(0))
        # Reads are positional (pread) under a short lock and pydicom plugins are serialised
        # in dicom_pixels, so frames decode in parallel on the read-ahead workers.
        self.serial_decode = False

    def _build_metadata(self) -> MediaMetadata:
        meta = build_metadata(self.header, self.layout.transfer_syntax, self.layout.photometric)
        meta.add("timing", "Frame timing", self.timing_source)
        meta.add("missing_frames", "Missing frames", self._missing)
        return meta

    # -- frames -------------------------------------------------------------------------------
    def frame_bytes(self, index: int) -> bytes:
        """The stored bytes of one frame (a compressed codestream, or the native samples)."""
        index = self.check_index(index)
        if self._pieces:
            return self._source.read_pieces(self._pieces[index])
        start_bit = index * self.layout.native_frame_bits
        end_bit = start_bit + self.layout.native_frame_bits
        first = start_bit // 8
        return self._source.read(self.layout.value_offset + first, (end_bit + 7) // 8 - first)

    def raw_frame(self, index: int) -> np.ndarray:
        """Stored values of one frame as pydicom gives them (YBR as RGB, palette indices, 16-bit grey)."""
        index = self.check_index(index)
        try:
            if self._unswapped_layout is not None:
                return decode_native(self._unswapped_frame_bytes(index), self._unswapped_layout)
            data = self.frame_bytes(index)
            if not self._pieces:
                return decode_native(data, self.layout, (index * self.layout.native_frame_bits) % 8)
            if self._jpeg:
                pixels = decode_jpeg_8bit(data, self.layout.photometric, self.layout.samples_per_pixel)
                if pixels is not None:
                    return self._checked(pixels, index)
            return self._checked(decode_with_pydicom(data, self.layout), index)
        except MediaError:
            raise
        except Exception as exc:
            raise MediaError(self.path, f"frame {index} of {self.frame_count} cannot be decoded: {_short(exc)}") from None

    def _unswapped_frame_bytes(self, index: int) -> bytes:
        """One frame's 8-bit samples in order, from the whole 16-bit words around it."""
        size = self.layout.native_frame_bits // 8
        first = index * size
        start, end = first & ~1, (first + size + 1) & ~1
        words = np.frombuffer(self._source.read(self.layout.value_offset + start, end - start), np.uint8)
        return words.reshape(-1, 2)[:, ::-1].tobytes()[first - start:first - start + size]

    def _checked(self, pixels: np.ndarray, index: int) -> np.ndarray:
        if pixels.shape[:2] != (self.height, self.width):
            raise MediaError(
                self.path,
                f"frame {index} decodes to {pixels.shape[1]} x {pixels.shape[0]} pixels but the header says {self.width} x {self.height}",
            )
        return pixels

    def _decode(self, index: int) -> np.ndarray:
        values = self.raw_frame(index)
        try:
            return self._display(values)
        except MediaError:
            raise
        except Exception as exc:  # a bad palette or LUT in the header
            raise MediaError(self.path, f"frame {index} cannot be shown: its colour or grey-level table is invalid ({_short(exc)})") from None

    @property
    def display_mapping(self) -> str:
        """How stored values become grey levels (window, palette, first frame's range...)."""
        return self._display.description

    # -- calibration ------------------------------------------------------------------------
    def calibration_at(self, index: int) -> Calibration:
        if self._per_frame_regions is None:
            return self.calibration
        return Calibration(self._per_frame_regions[self.check_index(index)], self.pixel_shape)

    @property
    def has_per_frame_calibration(self) -> bool:
        return self._per_frame_regions is not None

    def regions_at(self, index: int) -> tuple[Region, ...]:
        return self.calibration_at(index).regions

    def __enter__(self) -> DicomMedia:
        return self

    def _close(self) -> None:
        self._closer()


def _extended_offsets(ds: Dataset) -> list[int] | None:
    table = ds.get("ExtendedOffsetTable")
    if not table:
        return None
    return np.frombuffer(bytes(table), dtype="<u8").astype(np.int64).tolist()


def _short(exc: BaseException) -> str:
    """One line: pydicom lists each plugin's failure under a heading ending in ':'."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {'; '.join(lines[1:3])}"
    return lines[0]
