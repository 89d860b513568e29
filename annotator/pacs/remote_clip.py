"""A clip read straight from a PACS, frame by frame: each ``frame(i)`` is one WADO-RS frame
request in the stored transfer syntax (JPEG bytes, decoded here), so the first frame shows
without waiting for the whole clip. The Media base class caches and reads ahead as usual.

Frames in JPEG (Baseline/Extended) or uncompressed 8-bit are handled; other syntaxes raise
``PacsError`` (download the study instead)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from annotator.media.base import Media
from annotator.pacs.client import DicomWebClient, tag_value
from annotator.pacs.errors import PacsError


class RemoteClip(Media):
    def __init__(self, client: DicomWebClient, study_uid: str, series_uid: str, sop_uid: str) -> None:
        super().__init__()
        self.client = client
        self.uids = (study_uid, series_uid, sop_uid)
        meta = client.metadata(study_uid, series_uid, sop_uid)
        if not meta:
            raise PacsError(f"no metadata for instance {sop_uid}", "not-found")
        item = meta[0]
        self.path = Path(f"{client.server.base}/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}")
        self.kind = "dicom"
        self.height = int(tag_value(item, "00280010") or 0)
        self.width = int(tag_value(item, "00280011") or 0)
        self.frame_count = int(tag_value(item, "00280008") or 1)
        self.samples = int(tag_value(item, "00280002") or 1)
        self.bits = int(tag_value(item, "00280100") or 8)
        if not (self.width and self.height):
            raise PacsError(f"instance {sop_uid} has no image size in its metadata", "not-dicom")
        frame_time = float(tag_value(item, "00181063") or 1000.0 / 30.0)
        self.frame_times_ms = np.arange(self.frame_count, dtype=np.float64) * frame_time
        self.metadata.add("PatientName", "Patient", tag_value(item, "00100010"), identifier=True)
        self.metadata.add("Modality", "Modality", tag_value(item, "00080060"))
        self.serial_decode = False

    def _decode(self, index: int) -> np.ndarray:
        (data,) = self.client.retrieve_frames(*self.uids, [index + 1])
        if data[:2] == b"\xff\xd8":  # a JPEG codestream, as stored
            image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            if image is None:
                raise PacsError(f"frame {index + 1} is not a decodable JPEG", "not-dicom")
            return np.ascontiguousarray(image[..., ::-1])
        expected = self.width * self.height * self.samples
        if self.bits != 8 or len(data) < expected:
            raise PacsError(f"frame {index + 1}: this transfer syntax cannot be shown straight from "
                            "the PACS; download the study instead", "not-dicom")
        pixels = np.frombuffer(data[:expected], np.uint8).reshape(self.height, self.width, self.samples)
        if self.samples == 1:
            return np.repeat(pixels, 3, axis=-1)
        return pixels.copy()
