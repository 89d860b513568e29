"""DICOM Secondary Capture of a figure (highdicom ``SCImage``), for PACS viewers that show SC
images but not SRs: the same pixels as the PNG figure, in the source study, referencing the
source frames it was derived from."""

from __future__ import annotations

from pathlib import Path

import highdicom as hd
from pydicom.dataset import Dataset
from pydicom.uid import RLELossless, generate_uid

from annotator.export.context import ExportContext
from annotator.export.deid import mark_deidentified
from annotator.export.deid_report import pixels_clean
from annotator.export.dicom_common import (
    MANUFACTURER,
    SOFTWARE_VERSION,
    SourceImage,
    laterality,
    source_images,
    study_header,
)
from annotator.export.figure import FigurePlan, figure_spec_from_options, plan_figure, render_plan
from annotator.render import qimage_to_numpy


def _source_image_items(plan: FigurePlan, sources: dict[str, SourceImage]) -> list[Dataset]:
    items = []
    for panel in plan.image_panels:
        source = sources.get(panel.spec.media)
        if source is None:
            continue
        item = Dataset()
        item.ReferencedSOPClassUID = source.sop_class_uid
        item.ReferencedSOPInstanceUID = source.sop_instance_uid
        if source.frames > 1:
            item.ReferencedFrameNumber = panel.spec.frame + 1
        items.append(item)
    return items


def build_secondary_capture(ctx: ExportContext, plan: FigurePlan | None = None) -> hd.sc.SCImage:
    plan = plan or plan_figure(figure_spec_from_options(ctx), ctx)
    pixels = qimage_to_numpy(render_plan(plan, ctx))
    sources = source_images(ctx)
    header = study_header(ctx, sources)
    sc = hd.sc.SCImage(
        pixel_array=pixels,
        photometric_interpretation="RGB",
        bits_allocated=8,
        coordinate_system="PATIENT",
        patient_orientation=("A", "F"),  # required by highdicom; replaced by "unknown" below
        study_instance_uid=header.StudyInstanceUID,
        series_instance_uid=generate_uid(),
        series_number=901,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        patient_id=str(header.get("PatientID", "")),
        patient_name=str(header.get("PatientName", "")) or None,
        patient_birth_date=str(header.get("PatientBirthDate", "")) or None,
        patient_sex=str(header.get("PatientSex", "")) or None,
        study_id=str(header.get("StudyID", "")) or None,
        accession_number=str(header.get("AccessionNumber", "")) or None,
        study_date=str(header.get("StudyDate", "")) or None,
        study_time=str(header.get("StudyTime", "")) or None,
        referring_physician_name=str(header.get("ReferringPhysicianName", "")) or None,
        transfer_syntax_uid=RLELossless,
        series_description=ctx.text("Figure: " + (ctx.options.title or ctx.case.title))[:64],
        software_versions=SOFTWARE_VERSION,
    )
    sc.PatientOrientation = []  # an ultrasound figure has no patient axes (type 2: empty)
    sc.Laterality = laterality(ctx)
    sc.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: captions say mm² and °
    # Clean Pixel Data only when no likely text is left in any panel (burned_text): else the
    # truth, Burned In Annotation YES, and the export's notes say where
    clean = not ctx.keep_identifiers and pixels_clean(ctx, [(p.spec.media, p.spec.frame) for p in plan.image_panels])
    sc.BurnedInAnnotation = "NO" if clean else "YES"
    items = _source_image_items(plan, sources)
    if items:
        sc.SourceImageSequence = items
        sc.DerivationDescription = "Annotated figure of the referenced ultrasound frames"
    if plan.caption:
        sc.ImageComments = plan.caption[:10240]
    if not ctx.keep_identifiers:
        mark_deidentified(sc, pixels_cleaned=clean)
    return sc


def write_secondary_capture(ctx: ExportContext, path: Path) -> FigurePlan:
    plan = plan_figure(figure_spec_from_options(ctx), ctx)
    build_secondary_capture(ctx, plan).save_as(path, enforce_file_format=True)
    return plan
