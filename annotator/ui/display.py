"""Brightness, contrast and gamma as a display look-up table: applied to what is shown,
never to the stored pixels (measurements and exports read the original frame)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class DisplayLut:
    brightness: float = 0.0  # -1..1, added after contrast (fraction of full scale)
    contrast: float = 1.0  # 0.1..4, multiplies around mid-grey
    gamma: float = 1.0  # 0.2..5; > 1 brightens the darks

    @property
    def is_identity(self) -> bool:
        return self.brightness == 0.0 and self.contrast == 1.0 and self.gamma == 1.0

    def clamped(self) -> DisplayLut:
        return DisplayLut(min(max(self.brightness, -1.0), 1.0), min(max(self.contrast, 0.1), 4.0),
                          min(max(self.gamma, 0.2), 5.0))

    def table(self) -> np.ndarray:
        x = np.arange(256, dtype=np.float64) / 255.0
        y = np.power(x, 1.0 / self.gamma)
        y = (y - 0.5) * self.contrast + 0.5 + self.brightness
        return np.clip(np.rint(y * 255.0), 0, 255).astype(np.uint8)


class DisplayCache:
    """The adjusted frame for the last (frame key, LUT) asked for: repaints of one frame (a
    drag, a hover) cost nothing, and a new LUT or frame costs one ``cv2.LUT``."""

    def __init__(self) -> None:
        self._key: tuple[object, DisplayLut] | None = None
        self._source: np.ndarray | None = None
        self._result: np.ndarray | None = None
        self._tables: dict[DisplayLut, np.ndarray] = {}

    def apply(self, key: object, frame: np.ndarray, lut: DisplayLut) -> np.ndarray:
        if lut.is_identity:
            return frame
        if self._key == (key, lut) and self._source is frame and self._result is not None:
            return self._result
        table = self._tables.get(lut)
        if table is None:
            if len(self._tables) > 32:
                self._tables.clear()
            table = self._tables[lut] = lut.table()
        result = cv2.LUT(np.ascontiguousarray(frame), table)
        self._key, self._source, self._result = (key, lut), frame, result
        return result
