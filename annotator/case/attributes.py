"""The typed attributes of each finding type, and the check of a typed-in value."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class AttributeSpec:
    name: str
    label: str
    kind: Literal["length", "area", "grey", "angle", "ratio", "choice", "integer", "text"]
    unit: str | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    #: the measurement quantity a link should take by default
    quantity: str | None = None
    derived: bool = False  # computed from other attributes when not typed in
    #: "rest" or "peak": a link to a dynamic annotation takes that frame of it
    #: (``Annotation.rest_frame`` / ``peak_frame``), never the frame on screen
    phase: Literal["rest", "peak"] | None = None


def _length(name: str, label: str, phase: Literal["rest", "peak"] | None = None) -> AttributeSpec:
    return AttributeSpec(name, label, "length", "mm", quantity="length", minimum=0, phase=phase)


def _area(name: str, label: str) -> AttributeSpec:
    return AttributeSpec(name, label, "area", "mm2", quantity="area", minimum=0)


def _grey(name: str, label: str) -> AttributeSpec:
    return AttributeSpec(name, label, "grey", "grey", quantity="mean_intensity", minimum=0, maximum=255)


ATTRIBUTES: dict[str, tuple[AttributeSpec, ...]] = {
    "tear": (
        AttributeSpec("thickness", "Thickness", "choice", choices=("partial", "full")),
        AttributeSpec("grade", "Grade", "integer", minimum=0, maximum=3),
        _length("gap", "Gap at rest", "rest"),
        _length("gap_contraction", "Gap on contraction", "peak"),
        _length("retraction", "Retraction"),
        _length("hematoma_long", "Hematoma, long axis"),
        _length("hematoma_trans", "Hematoma, transverse"),
    ),
    "atrophy": (
        _length("thickness", "Muscle thickness"),
        _length("thickness_other_side", "Thickness, other side"),
        _area("csa", "Cross-sectional area"),
        _area("csa_other_side", "CSA, other side"),
        _grey("echo_intensity", "Echo intensity"),
        _grey("echo_intensity_other_side", "Echo intensity, other side"),
        AttributeSpec("pennation_angle", "Pennation angle", "angle", "deg", quantity="angle", minimum=0, maximum=180),
        _length("fascicle_length", "Fascicle length"),
    ),
    "nerve_enlargement": (
        AttributeSpec("nerve", "Nerve", "text"),
        AttributeSpec("site", "Site", "text"),
        _area("csa", "Cross-sectional area"),
        AttributeSpec("reference_uln", "Upper limit of normal", "area", "mm2", minimum=0, derived=True),
        _area("csa_reference_site", "CSA at an unaffected site"),
        _area("csa_other_side", "CSA, other side"),
        AttributeSpec("swelling_ratio", "Swelling ratio", "ratio", "ratio", minimum=0, derived=True),
        AttributeSpec("side_to_side_ratio", "Side-to-side ratio", "ratio", "ratio", minimum=0, derived=True),
    ),
    "other": (),
}


def attribute_specs(finding_type: str) -> tuple[AttributeSpec, ...]:
    return ATTRIBUTES.get(finding_type, ())


def attribute_spec(finding_type: str, name: str) -> AttributeSpec | None:
    return next((s for s in attribute_specs(finding_type) if s.name == name), None)


def check_attribute_value(finding_type: str, name: str, value: object) -> str | None:
    """Why a typed-in ``value`` does not fit the attribute, or None when it does (or when
    the attribute is not one of the type's own, which may hold anything)."""
    spec = attribute_spec(finding_type, name)
    if spec is None or value is None:
        return None
    if spec.kind == "text":
        return None if isinstance(value, str) else f"{name} must be text"
    if spec.kind == "choice":
        return None if value in spec.choices else f"{name} must be one of {', '.join(spec.choices)}, not {value!r}"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"{name} must be a finite number, not {value!r}"
    if spec.kind == "integer" and not float(value).is_integer():
        return f"{name} must be a whole number, not {value!r}"
    low = -math.inf if spec.minimum is None else spec.minimum
    high = math.inf if spec.maximum is None else spec.maximum
    if not low <= value <= high:
        bounds = f"{spec.minimum:g} to {spec.maximum:g}" if spec.maximum is not None else f"at least {low:g}"
        return f"{name} must be {bounds}, not {value!r}"
    return None
