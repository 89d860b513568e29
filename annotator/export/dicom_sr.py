"""The DICOM Structured Report: a TID 1500 Measurement Report in a Comprehensive 3D SR.

Each measured annotation on each of its keyframes is a measurement group: with a DICOM source,
a planar ROI group (TID 1410) whose image region (SCOORD on the source image and frame) is the
annotation's shape; without one (video, stills), a group of measurements (TID 1501). Values
carry UCUM units (mm, mm2, deg, {grey}); a finding linked to the annotation gives the group's
finding type and site (with laterality).

A value that could not be calibrated (pixels, or an angle on the pixel grid) is left out: UCUM
has no pixel unit, "{px}" is UCUM for the pure number 1, a reader that takes Length and Angle
by their concept would read it as mm or as a true angle, and no unit can mark an angle's value
as untrustworthy. Its group keeps the region and says "Not calibrated" (a coded qualitative
evaluation), and the export's notes list each value left out with its reason.
"""

from __future__ import annotations

import math
from pathlib import Path

import highdicom as hd
import numpy as np
from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

from annotator.case.findings import finding_verdict
from annotator.case.geometry import ellipse_axes
from annotator.case.kinds import kind_spec
from annotator.case.measure import Measurement
from annotator.case.model import Annotation, Finding
from annotator.export.context import ExportContext
from annotator.export.deid import mark_deidentified
from annotator.export.dicom_common import (
    MANUFACTURER,
    SOFTWARE_VERSION,
    SourceImage,
    coding_schemes,
    local_code,
    source_images,
    study_header,
)
from annotator.export.output import ExportError
from annotator.export.uncalibrated import flagged_display
from annotator.media.base import MediaError

UCUM_UNITS: dict[str, tuple[str, str]] = {
    "mm": ("mm", "millimeter"),
    "mm2": ("mm2", "square millimeter"),
    "deg": ("deg", "degree"),
    "grey": ("{grey}", "grey level"),
    "count": ("{pixels}", "pixels"),  # a number of pixels (grey-level statistics), no length
    "ratio": ("1", "no units"),
    "%": ("%", "percent"),
}
QUANTITY_CODES: dict[str, CodedConcept] = {
    "length": CodedConcept.from_code(codes.SCT.Length),
    "area": CodedConcept.from_code(codes.SCT.Area),
    "perimeter": CodedConcept.from_code(codes.SCT.Perimeter),
    "angle": CodedConcept.from_code(codes.SCT.Angle),
    "major_axis": CodedConcept.from_code(codes.SCT.MajorAxis),
    "minor_axis": CodedConcept.from_code(codes.SCT.MinorAxis),
    "mean_intensity": CodedConcept.from_code(codes.SCT.Mean),
    "sd_intensity": CodedConcept.from_code(codes.SCT.StandardDeviation),
    "min_intensity": CodedConcept.from_code(codes.SCT.Minimum),
    "max_intensity": CodedConcept.from_code(codes.SCT.Maximum),
    "pixel_count": local_code("pixel-count", "Number of pixels"),
    # muscle architecture: LOINC has Thickness; pennation and fascicle have no standard code
    "thickness": CodedConcept.from_code(codes.LN.Thickness),
    "pennation": local_code("pennation-angle", "Pennation angle"),
    "fascicle_angle": local_code("fascicle-angle", "Fascicle angle to the image horizontal"),
    "aponeurosis_angle": local_code("aponeur-angle", "Aponeurosis angle to the image horizontal"),
    "fascicle_length": local_code("fascicle-length", "Fascicle length"),
}
#: the method of a fascicle length whose end lies outside the image
EXTRAPOLATED_METHOD = local_code("lin-extrapolated", "Linear extrapolation beyond the image")
FINDING_TYPES: dict[str, CodedConcept] = {
    "tear": local_code("muscle-tear", "Muscle tear"),
    "atrophy": CodedConcept.from_code(codes.SCT.Atrophy),
    "nerve_enlargement": local_code("nerve-enlarge", "Nerve enlargement"),
    "other": CodedConcept.from_code(codes.DCM.Finding),
}
LATERALITY = {"left": codes.SCT.Left, "right": codes.SCT.Right}
PROCEDURE = CodedConcept.from_code(codes.SCT.DiagnosticUltrasonography)
DEVICE_UID_ROOT = "us-annotator device"
#: the qualitative evaluation of a group whose uncalibrated values were left out
CALIBRATION_STATUS = local_code("calib-status", "Calibration of measurements")
NOT_CALIBRATED = local_code("not-calibrated", "Not calibrated: values in pixel space left out")
#: the qualitative evaluation of a frame tracked with low confidence (< 0.5)
TRACKING_CONFIDENCE = local_code("track-conf", "Tracking confidence")
LOW_CONFIDENCE = local_code("low-track-conf", "Low tracking confidence (below 0.5)")
#: ... and of a still's value the automatic analysis read with low confidence
ANALYSIS_CONFIDENCE = local_code("analysis-conf", "Automatic analysis confidence")
LOW_ANALYSIS_CONFIDENCE = local_code("low-analysis-conf", "Low automatic analysis confidence (below 0.5)")
#: a finding's measured verdict (``annotator.case.verdict``), as every output words it
VERDICT = local_code("verdict", "Measured verdict")
VERDICT_CODES = {
    "within": CodedConcept(value="17621005", scheme_designator="SCT", meaning="Normal"),
    "enlarged": CodedConcept(value="260376009", scheme_designator="SCT", meaning="Enlarged"),
    "no_reference": local_code("no-reference", "No reference value for this nerve"),
}


