"""The DICOMweb client against a real Orthanc: search with wildcards and paging, retrieval in
the original transfer syntax, frames, store, and a study downloaded into a case."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pydicom
import pytest

from annotator.case.io import load_case
from annotator.pacs.client import DicomWebClient, tag_value
from annotator.pacs.errors import PacsError
from annotator.pacs.servers import find_password, server_from_url
from annotator.pacs.study import find_studies, get_study, study_query

US1_STUDY = "1.3.6.1.4.1.5962.1.2.13.20040826185059.5457"
ISSUE164_STUDY = "1.2.276.0.26.1.1.1.2.2020.45.52293.1506048"


@pytest.fixture
def client(server_url: str, password_env: str) -> DicomWebClient:
    server = server_from_url(server_url)
    return DicomWebClient(server, find_password(server))


def test_wildcard_search_is_sent_unencoded(client: DicomWebClient) -> None:
    studies = find_studies(client, study_query(patient_name="Compressed*"))
    assert [s.study_uid for s in studies] == [US1_STUDY]
    (series,) = studies[0].series
    assert series.modality == "US" and series.instances == 2 and series.frames == 2
    assert find_studies(client, study_query(patient_name="Nobody*")) == []


def test_paging_walks_every_study(client: DicomWebClient) -> None:
    everything = {str(tag_value(s, "0020000D")) for s in client.search_studies()}
    paged = [str(tag_value(s, "0020000D")) for s in client.search_studies(page_size=1)]
    assert len(paged) == len(everything) >= 2 and set(paged) == everything
    assert len(list(client.search_studies(page_size=1, max_results=1))) == 1


def test_date_and_modality_filters(client: DicomWebClient) -> None:
    assert [s.study_uid for s in find_studies(client, study_query(date="20040826-20040826"),
                                             with_series=False)] == [US1_STUDY]
    assert find_studies(client, study_query(modality="CT"), with_series=False) == []
    with pytest.raises(PacsError, match="YYYYMMDD"):
        study_query(date="2004-08-26")


def test_clip_arrives_in_its_original_transfer_syntax(client: DicomWebClient, orthanc: object) -> None:
    studies = find_studies(client, study_query(patient_id="267879SU5*"))
    if not studies:
        pytest.skip("Issue164.dcm (corpus) was not uploaded")
    (series,) = studies[0].series
    assert series.frames == 87
    (inst,) = client.search_instances(ISSUE164_STUDY, series.series_uid)
    sop = str(tag_value(inst, "00080018"))
    data = client.retrieve_instance(ISSUE164_STUDY, series.series_uid, sop)
    ds = pydicom.dcmread(io.BytesIO(data))
    assert ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.50" and int(ds.NumberOfFrames) == 87
    frames = client.retrieve_frames(ISSUE164_STUDY, series.series_uid, sop, [1, 87])
    assert len(frames) == 2 and all(f[:2] == b"\xff\xd8" for f in frames)  # JPEG, not decoded


def test_get_study_writes_files_and_a_case(client: DicomWebClient, tmp_path: Path) -> None:
    case_path = get_study(client, US1_STUDY, tmp_path / "dl")
    case = load_case(case_path)
    assert len(case.media) == 2 and not case.load_warnings
    uids = {pydicom.dcmread(case.resolve_media_path(m)).SOPInstanceUID for m in case.media}
    assert len(uids) == 2
    assert not list((tmp_path / "dl").glob(".*.part"))
    # a second get resumes: files already there are kept, the case is rewritten
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "dl").glob("*.dcm")}
    get_study(client, US1_STUDY, tmp_path / "dl")
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "dl").glob("*.dcm")} == before


def test_unknown_study_and_wrong_password(client: DicomWebClient, server_url: str, tmp_path: Path) -> None:
    with pytest.raises(PacsError) as err:
        client.retrieve_instance("1.2.3.4", "1.2.3.5", "1.2.3.6")
    assert err.value.kind == "not-found"
    with pytest.raises(PacsError, match="no instances|not found"):
        get_study(client, "1.2.3.4", tmp_path / "never")
    assert not (tmp_path / "never").exists()
    bad = DicomWebClient(server_from_url(server_url), "wrong")
    with pytest.raises(PacsError, match="password") as err:
        bad.echo()
    assert err.value.kind == "auth"


def test_store_then_find(client: DicomWebClient) -> None:
    from pydicom.data import get_testdata_file

    data = Path(str(get_testdata_file("US1_J2KI.dcm"))).read_bytes()
    client.store([data])
    (study,) = find_studies(client, study_query(patient_name="Compressed*"))
    assert study.series[0].instances == 3


def test_rendered_thumbnail_is_a_small_jpeg(client: DicomWebClient) -> None:
    from annotator.pacs.study import list_series

    (series,) = list_series(client, US1_STUDY)
    uncompressed = "1.3.6.1.4.1.5962.1.1.13.1.1.20040826185059.5457"  # US1_UNCR
    assert 1 <= len(series.sample_instances) <= 3
    data = client.rendered(US1_STUDY, series.series_uid, uncompressed, size=64)
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and max(image.shape[:2]) <= 64


def test_remote_clip_reads_frames_lazily_and_matches_the_file(client: DicomWebClient,
                                                               tmp_path: Path) -> None:
    from annotator.media.opener import open_media
    from annotator.pacs.remote_clip import RemoteClip

    studies = find_studies(client, study_query(patient_id="267879SU5*"))
    if not studies:
        pytest.skip("Issue164.dcm (corpus) was not uploaded")
    series = studies[0].series[0]
    sop = series.sample_instances[0]
    clip = RemoteClip(client, ISSUE164_STUDY, series.series_uid, sop, tmp_path / "clip.dcm")
    assert clip.frame_count == 87 and clip.frame_times_ms[1] > 0
    local = open_media(ISSUE_FILE)
    for i in (0, 86):
        remote, truth = clip.frame(i).astype(int), local.frame(i).astype(int)
        assert remote.shape == truth.shape
        assert np.array_equal(remote, truth)  # the same codestream through the same decoder
    assert clip.download.wait(30) and clip.complete
    clip.close()


ISSUE_FILE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "orthanc-tests" / "Issue164.dcm"
