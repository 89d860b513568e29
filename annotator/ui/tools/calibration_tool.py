"""Manual calibration: draw a line along the scanner's depth ruler, type its length in mm."""

from __future__ import annotations

import math
from collections.abc import Callable

from annotator.case.commands import SetCalibration
from annotator.case.model import Point
from annotator.media.calibration import ManualCalibration
from annotator.ui.tools.base import ContextFn, ToolResult
from annotator.ui.tools.two_point import TwoPointTool

#: asks the user for the line's real length; gets its length in pixels, returns mm or None
AskDistance = Callable[[float], float | None]


class CalibrationTool(TwoPointTool):
    name = "calibrate"
    kind = "line"
    hint = "Calibrate: draw along a known distance (e.g. 10 mm of the depth ruler)"

    def __init__(self, context: ContextFn, ask_distance: AskDistance) -> None:
        super().__init__(context)
        self.ask_distance = ask_distance

    def finish_segment(self, start: Point, end: Point) -> ToolResult:
        length_px = math.dist(start, end)
        distance_mm = self.ask_distance(length_px)
        if distance_mm is None:
            return ToolResult(done=True, hint="Calibration cancelled")
        try:
            manual = ManualCalibration.from_line(start, end, distance_mm)
        except ValueError as exc:
            return ToolResult(done=True, hint=f"Calibration not set: {exc}")
        media_id = self.context().media_id
        return ToolResult(
            [SetCalibration(media_id, manual)], done=True,
            hint=f"Calibrated: {manual.mm_per_px:.4f} mm per pixel ({distance_mm:g} mm over {length_px:.1f} px)",
        )
