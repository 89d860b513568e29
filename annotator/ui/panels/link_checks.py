"""Before a finding value is linked to a measurement: does the measurement give the unit the
value is in? A caliper crossing into an ECG strip measures pixels, and a "retraction" in
pixels must never be filed as millimetres; the user is asked, and the link keeps no unit then.
"""

from __future__ import annotations

from annotator.case.document import CaseDocument
from annotator.case.findings import AttributeSpec
from annotator.case.measure import Measurement, find_measurement
from annotator.case.model import Annotation
from annotator.media import MediaError

UNIT_WORDS = {"mm2": "mm²", "deg": "degrees"}


def measurement_for_link(document: CaseDocument, annotation: Annotation, frame: int | None,
                         spec: AttributeSpec) -> Measurement | None:
    """The measurement a link of ``spec`` would take now; None when it cannot be measured
    (the link then says why once it is resolved)."""
    if spec.quantity is None:
        return None
    try:
        measurements = document.measure(annotation, frame, with_image=spec.kind == "grey")
    except (MediaError, OSError, IndexError, ValueError):
        return None
    return find_measurement(measurements, spec.quantity)


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
