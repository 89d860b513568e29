"""The measured verdict of a finding, in the words every output uses.

One function decides, so the finding panel, the summary sentence, the report, the slides and
the SR never disagree: a nerve is "within normal limits", "enlarged, x % above the upper limit
of normal", or has "no reference value for this nerve"; atrophy is compared side to side
(difference in % of the other side, and the ratio) for thickness, CSA and echo intensity; a
tear states its grade with the grading it comes from, and how its gap changes on contraction.

The verdict is computed from resolved attribute values (``annotator.case.findings``); it is
written into the case file for readers and recomputed whenever the case is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from annotator.case.model import Finding
from annotator.case.resolved import ResolvedValue
from annotator.case.vocabulary import Vocabulary, load_vocabulary

Status = Literal["within", "enlarged", "no_reference", "uncalibrated", "incomplete", "compared", "graded", "none"]

WITHIN = "within normal limits"
ENLARGED = "enlarged, {percent:.0f} % above the upper limit of normal"
NO_REFERENCE = "no reference value for this nerve"
#: attributes compared with the other side: (name, label, words for less, words for more)
SIDE_PAIRS: tuple[tuple[str, str, str, str], ...] = (
    ("thickness", "thickness", "thinner", "thicker"),
    ("csa", "CSA", "smaller", "larger"),
    ("echo_intensity", "echo intensity", "lower", "higher"),
)


@dataclass(frozen=True)
class SideComparison:
    """One value against the same value on the other side."""

    name: str
    label: str
    value: str  # with its unit, as people read it
    other: str
    difference_pct: float  # (this side - other side) / other side x 100
    ratio: float  # this side / other side
    less: str = "smaller"
    more: str = "larger"

    def text(self) -> str:
        """e.g. "thickness 11.7 mm vs 16.0 mm on the other side: 27 % thinner (ratio 0.73)"."""
        d = self.difference_pct
        how = "no difference" if round(d) == 0 else f"{abs(d):.0f} % {self.less if d < 0 else self.more}"
        return f"{self.label} {self.value} vs {self.other} on the other side: {how} (ratio {self.ratio:.2f})"

    def short(self) -> str:
        """e.g. "thickness 27 % thinner than the other side"."""
        d = self.difference_pct
        if round(d) == 0:
            return f"{self.label} as on the other side"
        return f"{self.label} {abs(d):.0f} % {self.less if d < 0 else self.more} than the other side"


@dataclass(frozen=True)
class Verdict:
    status: Status
    text: str  # the verdict in words ("" when there is nothing to say)
    percent: float | None = None  # nerve: CSA above (+) or below (-) the upper limit, in %
    detail: str = ""  # the reference or grading it rests on
    comparisons: tuple[SideComparison, ...] = ()

    def sentence(self) -> str:
        """The verdict with its basis, for tables: e.g. "within normal limits (upper limit ...)"."""
        text = self.text
        if self.detail:
            text += f" ({self.detail})" if text else self.detail
        return text


def _number(r: ResolvedValue | None) -> float | None:
    if r is None or not r.ok or isinstance(r.value, str) or r.value is None:
        return None
    return float(r.value)


def side_comparisons(values: dict[str, ResolvedValue]) -> tuple[SideComparison, ...]:
    """Each of thickness, CSA and echo intensity that has a value on both sides, in the same unit."""
    out = []
    for name, label, less, more in SIDE_PAIRS:
        a, b = values.get(name), values.get(f"{name}_other_side")
        x, y = _number(a), _number(b)
        if x is None or y is None or not y or a is None or b is None or a.unit != b.unit:
            continue
        out.append(SideComparison(name, label, a.display(), b.display(), (x - y) / y * 100.0, x / y, less, more))
    return tuple(out)


def verdict_from_values(finding: Finding, values: dict[str, ResolvedValue],
                        vocabulary: Vocabulary | None = None) -> Verdict:
    """The verdict of ``finding`` from its resolved attributes (``resolve_all``)."""
    if finding.type == "nerve_enlargement":
        return _nerve(values)
    if finding.type == "atrophy":
        comparisons = side_comparisons(values)
        if not comparisons:
            return Verdict("incomplete", "", detail="no other side to compare with")
        return Verdict("compared", "; ".join(c.text() for c in comparisons), comparisons=comparisons)
    if finding.type == "tear":
        return _tear(finding, values, vocabulary)
    return Verdict("none", "")


def _nerve(values: dict[str, ResolvedValue]) -> Verdict:
    csa, uln = values.get("csa"), values.get("reference_uln")
    comparisons = _nerve_sides(values)
    if csa is None or not csa.ok:
        return Verdict("incomplete", "", detail="no CSA measured", comparisons=comparisons)
    if csa.unit != "mm2":
        return Verdict("uncalibrated", f"not compared: CSA in {csa.unit}", detail="the image is not calibrated",
                       comparisons=comparisons)
    if uln is None or not uln.ok:
        ref = uln.reference if uln is not None else None
        detail = ref.describe() if ref is not None and (ref.mean is not None or ref.note) else ""
        return Verdict("no_reference", NO_REFERENCE, detail=detail, comparisons=comparisons)
    value, limit = _number(csa), _number(uln)
    assert value is not None and limit is not None and limit > 0
    percent = (value / limit - 1.0) * 100.0
    basis = uln.reference.describe() if uln.reference is not None else f"upper limit of normal {uln.display()}"
    if value > limit:
        return Verdict("enlarged", ENLARGED.format(percent=percent), percent, basis, comparisons)
    return Verdict("within", WITHIN, percent, basis, comparisons)


def _nerve_sides(values: dict[str, ResolvedValue]) -> tuple[SideComparison, ...]:
    a, b = values.get("csa"), values.get("csa_other_side")
    x, y = _number(a), _number(b)
    if x is None or y is None or not y or a is None or b is None or a.unit != b.unit:
        return ()
    return (SideComparison("csa", "CSA", a.display(), b.display(), (x - y) / y * 100.0, x / y),)


def _tear(finding: Finding, values: dict[str, ResolvedValue], vocabulary: Vocabulary | None) -> Verdict:
    parts, detail = [], ""
    if finding.grade:
        grading, meaning = (vocabulary or load_vocabulary()).describe_grade(finding.grade)
        parts.append(f"{finding.grade}" + (f": {meaning}" if meaning else ""))
        if grading is not None:
            detail = f"{grading.title or grading.name}, {grading.source}"
    gap, peak = values.get("gap"), values.get("gap_contraction")
    x, y = _number(gap), _number(peak)
    if x is not None and y is not None and gap is not None and peak is not None and gap.unit == peak.unit:
        change = f"{y - x:+.1f} {gap.unit}" if gap.unit != "mm" else f"{y - x:+.1f} mm"
        pct = f", {(y - x) / x * 100.0:+.0f} %" if x else ""
        parts.append(f"gap {'widens' if y > x else 'narrows' if y < x else 'unchanged'} on contraction "
                     f"({gap.display()} to {peak.display()}: {change}{pct})")
    if not parts:
        return Verdict("none", "")
    return Verdict("graded" if finding.grade else "compared", "; ".join(parts), detail=detail)
