"""A measurement over time: one value per frame of a dynamic annotation, with rest and peak.

``measurement_series`` measures an annotation on each frame of its range (its main quantity:
length for a caliper or polyline, area for a trace or ellipse, angle for an angle) with the
frame's own calibration, and pairs it with the frame's time and tracking confidence. The series
knows its minimum, maximum and range, and the percent change from rest to peak.

Rest and peak belong to the annotation (``Annotation.rest_frame`` / ``peak_frame``, set by
hand through an undoable command); ``suggest_rest_peak`` proposes them with this rule: *rest
is the level where the clip starts, peak the largest change from rest in either direction*.
The start level is the median of the first tenth of the values (at least the first one);
rest is the earliest of those first frames at their extreme away from the change (within 2% of
the range), so a clip that opens from its first frame keeps its rest there. The peak is the frame farthest from
the rest value, above or below (a gap that opens, a muscle that thickens, and a muscle that
thins or a nerve flattened by probe pressure alike), the earliest on a tie. Frames tracked
with low confidence (< 0.5) are passed over when trusted ones exist.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, TextIO

import numpy as np

from annotator.case.csv_safe import csv_row
from annotator.case.fileutil import atomic_write_text
from annotator.case.measure import ANGLE_QUANTITIES, PRIMARY_QUANTITY, measure_annotation
from annotator.case.model import Annotation
from annotator.dynamics.caliper_turn import TURN_LIMIT_DEG, caliper_turned
from annotator.media.base import Media
from annotator.media.bmode_area import found_image_region
from annotator.media.calibration import Calibration

CSV_HEADER = ("frame", "time_s", "value", "unit", "confidence")
#: samples below this tracking confidence are not suggested as rest or peak
TRUSTED_CONFIDENCE = 0.5
UNIT_TEXT = {"mm": "mm", "mm2": "mm²", "px": "px", "px2": "px²", "deg": "°"}


class DocumentLike(Protocol):
    """What a series needs from ``annotator.case.document.CaseDocument``."""

    def media(self, media_id: str) -> Media: ...

    def calibration(self, media_id: str, frame: int = 0) -> Calibration: ...


@dataclass(frozen=True)
class SeriesSample:
    frame: int
    time_ms: float
    value: float | None  # None: not measurable in the series' unit on this frame
    confidence: float | None  # tracking confidence; None where a person placed the points

    @property
    def time_s(self) -> float:
        return self.time_ms / 1000.0

    def to_json(self, unit: str) -> dict[str, object]:
        """The row of ``us-annotator track --json``."""
        return {"frame": self.frame, "time_ms": self.time_ms, "value": self.value, "unit": unit,
                "confidence": self.confidence}


@dataclass(frozen=True)
class SeriesStats:
    unit: str
    minimum: SeriesSample
    maximum: SeriesSample
    rest: SeriesSample | None
    peak: SeriesSample | None

    @property
    def range(self) -> float:
        assert self.maximum.value is not None and self.minimum.value is not None
        return self.maximum.value - self.minimum.value

    @property
    def percent_change(self) -> float | None:
        """(peak - rest) / rest in percent; None without both, or when rest is zero."""
        if self.rest is None or self.peak is None or not self.rest.value:
            return None
        assert self.peak.value is not None
        return (self.peak.value - self.rest.value) / self.rest.value * 100.0


@dataclass(frozen=True)
class Series:
    annotation_id: str
    media_id: str
    kind: str
    quantity: str
    unit: str
    samples: tuple[SeriesSample, ...]
    label: str = ""
    rest_frame: int | None = None
    peak_frame: int | None = None
    #: why some frames have no value (another unit, e.g. a point outside the calibrated region)
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: frames where a tracked caliper has turned more than TURN_LIMIT_DEG from its start
    turned_frames: tuple[int, ...] = field(default_factory=tuple)

    # -- arrays ----------------------------------------------------------------------------
    @property
    def frames(self) -> np.ndarray:
        return np.array([s.frame for s in self.samples], dtype=int)

    @property
    def times_s(self) -> np.ndarray:
        return np.array([s.time_s for s in self.samples], dtype=float)

    @property
    def values(self) -> np.ndarray:
        """Values with NaN where a frame has none."""
        return np.array([np.nan if s.value is None else s.value for s in self.samples], dtype=float)

    @property
    def valid(self) -> list[SeriesSample]:
        return [s for s in self.samples if s.value is not None]

    def sample(self, frame: int) -> SeriesSample:
        for s in self.samples:
            if s.frame == frame:
                return s
        raise KeyError(f"frame {frame} is not in the series of annotation {self.annotation_id!r}")

    @property
    def unit_text(self) -> str:
        return UNIT_TEXT.get(self.unit, self.unit)

    @property
    def title(self) -> str:
        name = self.label or self.annotation_id
        return f"{name}: {self.quantity.replace('_', ' ')}"

    # -- rest, peak and statistics ---------------------------------------------------------
    def with_rest_peak(self, rest_frame: int | None, peak_frame: int | None) -> Series:
        """The series with rest and peak picked by hand (frames with a value, or None)."""
        for frame in (rest_frame, peak_frame):
            if frame is not None and self.sample(frame).value is None:
                raise ValueError(f"frame {frame} has no {self.quantity} in {self.unit}")
        return replace(self, rest_frame=rest_frame, peak_frame=peak_frame)

    def with_suggested_rest_peak(self) -> Series:
        rest, peak = suggest_rest_peak(self)
        return replace(self, rest_frame=rest, peak_frame=peak)

    def with_chosen_or_suggested_rest_peak(self) -> Series:
        """Rest and peak: those the series carries from the case (``Annotation.rest_frame``,
        ``peak_frame``) where they have a value, else the suggestion."""
        rest, peak = suggest_rest_peak(self)
        if self.rest_frame is not None and self.sample(self.rest_frame).value is not None:
            rest = self.rest_frame
        if self.peak_frame is not None and self.sample(self.peak_frame).value is not None:
            peak = self.peak_frame
        return replace(self, rest_frame=rest, peak_frame=peak)

    def stats(self) -> SeriesStats | None:
        """Minimum, maximum, rest and peak; None when no frame has a value."""
        valid = self.valid
        if not valid:
            return None
        lo = min(valid, key=lambda s: (s.value, s.frame))
        hi = max(valid, key=lambda s: (s.value, -s.frame))
        rest = None if self.rest_frame is None else self.sample(self.rest_frame)
        peak = None if self.peak_frame is None else self.sample(self.peak_frame)
        return SeriesStats(self.unit, lo, hi, rest, peak)

    def caption(self) -> str:
        """One line for a figure: min, max, range and the change from rest to peak."""
        st = self.stats()
        if st is None:
            return f"{self.title}: no values"
        u = self.unit_text
        parts = [f"min {_num(st.minimum.value)} {u}", f"max {_num(st.maximum.value)} {u}",
                 f"range {_num(st.range)} {u}"]
        if st.rest is not None and st.peak is not None:
            change = st.percent_change
            change_text = "n/a" if change is None else f"{change:+.0f}%"
            parts.append(f"rest {_num(st.rest.value)} {u} at {st.rest.time_s:.2f} s, peak "
                         f"{_num(st.peak.value)} {u} at {st.peak.time_s:.2f} s: {change_text}")
        if self.turned_frames:
            parts.append(f"caliper turned > {TURN_LIMIT_DEG:.0f}° on {len(self.turned_frames)} frame(s) (×)")
        return " · ".join(parts)

    # -- output ----------------------------------------------------------------------------
    def rows(self) -> list[dict[str, object]]:
        return [s.to_json(self.unit) for s in self.samples]

    def write_csv(self, target: TextIO) -> None:
        """CSV rows ``frame,time_s,value,unit,confidence`` (empty cells where there is none)."""
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for s in self.samples:
            writer.writerow(csv_row([
                s.frame, f"{s.time_s:.4f}", "" if s.value is None else f"{s.value:.4f}", self.unit,
                "" if s.confidence is None else f"{s.confidence:.3f}",
            ]))

    def to_csv(self) -> str:
        buffer = io.StringIO()
        self.write_csv(buffer)
        return buffer.getvalue()

    def save_csv(self, path: str | Path) -> Path:
        """Write the CSV atomically (a failed write leaves any previous file whole)."""
        target = Path(path)
        atomic_write_text(target, self.to_csv())
        return target


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def suggest_rest_peak(series: Series) -> tuple[int | None, int | None]:
    """(rest frame, peak frame) by the rule in the module notes; (None, None) without values."""
    valid = series.valid
    trusted = [s for s in valid if s.confidence is None or s.confidence >= TRUSTED_CONFIDENCE]
    pool = trusted or valid
    if not pool:
        return None, None
    head = pool[: max(1, len(pool) // 10)]
    start_level = float(np.median([s.value for s in head]))
    values = [float(s.value or 0.0) for s in pool]
    tolerance = (max(values) - min(values)) * 0.02
    away = max(pool, key=lambda s: (abs(float(s.value or 0.0) - start_level), -s.frame))
    sign = 1.0 if float(away.value or 0.0) >= start_level else -1.0
    # rest: the earliest start frame at the head's far side from the change (within 2%)
    extreme = min(sign * float(s.value or 0.0) for s in head)
    rest = next(s for s in head if sign * float(s.value or 0.0) <= extreme + tolerance)
    assert rest.value is not None
    rest_value = rest.value
    peak = max(pool, key=lambda s: (abs(float(s.value or 0.0) - rest_value), -s.frame))
    return rest.frame, peak.frame


def measurement_series(
    source: DocumentLike | Media,
    annotation: Annotation,
    frames: Iterable[int] | None = None,
    calibration: Calibration | None = None,
    quantity: str | None = None,
    confidence: Mapping[int, float] | None = None,
) -> Series:
    """The annotation's ``quantity`` (default: its main one) on each of ``frames`` (default:
    every frame of its range), from a ``CaseDocument`` (its calibration, manual included) or a
    ``Media`` (its per-frame calibration, or ``calibration`` for all frames).

    Frames measured in another unit than most (a point outside the calibrated region gives
    pixels where the rest are mm) get no value, and ``notes`` says why. ``confidence``
    (frame -> 0..1) overrides the annotation's stored tracking confidence.
    """
    conf = annotation.confidence if confidence is None else confidence
    if isinstance(source, Media):
        media = source

        def calibration_of(frame: int) -> Calibration:
            return calibration if calibration is not None else media.calibration_at(frame)
    else:
        document = source
        media = document.media(annotation.media)

        def calibration_of(frame: int) -> Calibration:
            return calibration if calibration is not None else document.calibration(annotation.media, frame)

    wanted = quantity or PRIMARY_QUANTITY.get(annotation.kind)
    if wanted is None:
        raise ValueError(f"a {annotation.kind} annotation has no measurement to follow over time")
    chosen = list(range(annotation.frame, annotation.last_frame + 1) if frames is None else frames)
    measured: list[tuple[int, float | None, str | None, str]] = []
    extrapolated: list[int] = []
    for frame in chosen:
        media.check_index(frame)
        found = [m for m in measure_annotation(annotation, frame, calibration_of(frame),
                                               image_size=(media.width, media.height),
                                               found_image=lambda: found_image_region(media))
                 if m.quantity == wanted]
        m = found[0] if found else None
        if m is not None and m.extrapolated:
            extrapolated.append(frame)
        measured.append((frame, None if m is None else m.value, None if m is None else m.unit,
                         "" if m is None else m.note))
    unit = _common_unit(u for _, _, u, _ in measured) or _default_unit(wanted)
    samples, odd = [], []
    for frame, value, u, note in measured:
        keep = value is not None and u == unit
        if value is not None and not keep:
            odd.append((frame, u, note))
        samples.append(SeriesSample(frame, media.time_ms(frame), value if keep else None,
                                    conf.get(frame)))
    notes = _unit_notes(odd, unit)
    turned = tuple(s.frame for s in samples if caliper_turned(annotation, s.frame))
    if turned:
        notes += (f"the caliper turned more than {TURN_LIMIT_DEG:.0f}° from its start on frame(s) "
                  f"{_frame_list(turned)}: there it joins two tissue points, not the two sides of a "
                  "structure (a thickness annotation measures across the structure)",)
    if extrapolated:
        notes += (f"{wanted.replace('_', ' ')} extrapolated beyond the image on frame(s) "
                  f"{_frame_list(extrapolated)} (the fascicle leaves the picture)",)
    with_value = {s.frame for s in samples if s.value is not None}
    # the case's own rest and peak, where the series has a value there
    rest = annotation.rest_frame if annotation.rest_frame in with_value else None
    peak = annotation.peak_frame if annotation.peak_frame in with_value else None
    return Series(annotation.id, annotation.media, annotation.kind, wanted, unit, tuple(samples),
                  annotation.label, rest, peak, notes=notes, turned_frames=turned)


def _common_unit(units: Iterable[str | None]) -> str | None:
    counts = Counter(u for u in units if u is not None)
    return counts.most_common(1)[0][0] if counts else None


def _default_unit(quantity: str) -> str:
    return "deg" if quantity in ANGLE_QUANTITIES else {"area": "mm2"}.get(quantity, "mm")


def _frame_list(frames: Sequence[int]) -> str:
    return ", ".join(str(f) for f in frames[:8]) + (", ..." if len(frames) > 8 else "")


def _unit_notes(odd: Sequence[tuple[int, str | None, str]], unit: str) -> tuple[str, ...]:
    if not odd:
        return ()
    frames = ", ".join(str(f) for f, _, _ in odd[:8]) + (", ..." if len(odd) > 8 else "")
    _, other, note = odd[0]
    why = f": {note}" if note else ""
    return (f"no value in {unit} on frame(s) {frames} (measured in {other}{why})",)
