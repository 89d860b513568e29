"""Typed attributes of findings, their values (typed in, measured, or derived), and the
one-sentence summary used by report and figure captions.

An attribute is an ``AttributeValue``: a number or word typed in, or a link to a measurement
of an annotation (``annotation`` + ``quantity`` + optional ``frame``). ``resolve_attribute``
turns either into a value with its unit and where it came from; ratios (swelling ratio,
side-to-side ratio) and the nerve's reference upper limit are derived when not typed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from annotator.case.attributes import (
    ATTRIBUTES,
    AttributeSpec,
    attribute_spec,
    attribute_specs,
    check_attribute_value,
)
from annotator.case.measure import Measurement, find_measurement, primary_measurement, ratio
from annotator.case.model import Annotation, Case, Finding
from annotator.case.resolved import ResolvedValue, format_value
from annotator.case.verdict import Verdict, verdict_from_values
from annotator.case.vocabulary import (
    ReferenceTable,
    ReferenceValue,
    Vocabulary,
    load_reference_table,
    load_vocabulary,
    reference_upper_limit,
)
from annotator.case.wording import first_upper
from annotator.media.base import MediaError

MeasureFn = Callable[[Annotation, int | None], list[Measurement]]


class MeasuringCase(Protocol):
    """A case that measures its annotations (``annotator.case.document.CaseDocument``; named
    here by what is used, so the document can word its findings without an import circle)."""

    @property
    def case(self) -> Case: ...
    def measure(self, annotation: Annotation, frame: int | None = None, with_image: bool = True) -> list[Measurement]: ...




def _measure_fn(source: MeasuringCase | Case, measure: MeasureFn | None) -> tuple[Case, MeasureFn | None]:
    if isinstance(source, Case):
        return source, measure
    return source.case, measure or source.measure


def resolve_attribute(
    source: MeasuringCase | Case, finding: Finding, name: str, measure: MeasureFn | None = None
) -> ResolvedValue:
    """The value of one attribute: typed in, measured through its link, or derived.

    ``source`` is a CaseDocument (which measures), or a Case with a ``measure(annotation,
    frame)`` function (without one, links cannot be followed and say so).
    """
    case, measure_fn = _measure_fn(source, measure)
    spec = attribute_spec(finding.type, name)
    attr = finding.attributes.get(name)
    if attr is not None and not attr.is_link:
        if attr.value is None:
            return ResolvedValue(None, attr.unit, "missing", f"{name} has no value")
        unit = attr.unit if attr.unit is not None else (spec.unit if spec else None)
        return ResolvedValue(attr.value, unit, "typed")
    if attr is not None:
        return _resolve_link(case, measure_fn, name, attr.annotation or "", attr.quantity, attr.frame, spec)
    if finding.type == "nerve_enlargement":
        return _derive_nerve(source, finding, name, measure)
    return ResolvedValue(None, spec.unit if spec else None, "missing", f"{name} is not set")


def phase_frame(annotation: Annotation, phase: str) -> int | None:
    """The annotation's own rest or peak frame (None when not chosen or off its range)."""
    frame = annotation.rest_frame if phase == "rest" else annotation.peak_frame
    return frame if frame is not None and annotation.on_frame(frame) else None


