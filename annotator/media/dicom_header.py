"""Read a DICOM file's header and locate its Pixel Data without reading the pixels.

The header is parsed by pydicom up to the Pixel Data element; the element's own header is read
here, so we know where the value starts in the file and how long it claims to be. Every size the
header claims is checked against the file's length before anything is decoded or allocated.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import pydicom
from pydicom import uid
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue

from annotator.media.base import MediaError
from annotator.media.sniff import looks_like_dicom_without_preamble

#: the biggest decoded frame we accept (RGB uint8), far above any ultrasound image
MAX_FRAME_BYTES = 512 * 1024 * 1024
UNDEFINED_LENGTH = 0xFFFFFFFF
#: header values above this size (vendors' private raw data, thumbnails) are read only if used
DEFER_SIZE = "1 MB"

# Transfer syntaxes whose 8-bit JPEG frames libjpeg-turbo decodes (cv2.imdecode).
JPEG_8BIT_SYNTAXES = frozenset({uid.JPEGBaseline8Bit, uid.JPEGExtended12Bit})

# What to install when pydicom has no decoder for a transfer syntax (all BSD/MIT licensed).
_DECODER_PACKAGES = {
    **{ts: "pyjpegls" for ts in (uid.JPEGLSLossless, uid.JPEGLSNearLossless)},
    **{ts: "pylibjpeg-openjpeg" for ts in (uid.JPEG2000Lossless, uid.JPEG2000, uid.HTJ2KLossless, uid.HTJ2KLosslessRPCL, uid.HTJ2K)},
    **{ts: "python-gdcm" for ts in (uid.JPEGLossless, uid.JPEGLosslessSV1, uid.JPEGExtended12Bit, uid.JPEGBaseline8Bit)},
    uid.RLELossless: "pylibjpeg-rle",
}
_LONG_LENGTH_VRS = frozenset({b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"})


@dataclass(frozen=True)
class PixelLayout:
    """How the frames are stored: geometry, encoding and where the Pixel Data value lies."""

    rows: int
    columns: int
    samples_per_pixel: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric: str
    planar_configuration: int
    frames: int
    transfer_syntax: uid.UID
    pixel_vr: str
    #: offset of the Pixel Data value (the first item tag when encapsulated) in the source
    value_offset: int
    #: the value's length; None when undefined (encapsulated)
    value_length: int | None

    @property
    def encapsulated(self) -> bool:
        return self.value_length is None

    @property
    def little_endian(self) -> bool:
        return bool(self.transfer_syntax.is_little_endian)

    @property
    def words_swapped(self) -> bool:
        """8-bit samples in a big-endian OW element: stored byte-swapped in 16-bit words across
        the whole element, so an odd-sized frame shares a word with the next one."""
        return not self.little_endian and self.pixel_vr == "OW" and self.bits_allocated == 8

    @property
    def native_frame_bits(self) -> int:
        """Bits per stored frame for native (uncompressed) data."""
        samples = self.samples_per_pixel
        if self.photometric == "YBR_FULL_422" and samples == 3:
            samples = 2  # two chroma samples shared by each pair of pixels
        return self.rows * self.columns * samples * self.bits_allocated

    @property
    def native_bytes_needed(self) -> int:
        return (self.native_frame_bits * self.frames + 7) // 8

    def decoder_options(self, frames: int = 1) -> dict[str, Any]:
        """Keyword options for pydicom's ``Decoder.as_array`` on a buffer of ``frames`` frames."""
        return {
            "rows": self.rows,
            "columns": self.columns,
            "samples_per_pixel": self.samples_per_pixel,
            "bits_allocated": self.bits_allocated,
            "bits_stored": self.bits_stored,
            "pixel_representation": self.pixel_representation,
            "photometric_interpretation": self.photometric,
            "planar_configuration": self.planar_configuration,
            "number_of_frames": frames,
            "pixel_keyword": "PixelData",
            "pixel_vr": self.pixel_vr,
        }