def _unit(unit: str) -> CodedConcept:
    if unit not in UCUM_UNITS:  # px, px2: never in an SR (see the module notes)
        raise ValueError(f"no UCUM unit for {unit!r}")
    value, meaning = UCUM_UNITS[unit]
    return CodedConcept(value=value, scheme_designator="UCUM", meaning=meaning)


def _graphic(annotation: Annotation, points: list[tuple[float, float]]) -> tuple[str, np.ndarray] | None:
    """The SCOORD graphic type and data (pixel centres at .5: DICOM's origin is the corner)."""
    pts = np.asarray(points, dtype=float) + 0.5
    spec = kind_spec(annotation.kind)
    graphic = spec.sr_graphic if spec is not None else None
    if graphic == "POLYLINE" and len(pts) >= 2:
        return "POLYLINE", pts
    if graphic == "MEASURED_PATH":
        assert spec is not None and spec.measured_path is not None
        measured = spec.measured_path(points)
        return None if measured is None else ("POLYLINE", np.asarray(measured, dtype=float) + 0.5)
    if graphic == "CLOSED_POLYLINE" and len(pts) >= 3:
        return "POLYLINE", np.vstack([pts, pts[:1]])  # an area: closed by repeating the first point
    if graphic == "ELLIPSE" and len(pts) >= 3:
        e = ellipse_axes(points)
        (ax, ay), (bx, by) = (e.ux, e.uy), (e.vx, e.vy)
        if math.hypot(bx, by) > math.hypot(ax, ay):  # major axis first
            (ax, ay), (bx, by) = (bx, by), (ax, ay)
        c = np.array([e.cx + 0.5, e.cy + 0.5])
        ends = [c + (ax, ay), c - (ax, ay), c + (bx, by), c - (bx, by)]
        return "ELLIPSE", np.array(ends)
    if graphic == "POINT" and len(pts) == 1:
        return "POINT", pts
    return None


def _finding_sites(ctx: ExportContext, finding: Finding | None) -> list[hd.sr.FindingSite] | None:
    if finding is None or not finding.structure.strip():
        return None
    structure = ctx.text(finding.structure.strip())
    slug = "".join(ch for ch in structure.lower() if ch.isalnum())[:16] or "structure"
    laterality = LATERALITY.get(finding.side)
    return [hd.sr.FindingSite(local_code(slug, structure), laterality=laterality)]


def _group(ctx: ExportContext, annotation: Annotation, frame: int, measurements: list[Measurement],
           source: SourceImage | None) -> hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations | hd.sr.MeasurementsAndQualitativeEvaluations | None:
    finding = None
    if annotation.finding:
        try:
            finding = ctx.case.finding(annotation.finding)
        except KeyError:
            finding = None
    label = ctx.text(annotation.label.strip()) or annotation.kind
    tracking = hd.sr.TrackingIdentifier(uid=generate_uid(), identifier=f"{annotation.id} {label} frame {frame}"[:64])
    items = [
        hd.sr.Measurement(name=QUANTITY_CODES.get(m.quantity, local_code(m.quantity, m.quantity)),
                          value=float(m.value), unit=_unit(m.unit),
                          method=EXTRAPOLATED_METHOD if getattr(m, "extrapolated", False) else None)
        for m in measurements if m.calibrated and math.isfinite(m.value)
    ]
    left_out = any(not m.calibrated for m in measurements)
    if not items and not left_out:
        return None
    evaluations = [hd.sr.QualitativeEvaluation(CALIBRATION_STATUS, NOT_CALIBRATED)] if left_out else []
    confidence = annotation.confidence.get(frame)
    if confidence is not None and confidence < 0.5:
        concept, low = (TRACKING_CONFIDENCE, LOW_CONFIDENCE) if annotation.confidence_source == "tracking" \
            else (ANALYSIS_CONFIDENCE, LOW_ANALYSIS_CONFIDENCE)
        evaluations.append(hd.sr.QualitativeEvaluation(concept, low))
    if finding is not None:
        verdict = VERDICT_CODES.get(finding_verdict(ctx.document, finding, ctx.measure_flagged).status)
        if verdict is not None:
            evaluations.append(hd.sr.QualitativeEvaluation(VERDICT, verdict))
    finding_type = FINDING_TYPES.get(finding.type) if finding else None
    sites = _finding_sites(ctx, finding)
    points = annotation.points_at(frame)
    graphic = _graphic(annotation, points) if points else None
    if source is None or graphic is None:
        return hd.sr.MeasurementsAndQualitativeEvaluations(
            tracking_identifier=tracking, finding_type=finding_type, finding_sites=sites,
            measurements=items or None, qualitative_evaluations=evaluations or None,
        )
    frames = [frame + 1] if source.frames > 1 else None
    region = hd.sr.ImageRegion(
        graphic_type=graphic[0], graphic_data=graphic[1],
        source_image=hd.sr.SourceImageForRegion(source.sop_class_uid, source.sop_instance_uid, frames),
    )
    return hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
        tracking_identifier=tracking, referenced_region=region, finding_type=finding_type,
        finding_sites=sites, measurements=items or None, qualitative_evaluations=evaluations or None,
    )