def _resolve_link(
    case: Case, measure: MeasureFn | None, name: str, annotation_id: str, quantity: str | None,
    frame: int | None, spec: AttributeSpec | None,
) -> ResolvedValue:
    unit = spec.unit if spec else None
    try:
        annotation = case.annotation(annotation_id)
    except KeyError:
        return ResolvedValue(None, unit, "missing", f"{name} links to annotation {annotation_id!r}, which is gone")
    if measure is None:
        return ResolvedValue(None, unit, "missing", f"{name}: open the media to measure {annotation_id!r}")
    if frame is None and spec is not None and spec.phase is not None and annotation.is_dynamic:
        frame = phase_frame(annotation, spec.phase)  # None (not chosen): its anchor frame, as before
    try:
        measurements = measure(annotation, frame)
    except (MediaError, OSError, IndexError, ValueError) as exc:  # a report must not break
        return ResolvedValue(None, unit, "missing", f"{name}: cannot measure {annotation_id!r}: {exc}")
    wanted = quantity or (spec.quantity if spec else None)
    m = find_measurement(measurements, wanted) if wanted else primary_measurement(measurements)
    if m is None and quantity is None:
        m = primary_measurement(measurements)
    if m is None:
        what = wanted or "a measurement"
        return ResolvedValue(None, unit, "missing", f"{name}: annotation {annotation_id!r} gives no {what}")
    problem = "" if m.calibrated else f"{name} is in {m.unit}: {m.note or 'uncalibrated'}"
    return ResolvedValue(m.value, m.unit, "measured", problem, measurement=m)


def _derive_nerve(
    source: MeasuringCase | Case, finding: Finding, name: str, measure: MeasureFn | None
) -> ResolvedValue:
    if name == "reference_uln":
        nerve = _text(source, finding, "nerve", measure) or finding.structure
        site = _text(source, finding, "site", measure) or finding.site
        ref = reference_upper_limit(nerve, site) if nerve else None
        if ref is None or ref.upper_limit is None:
            why = ref.describe() if ref is not None else f"no reference value for {nerve or 'the nerve'} at {site or 'this site'}"
            return ResolvedValue(None, "mm2", "missing", why, reference=ref)
        return ResolvedValue(ref.upper_limit, "mm2", "reference", reference=ref)
    pairs = {"swelling_ratio": "csa_reference_site", "side_to_side_ratio": "csa_other_side"}
    if name in pairs:
        a = resolve_attribute(source, finding, "csa", measure)
        b = resolve_attribute(source, finding, pairs[name], measure)
        if not (a.ok and b.ok):
            return ResolvedValue(None, "ratio", "missing", f"{name} needs csa and {pairs[name]}")
        if a.unit != b.unit:
            return ResolvedValue(None, "ratio", "missing", f"{name}: cannot compare {a.unit} with {b.unit}")
        try:
            return ResolvedValue(ratio(float(a.value), float(b.value)), "ratio", "derived")  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            return ResolvedValue(None, "ratio", "missing", f"{name}: {exc}")
    return ResolvedValue(None, None, "missing", f"{name} is not set")


def _text(source: MeasuringCase | Case, finding: Finding, name: str, measure: MeasureFn | None) -> str:
    v = resolve_attribute(source, finding, name, measure)
    return v.value if isinstance(v.value, str) else ""


def resolve_all(
    source: MeasuringCase | Case, finding: Finding, measure: MeasureFn | None = None
) -> dict[str, ResolvedValue]:
    """Every attribute of the finding: its type's specs first, then any extra ones."""
    names = [s.name for s in attribute_specs(finding.type)]
    names += [n for n in finding.attributes if n not in names]
    return {n: resolve_attribute(source, finding, n, measure) for n in names}


def finding_verdict(source: MeasuringCase | Case, finding: Finding, measure: MeasureFn | None = None,
                    values: dict[str, ResolvedValue] | None = None) -> Verdict:
    """The measured verdict of a finding (``annotator.case.verdict``): the one every view and
    output shows."""
    return verdict_from_values(finding, values if values is not None else resolve_all(source, finding, measure))


# -- the summary sentence ------------------------------------------------------------------

_TITLES = {"tear": "tear", "atrophy": "Atrophy", "nerve_enlargement": "Enlargement", "other": "Finding"}


def _structure_phrase(finding: Finding, nerve: str = "") -> str:
    side = f"{finding.side} " if finding.side in ("left", "right") else ""
    structure = (nerve or finding.structure).strip()
    if finding.type == "nerve_enlargement" and structure and not structure.lower().endswith("nerve"):
        structure += " nerve"
    both = " (bilateral)" if finding.side == "bilateral" else ""
    return f"the {side}{structure}{both}" if structure else f"an unnamed {side}structure{both}".replace("  ", " ")


