"""Redaction boxes: rectangles of a media's pixels painted black in every output.

A box is in image pixels (x0, y0) to (x1, y1), edges included, on one frame of the media or on
every frame (``frame`` None): scanners burn text (labels, measurements, sometimes a name) into
the image area itself, where cropping cannot remove it. The renderer paints the boxes before
anything else is drawn, so figures, clips, slides, reports, Secondary Captures and thumbnails
all lose the same pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Redaction:
    media: str
    frame: int | None  # None: every frame of the media
    x0: float
    y0: float
    x1: float
    y1: float

    def applies_to(self, media: str, frame: int) -> bool:
        return self.media == media and (self.frame is None or self.frame == frame)

    def rect(self) -> tuple[int, int, int, int]:
        """Whole pixels (x, y, w, h) covering the box (a box never shrinks when rounded)."""
        x0, x1 = sorted((self.x0, self.x1))
        y0, y1 = sorted((self.y0, self.y1))
        left, top = math.floor(x0), math.floor(y0)
        return left, top, math.ceil(x1) - left + 1, math.ceil(y1) - top + 1

    def covers(self, rect: tuple[int, int, int, int]) -> bool:
        """True when the box hides the whole of ``rect`` (x, y, w, h)."""
        bx, by, bw, bh = self.rect()
        x, y, w, h = rect
        return bx <= x and by <= y and x + w <= bx + bw and y + h <= by + bh

    def to_dict(self) -> dict[str, Any]:
        return {"media": self.media, "frame": self.frame,
                "x0": self.x0, "y0": self.y0, "x1": self.x1, "y1": self.y1}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Redaction:
        return cls(d["media"], d.get("frame"), float(d["x0"]), float(d["y0"]), float(d["x1"]), float(d["y1"]))


def redaction_issues(raw: Any, media_ids: set[Any]) -> list[tuple[str, str]]:
    """(where, problem) for each problem of a case file's ``redactions`` array."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        return [("redactions", "must be an array")]
    issues = []
    for i, item in enumerate(raw):
        where = f"redactions[{i}]"
        if not isinstance(item, dict):
            issues.append((where, "must be an object"))
            continue
        if item.get("media") not in media_ids:
            issues.append((f"{where}.media", f"refers to media {item.get('media')!r}, which the case does not list"))
        frame = item.get("frame")
        if frame is not None and (not isinstance(frame, int) or isinstance(frame, bool) or frame < 0):
            issues.append((f"{where}.frame", "must be a frame number (0 or more) or null"))
        for key in ("x0", "y0", "x1", "y1"):
            v = item.get(key)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or abs(v) > 1e6:
                issues.append((f"{where}.{key}", "must be a finite number of pixels"))
    return issues
