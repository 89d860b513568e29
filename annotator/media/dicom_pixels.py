"""Turn one frame's stored bytes into its values (``raw``), and values into display RGB uint8.

Raw values are what pydicom's ``pixel_array`` gives for the frame (YBR converted to RGB,
palette indices, stored grey levels). Display maps them to RGB uint8 through a lookup table
built once per file: the palette, or rescale -> window (or VOI LUT, or the first frame's
min/max for more than 8 bits) -> MONOCHROME1 inversion for grey.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import cv2
import numpy as np
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.pixels import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi,
    convert_color_space,
    get_decoder,
)

from annotator.media.dicom_header import PixelLayout

# Some pydicom decoder plugins (gdcm) keep global state: one decode at a time through them.
_PYDICOM_LOCK = threading.Lock()


def decode_native(data: bytes, layout: PixelLayout, bit_offset: int = 0) -> np.ndarray:
    """Values of one uncompressed frame (``data`` holds exactly that frame's bytes)."""
    rows, cols, spp = layout.rows, layout.columns, layout.samples_per_pixel
    if layout.bits_allocated == 1:
        bits = np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little")
        return bits[bit_offset:bit_offset + rows * cols].reshape(rows, cols)
    # Big-endian 8-bit data in an OW element is byte-swapped in pairs: pydicom undoes that.
    swapped = not layout.little_endian and layout.pixel_vr == "OW"
    if layout.bits_allocated == 8 and layout.photometric != "YBR_FULL_422" and not swapped and not (spp == 3 and layout.planar_configuration):
        values = np.frombuffer(data, np.uint8).reshape((rows, cols, spp) if spp == 3 else (rows, cols))
        if spp == 3 and layout.photometric == "YBR_FULL":
            return convert_color_space(values, "YBR_FULL", "RGB")
        return values
    decoder = get_decoder(layout.transfer_syntax)
    values, _ = decoder.as_array(data, index=0, raw=False, **layout.decoder_options(1))
    return values


def decode_with_pydicom(data: bytes, layout: PixelLayout) -> np.ndarray:
    """Values of one compressed frame through pydicom's decoders (RLE, JPEG-LS, JPEG 2000, ...),
    checked first and never through a decoder that can abort the process (dicom_safe_decode)."""
    from annotator.media.dicom_safe_decode import decode_compressed

    return decode_compressed(data, layout, _PYDICOM_LOCK)


def window_unit(x: np.ndarray, center: float, width: float, function: str) -> np.ndarray:
    """DICOM PS3.3 C.11.2.1.2 windowing of ``x`` onto [0, 1]."""
    if function == "SIGMOID":
        return 1.0 / (1.0 + np.exp(-4.0 * (x - center) / width))
    if function == "LINEAR_EXACT":
        return np.clip((x - center) / width + 0.5, 0.0, 1.0)
    if width <= 1:
        return (x > center - 0.5).astype(np.float64)
    return np.clip((x - (center - 0.5)) / (width - 1) + 0.5, 0.0, 1.0)


def _first_number(value: object) -> float | None:
    value = _first_value(value)
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class DisplayMapper:
    """Maps a frame's values to RGB uint8; the lookup table is built on first use."""

    def __init__(self, ds: Dataset, layout: PixelLayout, sample: Callable[[], np.ndarray]) -> None:
        self._ds = ds
        self._layout = layout
        self._sample = sample  # values of a frame, for the min/max of >8-bit grey without a window
        self._lock = threading.Lock()
        self._lut: np.ndarray | None = None
        self._lut_low = 0
        self.description = ""  # how grey levels were mapped, for the metadata

    @property
    def _low_high(self) -> tuple[int, int]:
        bits = self._layout.bits_stored
        if self._layout.pixel_representation:
            return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1

    def __call__(self, values: np.ndarray) -> np.ndarray:
        if values.ndim == 3 and values.dtype == np.uint8:
            return values
        lut = self._table()
        if lut is None:  # more than 16 bits: scale this frame directly
            return self._direct(values)
        if values.dtype == np.uint8 and self._lut_low == 0 and len(lut) == 256:
            if lut.ndim == 1:  # cv2.LUT: one pass, no int64 index array
                return cv2.cvtColor(cv2.LUT(values, lut), cv2.COLOR_GRAY2RGB)
            if values.ndim == 2:
                return cv2.LUT(cv2.merge([values, values, values]), lut.reshape(256, 1, 3))
        index = values.astype(np.int64) - self._lut_low if self._lut_low else values
        mapped = np.take(lut, index, axis=0, mode="clip")
        return cv2.cvtColor(mapped, cv2.COLOR_GRAY2RGB) if mapped.ndim == 2 else mapped

    def _table(self) -> np.ndarray | None:
        if self._lut is None:
            with self._lock:
                if self._lut is None:
                    self._lut = self._build_table()
        return None if self._lut.size == 0 else self._lut

    def _build_table(self) -> np.ndarray:
        layout = self._layout
        low, high = self._low_high
        self._lut_low = low
        if layout.bits_stored > 16 or high - low > 1 << 16:
            return np.zeros(0, np.uint8)
        values = np.arange(low, high + 1, dtype=np.int64)
        if layout.samples_per_pixel == 3:  # >8-bit colour: scale each channel
            self.description = f"{layout.bits_stored}-bit colour scaled to 8 bits"
            return np.round((values - low) * (255.0 / max(high - low, 1))).astype(np.uint8)
        if layout.photometric == "PALETTE COLOR":
            return self._palette_table(values)
        unit = self._grey_unit(values.astype(np.float64))
        if layout.photometric == "MONOCHROME1":
            unit = 1.0 - unit
        return np.round(unit * 255.0).astype(np.uint8)

    def _palette_table(self, values: np.ndarray) -> np.ndarray:
        stored = values.astype(np.uint16 if self._layout.bits_stored > 8 else np.uint8)
        rgb = apply_color_lut(stored, self._ds)
        if rgb.dtype != np.uint8:
            # 16-bit entries: the high byte (8-bit entries shifted up, or full-range 16 bits);
            # tables whose entries never pass 255 hold 8-bit values in 16-bit words.
            rgb = rgb.astype(np.uint16)
            rgb = rgb if rgb.max() <= 255 else rgb >> 8
        self.description = "palette colour"
        return np.ascontiguousarray(rgb.astype(np.uint8))

    def _modality(self, x: np.ndarray) -> np.ndarray:
        ds = self._ds
        if "ModalityLUTSequence" in ds or "RescaleSlope" in ds or "RescaleIntercept" in ds:
            try:
                return np.asarray(apply_modality_lut(x, ds), dtype=np.float64)
            except Exception:
                return x
        return x

    def _grey_unit(self, stored: np.ndarray) -> np.ndarray:
        ds = self._ds
        x = self._modality(stored)
        center = _first_number(ds.get("WindowCenter"))
        width = _first_number(ds.get("WindowWidth"))
        if center is not None and width is not None and width > 0:
            function = str(_first_value(ds.get("VOILUTFunction")) or "LINEAR").upper()
            self.description = f"window centre {center:g}, width {width:g}"
            return window_unit(x, center, width, function)
        if "VOILUTSequence" in ds:
            try:
                item = ds.VOILUTSequence[0]
                top = float((1 << int(item.LUTDescriptor[2])) - 1)
                self.description = "VOI LUT"
                # a VOI LUT is indexed by integer input (pydicom warns on floats)
                voi = apply_voi(np.rint(x).astype(np.int64), ds)
                return np.clip(np.asarray(voi, dtype=np.float64) / top, 0.0, 1.0)
            except Exception:
                pass
        if self._layout.bits_stored <= 8:  # 8-bit grey is shown as stored
            low, high = float(x.min()), float(x.max())
            self.description = "stored grey levels"
        else:  # no window: the first frame's range, fixed for the clip so it does not flicker
            sample = self._modality(self._sample().astype(np.float64))
            low, high = float(sample.min()), float(sample.max())
            self.description = f"first frame's range {low:g}..{high:g}"
        return np.clip((x - low) / max(high - low, 1e-9), 0.0, 1.0)

    def _direct(self, values: np.ndarray) -> np.ndarray:
        """More than 16 bits (or floats): scale by the stored range (colour) or this frame's range."""
        x = values.astype(np.float64)
        if values.ndim == 3 and values.dtype.kind != "f":
            low, high = 0.0, float((1 << self._layout.bits_stored) - 1)
        else:
            low, high = float(x.min()), float(x.max())
        unit = np.clip((x - low) / max(high - low, 1e-9), 0.0, 1.0)
        if self._layout.photometric == "MONOCHROME1":
            unit = 1.0 - unit
        out = np.round(unit * 255.0).astype(np.uint8)
        return out if out.ndim == 3 else cv2.cvtColor(out, cv2.COLOR_GRAY2RGB)


def _first_value(value: object) -> object:
    if isinstance(value, (list, tuple, MultiValue)):
        return value[0] if len(value) else None  # type: ignore[arg-type,index]
    return value
