"""The default layout at 1366x768, 1440x900 and 1600x1000: screenshots of the window on the demo case,
with the geometry of what must be seen checked against what is actually visible (a widget
scrolled or squeezed off-screen has a clipped visible region)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from annotator.ui.default_layout import apply_dock_sizes, bottom_height, first_run_size
from annotator.ui.main_window import MainWindow
from annotator.ui.panels.dynamics_panel import DynamicsPanel
from annotator.ui.panels.findings_panel import FindingsPanel
from annotator.ui.panels.measurements_model import COLUMNS
from annotator.ui.panels.measurements_panel import MeasurementsPanel

pytestmark = [pytest.mark.qt_log_ignore("propagateSizeHints"), pytest.mark.qt_log_level_fail("WARNING")]


def fully_visible(widget: QWidget, window: MainWindow) -> bool:
    """Shown, not clipped by a scroll area or splitter, and inside the window."""
    if not widget.isVisible() or widget.visibleRegion().boundingRect() != widget.rect():
        return False
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(QRect(top_left, widget.size()))


def test_first_run_takes_all_of_a_small_screen() -> None:
    assert first_run_size(QRect(0, 0, 1366, 740)) == (QRect(0, 0, 1366, 740).size(), True)
    size, maximise = first_run_size(QRect(0, 0, 2560, 1400))
    assert not maximise and size.width() == 2304
    assert bottom_height(768) >= 240 and bottom_height(900) > bottom_height(768)


@pytest.mark.parametrize("size", [(1366, 768), (1440, 900), (1600, 1000)])
def test_the_default_layout_shows_what_matters(qtbot: QtBot, window: MainWindow, tmp_path: Path,
                                               size: tuple[int, int]) -> None:
    window.resize(*size)
    with qtbot.waitSignal(window.viewer.frame_shown, timeout=10_000):
        window.open_demo()
    qtbot.waitUntil(lambda: window.size().width() == size[0] and window.size().height() == size[1])
    apply_dock_sizes(window, window.docks)
    findings = window.panels["findings"]
    assert isinstance(findings, FindingsPanel)
    findings.list.setCurrentRow(0)
    c = window.controller
    gap = next(a for a in c.annotations() if a.label == "gap")
    c.select([gap.id])
    qtbot.waitUntil(lambda: findings.editor.isEnabled() and window.docks["measurements"].height()
                    >= bottom_height(size[1]) - 40 and window.docks["findings"].width() >= 340)

    # the Findings fields, links and notes (the fields were cut at the dock's edge: a grade's
    # 73-character name made the form 555 px wide)
    editor = findings.editor
    shown = (editor.structure, editor.side, editor.site, editor.grade, editor.grade_source,
             editor.link_button, editor.unlink_button, editor.notes)
    with contextlib.suppress(TimeoutError):  # the form settles once its scroll bar is decided
        qtbot.waitUntil(lambda: all(fully_visible(w, window) for w in shown), timeout=2000)
    assert editor.grade.toolTip() == editor.grade.currentText().strip() != ""  # its whole name
    for widget in shown:
        assert fully_visible(widget, window), (widget, widget.visibleRegion().boundingRect(), widget.rect())
    assert editor.link_button.isEnabled()  # gap is selected: it can be linked

    # the Measurements table: more than three rows on screen
    measurements = window.panels["measurements"]
    assert isinstance(measurements, MeasurementsPanel)
    table = measurements.table
    assert fully_visible(table, window)
    qtbot.waitUntil(lambda: table.model().rowCount() > 5)
    rows_shown = table.viewport().height() // table.rowHeight(0)
    assert rows_shown > 3, rows_shown
    for name in ("Annotation", "Quantity", "Value", "Unit"):  # what was measured, and how much
        column = COLUMNS.index(name)
        right = table.columnViewportPosition(column) + table.columnWidth(column)
        assert right <= table.viewport().width(), (name, right, table.viewport().width())
    shot = window.grab()
    assert (shot.width(), shot.height()) == size
    shot.save(str(tmp_path / f"measurements-{size[0]}x{size[1]}.png"))

    # the Over Time plot: whole, tall enough for its axis labels
    window.docks["dynamics"].raise_()
    dynamics = window.panels["dynamics"]
    assert isinstance(dynamics, DynamicsPanel)
    qtbot.waitUntil(lambda: dynamics.plot.isVisible())
    assert dynamics.series is not None  # the selected gap is plotted
    plot = dynamics.plot
    assert fully_visible(plot, window)
    assert plot.height() >= plot.minimumHeight() >= 140 and plot.width() >= 220
    # ... and beside it the buttons and the numbers, whole: not cut at the panel's edge behind
    # a sideways scroll bar (at 1600x1000 "Suggest" and "Track backward" were cut in half)
    # (a short window scrolls them up and down, which is fine)
    scroller = dynamics.findChild(QScrollArea, "dynamics_controls")
    viewport = scroller.viewport()
    assert not scroller.horizontalScrollBar().isVisible()  # (an empty one was shown)
    controls = (dynamics.rest_button, dynamics.peak_button, dynamics.suggest_button,
                *dynamics.tracking.buttons.values(), *dynamics.keyframes.buttons.values(),
                *dynamics.stats.values.values())
    for widget in controls:
        left = widget.mapTo(viewport, QPoint(0, 0)).x()
        assert left >= 0 and left + widget.width() <= viewport.width(), (widget.objectName(), left, widget.width())
    window.grab().save(str(tmp_path / f"over-time-{size[0]}x{size[1]}.png"))