@dataclass
class DicomHeader:
    dataset: Dataset  # everything before Pixel Data (no pixels)
    layout: PixelLayout
    file_size: int
    #: the whole Pixel Data value held in memory (deflated files only); None = read from the file
    in_memory_pixels: bytes | None = None


def read_header(path: Path) -> DicomHeader:
    """Parse the header, locate Pixel Data and check the claimed sizes against the file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise MediaError(path, "file not found") from None
    except OSError as exc:
        raise MediaError(path, f"cannot read the file ({exc.strerror or exc})") from None
    if path.is_dir():
        raise MediaError(path, "is a folder, not a file")
    if size == 0:
        raise MediaError(path, "the file is empty (0 bytes)")
    try:
        if _declares_deflate(path):  # before pydicom, which would inflate it all at once
            return _read_deflated(path, size)
        with path.open("rb") as fp:
            ds = _parse_dataset(path, fp)
            declared = _transfer_syntax(ds)
            # An unknown (private) syntax: read the pixels the way the header was encoded.
            ts = declared if declared.is_transfer_syntax else _syntax_as_read(ds)
            if ts == uid.DeflatedExplicitVRLittleEndian:
                return _read_deflated(path, size)
            element_start = fp.tell()  # pydicom stops at (and rewinds to) the Pixel Data tag
            element_head = fp.read(12)
    except MediaError:
        raise
    except PermissionError:
        raise MediaError(path, "permission denied") from None
    except Exception as exc:  # pydicom raises many kinds on a corrupt header
        raise MediaError(path, f"cannot read the DICOM header ({_short(exc)})") from None
    layout = _layout(path, ds, ts, element_start, element_head)
    if layout.encapsulated and not declared.is_transfer_syntax:
        raise MediaError(path, f"unknown transfer syntax {declared}: its compressed frames cannot be decoded")
    return DicomHeader(ds, _check_sizes(path, layout, size), size)


def _declares_deflate(path: Path) -> bool:
    from pydicom.filereader import _read_file_meta_info

    with path.open("rb") as fp:
        if fp.read(132)[128:] != b"DICM":
            return False
        try:
            meta = _read_file_meta_info(fp)
        except Exception:
            return False
    ts = str(meta.get("TransferSyntaxUID", "")).strip("\x00 ")
    return ts == uid.DeflatedExplicitVRLittleEndian


def _parse_dataset(path: Path, fp: BinaryIO) -> Dataset:
    try:
        return pydicom.dcmread(fp, stop_before_pixels=True, defer_size=DEFER_SIZE)
    except InvalidDicomError:
        fp.seek(0)
        head = fp.read(160)
        if not looks_like_dicom_without_preamble(head):
            raise MediaError(path, "not a DICOM file (no DICM marker and no DICOM data elements)") from None
        fp.seek(0)
        return pydicom.dcmread(fp, stop_before_pixels=True, force=True, defer_size=DEFER_SIZE)


def _transfer_syntax(ds: Dataset) -> uid.UID:
    meta = getattr(ds, "file_meta", None)
    ts = meta.get("TransferSyntaxUID") if meta is not None else None
    if ts:
        return uid.UID(str(ts).strip("\x00 "))
    return _syntax_as_read(ds)


def _syntax_as_read(ds: Dataset) -> uid.UID:
    implicit, little = ds.original_encoding
    if implicit:
        return uid.ImplicitVRLittleEndian
    return uid.ExplicitVRLittleEndian if little is not False else uid.ExplicitVRBigEndian


def _read_deflated(path: Path, size: int) -> DicomHeader:
    """Deflated data sets cannot be read at an offset: inflate once (capped, see dicom_inflate)
    and keep the pixels in memory."""
    from io import BytesIO

    from pydicom.filereader import _read_file_meta_info, read_dataset, read_preamble

    from annotator.media.dicom_inflate import inflate_capped

    with path.open("rb") as fp:
        read_preamble(fp, True)
        meta = _read_file_meta_info(fp)
        inflated = inflate_capped(path, fp.read())
    ds = read_dataset(BytesIO(inflated), is_implicit_VR=False, is_little_endian=True)
    ds.file_meta = meta
    if "PixelData" not in ds:
        raise MediaError(path, "no Pixel Data: this DICOM object holds no image")
    pixels = bytes(ds.PixelData)
    vr = str(ds["PixelData"].VR)
    del ds.PixelData
    layout = _layout_from_dataset(path, ds, uid.ExplicitVRLittleEndian, vr, 0, len(pixels))
    layout = _check_sizes(path, layout, len(pixels))
    return DicomHeader(ds, layout, size, pixels)


def _layout(path: Path, ds: Dataset, ts: uid.UID, start: int, head: bytes) -> PixelLayout:
    if len(head) < 8:
        sop = ds.get("SOPClassUID")
        if "Rows" not in ds and not sop:
            raise MediaError(path, "no image in this DICOM file: no Pixel Data and no image attributes (truncated or corrupt header?)")
        name = uid.UID(str(sop)).name if sop else ""
        hint = " (the file may be truncated)" if "Rows" in ds or "Image" in name else ""
        what = f" ({name})" if name else ""
        raise MediaError(path, f"no Pixel Data: this DICOM object{what} holds no image{hint}")
    implicit, little = ds.original_encoding
    little = ts.is_little_endian if little is None else little
    endian = "<" if little else ">"
    group, element = struct.unpack(endian + "HH", head[:4])
    if (group, element) in ((0x7FE0, 0x0008), (0x7FE0, 0x0009)):
        raise MediaError(path, "floating-point pixel data is not an ultrasound image (not supported)")
    if (group, element) != (0x7FE0, 0x0010):
        raise MediaError(path, f"expected Pixel Data at byte {start}, found tag ({group:04X},{element:04X})")
    vr_bytes = head[4:6]
    if not implicit and vr_bytes.isalpha() and vr_bytes.isupper():
        if vr_bytes in _LONG_LENGTH_VRS:
            if len(head) < 12:
                raise MediaError(path, "truncated: the file ends inside the Pixel Data header")
            (length,) = struct.unpack(endian + "L", head[8:12])
            value_offset = start + 12
        else:
            (length,) = struct.unpack(endian + "H", head[6:8])
            value_offset = start + 8
        vr = vr_bytes.decode()
    else:
        (length,) = struct.unpack(endian + "L", head[4:8])
        value_offset = start + 8
        vr = "OW"
    if vr not in ("OB", "OW"):
        vr = "OB" if ds.get("BitsAllocated", 8) <= 8 else "OW"
    value_length = None if length == UNDEFINED_LENGTH else length
    return _layout_from_dataset(path, ds, ts, vr, value_offset, value_length)


def _int(ds: Dataset, keyword: str, default: int | None = None) -> int:
    value = ds.get(keyword, default)
    if isinstance(value, (list, tuple, MultiValue)):
        value = value[0] if len(value) else default
    if value is None or value == "":
        if default is None:
            raise ValueError(f"missing {keyword}")
        return default
    return int(value)


def _layout_from_dataset(
    path: Path, ds: Dataset, ts: uid.UID, vr: str, value_offset: int, value_length: int | None
) -> PixelLayout:
    try:
        rows = _int(ds, "Rows")
        columns = _int(ds, "Columns")
        spp = _int(ds, "SamplesPerPixel", 1)
        bits_allocated = _int(ds, "BitsAllocated")
        bits_stored = _int(ds, "BitsStored", bits_allocated)
        pixel_representation = _int(ds, "PixelRepresentation", 0)
        planar = _int(ds, "PlanarConfiguration", 0)
        frames = _int(ds, "NumberOfFrames", 1)
    except (ValueError, TypeError) as exc:
        raise MediaError(path, f"the image header is incomplete or invalid ({exc})") from None
    photometric = str(ds.get("PhotometricInterpretation", "") or ("MONOCHROME2" if spp == 1 else "RGB")).strip().upper()
    problem = _geometry_problem(rows, columns, spp, bits_allocated, bits_stored, frames)
    if problem:
        raise MediaError(path, problem)
    return PixelLayout(
        rows, columns, spp, bits_allocated, bits_stored, pixel_representation, photometric,
        planar, frames, ts, vr, value_offset, value_length,
    )


def _geometry_problem(rows: int, columns: int, spp: int, ba: int, bs: int, frames: int) -> str | None:
    if rows <= 0 or columns <= 0:
        return f"the header claims an image of {rows} rows x {columns} columns"
    if frames <= 0:
        return f"the header claims {frames} frames"
    if spp not in (1, 3):
        return f"{spp} samples per pixel is not supported (1 or 3)"
    if ba not in (1, 8, 16, 32):
        return f"{ba} bits allocated is not supported (1, 8, 16 or 32)"
    if not 1 <= bs <= ba:
        return f"bits stored ({bs}) must be between 1 and bits allocated ({ba})"
    if rows * columns * 3 > MAX_FRAME_BYTES:
        return f"a frame of {columns} x {rows} pixels is too large to decode"
    return None


def _check_sizes(path: Path, layout: PixelLayout, size: int) -> PixelLayout:
    """The layout if its claimed sizes fit the file (raises MediaError otherwise)."""
    if layout.value_length is None:
        if not layout.transfer_syntax.is_encapsulated:
            raise MediaError(path, f"encapsulated Pixel Data in a file whose transfer syntax ({layout.transfer_syntax.name}) is not compressed")
        # A frame is at least one 8-byte item: bounds the frame count before scanning items.
        if layout.frames * 8 > size - layout.value_offset:
            raise MediaError(path, f"the header claims {layout.frames} frames, more than the file can hold (truncated?)")
        return layout
    end = layout.value_offset + layout.value_length
    available = min(layout.value_length, size - layout.value_offset)
    needed = layout.native_bytes_needed
    if layout.transfer_syntax.is_encapsulated:
        if available < needed:
            raise MediaError(path, f"Pixel Data has a defined length although {layout.transfer_syntax.name} requires encapsulated frames")
        # Mislabelled: uncompressed pixels under a compressed transfer syntax; read them as stored.
        return replace(layout, transfer_syntax=uid.ExplicitVRLittleEndian)
    if available >= needed:
        return layout
    if end > size:
        raise MediaError(
            path,
            f"truncated: the Pixel Data should hold {needed:,} bytes ({layout.frames} frames of "
            f"{layout.columns} x {layout.rows}) but the file ends after {max(available, 0):,}",
        )
    raise MediaError(
        path,
        f"the Pixel Data holds {layout.value_length:,} bytes but the header claims {layout.frames} "
        f"frames of {layout.columns} x {layout.rows} x {layout.samples_per_pixel} samples at "
        f"{layout.bits_allocated} bits ({needed:,} bytes)",
    )


def missing_decoder_problem(ts: uid.UID) -> str | None:
    """Why frames of ``ts`` cannot be decoded here (a package to install), or None."""
    if not ts.is_encapsulated:
        return None
    if ts in uid.MPEGTransferSyntaxes:
        return f"video compressed in DICOM ({ts.name}) is not supported; export the clip as MP4 instead"
    from pydicom.pixels import get_decoder

    try:
        decoder = get_decoder(ts)
    except NotImplementedError:
        return f"unknown or unsupported transfer syntax {ts} ({ts.name})"
    if decoder.is_available or ts in JPEG_8BIT_SYNTAXES:
        return None
    package = _DECODER_PACKAGES.get(ts, "python-gdcm")
    return f"no decoder for {ts.name} is installed: install {package} (pip install {package})"


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
