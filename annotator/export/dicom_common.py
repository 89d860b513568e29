"""What the DICOM outputs share: the source images as evidence, the patient and study they
belong to (de-identified by default) and the codes of this tool.

With DICOM sources, the SR and SC join the source study (its UIDs replaced consistently within
one export unless identifiers are kept), so their references resolve against the de-identified
images. Without any DICOM source (video, stills) they get a new study of a pseudonymous patient.
"""

from __future__ import annotations

from dataclasses import dataclass

from highdicom.coding_schemes import CodingSchemeIdentificationItem
from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from annotator import __version__
from annotator.export.context import ExportContext
from annotator.export.deid import PSEUDONYM, PSEUDONYM_NAME, deidentify_dataset, read_source_header

MANUFACTURER = "us-annotator"
SOFTWARE_VERSION = __version__
#: local codes (a private coding scheme) for what SNOMED-CT's dictionary in pydicom lacks
LOCAL_SCHEME = "99USANNOT"
PATIENT_MODULE = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "PatientIdentityRemoved",
    "DeidentificationMethod", "DeidentificationMethodCodeSequence",
)
STUDY_MODULE = (
    "StudyInstanceUID", "StudyDate", "StudyTime", "ReferringPhysicianName", "StudyID",
    "AccessionNumber",
)


def coding_schemes() -> list[CodingSchemeIdentificationItem]:
    """Declares the local scheme in each object (Coding Scheme Identification Sequence)."""
    return [CodingSchemeIdentificationItem(
        designator=LOCAL_SCHEME, name="us-annotator local codes", responsible_organization=MANUFACTURER,
    )]


def local_code(value: str, meaning: str) -> CodedConcept:
    return CodedConcept(value=value[:16], scheme_designator=LOCAL_SCHEME, meaning=meaning[:64])


@dataclass
class SourceImage:
    """One DICOM source file as the outputs reference it (UIDs already mapped)."""

    media_id: str
    header: Dataset  # no pixels; de-identified unless identifiers are kept
    frames: int

    @property
    def sop_class_uid(self) -> str:
        return str(self.header.SOPClassUID)

    @property
    def sop_instance_uid(self) -> str:
        return str(self.header.SOPInstanceUID)


def source_images(ctx: ExportContext) -> dict[str, SourceImage]:
    """The case's DICOM media (that have the UIDs a reference needs), by media id."""
    found: dict[str, SourceImage] = {}
    for ref in ctx.case.media:
        media = ctx.media(ref.id)
        header = read_source_header(media)
        if header is None or "SOPInstanceUID" not in header or "SOPClassUID" not in header:
            continue
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID"):
            if keyword not in header:
                setattr(header, keyword, generate_uid())
        if not ctx.keep_identifiers:
            deidentify_dataset(header, ctx.uid_map, pixels_cleaned=True)
        for keyword in PATIENT_MODULE[:4] + STUDY_MODULE[1:]:
            if keyword not in header:
                setattr(header, keyword, "")
        found[ref.id] = SourceImage(ref.id, header, media.frame_count)
    return found


def study_header(ctx: ExportContext, sources: dict[str, SourceImage]) -> Dataset:
    """The patient and study of the outputs: the first DICOM source's, else a new study."""
    header = Dataset()
    if sources:
        first = next(iter(sources.values())).header
        for keyword in PATIENT_MODULE + STUDY_MODULE:
            if keyword in first:
                setattr(header, keyword, first.data_element(keyword).value)  # type: ignore[union-attr]
        return header
    header.PatientName = "" if ctx.keep_identifiers else PSEUDONYM_NAME
    header.PatientID = "" if ctx.keep_identifiers else PSEUDONYM
    header.PatientBirthDate = ""
    header.PatientSex = ""
    header.StudyInstanceUID = ctx.uid_map("study:" + str(id(ctx.case)))
    for keyword in STUDY_MODULE[1:]:
        setattr(header, keyword, "")
    return header


def laterality(ctx: ExportContext) -> str:
    """"R" or "L" when every sided finding of the case is on that side, else empty (unknown)."""
    sides = {f.side for f in ctx.case.findings if f.side in ("left", "right")}
    return {"left": "L", "right": "R"}[sides.pop()] if len(sides) == 1 else ""
