"""Panel grids of figures: layouts, letters and where each panel's picture goes (no Qt)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from annotator.export.output import ExportError

MM_PER_INCH = 25.4
MAX_PANELS = 36


def mm_to_px(mm: float, dpi: float) -> float:
    return mm / MM_PER_INCH * dpi


def parse_layout(text: str) -> tuple[int, int]:
    """"1x2" (one row, two columns), "2x2", any "RxC"."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not match:
        raise ExportError(f"layout {text!r} is not ROWSxCOLUMNS, e.g. 1x2, 2x1 or 2x2")
    rows, cols = int(match.group(1)), int(match.group(2))
    if rows < 1 or cols < 1 or rows * cols > MAX_PANELS:
        raise ExportError(f"layout {text!r} must have 1 to {MAX_PANELS} panels")
    return rows, cols


def auto_layout(count: int) -> tuple[int, int]:
    """Rows and columns for ``count`` panels: side by side up to three, then a near-square grid."""
    if count <= 3:
        return 1, max(1, count)
    if count == 4:
        return 2, 2
    cols = math.ceil(math.sqrt(count))
    return math.ceil(count / cols), cols


def panel_letter(index: int) -> str:
    """A, B, ..., Z, AA, AB, ... (left to right, then by row)."""
    letters = ""
    n = index
    while True:
        letters = chr(ord("A") + n % 26) + letters
        n = n // 26 - 1
        if n < 0:
            return letters


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Grid:
    """Cells of equal size; each panel's picture is fitted (aspect kept) and centred in its cell."""

    width: float
    height: float
    cells: tuple[Box, ...]
    pictures: tuple[Box, ...]


def grid_geometry(aspects: list[float], rows: int, cols: int, width: float, gap: float,
                  header: float = 0.0) -> Grid:
    """``aspects`` are height / width of each panel's picture, in panel order (row by row).
    ``header`` is the height of a strip above each picture for its letter and title, so they
    never cover the picture (a caliper value, a plot's axes)."""
    if len(aspects) > rows * cols:
        raise ExportError(f"{len(aspects)} panels do not fit a {rows}x{cols} layout")
    cell_w = (width - gap * (cols - 1)) / cols
    if cell_w <= 0:
        raise ExportError("the figure is too narrow for its panels")
    # the cell is as tall as the tallest picture needs, so no picture is cut or shrunk twice
    body_h = cell_w * max(aspects) if aspects else cell_w
    cell_h = body_h + header
    cells, pictures = [], []
    for i, aspect in enumerate(aspects):
        row, col = divmod(i, cols)
        cell = Box(col * (cell_w + gap), row * (cell_h + gap), cell_w, cell_h)
        w = min(cell_w, body_h / aspect)
        h = w * aspect
        cells.append(cell)
        pictures.append(Box(cell.x + (cell_w - w) / 2, cell.y + header + (body_h - h) / 2, w, h))
    used_rows = max(1, math.ceil(len(aspects) / cols))
    height = used_rows * cell_h + gap * (used_rows - 1)
    return Grid(width, height, tuple(cells), tuple(pictures))
