"""Measurements as CSV and JSON, and the findings table the report and slides share.

Rows name media by their label or number, never by file name, unless identifiers are kept;
every free text (labels, notes, structure names) passes de-identification. A value that could
not be calibrated is flagged with its reason in ``display`` (and ``calibrated`` is false), in
the findings' values and in their summary sentences (``uncalibrated``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator import __version__
from annotator.case.attributes import attribute_spec
from annotator.case.csv_safe import csv_dict
from annotator.case.findings import ResolvedValue, finding_summary, finding_verdict, resolve_all
from annotator.case.measure import Measurement
from annotator.case.model import Finding
from annotator.dynamics.caliper_turn import turn_note
from annotator.export.context import ExportContext
from annotator.export.deid_report import deid_summary
from annotator.export.output import ExportError
from annotator.export.uncalibrated import FROM_UNCALIBRATED, NOT_CALIBRATED, flagged_display
from annotator.media.base import MediaError

CSV_COLUMNS = (
    "annotation", "label", "media", "frame", "time_s", "kind", "quantity", "value", "unit",
    "display", "calibrated", "calibration", "note", "finding", "finding_type", "structure", "side",
    "extrapolated", "frame_role", "confidence",
)
#: tracking confidence below which a value is flagged (as on the plot and the image)
LOW_CONFIDENCE = 0.5


def measurement_rows(ctx: ExportContext) -> list[dict[str, Any]]:
    """One row per measurement of every annotation, at each keyframe of a dynamic one."""
    rows = []
    selected = ctx.options.media
    for ann in ctx.case.annotations:
        if selected is not None and ann.media != selected:
            continue
        marked = {f for f in (ann.rest_frame, ann.peak_frame) if f is not None and ann.on_frame(f)}
        for frame in sorted(set(ann.keyframes) | {ann.frame} | marked):
            try:
                measured = ctx.measure(ann, frame)
            except (MediaError, IndexError) as exc:
                raise ExportError(f"cannot measure the case's annotations: {exc}") from exc
            rows += [_row(ctx, m) for m in measured]
    return rows


def _row(ctx: ExportContext, m: Measurement) -> dict[str, Any]:
    ann = ctx.case.annotation(m.annotation)
    finding = _finding(ctx, ann.finding)
    media = ctx.media(m.media)
    confidence = ann.confidence.get(m.frame)
    low = f"low {ann.confidence_source} confidence ({confidence:.2f})" if confidence is not None and confidence < LOW_CONFIDENCE else ""
    note = "; ".join(n for n in (m.note, turn_note(ann, m.frame), low) if n)
    role = [name for name, f in (("rest", ann.rest_frame), ("peak", ann.peak_frame)) if f == m.frame]
    return {
        "annotation": m.annotation,
        "label": ctx.text(ann.label),
        "media": ctx.media_name(m.media),
        "media_id": m.media,
        "frame": m.frame,
        "time_s": round(media.time_ms(m.frame) / 1000.0, 6),
        "kind": m.kind,
        "quantity": m.quantity,
        "value": m.value,
        "unit": m.unit,
        "display": ctx.text(flagged_display(m)),
        "calibrated": m.calibrated,
        "calibration": m.source or "none",
        "note": ctx.text(note),
        "finding": finding.id if finding else "",
        "finding_type": finding.type if finding else "",
        "structure": ctx.text(finding.structure) if finding else "",
        "side": finding.side if finding else "",
        "extrapolated": m.extrapolated,
        "frame_role": " ".join(role),  # "rest", "peak": the annotation's own rest and peak frames
        "confidence": confidence,  # tracking (or a still's analysis) confidence; None where a person placed it
    }


def _finding(ctx: ExportContext, finding_id: str | None) -> Finding | None:
    if not finding_id:
        return None
    try:
        return ctx.case.finding(finding_id)
    except KeyError:
        return None


@dataclass(frozen=True)
class FindingRow:
    """A finding for tables: what, where, its values in words, and reference values."""

    id: str
    type: str
    structure: str
    side: str
    site: str
    grade: str
    values: list[tuple[str, str]]  # (attribute label, value with unit)
    reference: str
    summary: str
    #: the measured verdict in words (``annotator.case.verdict``), e.g. "within normal limits"
    verdict: str = ""
    #: what the verdict compares with: the reference value, or the other side in % and ratio
    comparison: str = ""
    grade_source: str = ""  # the grading the grade comes from, with its citation


#: derived attributes and what they are computed from (``annotator.case.findings``)
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "swelling_ratio": ("csa", "csa_reference_site"),
    "side_to_side_ratio": ("csa", "csa_other_side"),
}


def _uncalibrated_input(resolved: dict[str, ResolvedValue], name: str) -> bool:
    """True when a derived value is computed from a value that is not calibrated."""
    for source in DERIVED_FROM.get(name, ()):
        r = resolved.get(source)
        if r is None or not r.ok:
            continue
        if (r.measurement is not None and not r.measurement.calibrated) or r.unit in ("px", "px2"):
            return True
    return False


def _value_text(resolved: dict[str, ResolvedValue], name: str) -> str:
    """An attribute's value for a table; measured values come flagged from ``measure_flagged``,
    a ratio of uncalibrated values and a typed-in pixel value are flagged here."""
    r = resolved[name]
    shown = r.display()
    if r.origin == "derived" and _uncalibrated_input(resolved, name):
        return f"{shown} ({FROM_UNCALIBRATED})"
    if r.origin == "typed" and r.unit in ("px", "px2"):
        return f"{shown} ({NOT_CALIBRATED})"
    return shown


def finding_summary_flagged(ctx: ExportContext, finding: Finding,
                            resolved: dict[str, ResolvedValue] | None = None) -> str:
    """The finding's summary sentence with each uncalibrated value flagged with its reason,
    and a note when a ratio in it comes from such values."""
    resolved = resolved if resolved is not None else resolve_all(ctx.document, finding, ctx.measure_flagged)
    text = finding_summary(ctx.document, finding, ctx.measure_flagged)
    derived = [name.replace("_", " ") for name, r in resolved.items()
               if r.ok and r.origin == "derived" and _uncalibrated_input(resolved, name)]
    if derived:
        text += f" ({' and '.join(derived)} {FROM_UNCALIBRATED})"
    return text


def finding_rows(ctx: ExportContext) -> list[FindingRow]:
    rows = []
    for f in ctx.case.findings:
        resolved = resolve_all(ctx.document, f, ctx.measure_flagged)
        values, reference, grade = [], "", ""
        for name, r in resolved.items():
            if not r.ok:
                continue
            if name == "grade":
                grade = r.display()
                continue
            if r.reference is not None:
                reference = r.reference.describe()
                continue
            spec = attribute_spec(f.type, name)
            label = spec.label if spec else name.replace("_", " ")
            values.append((label, ctx.text(_value_text(resolved, name))))
        verdict = finding_verdict(ctx.document, f, values=resolved)
        if f.grade:
            grade = verdict.text.split("; ")[0]  # "BAMIC 2c: moderate injury ..."
        sides = "; ".join(c.text() for c in verdict.comparisons)
        comparison = "; ".join(x for x in (reference, sides) if x)
        if f.type == "atrophy":
            comparison = sides or verdict.detail
            verdict_text = "; ".join(c.short() for c in verdict.comparisons)
        elif f.type == "tear":
            # the grade has its own column: the verdict is what the measurements show
            verdict_text = "; ".join(p for p in verdict.text.split("; ") if not (f.grade and p.startswith(f.grade)))
        else:
            verdict_text = verdict.text or verdict.detail
        rows.append(FindingRow(
            f.id, f.type.replace("_", " "), ctx.text(f.structure), f.side if f.side != "none" else "",
            ctx.text(f.site), grade, values, ctx.text(reference),
            ctx.text(finding_summary_flagged(ctx, f, resolved)),
            ctx.text(verdict_text), ctx.text(comparison),
            ctx.text(verdict.detail) if f.type == "tear" else "",
        ))
    return rows


def measurements_csv(ctx: ExportContext) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in measurement_rows(ctx):
        cells = {k: ("" if row[k] is None else row[k]) for k in CSV_COLUMNS}
        cells["calibrated"] = "yes" if row["calibrated"] else "no"
        cells["extrapolated"] = "yes" if row["extrapolated"] else "no"
        writer.writerow(csv_dict(cells))
    return buffer.getvalue()


def measurements_json(ctx: ExportContext) -> dict[str, Any]:
    findings = []
    for f, row in zip(ctx.case.findings, finding_rows(ctx), strict=True):
        findings.append({
            "id": f.id, "type": f.type, "structure": row.structure, "side": f.side, "site": row.site,
            "summary": row.summary,
            "attributes": {label: value for label, value in row.values},
            "grade": row.grade or None, "reference": row.reference or None,
            "verdict": row.verdict or None, "comparison": row.comparison or None,
        })
    doc: dict[str, Any] = {
        "format": "us-annotator-measurements",
        "version": 1,
        "generator": f"us-annotator {__version__}",
        "title": ctx.text(ctx.options.title or ctx.case.title),
        "deidentified": not ctx.keep_identifiers,
        "deidentification": deid_summary(ctx),  # what was checked, as the CLI says it
        "media": [
            {"id": ref.id, "name": ctx.media_name(ref.id), **({"path": ref.path} if ctx.keep_identifiers else {})}
            for ref in ctx.case.media
        ],
        "measurements": measurement_rows(ctx),
        "findings": findings,
    }
    return doc


def write_measurements(ctx: ExportContext, path: Path, suffix: str) -> None:
    if suffix.lower() == ".csv":
        # utf-8-sig so that spreadsheet programs read "mm²" right
        path.write_text(measurements_csv(ctx), encoding="utf-8-sig", newline="")
    else:
        path.write_text(json.dumps(measurements_json(ctx), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
