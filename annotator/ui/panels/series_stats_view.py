"""The numbers under the plot: minimum, maximum, range, rest, peak, percent change, and the
value on the current frame, each with its frame and time so it can be checked on the image."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from annotator.dynamics.series import TRUSTED_CONFIDENCE, Series, SeriesSample

STAT_ROWS: tuple[tuple[str, str], ...] = (
    ("min", "Minimum"), ("max", "Maximum"), ("range", "Range"),
    ("rest", "Rest"), ("peak", "Peak"), ("change", "Change"), ("now", "This frame"),
)


def _at(sample: SeriesSample, unit: str) -> str:
    assert sample.value is not None
    return f"{sample.value:.2f} {unit}  (frame {sample.frame}, {sample.time_s:.2f} s)"


def frame_ranges(frames: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> "3\u20135, 9"."""
    parts: list[tuple[int, int]] = []
    for f in sorted(frames):
        if parts and parts[-1][1] == f - 1:
            parts[-1] = (parts[-1][0], f)
        else:
            parts.append((f, f))
    return ", ".join(str(a) if a == b else f"{a}\u2013{b}" for a, b in parts)


def low_confidence_frames(series: Series) -> list[int]:
    return [s.frame for s in series.samples if s.confidence is not None and s.confidence < TRUSTED_CONFIDENCE]


def stat_texts(series: Series | None, frame: int, manual: tuple[bool, bool] = (False, False)) -> dict[str, str]:
    """The text of each statistic (keys of ``STAT_ROWS``); "\u2013" where there is none."""
    texts = dict.fromkeys((key for key, _ in STAT_ROWS), "\u2013")
    stats = series.stats() if series is not None else None
    if series is None or stats is None:
        return texts
    u = series.unit_text
    texts["min"] = _at(stats.minimum, u)
    texts["max"] = _at(stats.maximum, u)
    texts["range"] = f"{stats.range:.2f} {u}"
    for key, sample, by_hand in (("rest", stats.rest, manual[0]), ("peak", stats.peak, manual[1])):
        if sample is not None:
            texts[key] = _at(sample, u) + ("  set by hand" if by_hand else "  suggested")
    change = stats.percent_change
    if change is not None and stats.rest is not None and stats.peak is not None:
        assert stats.rest.value is not None and stats.peak.value is not None
        texts["change"] = f"{change:+.1f}%  ({stats.peak.value - stats.rest.value:+.2f} {u} rest \u2192 peak)"
    try:
        now = series.sample(frame)
    except KeyError:
        texts["now"] = f"frame {frame} is outside the annotation's range"
        return texts
    if now.value is None:
        texts["now"] = f"no value in {u} (frame {frame})"
    else:
        conf = "" if now.confidence is None else f", tracking confidence {now.confidence:.2f}"
        flag = "  \u26a0 low confidence" if now.confidence is not None and now.confidence < TRUSTED_CONFIDENCE else ""
        texts["now"] = f"{now.value:.2f} {u}  (frame {frame}, {now.time_s:.2f} s{conf}){flag}"
    return texts


class SeriesStatsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(1)
        for row, (key, title) in enumerate(STAT_ROWS):
            name = QLabel(title)
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value = QLabel("\u2013")
            value.setObjectName(f"stat_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)  # a long line wraps instead of widening the panel's column
            grid.addWidget(name, row, 0)
            grid.addWidget(value, row, 1)
            self.values[key] = value
        grid.setColumnStretch(1, 1)

    def show_series(self, series: Series | None, frame: int, manual: tuple[bool, bool] = (False, False)) -> None:
        for key, text in stat_texts(series, frame, manual).items():
            self.values[key].setText(text)

    def text(self, key: str) -> str:
        return self.values[key].text()
