"""The rows of the measurements table (one per measured quantity) and the Qt model over them.

Rows are computed from the case through ``CaseDocument.measure``, so the table always shows
what the case says; a media file that cannot be read gives a row that says why instead of
breaking the table. Values keep full precision (CSV); the table shows display rounding.
A shape left in pixels on a calibrated image is the surprising case: its Source says
"none (why)" right after the value, and the value carries a warning mark.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication, QStyle

from annotator.case.csv_safe import csv_row
from annotator.case.document import CaseDocument
from annotator.case.kinds import display_name
from annotator.case.measure import PRIMARY_QUANTITY, Measurement, scale_of
from annotator.case.model import Annotation
from annotator.dynamics.caliper_turn import turn_note
from annotator.media import MediaError

UNCALIBRATED = "uncalibrated"

COLUMNS = ("Annotation", "Media", "Frame", "Time (s)", "Kind", "Quantity", "Value", "Unit",
           "Source", "Note")
CSV_COLUMNS = ("annotation", "label", "media", "frame", "time_s", "kind", "quantity", "value",
               "unit", "source", "note")
UNIT_TEXT = {"mm2": "mm²", "px2": "px²", "deg": "°"}
QUANTITY_TEXT = {
    "length": "length", "area": "area", "perimeter": "perimeter", "angle": "angle",
    "major_axis": "major axis", "minor_axis": "minor axis", "mean_intensity": "mean grey",
    "sd_intensity": "SD grey", "min_intensity": "min grey", "max_intensity": "max grey",
    "pixel_count": "pixels", "thickness": "thickness", "pennation": "pennation",
    "fascicle_angle": "fascicle angle", "aponeurosis_angle": "deep aponeurosis angle",
    "fascicle_length": "fascicle length",
}
SORT_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class MeasurementRow:
    annotation: str
    label: str
    media: str
    media_label: str
    frame: int
    time_ms: float | None
    kind: str
    quantity: str
    value: float | None  # None: could not be measured (see note)
    unit: str
    source: str
    note: str
    primary: bool
    calibrated: bool = True  # the value is in calibrated units (mm, mm², a calibrated angle)
    reason: str = ""  # why the shape is not calibrated; empty when it is
    image_calibrated: bool = False  # the frame has a spatial calibration somewhere
    extrapolated: bool = False  # a fascicle length extended beyond the image
    role: str = ""  # "rest", "peak": the annotation's own rest or peak frame

    @property
    def flagged(self) -> bool:
        """In pixels although the image is calibrated: the value needs its reason beside it."""
        return not self.calibrated and self.image_calibrated

    def source_text(self) -> str:
        if self.source == UNCALIBRATED and self.image_calibrated:
            return f"none ({self.reason or 'uncalibrated'})"
        return self.source

    def note_text(self) -> str:
        """The note without the reason the Source column already gives."""
        if self.source == UNCALIBRATED and self.image_calibrated and self.reason:
            rest = self.note.removeprefix(self.reason)
            if rest != self.note:
                return rest.lstrip("; ")
        return self.note

    def value_text(self) -> str:
        if self.value is None:
            return "—"
        if self.unit == "count":
            return f"{round(self.value):d}"
        if self.unit == "ratio":
            return f"{self.value:.2f}"
        return f"{self.value:.1f}" + (" (extrapolated)" if self.extrapolated else "")

    def cells(self) -> tuple[str, ...]:
        """The row as the table shows it."""
        time = "" if self.time_ms is None else f"{self.time_ms / 1000.0:.3f}"
        frame = f"{self.frame} ({self.role})" if self.role else str(self.frame)
        return (self.label, self.media_label, frame, time, display_name(self.kind),
                QUANTITY_TEXT.get(self.quantity, self.quantity), self.value_text(),
                UNIT_TEXT.get(self.unit, self.unit), self.source_text(), self.note_text())

    def sort_keys(self) -> tuple[Any, ...]:
        time = -1.0 if self.time_ms is None else self.time_ms
        value = float("-inf") if self.value is None else self.value
        return (self.label.lower(), self.media_label.lower(), self.frame, time, self.kind,
                self.quantity, value, self.unit, self.source_text(), self.note_text())


def _frames_of(annotation: Annotation, all_keyframes: bool) -> list[int]:
    if not all_keyframes:
        return [annotation.frame]
    chosen = {f for f in (annotation.rest_frame, annotation.peak_frame) if f is not None and annotation.on_frame(f)}
    return sorted(set(annotation.keyframes) | {annotation.frame} | chosen)


def _media_label(document: CaseDocument, media_id: str) -> str:
    try:
        ref = document.case.media_ref(media_id)
    except KeyError:
        return media_id
    return ref.label or Path(ref.path).name


def _time_ms(document: CaseDocument, media_id: str, frame: int) -> float | None:
    try:
        media = document.media(media_id)
        return media.time_ms(frame) if media.is_clip else None
    except (MediaError, IndexError, OSError):
        return None


def _calibration_state(document: CaseDocument, annotation: Annotation, frame: int) -> tuple[bool, str]:
    """Whether the frame is calibrated at all, and why this shape's scale is not (or "")."""
    try:
        calibration = document.calibration(annotation.media, frame)
    except (MediaError, IndexError, OSError, KeyError, ValueError):
        return False, ""
    points = annotation.points_at(frame)
    reason = scale_of(calibration, annotation.kind, points).reason if points is not None else ""
    return bool(calibration.spatial_regions), reason


