"""The words on comparison panels: frame, time and measurement, and the change between two."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel

from annotator.case.kinds import display_name
from annotator.case.measure import Measurement
from annotator.case.model import Annotation, MediaRef


def kind_name(kind: str) -> str:
    """The glossary word for a kind ("caliper" for a ``line``)."""
    return display_name(kind)


def annotation_name(annotation: Annotation, measurement: Measurement | None = None) -> str:
    """Its label, else what it measures ("length"), else its kind."""
    if annotation.label:
        return annotation.label
    if measurement is not None:
        return measurement.quantity.replace("_", " ")
    return kind_name(annotation.kind)


def measured_text(annotation: Annotation, measurement: Measurement | None) -> str:
    """"gap 4.1 mm", or "gap: not on this frame"."""
    name = annotation_name(annotation, measurement)
    if measurement is None:
        return f"{name}: not on this frame"
    return f"{name} {measurement.display()}"


def panel_title(role: str, frame: int, time_ms: float, measured: str | None) -> str:
    """"Rest, frame 3, 0.10 s: gap 4.1 mm" (frames count from 0, like the timeline)."""
    head = f"{role}, frame {frame}" if role else f"Frame {frame}"
    text = f"{head}, {time_ms / 1000.0:.2f} s"
    return f"{text}: {measured}" if measured else text


def change_text(annotation: Annotation, first: Measurement, second: Measurement, change: float,
                first_role: str = "", second_role: str = "") -> str:
    """"gap: rest 4.1 mm → peak 7.3 mm (+78%)"; without roles, the frames name the ends."""
    name = annotation_name(annotation, first)
    a = first_role.lower() or f"frame {first.frame}"
    b = second_role.lower() or f"frame {second.frame}"
    return f"{name}: {a} {first.display()} \u2192 {b} {second.display()} ({change:+.0f}%)"


def side_label(ref: MediaRef) -> str:
    """"Left: vastus lateralis" (the media's side and label, else its file name)."""
    name = ref.label or Path(ref.path).name
    return f"{ref.side.capitalize()}: {name}" if ref.side in ("left", "right") else name


def bold(label: QLabel) -> None:
    font = label.font()
    font.setBold(True)
    label.setFont(font)
