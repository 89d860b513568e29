"""Brightness/contrast in the words of a radiology viewer: window width and level in grey
levels of the stored 8-bit display, the drag that changes them, and the status-bar readout.

The display LUT keeps its brightness/contrast/gamma form (saved in the settings); window and
level are another view of the same two numbers: ``W = 255 / contrast`` and the level is the
grey that the LUT maps to mid-grey.
"""

from __future__ import annotations

import math

from annotator.ui.display import DisplayLut
from annotator.ui.tools.base import Tool

FULL_SCALE = 255.0
#: screen pixels of drag per e-fold of contrast (horizontal) and per full brightness step (vertical)
CONTRAST_DRAG_PX = 250.0
BRIGHTNESS_DRAG_PX = 400.0


def window_level(lut: DisplayLut) -> tuple[float, float]:
    """(window width, level) in grey levels of the display LUT (gamma aside)."""
    width = FULL_SCALE / lut.contrast
    level = FULL_SCALE * (0.5 - lut.brightness / lut.contrast)
    return width, level


def from_window_level(width: float, level: float, gamma: float = 1.0) -> DisplayLut:
    """The LUT showing grey ``level`` as mid-grey and ``width`` grey levels as full scale."""
    contrast = FULL_SCALE / width
    brightness = (0.5 - level / FULL_SCALE) * contrast
    return DisplayLut(brightness, contrast, gamma).clamped()


def dragged(start: DisplayLut, dx: float, dy: float) -> DisplayLut:
    """The LUT after a drag of (dx, dy) screen pixels from ``start``: right = more contrast
    (narrower window), up = brighter. The same for Alt+drag, Shift+right drag and the tool."""
    return DisplayLut(start.brightness - dy / BRIGHTNESS_DRAG_PX, start.contrast * math.exp(dx / CONTRAST_DRAG_PX),
                      start.gamma).clamped()


def readout(lut: DisplayLut) -> str:
    """e.g. "W 255 L 128" (and the gamma when it is not 1)."""
    width, level = window_level(lut)
    text = f"W {width:.0f} L {level:.0f}"
    return text if abs(lut.gamma - 1.0) < 1e-9 else f"{text} \u03b3 {lut.gamma:.2f}"


class WindowLevelTool(Tool):
    """Drag to change brightness (up/down) and contrast (left/right); double-click resets.
    The drag itself is a viewer gesture (``viewer_input``): it changes the display, never the case."""

    name = "window_level"
    hint = ("Brightness/contrast: drag up/down for brightness, left/right for contrast; "
            "double-click (or Ctrl+R) resets")