def left_out_note(ctx: ExportContext, annotation: Annotation, m: Measurement) -> str:
    """What the export says about a value the SR leaves out."""
    name = ctx.text(annotation.label.strip()) or annotation.id
    return (f"left out of the SR: {name} ({annotation.kind}), frame {m.frame}, {m.quantity.replace('_', ' ')} "
            f"{ctx.text(flagged_display(m))}")


def build_measurement_report(ctx: ExportContext, left_out: list[str] | None = None) -> hd.sr.Comprehensive3DSR:
    """The SR; ``left_out`` receives a note for each uncalibrated value not in it."""
    sources = source_images(ctx)
    groups = []
    for annotation in ctx.case.annotations:
        if ctx.options.media is not None and annotation.media != ctx.options.media:
            continue
        for frame in sorted(set(annotation.keyframes) | {annotation.frame}):
            try:
                measured = ctx.measure(annotation, frame)
            except (MediaError, IndexError) as exc:
                raise ExportError(f"cannot measure annotation {annotation.id}: {exc}") from exc
            if left_out is not None:
                left_out += [left_out_note(ctx, annotation, m) for m in measured if not m.calibrated]
            group = _group(ctx, annotation, frame, measured, sources.get(annotation.media))
            if group is not None:
                groups.append(group)
    if not groups:
        raise ExportError("the case has no measurements for a structured report")
    observer = hd.sr.ObserverContext(
        observer_type=codes.DCM.Device,
        observer_identifying_attributes=hd.sr.DeviceObserverIdentifyingAttributes(
            uid=ctx.uid_map(DEVICE_UID_ROOT), name=MANUFACTURER, manufacturer_name=MANUFACTURER,
        ),
    )
    report = hd.sr.MeasurementReport(
        observation_context=hd.sr.ObservationContext(observer_device_context=observer),
        procedure_reported=PROCEDURE,
        imaging_measurements=groups,
    )
    header = study_header(ctx, sources)
    evidence = [s.header for s in sources.values()] or [_stand_in_evidence(header)]
    sr = hd.sr.Comprehensive3DSR(
        evidence=evidence, content=report[0], series_instance_uid=generate_uid(), series_number=900,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer=MANUFACTURER,
        is_complete=True, record_evidence=bool(sources), coding_schemes=coding_schemes(),
        software_versions=SOFTWARE_VERSION,
        series_description=ctx.text("Measurements: " + (ctx.options.title or ctx.case.title))[:64],
    )
    sr.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: names of structures, units in words
    if not sources:  # the stand-in only carried the patient and study
        for keyword in ("CurrentRequestedProcedureEvidenceSequence", "PertinentOtherEvidenceSequence"):
            if keyword in sr:
                delattr(sr, keyword)
    if not ctx.keep_identifiers:
        mark_deidentified(sr, pixels_cleaned=False, image=False)
    return sr


def _stand_in_evidence(header: Dataset) -> Dataset:
    ds = Dataset()
    for elem in header:
        ds.add(elem)
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = generate_uid()
    return ds


def write_sr(ctx: ExportContext, path: Path) -> list[str]:
    """Write the SR; returns the notes on values left out (not calibrated)."""
    left_out: list[str] = []
    build_measurement_report(ctx, left_out).save_as(path, enforce_file_format=True)
    return left_out
