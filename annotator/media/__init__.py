"""Reading scans (DICOM, video, stills) lazily, with timing and calibration. Never imports Qt."""

from annotator.media.base import ArrayMedia, Media, MediaError, MediaMetadata, MetadataItem
from annotator.media.calibration import Calibration, ManualCalibration, Region, Scale
from annotator.media.opener import open_media

__all__ = [
    "ArrayMedia", "Calibration", "ManualCalibration", "Media", "MediaError", "MediaMetadata",
    "MetadataItem", "Region", "Scale", "open_media",
]
