"""One panel of a figure: what it shows (its own module, so the export context can name it
without importing the figure painter)."""

from __future__ import annotations

from dataclasses import dataclass

from annotator.export.imaging_area import Rect


@dataclass
class PanelSpec:
    """An image panel (``media`` at ``frame``) or, with ``plot`` (an annotation id), a plot of
    that annotation's measurement over its frame range."""

    media: str
    frame: int = 0
    title: str = ""
    crop: Rect | None = None  # None: the imaging area
    plot: str | None = None
