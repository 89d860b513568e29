"""Frame timing and the metadata a user needs to see, from a DICOM header.

Timing, in order of trust (the first usable one wins):

1. the attribute the Frame Increment Pointer (0028,0009) points to, Frame Time Vector or
   Frame Time (the scanner says which one applies);
2. Frame Time (0018,1063), ms per frame;
3. Frame Time Vector (0018,1065), ms increments, the first one 0 (n or n-1 values);
4. Cine Rate (0018,0040), frames per second;
5. Recommended Display Frame Rate (0008,2144), frames per second;
6. none: 30 fps is assumed so the clip can play, and ``timing_source`` says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from pydicom import uid
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from annotator.media.base import MediaMetadata

ASSUMED_FPS = 30.0
ASSUMED_TIMING = f"none in the file ({ASSUMED_FPS:g} fps assumed)"
_FRAME_TIME = 0x00181063
_FRAME_TIME_VECTOR = 0x00181065
_MAX_FRAME_TIME_MS = 60_000.0  # a frame shown for more than a minute is not a cine loop


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _from_frame_time(ds: Dataset, frames: int) -> np.ndarray | None:
    step = _float(ds.get("FrameTime"))
    if step is None or not 0 < step <= _MAX_FRAME_TIME_MS:
        return None
    return np.arange(frames, dtype=np.float64) * step


def _from_vector(ds: Dataset, frames: int) -> np.ndarray | None:
    raw = ds.get("FrameTimeVector")
    if raw is None or raw == "":
        return None
    values = [_float(v) for v in (raw if isinstance(raw, (list, tuple, MultiValue)) else [raw])]
    if any(v is None for v in values):
        return None
    steps = np.asarray(values, dtype=np.float64)
    if len(steps) == frames:
        steps = steps[1:]  # the first increment is 0 by definition
    if len(steps) != frames - 1 or np.any(steps < 0) or not np.any(steps > 0) or np.any(steps > _MAX_FRAME_TIME_MS):
        return None
    return np.concatenate([[0.0], np.cumsum(steps)])


def _from_rate(keyword: str) -> Callable[[Dataset, int], np.ndarray | None]:
    def times(ds: Dataset, frames: int) -> np.ndarray | None:
        rate = _float(ds.get(keyword))
        if rate is None or not 0 < rate <= 10_000:
            return None
        return np.arange(frames, dtype=np.float64) * (1000.0 / rate)

    return times


_SOURCES: dict[str, Callable[[Dataset, int], np.ndarray | None]] = {
    "Frame Time": _from_frame_time,
    "Frame Time Vector": _from_vector,
    "Cine Rate": _from_rate("CineRate"),
    "Recommended Display Frame Rate": _from_rate("RecommendedDisplayFrameRate"),
}


def frame_times(ds: Dataset, frames: int) -> tuple[np.ndarray, str]:
    """Start time of every frame in ms (first 0) and the attribute it came from."""
    if frames < 2:
        return np.zeros(1, dtype=np.float64), "single frame"
    pointer = ds.get("FrameIncrementPointer")
    pointers = pointer if isinstance(pointer, (list, tuple, MultiValue)) else [pointer]
    pointed = [int(t) for t in pointers if t is not None]
    order = [
        *(["Frame Time Vector"] if _FRAME_TIME_VECTOR in pointed else []),
        *(["Frame Time"] if _FRAME_TIME in pointed else []),
        *_SOURCES,
    ]
    for name in order:
        times = _SOURCES[name](ds, frames)
        if times is not None:
            return times, name
    return np.arange(frames, dtype=np.float64) * (1000.0 / ASSUMED_FPS), ASSUMED_TIMING


# (key, label, keyword, identifier): identifiers are patient identity and demographics, dates
# and times, institutions, people, device serials and UIDs (what PS3.15's basic profile removes).
_ITEMS: tuple[tuple[str, str, str, bool], ...] = (
    ("manufacturer", "Manufacturer", "Manufacturer", False),
    ("model", "Model", "ManufacturerModelName", False),
    ("software", "Software versions", "SoftwareVersions", False),
    ("modality", "Modality", "Modality", False),
    ("study_description", "Study description", "StudyDescription", False),
    ("series_description", "Series description", "SeriesDescription", False),
    ("protocol", "Protocol", "ProtocolName", False),
    ("body_part", "Body part", "BodyPartExamined", False),
    ("laterality", "Laterality", "Laterality", False),
    ("image_laterality", "Image laterality", "ImageLaterality", False),
    ("transducer", "Transducer", "TransducerData", False),
    ("transducer_type", "Transducer type", "TransducerType", False),
    ("image_type", "Image type", "ImageType", False),
    ("lossy_compression", "Lossy compression", "LossyImageCompression", False),
    ("lossy_ratio", "Lossy compression ratio", "LossyImageCompressionRatio", False),
    ("burned_in_annotation", "Burned-in annotation", "BurnedInAnnotation", False),
    ("patient_identity_removed", "Patient identity removed", "PatientIdentityRemoved", False),
    ("patient_name", "Patient name", "PatientName", True),
    ("patient_id", "Patient ID", "PatientID", True),
    ("patient_birth_date", "Patient birth date", "PatientBirthDate", True),
    ("patient_sex", "Patient sex", "PatientSex", True),
    ("patient_age", "Patient age", "PatientAge", True),
    ("other_patient_ids", "Other patient IDs", "OtherPatientIDs", True),
    ("accession", "Accession number", "AccessionNumber", True),
    ("study_id", "Study ID", "StudyID", True),
    ("study_date", "Study date", "StudyDate", True),
    ("study_time", "Study time", "StudyTime", True),
    ("series_date", "Series date", "SeriesDate", True),
    ("series_time", "Series time", "SeriesTime", True),
    ("acquisition_date", "Acquisition date", "AcquisitionDate", True),
    ("acquisition_time", "Acquisition time", "AcquisitionTime", True),
    ("acquisition_datetime", "Acquisition date/time", "AcquisitionDateTime", True),
    ("content_date", "Content date", "ContentDate", True),
    ("content_time", "Content time", "ContentTime", True),
    ("institution", "Institution", "InstitutionName", True),
    ("institution_address", "Institution address", "InstitutionAddress", True),
    ("department", "Department", "InstitutionalDepartmentName", True),
    ("station", "Station name", "StationName", True),
    ("device_serial", "Device serial number", "DeviceSerialNumber", True),
    ("operators", "Operators", "OperatorsName", True),
    ("performing_physician", "Performing physician", "PerformingPhysicianName", True),
    ("referring_physician", "Referring physician", "ReferringPhysicianName", True),
    ("study_uid", "Study instance UID", "StudyInstanceUID", True),
    ("series_uid", "Series instance UID", "SeriesInstanceUID", True),
    ("sop_instance_uid", "SOP instance UID", "SOPInstanceUID", True),
)


def format_value(value: object, vr: str) -> str:
    """A header value as a user reads it (ISO dates, hh:mm:ss times, lists joined)."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, MultiValue)):
        return ", ".join(format_value(v, vr) for v in value)
    text = str(value).strip()
    if vr == "DA" and len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if vr == "TM" and len(text) >= 6 and text[:6].isdigit():
        return f"{text[:2]}:{text[2:4]}:{text[4:6]}"
    return text


