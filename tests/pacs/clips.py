"""Small ultrasound clips made at test time (known pixels), to upload to the test Orthanc."""

from __future__ import annotations

import io

import cv2
import numpy as np


def clip_frames(count: int, width: int = 160, height: int = 120, seed: int = 3) -> list[np.ndarray]:
    """Grey speckle with a bright bar that moves one step per frame (frames differ)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 120, (height, width), dtype=np.uint8)
    out = []
    for i in range(count):
        frame = base.copy()
        x = (i * 3) % (width - 8)
        frame[20:height - 20, x:x + 6] = 230
        out.append(frame)
    return out


def clip_dicom(count: int, jpeg: bool = True, patient: str = "Clip^Test",
               study_uid: str | None = None, trailing: bool = False) -> bytes:
    """A multi-frame ultrasound DICOM: JPEG Baseline (one fragment per frame, an empty offset
    table) or explicit VR little endian; the file's bytes. ``trailing`` adds elements after
    Pixel Data (a private element and Data Set Trailing Padding)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import UID, ExplicitVRLittleEndian, JPEGBaseline8Bit, generate_uid

    frames = clip_frames(count)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.3.1")
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = JPEGBaseline8Bit if jpeg else ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid or generate_uid(), generate_uid()
    ds.PatientName, ds.PatientID, ds.Modality = patient, "CLIP-1", "US"
    ds.StudyDate, ds.StudyDescription = "20260102", "Clip test"
    ds.Rows, ds.Columns = frames[0].shape
    ds.NumberOfFrames = count
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.FrameTime = "40.0"
    ds.FrameIncrementPointer = 0x00181063
    if jpeg:
        ds.PixelData = encapsulate([cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
                                    for f in frames])
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
        ds.LossyImageCompression = "01"
    else:
        ds.PixelData = np.stack(frames).tobytes()
    if trailing:
        ds.add_new(0x7FE10010, "LO", "US ANNOTATOR TEST")
        ds.add_new(0x7FE11001, "LT", "after the pixels")
        ds.add_new(0xFFFCFFFC, "OB", bytes(64))
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def tiny_instances(count: int, study_uid: str, patient: str = "Many^Instances") -> list[bytes]:
    """``count`` 8 x 8 ultrasound images of one study and series (fast to make and store)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import UID, ExplicitVRLittleEndian, generate_uid

    # One file made by pydicom, then copies with another SOP Instance UID of the same length
    # written over its two occurrences (meta and data set): 5,000 files in a fraction of a second.
    base = generate_uid().rstrip(".")[:50].rstrip(".")
    placeholder = f"{base}.1000000"  # no leading zero: a valid UID component
    ds = Dataset()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, generate_uid()
    ds.PatientName, ds.PatientID, ds.Modality = patient, "MANY-1", "US"
    ds.StudyDate, ds.StudyDescription = "20260103", "Many instances"
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes(64)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID("1.2.840.10008.5.1.4.1.1.6.1")
    meta.MediaStorageSOPInstanceUID = UID(placeholder)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    template = buffer.getvalue()
    old = placeholder.encode()
    assert template.count(old) == 2
    return [template.replace(old, f"{base}.{1000001 + n}".encode()) for n in range(count)]
