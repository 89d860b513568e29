"""The first-run layout of the main window: its size on the screen and the docks' sizes, so
that a 1366x768 or 1440x900 screen shows the image, the findings' links and notes, several
rows of measurements and a whole plot without dragging anything."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

#: screens up to this size get the whole screen: 90% of a laptop screen wastes what is scarce
SMALL_SCREEN = QSize(1440, 900)
BOTTOM_SHARE = 0.36  # of the window's height, for the measurements and the plot
BOTTOM_MIN, BOTTOM_MAX = 240, 380
BROWSER_WIDTH = (215, 230)  # at small and large widths
FINDINGS_WIDTH = (350, 400)


def first_run_size(available: QRect) -> tuple[QSize, bool]:
    """The window's size on the first run, and whether to maximise it (small screens)."""
    small = available.width() <= SMALL_SCREEN.width() or available.height() <= SMALL_SCREEN.height()
    if small:
        return available.size(), True
    return QSize(max(1000, int(available.width() * 0.9)), max(700, int(available.height() * 0.9))), False


def bottom_height(window_height: int) -> int:
    return min(max(int(window_height * BOTTOM_SHARE), BOTTOM_MIN), BOTTOM_MAX)


def apply_dock_sizes(main: QMainWindow, docks: Mapping[str, QDockWidget]) -> None:
    """The docks' first-run sizes for the window's current size."""
    wide = main.width() > SMALL_SCREEN.width()
    main.resizeDocks([docks["measurements"]], [bottom_height(main.height())], Qt.Orientation.Vertical)
    main.resizeDocks([docks["browser"], docks["findings"]],
                     [BROWSER_WIDTH[wide], FINDINGS_WIDTH[wide]], Qt.Orientation.Horizontal)
