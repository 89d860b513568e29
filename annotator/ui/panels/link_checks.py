"""Before a finding value is linked to a measurement: does the measurement give the unit the
value is in? A caliper crossing into an ECG strip measures pixels, and a "retraction" in
pixels must never be filed as millimetres; the user is asked, and the link keeps no unit then.
"""

from __future__ import annotations

from annotator.case.commands import Command, SetRestPeak
from annotator.case.document import CaseDocument
from annotator.case.findings import AttributeSpec, phase_frame
from annotator.case.kinds import kind_spec
from annotator.case.measure import Measurement, find_measurement
from annotator.case.model import Annotation
from annotator.dynamics.series import measurement_series
from annotator.media import MediaError

UNIT_WORDS = {"mm2": "mm²", "deg": "degrees"}




def link_quantity(kind: str, quantity: str | None) -> str | None:
    """The quantity a link of an annotation of ``kind`` takes for a value asking ``quantity``."""
    spec = kind_spec(kind)  # its ``link_equivalents``
    return quantity if quantity is None or spec is None else spec.link_quantity(quantity)


def phase_link_frame(document: CaseDocument, annotation: Annotation,
                     phase: str) -> tuple[int | None, Command | None]:
    """The frame a rest or contraction link measures: the annotation's own rest or peak, else
    the suggestion from its series together with the command that makes it the annotation's
    own (so the link and the plot agree). Never the frame on screen. (None, None) without values."""
    frame = phase_frame(annotation, phase)
    if frame is not None:
        return frame, None
    try:
        series = measurement_series(document, annotation).with_chosen_or_suggested_rest_peak()
    except (MediaError, OSError, IndexError, ValueError):
        return None, None
    frame = series.rest_frame if phase == "rest" else series.peak_frame
    if frame is None:
        return None, None
    if phase == "rest":
        return frame, SetRestPeak(annotation.id, rest_frame=frame)
    return frame, SetRestPeak(annotation.id, peak_frame=frame)


def measurement_for_link(document: CaseDocument, annotation: Annotation, frame: int | None,
                         spec: AttributeSpec, quantity: str | None = None) -> Measurement | None:
    """The measurement a link of ``spec`` would take now (``quantity``: the annotation's own
    name for it); None when it cannot be measured (the link then says why once resolved)."""
    wanted = quantity or spec.quantity
    if wanted is None:
        return None
    try:
        measurements = document.measure(annotation, frame, with_image=spec.kind == "grey")
    except (MediaError, OSError, IndexError, ValueError):
        return None
    return find_measurement(measurements, wanted)


def unit_fits(measured: Measurement, spec: AttributeSpec) -> bool:
    """Calibrated, and in the unit the value is kept in."""
    return measured.calibrated and (spec.unit is None or measured.unit == spec.unit)


def link_unit(measured: Measurement | None, spec: AttributeSpec) -> str | None:
    """The unit to store with the link: the value's unit only when the measurement gives it."""
    return spec.unit if measured is not None and unit_fits(measured, spec) else None


def unit_question(annotation: Annotation, measured: Measurement, spec: AttributeSpec) -> str:
    name = annotation.label or annotation.id
    wanted = UNIT_WORDS.get(spec.unit or "", spec.unit or "calibrated units")
    why = measured.note or "the image is not calibrated"
    return (f"\u201c{name}\u201d measures {measured.display()}, not {wanted}: {why}.\n\n"
            f"Link it to {spec.label} anyway? The finding will show the value in "
            f"{measured.unit} until the shape lies in a calibrated region or the image is "
            "calibrated.")
