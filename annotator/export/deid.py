"""De-identification of what leaves the tool: DICOM headers, free text and output metadata.

Every exporter de-identifies unless the user asks for ``keep_identifiers``. DICOM objects follow
the PS3.15 Basic Application Level Confidentiality Profile (identity, people, institutions,
dates and descriptions removed, UIDs replaced, private tags dropped) with Patient Identity
Removed = YES; the pixels are cleaned separately (``annotator.export.imaging_area``).
Free text the user typed (titles, captions, labels, notes) is scrubbed of every identifier value
found in the source files, since clinicians do type patients' names into case titles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID, UID_dictionary, generate_uid

from annotator.media.base import Media

DEID_METHOD = "us-annotator: PS3.15 basic profile, new UIDs, no dates"  # LO: at most 64
PSEUDONYM = "ANONYMOUS"
PSEUDONYM_NAME = "ANONYMOUS^"  # a person name of one component, as PS3.5 writes it
REMOVED_TEXT = "[removed]"

#: attributes that identify the patient, the people involved or the institution (PS3.15 E.1-1)
IDENTIFYING_KEYWORDS: frozenset[str] = frozenset({
    "AccessionNumber", "AdditionalPatientHistory", "AdmissionID", "AdmittingDiagnosesDescription",
    "Allergies", "BranchOfService", "ConsultingPhysicianName", "ContentCreatorName",
    "CountryOfResidence", "CurrentPatientLocation", "DerivationDescription", "DeviceSerialNumber",
    "EthnicGroup", "FrameComments", "ImageComments", "InstitutionAddress", "InstitutionCodeSequence",
    "InstitutionName", "InstitutionalDepartmentName", "IssuerOfPatientID", "MedicalAlerts",
    "MedicalRecordLocator", "MilitaryRank", "NameOfPhysiciansReadingStudy", "Occupation",
    "OperatorsName", "OtherPatientIDs", "OtherPatientIDsSequence", "OtherPatientNames",
    "PatientAddress", "PatientAge", "PatientBirthName", "PatientBirthTime", "PatientComments",
    "PatientInsurancePlanCodeSequence", "PatientMotherBirthName", "PatientReligiousPreference",
    "PatientSize", "PatientState", "PatientTelephoneNumbers", "PatientTransportArrangements",
    "PatientWeight", "PerformedProcedureStepDescription", "PerformedProcedureStepID",
    "PerformingPhysicianName", "PhysiciansOfRecord", "PregnancyStatus", "ProtocolName",
    "ReasonForStudy", "ReferencedPatientSequence", "ReferringPhysicianAddress",
    "ReferringPhysicianTelephoneNumbers", "RequestAttributesSequence", "RequestedProcedureDescription",
    "RequestedProcedureID", "RequestingPhysician", "ResponsibleOrganization", "ResponsiblePerson",
    "ScheduledPerformingPhysicianName", "SeriesDescription", "SmokingStatus", "StationName",
    "StudyDescription", "TextComments", "TextString", "DeviceUID", "OriginalAttributesSequence",
})
#: type 2 attributes of the patient and study modules: kept, but empty or a pseudonym
EMPTIED_KEYWORDS: frozenset[str] = frozenset({
    "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime", "ReferringPhysicianName",
    "StudyID", "AccessionNumber",
})
#: identity of the patient and study whose values are scrubbed from free text
IDENTITY_KEYWORDS: frozenset[str] = frozenset({
    "PatientName", "PatientID", "PatientBirthDate", "StudyDate", "StudyID", "AccessionNumber",
    "ReferringPhysicianName",
})
DATE_VRS = frozenset({"DA", "DT", "TM"})
#: free-text and descriptive attributes: removed from DICOM outputs, but their words are
#: anatomy and protocol ("medial gastrocnemius, contraction"), not identity, so they are
#: never used to scrub captions and labels
DESCRIPTIVE_KEYWORDS: frozenset[str] = frozenset({
    "AdditionalPatientHistory", "AdmittingDiagnosesDescription", "Allergies", "BranchOfService",
    "CountryOfResidence", "DerivationDescription", "EthnicGroup", "FrameComments", "ImageComments",
    "MedicalAlerts", "MilitaryRank", "Occupation", "PatientAge", "PatientComments", "PatientSize",
    "PatientState", "PatientWeight", "PatientReligiousPreference", "PerformedProcedureStepDescription",
    "PregnancyStatus", "ProtocolName", "ReasonForStudy", "RequestedProcedureDescription",
    "SeriesDescription", "SmokingStatus", "StudyDescription", "TextComments", "TextString",
})
#: metadata keys (media.metadata) whose values are people's names, scrubbed part by part
_PERSON_KEY_WORDS = ("name", "physician", "operator", "artist", "author")


class UidMap:
    """Replaces source UIDs with new ones, consistently within one export (so an SR's
    references still point at the de-identified images of the same export)."""

    def __init__(self, salt: str | None = None) -> None:
        self._salt = salt
        self._map: dict[str, str] = {}

    def __call__(self, uid: str) -> str:
        uid = str(uid)
        if uid in UID_dictionary:  # SOP classes, transfer syntaxes: not identifying
            return uid
        if uid not in self._map:
            entropy = None if self._salt is None else [self._salt, uid]
            self._map[uid] = generate_uid(entropy_srcs=entropy)
        return self._map[uid]

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self._map)


def deidentify_dataset(
    ds: Dataset, uid_map: UidMap, *, pseudonym: str = PSEUDONYM, pixels_cleaned: bool = True
) -> Dataset:
    """Apply the basic profile to ``ds`` in place (and return it).

    Dates and times go, except none that a module requires (those become empty); person names
    go; UIDs are replaced through ``uid_map``; private tags are removed.
    """
    ds.remove_private_tags()
    _clean(ds, uid_map)
    ds.PatientName = pseudonym + "^"
    ds.PatientID = pseudonym
    for keyword in EMPTIED_KEYWORDS:
        setattr(ds, keyword, "")
    mark_deidentified(ds, pixels_cleaned=pixels_cleaned)
    if "file_meta" in ds.__dict__ and ds.file_meta is not None:
        meta = ds.file_meta
        if "MediaStorageSOPInstanceUID" in meta:
            meta.MediaStorageSOPInstanceUID = UID(uid_map(meta.MediaStorageSOPInstanceUID))
    return ds


def _clean(ds: Dataset, uid_map: UidMap) -> None:
    for elem in list(ds):
        keyword = elem.keyword
        if keyword in IDENTIFYING_KEYWORDS:
            del ds[elem.tag]
        elif elem.VR == "SQ":
            for item in elem.value:
                _clean(item, uid_map)
        elif elem.VR in DATE_VRS or elem.VR == "PN":
            del ds[elem.tag]
        elif elem.VR == "UI" and elem.value:
            if elem.VM > 1:
                elem.value = [uid_map(v) for v in elem.value]
            else:
                elem.value = uid_map(elem.value)


def mark_deidentified(ds: Dataset, *, pixels_cleaned: bool, image: bool = True) -> None:
    """Patient Identity Removed = YES, the method in words and as codes (CID 7050)."""
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = DEID_METHOD
    codes = [("113100", "Basic Application Confidentiality Profile")]
    if pixels_cleaned:
        codes.append(("113101", "Clean Pixel Data Option"))
    items = []
    for value, meaning in codes:
        item = Dataset()
        item.CodeValue = value
        item.CodingSchemeDesignator = "DCM"
        item.CodeMeaning = meaning
        items.append(item)
    ds.DeidentificationMethodCodeSequence = items
    if image:
        ds.BurnedInAnnotation = "NO" if pixels_cleaned else "YES"


def read_source_header(media: Media) -> Dataset | None:
    """The DICOM header of a DICOM media (no pixels), or None for video and stills."""
    if media.kind != "dicom":
        return None
    try:
        return pydicom.dcmread(media.path, stop_before_pixels=True, force=True)
    except (OSError, InvalidDicomError):
        return None


# -- identifiers in free text -------------------------------------------------------------------
@dataclass
class IdentifierSet:
    """The identifying strings found in a case's sources, to keep them out of every output."""

    values: set[str] = field(default_factory=set)

    def add(self, value: object, person_name: bool = False) -> None:
        text = str(value).strip()
        if not _specific_enough(text):
            return  # "M" or "12" would wreck every text it was scrubbed from
        self.values.add(text)
        # A person name: "DOE^JOHN" is written "John Doe" or "DOE, JOHN" elsewhere. Only names
        # are split into words: a free-text value's words are ordinary (anatomy, protocol).
        if person_name or "^" in text:
            for part in re.split(r"[\^,\s=]+", text):
                if _specific_enough(part) and not part.isdigit():
                    self.values.add(part)
        digits = re.sub(r"\D", "", text)
        if len(digits) == 8 and digits == text:  # a DICOM date: also its written forms
            y, m, d = digits[:4], digits[4:6], digits[6:]
            self.values.update({f"{y}-{m}-{d}", f"{d}.{m}.{y}", f"{d}/{m}/{y}", f"{m}/{d}/{y}"})

    def update(self, values: Iterable[object]) -> None:
        for v in values:
            self.add(v)

    def scrub(self, text: str) -> str:
        """``text`` with every identifier replaced by "[removed]" (case-insensitive)."""
        if not text or not self.values:
            return text
        for value in sorted(self.values, key=len, reverse=True):
            text = re.sub(re.escape(value), REMOVED_TEXT, text, flags=re.IGNORECASE)
        # "Doe^John" scrubbed part by part reads "[removed] [removed]": say it once
        return re.sub(r"\[removed\](?:[\s^,]+\[removed\])+", REMOVED_TEXT, text)

    def found_in(self, text: str) -> list[str]:
        lowered = text.lower()
        return sorted(v for v in self.values if v.lower() in lowered)


def _specific_enough(text: str) -> bool:
    return len(text) >= (5 if text.isdigit() else 3)


def identifiers_of(media: Media) -> IdentifierSet:
    """Identifier values of one media: its flagged metadata, and for DICOM the header itself."""
    found = IdentifierSet()
    for item in media.metadata.identifiers:
        found.add(item.value, person_name=any(w in item.key for w in _PERSON_KEY_WORDS))
    header = read_source_header(media)
    if header is not None:
        _collect(header, found)
    return found


def _collect(ds: Dataset, found: IdentifierSet) -> None:
    for elem in ds:
        if elem.VR == "SQ":
            for item in elem.value:
                _collect(item, found)
            continue
        if elem.value in (None, "") or elem.tag.is_private:
            continue
        if elem.keyword in DESCRIPTIVE_KEYWORDS:
            continue
        if elem.keyword in IDENTIFYING_KEYWORDS or elem.keyword in IDENTITY_KEYWORDS:
            found.add(elem.value, person_name=elem.VR == "PN")
        elif elem.VR in ("PN", "DA", "DT") or (elem.VR == "UI" and str(elem.value) not in UID_dictionary):
            for v in elem.value if elem.VM > 1 else [elem.value]:
                found.add(v, person_name=elem.VR == "PN")