def build_metadata(ds: Dataset, transfer_syntax: uid.UID, photometric: str) -> MediaMetadata:
    meta = MediaMetadata()
    for key, label, keyword, identifier in _ITEMS:
        if keyword in ds:
            element = ds[keyword]
            try:
                text = format_value(element.value, str(element.VR))
            except Exception:  # an undecodable value (bad character set) is shown as stored
                text = repr(element.value)
            if key == "lossy_compression":
                text = {"00": "no", "01": "yes"}.get(text, text)
            meta.add(key, label, text, identifier)
        if key == "modality":  # what kind of object it is, next to what made it
            _add_encoding(meta, ds, transfer_syntax, photometric)
        if key == "burned_in_annotation" and keyword not in ds:
            meta.add(key, label, "not stated")
    return meta


def _add_encoding(meta: MediaMetadata, ds: Dataset, transfer_syntax: uid.UID, photometric: str) -> None:
    sop = ds.get("SOPClassUID")
    if sop:
        sop_uid = uid.UID(str(sop))
        retired = sop_uid.is_retired and "retired" not in sop_uid.name.lower()
        meta.add("sop_class", "SOP class", sop_uid.name + (" (retired)" if retired else ""))
    meta.add("transfer_syntax", "Transfer syntax", transfer_syntax.name)
    meta.add("photometric", "Photometric interpretation", photometric)
