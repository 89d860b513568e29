"""Small DICOM files with known content, written at test time with pydicom (never committed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate, encapsulate_extended
from pydicom.uid import (
    UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    JPEGBaseline8Bit,
    generate_uid,
)

US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"
US_IMAGE = "1.2.840.10008.5.1.4.1.1.6.1"


def base_dataset(
    rows: int,
    columns: int,
    frames: int | None = None,
    samples: int = 1,
    photometric: str = "MONOCHROME2",
    bits: int = 8,
    transfer_syntax: str = ExplicitVRLittleEndian,
    signed: bool = False,
    **attributes: Any,
) -> Dataset:
    sop_class = UID(US_MULTIFRAME if frames else US_IMAGE)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = UID(transfer_syntax)
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality = "US"
    ds.Manufacturer = "Test Vendor"
    ds.ManufacturerModelName = "Model T"
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "ID-1234"
    ds.StudyDate = "20240131"
    ds.Rows, ds.Columns = rows, columns
    if frames is not None:
        ds.NumberOfFrames = frames
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    if samples == 3:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
    ds.PixelRepresentation = 1 if signed else 0
    for key, value in attributes.items():
        setattr(ds, key, value)
    return ds


def save(ds: Dataset, path: Path) -> Path:
    little = UID(ds.file_meta.TransferSyntaxUID) != ExplicitVRBigEndian
    ds.save_as(path, enforce_file_format=True, little_endian=little, implicit_vr=False)
    return path


def write_native(
    path: Path,
    pixels: np.ndarray,
    photometric: str | None = None,
    planar: int = 0,
    transfer_syntax: str = ExplicitVRLittleEndian,
    **attributes: Any,
) -> Path:
    """Uncompressed frames: ``pixels`` is (n, h, w) or (n, h, w, 3), uint8/uint16/int16."""
    frames, rows, columns = pixels.shape[:3]
    samples = 3 if pixels.ndim == 4 else 1
    photometric = photometric or ("RGB" if samples == 3 else "MONOCHROME2")
    bits = pixels.dtype.itemsize * 8
    ds = base_dataset(
        rows, columns, frames, samples, photometric, bits, transfer_syntax,
        signed=pixels.dtype.kind == "i", **attributes,
    )
    if samples == 3:
        ds.PlanarConfiguration = planar
        if planar:
            pixels = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2))
    big = UID(transfer_syntax) == ExplicitVRBigEndian
    data = pixels.astype(pixels.dtype.newbyteorder(">" if big else "<")).tobytes()
    ds.PixelData = data + (b"\x00" if len(data) % 2 else b"")
    ds["PixelData"].VR = "OB" if bits == 8 else "OW"
    return save(ds, path)


def jpeg_encode(rgb: np.ndarray, quality: int = 95) -> bytes:
    """A JFIF YCbCr JPEG of an RGB (or grey) frame, as libjpeg-turbo writes it."""
    image = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR) if rgb.ndim == 3 else rgb
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def write_encapsulated(
    path: Path,
    frames: Sequence[bytes],
    rows: int,
    columns: int,
    samples: int = 3,
    photometric: str = "YBR_FULL_422",
    transfer_syntax: str = JPEGBaseline8Bit,
    fragments_per_frame: int = 1,
    basic_offsets: bool = True,
    extended_offsets: bool = False,
    **attributes: Any,
) -> Path:
    ds = base_dataset(rows, columns, len(frames), samples, photometric, 8, transfer_syntax, **attributes)
    if extended_offsets:
        data, offsets, lengths = encapsulate_extended(list(frames))
        ds.ExtendedOffsetTable = offsets
        ds.ExtendedOffsetTableLengths = lengths
    else:
        data = encapsulate(list(frames), fragments_per_frame=fragments_per_frame, has_bot=basic_offsets)
    ds.PixelData = data
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    return save(ds, path)


def us_region(
    x0: int, y0: int, x1: int, y1: int,
    delta_x: float = 0.01, delta_y: float = 0.01,
    units: tuple[int, int] = (3, 3),
    spatial_format: int = 1, data_type: int = 1,
    reference: tuple[int, int] | None = None,
) -> Dataset:
    item = Dataset()
    item.RegionSpatialFormat, item.RegionDataType, item.RegionFlags = spatial_format, data_type, 0
    item.RegionLocationMinX0, item.RegionLocationMinY0 = x0, y0
    item.RegionLocationMaxX1, item.RegionLocationMaxY1 = x1, y1
    item.PhysicalUnitsXDirection, item.PhysicalUnitsYDirection = units
    item.PhysicalDeltaX, item.PhysicalDeltaY = delta_x, delta_y
    if reference is not None:
        item.ReferencePixelX0, item.ReferencePixelY0 = reference
    return item


def gradient_rgb(frames: int, rows: int, columns: int) -> np.ndarray:
    """Smooth colour frames (JPEG-friendly) that differ from frame to frame."""
    y, x = np.mgrid[0:rows, 0:columns]
    out = np.empty((frames, rows, columns, 3), np.uint8)
    for i in range(frames):
        out[i, ..., 0] = (x * 255 // max(columns - 1, 1) + 9 * i) % 256
        out[i, ..., 1] = (y * 255 // max(rows - 1, 1)) % 256
        out[i, ..., 2] = (128 + 40 * np.sin((x + y + 4 * i) / 9.0)).astype(np.uint8)
    return out