def finding_summary(source: MeasuringCase | Case, finding: Finding, measure: MeasureFn | None = None) -> str:
    """One sentence for captions and reports, e.g. "Full-thickness tear of the right rectus
    femoris: gap 5.0 mm at rest, 11.0 mm on contraction". Unset attributes are left out; the
    words about size follow the measured verdict (``finding_verdict``)."""
    v = resolve_all(source, finding, measure)
    verdict = verdict_from_values(finding, v)

    def shown(name: str) -> str | None:
        r = v.get(name)
        return r.display() if r is not None and r.ok else None

    parts: list[str] = []
    if finding.type == "tear":
        thickness = shown("thickness")
        head = {"full": "Full-thickness tear", "partial": "Partial-thickness tear"}.get(thickness or "", "Tear")
        if finding.grade:
            head += f" ({finding.grade})"
        elif shown("grade") is not None:
            head += f" (grade {shown('grade')})"
        head += f" of {_structure_phrase(finding)}"
        rest, peak = shown("gap"), shown("gap_contraction")
        if rest and peak:
            parts.append(f"gap {rest} at rest, {peak} on contraction")
        elif rest or peak:
            parts.append(f"gap {rest}" if rest else f"gap {peak} on contraction")
        if shown("retraction"):
            parts.append(f"retraction {shown('retraction')}")
        long, trans = shown("hematoma_long"), shown("hematoma_trans")
        if long and trans:
            parts.append(f"hematoma {long} x {trans}")
        elif long or trans:
            parts.append(f"hematoma {long or trans}")
    elif finding.type == "atrophy":
        head = f"Atrophy of {_structure_phrase(finding)}"
        compared = {c.name: c for c in verdict.comparisons}
        for name, label in (("thickness", "thickness"), ("csa", "CSA"), ("echo_intensity", "echo intensity")):
            value, other = shown(name), shown(f"{name}_other_side")
            if name in compared:
                parts.append(compared[name].text())
            elif value and other:
                parts.append(f"{label} {value} (other side {other})")
            elif value:
                parts.append(f"{label} {value}")
        if shown("pennation_angle"):
            parts.append(f"pennation angle {shown('pennation_angle')}")
    elif finding.type == "nerve_enlargement":
        nerve = v["nerve"].value if isinstance(v["nerve"].value, str) else ""
        site = v["site"].value if isinstance(v["site"].value, str) else finding.site
        phrase = _structure_phrase(finding, nerve)
        head = first_upper(phrase) + (f" at the {site}" if site else "")
        csa = shown("csa")
        if csa and verdict.status == "uncalibrated":
            # A px² area cannot be set against a limit in mm²: say so rather than compare.
            parts.append(f"CSA {csa} (not calibrated: not compared with the upper limit of normal)")
        elif csa:
            parts.append(f"CSA {csa}, {verdict.sentence()}" if verdict.text else f"CSA {csa}")
        for name, label in (("swelling_ratio", "swelling ratio"), ("side_to_side_ratio", "side-to-side ratio")):
            if shown(name):
                parts.append(f"{label} {shown(name)}")
    else:
        head = f"Finding of {_structure_phrase(finding)}"
    if finding.site and finding.type != "nerve_enlargement":
        # "central aponeurosis (rectus femoris)" of the rectus femoris: the muscle once is enough
        site = finding.site.replace(f" ({finding.structure.strip()})", "") if finding.structure.strip() else finding.site
        head += f" at the {site}"
    return head + (": " + "; ".join(parts) if parts else "")


__all__ = [
    "ATTRIBUTES", "AttributeSpec", "MeasureFn", "check_attribute_value", "ReferenceTable", "ReferenceValue", "ResolvedValue",
    "Vocabulary", "attribute_spec", "attribute_specs", "format_value", "load_reference_table",
    "finding_summary", "finding_verdict", "load_vocabulary", "Verdict", "reference_upper_limit", "resolve_all",
    "resolve_attribute",
]