def collect_rows(document: CaseDocument, all_keyframes: bool = True,
                 primary_only: bool = False) -> list[MeasurementRow]:
    """One row per measured quantity of every measurable annotation, in case order."""
    rows: list[MeasurementRow] = []
    for a in document.case.annotations:
        if a.kind not in PRIMARY_QUANTITY:
            continue  # points, arrows and text measure nothing
        label = a.label or a.id
        media_label = _media_label(document, a.media)
        for frame in _frames_of(a, all_keyframes):
            try:
                measurements: Sequence[Measurement] = document.measure(a, frame)
            except (MediaError, IndexError, OSError, ValueError) as exc:
                rows.append(MeasurementRow(a.id, label, a.media, media_label, frame, None, a.kind,
                                           PRIMARY_QUANTITY[a.kind], None, "", "",
                                           f"cannot measure: {exc}", True))
                continue
            time_ms = _time_ms(document, a.media, frame)
            image_calibrated, reason = _calibration_state(document, a, frame) if measurements else (False, "")
            turned = turn_note(a, frame)  # a tracked caliper that turned: not across a structure
            role = " ".join(n for n, f in (("rest", a.rest_frame), ("peak", a.peak_frame)) if f == frame)
            for m in measurements:
                primary = m.quantity == PRIMARY_QUANTITY[a.kind]
                if primary_only and not primary:
                    continue
                note = "; ".join(n for n in (m.note, turned) if n)
                rows.append(MeasurementRow(a.id, label, a.media, media_label, frame, time_ms,
                                           a.kind, m.quantity, m.value, m.unit,
                                           m.source or UNCALIBRATED, note, primary, m.calibrated,
                                           reason, image_calibrated, m.extrapolated, role))
    return rows


def rows_to_tsv(rows: Sequence[MeasurementRow]) -> str:
    """Tab-separated text as the table shows it (display rounding), with a header line."""
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in r.cells()) for r in rows]
    return "\n".join(lines) + "\n"


def rows_to_csv(rows: Sequence[MeasurementRow]) -> str:
    """CSV with full-precision values and machine-readable units (``mm2``, ``deg``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        time = "" if r.time_ms is None else repr(r.time_ms / 1000.0)
        value = "" if r.value is None else repr(float(r.value))
        writer.writerow(csv_row((r.annotation, r.label, r.media, r.frame, time, r.kind, r.quantity, value,
                                 r.unit, r.source, r.note)))
    return out.getvalue()


class MeasurementsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[MeasurementRow] = []

    @property
    def rows(self) -> list[MeasurementRow]:
        return list(self._rows)

    def set_rows(self, rows: list[MeasurementRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> MeasurementRow:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return r.cells()[col]
        if role == SORT_ROLE:
            return r.sort_keys()[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[col] in ("Frame", "Time (s)", "Value"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and r.flagged and COLUMNS[col] == "Value":
            return _warning_icon()
        if role == Qt.ItemDataRole.ToolTipRole:
            if COLUMNS[col] == "Media":  # the column may be narrower than a media's label
                return r.cells()[col]
            if r.flagged:
                return f"Not calibrated: {r.reason or r.note}. The value is in {UNIT_TEXT.get(r.unit, r.unit)}."
            if r.value is None or r.note:
                return r.note or None
            return f"{r.value!r} {r.unit} (full precision)"
        return None


def _warning_icon() -> object:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    return app.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def rows_summary(rows: Sequence[MeasurementRow]) -> str:
    """What the table holds, in words: "1 measurement over 195 frames", "3 measurements on
    frame 12"; the number of values only when a shape gives more than one (area and perimeter)."""
    shapes = {r.annotation for r in rows}
    frames = sorted({r.frame for r in rows})
    text = _count(len(shapes), "measurement")
    text += f" over {len(frames)} frames" if len(frames) > 1 else f" on frame {frames[0]}" if frames else ""
    if len(rows) > len({(r.annotation, r.frame) for r in rows}):
        text = f"{_count(len(rows), 'value')}: {text}"
    return text
