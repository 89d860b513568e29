"""De-identification of what leaves the tool: DICOM headers, free text and output metadata.

Every exporter de-identifies unless the user asks for ``keep_identifiers``. DICOM objects follow
PS3.15 Table E.1-1, the Basic Application Level Confidentiality Profile, applied from the table
itself (``annotator.export.deid_profile``), with Patient Identity Removed = YES and the method
in words and codes; Clean Pixel Data is claimed only when it is true. The pixels are cleaned
separately (``imaging_area``, ``redaction``). Free text the user typed (titles, captions,
labels, notes) is scrubbed of every identifier found in the source files, in its written forms
(``deid_text``), since clinicians do type patients' names and birth dates into case titles.
"""

from __future__ import annotations

from functools import cache

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import UID, UID_dictionary, generate_uid

from annotator.export.deid_profile import (
    PSEUDONYM,
    apply_profile,
    method_codes,
    profile_table,
)
from annotator.export.deid_text import REMOVED_TEXT, IdentifierSet
from annotator.media.base import Media

DEID_METHOD = "PS3.15 E.1-1 basic profile; no retain options"  # LO: at most 64
PSEUDONYM_NAME = "ANONYMOUS^"  # a person name of one component, as PS3.5 writes it
#: the clinical trial modules: left out of derived outputs (see ``deidentify_dataset``); the
#: group also holds Patient Identity Removed and the method (0012,0062-0064), which stay
CLINICAL_TRIAL_GROUP = 0x0012
DEID_MARKS = frozenset({0x00120062, 0x00120063, 0x00120064})
#: identity of the patient and study whose values are always scrubbed from free text
IDENTITY_KEYWORDS: frozenset[str] = frozenset({
    "PatientName", "PatientID", "PatientBirthDate", "StudyDate", "StudyID", "AccessionNumber",
    "ReferringPhysicianName",
})
#: VRs whose values can be typed as text (numbers such as a weight would scrub measurements)
TEXT_VRS = frozenset({"PN", "LO", "SH", "LT", "ST", "UT", "UC", "DA", "DT", "AE", "UI"})
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
    ds: Dataset, uid_map: UidMap, *, pseudonym: str = PSEUDONYM, pixels_cleaned: bool = True,
    derived: bool = True,
) -> Dataset:
    """Apply Table E.1-1 to ``ds`` in place (and return it).

    ``derived``: the dataset only lends its patient, study and references to a new object (our
    SR and SC); its Clinical Trial modules are then left out whole, since after the profile they
    hold only dummies, and a partial module would make the new object invalid.
    """
    apply_profile(ds, uid_map)
    if derived:
        for elem in list(ds):
            if elem.tag.group == CLINICAL_TRIAL_GROUP and int(elem.tag) not in DEID_MARKS:
                del ds[elem.tag]
    ds.PatientName = pseudonym + "^"
    ds.PatientID = pseudonym
    mark_deidentified(ds, pixels_cleaned=pixels_cleaned)
    if "file_meta" in ds.__dict__ and ds.file_meta is not None:
        meta = ds.file_meta
        if "MediaStorageSOPInstanceUID" in meta:
            meta.MediaStorageSOPInstanceUID = UID(uid_map(meta.MediaStorageSOPInstanceUID))
    return ds


def mark_deidentified(ds: Dataset, *, pixels_cleaned: bool, image: bool = True) -> None:
    """Patient Identity Removed = YES, the method in words and as codes (CID 7050); an image
    says Burned In Annotation YES unless its pixels were cleaned."""
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = DEID_METHOD + ("; clean pixel data" if pixels_cleaned and image else "")
    items = []
    for value, meaning in method_codes(pixels_cleaned and image):
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
@cache
def _scrubbed_tags() -> frozenset[int]:
    """Attributes of Table E.1-1 whose values are identifiers to look for in typed text: every
    one the profile does not keep, except descriptors (their words are anatomy and protocol,
    "medial gastrocnemius, contraction", which the Clean Descriptors option would clean) and
    patient characteristics (a weight or a size would scrub measurements)."""
    table = profile_table()
    found = set()
    for tag, row in table.by_tag.items():
        if row.basic == "K" or "clean_descriptors" in row.options or "retain_patient_characteristics" in row.options:
            continue
        found.add(tag)
    return frozenset(found)


def identifiers_of(media: Media) -> IdentifierSet:
    """Identifier values of one media: its flagged metadata, and for DICOM the header itself."""
    found = IdentifierSet()
    for item in media.metadata.identifiers:
        found.add(item.value, person_name=any(w in item.key for w in _PERSON_KEY_WORDS), kind=item.key)
    header = read_source_header(media)
    if header is not None:
        _collect(header, found)
    return found


def _collect(ds: Dataset, found: IdentifierSet) -> None:
    scrubbed = _scrubbed_tags()
    for elem in ds:
        if elem.VR == "SQ":
            for item in elem.value:
                _collect(item, found)
            continue
        if elem.value in (None, "") or elem.tag.is_private or elem.VR not in TEXT_VRS:
            continue
        listed = int(elem.tag) in scrubbed or elem.keyword in IDENTITY_KEYWORDS
        if not listed and elem.VR not in ("PN", "DA", "DT") and not (elem.VR == "UI" and str(elem.value) not in UID_dictionary):
            continue
        if elem.VR == "UI" and str(elem.value) in UID_dictionary:
            continue
        for v in elem.value if elem.VM > 1 else [elem.value]:
            text = str(v)
            found.add(text, person_name=elem.VR == "PN", kind=elem.keyword or str(elem.tag))
            if elem.VR == "DT" and len(text) >= 8:
                found.add(text[:8])  # the date of a date-time, in all its written forms


__all__ = [
    "DEID_METHOD", "PSEUDONYM", "PSEUDONYM_NAME", "REMOVED_TEXT", "IdentifierSet", "UidMap",
    "deidentify_dataset", "identifiers_of", "mark_deidentified", "read_source_header",
]
