"""Study-level operations on a DICOMweb server: a study list with its series, and a study
downloaded into a folder as an ordinary case."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.case.fileutil import fsync_folder, sha256_file
from annotator.case.io import save_case
from annotator.case.model import Case, MediaRef
from annotator.pacs.client import DicomWebClient, Json, tag_value
from annotator.pacs.errors import PacsError

STUDY_FIELDS = ("StudyDescription", "AccessionNumber", "PatientID", "PatientName", "StudyDate")
_UID = re.compile(r"^[0-9.]{1,64}$")


@dataclass
class SeriesSummary:
    series_uid: str
    modality: str
    description: str
    instances: int
    frames: int
    #: a few instances of the series, to try for a thumbnail; not part of the JSON listing
    sample_instances: list[str] = field(default_factory=list)


@dataclass
class StudySummary:
    study_uid: str
    patient_name: str
    patient_id: str
    study_date: str
    accession: str
    description: str
    series: list[SeriesSummary] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        d = self.__dict__.copy()
        d["series"] = [{k: v for k, v in s.__dict__.items() if k != "sample_instances"}
                       for s in self.series]
        return d


def study_query(patient_name: str | None = None, patient_id: str | None = None,
                accession: str | None = None, date: str | None = None,
                modality: str | None = None) -> dict[str, str | int]:
    q: dict[str, str | int] = {}
    if patient_name:
        q["PatientName"] = patient_name
    if patient_id:
        q["PatientID"] = patient_id
    if accession:
        q["AccessionNumber"] = accession
    if date:
        if not re.fullmatch(r"\d{8}(-\d{8})?|-\d{8}|\d{8}-", date):
            raise PacsError(f"a date is YYYYMMDD or YYYYMMDD-YYYYMMDD, not {date!r}", "config")
        q["StudyDate"] = date
    if modality:
        q["ModalitiesInStudy"] = modality
    return q


def _study(item: Json) -> StudySummary:
    def text(tag: str) -> str:
        value = tag_value(item, tag)
        return "" if value is None else str(value)
    return StudySummary(text("0020000D"), text("00100010"), text("00100020"), text("00080020"),
                        text("00080050"), text("00081030"))


def find_studies(client: DicomWebClient, query: dict[str, str | int], with_series: bool = True,
                 max_results: int | None = None, offset: int = 0) -> list[StudySummary]:
    studies = [_study(item) for item in client.search_studies(
        {**query, "includefield": ",".join(STUDY_FIELDS)}, max_results=max_results, offset=offset)]
    if with_series:
        for study in studies:
            study.series = list_series(client, study.study_uid)
    return studies


def list_series(client: DicomWebClient, study_uid: str) -> list[SeriesSummary]:
    out = []
    for item in client.search_series(study_uid, {"includefield": "SeriesDescription"}):
        series_uid = str(tag_value(item, "0020000E") or "")
        frames = 0
        instances = 0
        sample: list[str] = []
        for inst in client.search_instances(study_uid, series_uid, {"includefield": "00280008"},
                                            page_size=1000):
            instances += 1
            frames += int(tag_value(inst, "00280008") or 1)
            if len(sample) < 3 and tag_value(inst, "00080018"):
                sample.append(str(tag_value(inst, "00080018")))
        out.append(SeriesSummary(series_uid, str(tag_value(item, "00080060") or ""),
                                 str(tag_value(item, "0008103E") or ""), instances, frames, sample))
    return out


def write_atomic(target: Path, data: bytes) -> None:
    """Write bytes beside ``target`` and rename: a failure leaves no half-written file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def get_study(client: DicomWebClient, study_uid: str, dest: Path,
              progress: Callable[[int, int], None] | None = None) -> Path:
    """Download every instance of a study into ``dest`` (one file per instance, already
    present files are kept: a cut transfer resumes) and write a case that references them.
    Returns the case file path."""
    if not _UID.match(study_uid):
        raise PacsError(f"not a DICOM UID: {study_uid!r}", "config")
    wanted: list[tuple[str, str]] = []
    for series in client.search_series(study_uid):
        series_uid = str(tag_value(series, "0020000E"))
        for inst in client.search_instances(study_uid, series_uid, page_size=1000):
            wanted.append((series_uid, str(tag_value(inst, "00080018"))))
    if not wanted:
        raise PacsError(f"study {study_uid} has no instances on {client.server.url}", "not-found")
    dest.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for n, (series_uid, sop_uid) in enumerate(wanted, 1):
        if not _UID.match(sop_uid) or not _UID.match(series_uid):
            raise PacsError(f"the server sent a malformed UID {sop_uid!r}", "not-dicom")
        target = dest / f"{sop_uid}.dcm"
        if not target.is_file():  # resume: what arrived whole before is kept
            write_atomic(target, client.retrieve_instance(study_uid, series_uid, sop_uid))
        files.append(target)
        if progress is not None:
            progress(n, len(wanted))
    return write_study_case(files, dest, study_uid)


def write_study_case(files: list[Path], dest: Path, study_uid: str) -> Path:
    """A case in ``dest`` that references the downloaded ``files``; its path."""
    fsync_folder(dest)
    case = Case(title=f"PACS study {study_uid}")
    for path in files:
        case.media.append(MediaRef(case.new_id("m"), str(path.resolve()), sha256_file(path)))
    return save_case(case, dest / f"{_safe_name(study_uid)}.uscase.json")


def _safe_name(uid: str) -> str:
    return "study-" + uid[-24:]
