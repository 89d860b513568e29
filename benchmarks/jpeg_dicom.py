"""Generated JPEG Baseline multi-frame ultrasound DICOMs for the benchmarks (never committed).

``speckle_frames`` makes ultrasound-like grey frames; ``encode_jpeg_frames`` turns grey or RGB
frames into JPEG Baseline codestreams with 4:2:2 chroma, as scanners write them;
``write_jpeg_dicom`` wraps the codestreams in an Ultrasound Multi-frame Image Storage file
(YBR_FULL_422) with one calibrated tissue region, the way a scanner's cine loop arrives.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def speckle_frames(count: int, width: int, height: int, seed: int = 7) -> list[np.ndarray]:
    """Ultrasound-like grey frames (speckle, tissue layers, a fan-shaped sector) drifting slowly."""
    rng = np.random.default_rng(seed)
    pad = 64
    noise = rng.rayleigh(1.0, (height + 2 * pad, width + 2 * pad)).astype(np.float32)
    field = cv2.GaussianBlur(noise, (0, 0), sigmaX=2.0, sigmaY=0.8)
    depth = np.linspace(1.0, 0.35, height, dtype=np.float32)[:, None]
    layers = 0.6 + 0.4 * np.sin(np.linspace(0, 9 * np.pi, height, dtype=np.float32))[:, None] ** 2
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = np.arctan2(xx - width / 2, yy + 80)
    sector = ((np.abs(angle) < 0.6) & (yy > 40)).astype(np.float32)
    gain = depth * layers * sector * 95.0
    frames = []
    for i in range(count):
        dy = int(round(8 * np.sin(2 * np.pi * i / 60)))
        dx = int(round(5 * np.cos(2 * np.pi * i / 90)))
        window = field[pad + dy:pad + dy + height, pad + dx:pad + dx + width]
        grey = np.clip(window * gain, 0, 255).astype(np.uint8)
        grey[8:28, 20:400] = 200  # a header bar, as scanners burn in
        frames.append(grey)
    return frames


def encode_jpeg_frames(frames: list[np.ndarray] | np.ndarray, quality: int = 90) -> list[bytes]:
    """JPEG Baseline codestreams of grey (h, w) or RGB (h, w, 3) uint8 frames, 4:2:2 chroma
    where OpenCV can choose it (scanners' YBR_FULL_422)."""
    params = [cv2.IMWRITE_JPEG_QUALITY, quality]
    if hasattr(cv2, "IMWRITE_JPEG_SAMPLING_FACTOR"):
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422]
    encoded = []
    for frame in frames:
        code = cv2.COLOR_GRAY2BGR if frame.ndim == 2 else cv2.COLOR_RGB2BGR
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(np.ascontiguousarray(frame), code), params)
        if not ok:
            raise RuntimeError("cv2.imencode failed")
        encoded.append(buf.tobytes())
    return encoded


def write_jpeg_dicom(
    path: Path,
    jpeg_frames: list[bytes],
    width: int,
    height: int,
    frame_time_ms: float,
    region: tuple[int, int, int, int] | None = None,
    mm_per_px: float = 0.1,
) -> None:
    """A multi-frame JPEG Baseline YBR_FULL_422 ultrasound DICOM with one calibrated tissue
    region ``(x0, y0, x1, y1)`` (default: below a 40-row header) at ``mm_per_px`` in x and y."""
    x0, y0, x1, y1 = region if region is not None else (0, 40, width - 1, height - 1)
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import UID, JPEGBaseline8Bit, generate_uid

    sop_class = UID("1.2.840.10008.5.1.4.1.1.3.1")  # Ultrasound Multi-frame Image Storage
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.Manufacturer = "US", "us-annotator benchmark"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Rows, ds.Columns, ds.NumberOfFrames = height, width, len(jpeg_frames)
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "YBR_FULL_422", 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.FrameTime = f"{frame_time_ms:.4f}"
    ds.FrameIncrementPointer = 0x00181063
    ds.LossyImageCompression = "01"
    item = Dataset()
    item.RegionSpatialFormat, item.RegionDataType = 1, 1
    item.RegionLocationMinX0, item.RegionLocationMinY0 = x0, y0
    item.RegionLocationMaxX1, item.RegionLocationMaxY1 = x1, y1
    item.PhysicalUnitsXDirection = item.PhysicalUnitsYDirection = 3  # cm
    item.PhysicalDeltaX = item.PhysicalDeltaY = mm_per_px / 10.0
    ds.SequenceOfUltrasoundRegions = [item]
    ds.PixelData = encapsulate(jpeg_frames, has_bot=True)
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
