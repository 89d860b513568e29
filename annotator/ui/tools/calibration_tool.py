"""Manual calibration: draw a line along the scanner's depth ruler, type its length in mm."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from annotator.case.commands import SetCalibration
from annotator.case.model import Point
from annotator.media.calibration import ManualCalibration
from annotator.ui.tools.base import ContextFn, ToolResult
from annotator.ui.tools.two_point import TwoPointTool

#: where the depth ruler's zero lies on the drawn line
ZERO_AT_START, ZERO_AT_END, ZERO_UNKNOWN = "start", "end", "unknown"


@dataclass(frozen=True)
class KnownDistance:
    """The user's answer: the line's real length, and which end (if any) is the ruler's zero."""

    mm: float
    zero: str = ZERO_AT_START


#: asks the user for the line's real length; gets its length in pixels, returns the answer
#: (a bare number: the line starts at the ruler's zero) or None when cancelled
AskDistance = Callable[[float], "float | KnownDistance | None"]


class CalibrationTool(TwoPointTool):
    name = "calibrate"
    kind = "line"
    hint = "Calibrate: draw along a known distance (e.g. 10 mm of the depth ruler)"

    def __init__(self, context: ContextFn, ask_distance: AskDistance) -> None:
        super().__init__(context)
        self.ask_distance = ask_distance

    def finish_segment(self, start: Point, end: Point) -> ToolResult:
        length_px = math.dist(start, end)
        answer = self.ask_distance(length_px)
        if answer is None:
            return ToolResult(done=True, hint="Calibration cancelled")
        known = answer if isinstance(answer, KnownDistance) else KnownDistance(float(answer))
        distance_mm = known.mm
        zero = {ZERO_AT_START: start, ZERO_AT_END: end}.get(known.zero)
        try:
            manual = ManualCalibration.from_line(start, end, distance_mm, zero)
        except ValueError as exc:
            return ToolResult(done=True, hint=f"Calibration not set: {exc}")
        media_id = self.context().media_id
        return ToolResult(
            [SetCalibration(media_id, manual)], done=True,
            hint=f"Calibrated: {manual.mm_per_px:.4f} mm per pixel ({distance_mm:g} mm over {length_px:.1f} px)"
                 + ("" if zero is not None else "; depth not shown (the ruler's zero is not known)"),
        )
