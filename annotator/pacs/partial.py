"""The whole frames of an uncompressed DICOM part file that is still arriving (``DicomMedia``
refuses a short native file; a transfer in progress is short by design)."""

from __future__ import annotations

import os
from pathlib import Path

from pydicom.dataset import Dataset

from annotator.media.dicom_header import PixelLayout


class NativePart:
    """Header, layout and the frames wholly present, read with ``pread``."""

    def __init__(self, path: Path, header: Dataset, layout: PixelLayout) -> None:
        self.path = path
        self.header = header
        self.layout = layout
        self.frame_bytes_count = layout.native_frame_bits // 8
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        size = os.fstat(self._fd).st_size
        self.frame_count = max(0, min(layout.frames, (size - layout.value_offset) // self.frame_bytes_count))

    @classmethod
    def open(cls, path: Path) -> NativePart | None:
        """The part file as a native frame source, or None (compressed, or no header yet)."""
        import pydicom

        from annotator.media.dicom_header import _layout

        try:
            with open(path, "rb") as fp:
                ds = pydicom.dcmread(fp, stop_before_pixels=True)
                start = fp.tell()  # pydicom stops at the Pixel Data tag
                head = fp.read(12)
            ts = ds.file_meta.TransferSyntaxUID
            layout = _layout(path, ds, ts, start, head)
        except Exception:  # noqa: BLE001 - a header cut short: nothing usable yet
            return None
        if layout.encapsulated or layout.native_frame_bits % 8 or not ts.is_little_endian:
            return None
        return cls(path, ds, layout)

    def frame_bytes(self, index: int) -> bytes:
        n = self.frame_bytes_count
        return os.pread(self._fd, n, self.layout.value_offset + index * n)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
