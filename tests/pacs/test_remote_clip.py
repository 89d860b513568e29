"""A clip opened from the real Orthanc: first frame at once, the whole instance in ONE
request into the cache (original transfer syntax, renamed when whole), offline reopening,
and cut transfers (resumed with only the missing frames, or discarded with a message)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest
from clips import clip_dicom
from orthanc_server import PASSWORD, USER, Orthanc
from proxy import Proxy, running_proxy

from annotator.media.dicom import DicomMedia
from annotator.pacs.client import DicomWebClient
from annotator.pacs.errors import PacsError
from annotator.pacs.remote_clip import RemoteClip, cache_path, open_instance
from annotator.pacs.servers import server_from_url
from annotator.pacs.stream import CLOSE_BEFORE_RENAME, InstanceDownload

FRAMES = 40


def _uids(data: bytes) -> tuple[str, str, str]:
    import io

    ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
    return str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID)


@pytest.fixture(scope="module")
def clips(orthanc: Orthanc, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, tuple[str, str, str]]]:
    """A JPEG and an uncompressed clip on the server, and their original files."""
    folder = tmp_path_factory.mktemp("clips")
    out = {}
    for name, jpeg in (("jpeg", True), ("native", False)):
        data = clip_dicom(FRAMES, jpeg=jpeg, patient=f"Stream^{name}")
        path = folder / f"{name}.dcm"
        path.write_bytes(data)
        orthanc.upload(path)
        out[name] = (path, _uids(data))
    return out


@pytest.fixture
def client(orthanc: Orthanc) -> DicomWebClient:
    return DicomWebClient(server_from_url(f"http://{USER}@127.0.0.1:{orthanc.http_port}/dicom-web"), PASSWORD)


@pytest.fixture
def proxy(orthanc: Orthanc) -> Iterator[Proxy]:
    with running_proxy(orthanc.http_port) as p:
        yield p


def _same_frames(clip: RemoteClip, original: Path, frames: tuple[int, ...]) -> None:
    with DicomMedia(original) as truth:
        for i in frames:
            assert np.array_equal(clip.frame(i), truth.frame(i)), i


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".part")]


@pytest.mark.parametrize("kind", ["jpeg", "native"])
def test_opens_at_once_and_streams_into_the_cache(client: DicomWebClient, clips: dict, kind: str,
                                                  tmp_path: Path) -> None:
    original, (study, series, sop) = clips[kind]
    target = cache_path(tmp_path, study, sop)
    clip = RemoteClip(client, study, series, sop, target)
    assert clip.frame_count == FRAMES and clip.frame_times_ms[1] == pytest.approx(40.0)
    _same_frames(clip, original, (0,))
    assert clip.download.wait(30) and clip.complete, clip.error
    _same_frames(clip, original, (1, FRAMES // 2, FRAMES - 1))
    assert target.is_file() and not _leftovers(tmp_path)
    with DicomMedia(target) as local, DicomMedia(original) as truth:
        assert local.transfer_syntax == truth.transfer_syntax  # never transcoded
        assert all(local.frame_bytes(i) == truth.frame_bytes(i) for i in range(FRAMES))
    clip.close()


def test_a_cached_clip_reopens_offline(clips: dict, tmp_path: Path, client: DicomWebClient) -> None:
    original, (study, series, sop) = clips["jpeg"]
    first = open_instance(client, study, series, sop, tmp_path)
    assert isinstance(first, RemoteClip) and first.download.wait(30) and first.complete
    first.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    offline = DicomWebClient(server_from_url(f"http://127.0.0.1:{dead}/dicom-web"))
    again = open_instance(offline, study, series, sop, tmp_path)  # no request is made
    assert isinstance(again, DicomMedia) and again.frame_count == FRAMES
    again.close()


def test_a_cut_transfer_resumes_with_only_the_missing_frames(clips: dict, proxy: Proxy,
                                                             tmp_path: Path) -> None:
    for kind in ("jpeg", "native"):
        original, (study, series, sop) = clips[kind]
        proxy.mode = "cut"
        client = DicomWebClient(server_from_url(proxy.url(USER)), PASSWORD)
        clip = RemoteClip(client, study, series, sop, cache_path(tmp_path, study, sop))
        assert clip.download.wait(30) and clip.complete, clip.error
        assert proxy.cuts >= 1 and 0 < clip.download.resumed_frames < FRAMES, kind
        _same_frames(clip, original, tuple(range(FRAMES)))
        with DicomMedia(cache_path(tmp_path, study, sop)) as local, DicomMedia(original) as truth:
            assert not local.open_warnings
            assert all(local.frame_bytes(i) == truth.frame_bytes(i) for i in range(FRAMES))
        clip.close()
    assert not _leftovers(tmp_path)


def test_a_cut_that_cannot_resume_is_discarded_with_a_message(clips: dict, proxy: Proxy,
                                                               tmp_path: Path) -> None:
    original, (study, series, sop) = clips["jpeg"]
    target = cache_path(tmp_path, study, sop)
    client = DicomWebClient(server_from_url(proxy.url(USER)), PASSWORD)
    clip = RemoteClip(client, study, series, sop, target)  # opens while the network is fine
    clip.download.wait(30)
    clip.close()
    target.unlink()
    proxy.mode = "cut-all"  # frames requests are cut too: resuming fails
    clip = RemoteClip(client, study, series, sop, target, first_frame_wait=5.0)
    assert clip.download.wait(30) and not clip.complete
    assert clip.error is not None and clip.error.kind == "cut"
    assert "cut off" in str(clip.error) and "resuming failed" in str(clip.error)
    assert not target.exists() and not _leftovers(tmp_path)  # nothing half-written
    proxy.mode = "pass"
    clip.retry()
    assert clip.download.wait(30) and clip.complete
    _same_frames(clip, original, (0, FRAMES - 1))
    clip.close()


def test_unknown_instance_and_wrong_password(client: DicomWebClient, clips: dict, orthanc: Orthanc,
                                             tmp_path: Path) -> None:
    study, series, _ = clips["jpeg"][1]
    with pytest.raises(PacsError) as err:
        RemoteClip(client, study, series, "1.2.3.4.5.6", cache_path(tmp_path, study, "1.2.3.4.5.6"))
    assert err.value.kind == "not-found"
    bad = DicomWebClient(server_from_url(f"http://{USER}@127.0.0.1:{orthanc.http_port}/dicom-web"), "nope")
    with pytest.raises(PacsError, match="password") as err:
        RemoteClip(bad, study, series, clips["jpeg"][1][2], cache_path(tmp_path, study, "x"))
    assert err.value.kind == "auth"
    assert not _leftovers(tmp_path) and not list(tmp_path.rglob("*.dcm"))


def test_a_slow_server_times_out(clips: dict, proxy: Proxy, tmp_path: Path) -> None:
    study, series, sop = clips["jpeg"][1]
    server = server_from_url(proxy.url(USER))
    server.timeout = 0.5
    proxy.delay = 2.0
    with pytest.raises(PacsError, match="did not answer within 0.5 s") as err:
        RemoteClip(DicomWebClient(server, PASSWORD), study, series, sop, cache_path(tmp_path, study, sop))
    assert err.value.kind == "timeout"
    proxy.delay = 0.0
    assert not _leftovers(tmp_path) and not list(tmp_path.rglob("*.dcm"))


@pytest.mark.parametrize("kind", ["jpeg", "native"])
def test_frames_come_from_the_stream_as_they_arrive(clips: dict, proxy: Proxy, kind: str,
                                                    tmp_path: Path) -> None:
    """On a slow network the first frame comes down the one streaming request, and the
    frames that have arrived are read from the part file: no request per frame."""
    original, (study, series, sop) = clips[kind]
    proxy.mode, proxy.delay = "trickle", 0.1
    client = DicomWebClient(server_from_url(proxy.url(USER)), PASSWORD)
    clip = RemoteClip(client, study, series, sop, cache_path(tmp_path, study, sop), first_frame_wait=5.0)
    seen = []
    while not clip.download.done.is_set():
        seen.append(clip.frames_local())
        if 0 < seen[-1] < FRAMES:
            _same_frames(clip, original, (seen[-1] - 1,))
        clip.download.done.wait(0.05)
    assert clip.complete, clip.error
    partial = [n for n in seen if 0 < n < FRAMES]
    assert len(set(partial)) >= 3, seen  # the part file grew frame by frame
    assert not [p for p in proxy.paths if "/frames/" in p or p.endswith("/metadata")], proxy.paths
    _same_frames(clip, original, (0, FRAMES - 1))
    clip.close()


def test_part_files_left_by_a_killed_app_are_removed(clips: dict, client: DicomWebClient,
                                                      tmp_path: Path) -> None:
    import os

    _, (study, series, sop) = clips["jpeg"]
    stale = cache_path(tmp_path, study, "1.2.3").parent / ".1.2.3.dcm.part"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    clip = open_instance(client, study, series, sop, tmp_path)
    assert not stale.exists()
    clip.close()


def test_the_same_clip_opened_twice_at_once(clips: dict, client: DicomWebClient, tmp_path: Path) -> None:
    original, (study, series, sop) = clips["jpeg"]
    target = cache_path(tmp_path, study, sop)
    first = RemoteClip(client, study, series, sop, target)
    second = RemoteClip(client, study, series, sop, target)  # each has its own part file
    assert first.download.wait(30) and second.download.wait(30)
    assert first.complete and second.complete
    _same_frames(second, original, (0, FRAMES - 1))
    with DicomMedia(target) as local, DicomMedia(original) as truth:
        assert all(local.frame_bytes(i) == truth.frame_bytes(i) for i in range(FRAMES))
    assert not _leftovers(tmp_path)
    first.close()
    second.close()


@pytest.mark.parametrize("kind", ["jpeg", "native"])
def test_a_short_cache_file_under_its_final_name_is_fetched_again(clips: dict, client: DicomWebClient,
                                                                  tmp_path: Path, kind: str) -> None:
    """The cache is not fsynced: a crash may leave a short file under the final name. It is
    never taken for a whole one: it is deleted and downloaded again."""
    original, (study, series, sop) = clips[kind]
    whole = original.read_bytes()
    local = cache_path(tmp_path, study, sop)
    local.parent.mkdir(parents=True)
    for cut in (len(whole) // 2, len(whole) - 10, len(whole) - 1, 400):
        local.write_bytes(whole[:cut])
        media = open_instance(client, study, series, sop, tmp_path)
        assert isinstance(media, RemoteClip), cut  # not the short file
        assert media.download.wait(30) and media.complete, media.error
        media.close()
        assert local.read_bytes() == whole
    again = open_instance(client, study, series, sop, tmp_path)  # whole now: no download
    assert isinstance(again, DicomMedia) and again.frame_count == FRAMES
    again.close()


@pytest.fixture(scope="module")
def trailing_clips(orthanc: Orthanc, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, tuple[str, str, str]]]:
    """Clips with elements after Pixel Data (a private element, trailing padding)."""
    folder = tmp_path_factory.mktemp("trailing")
    out = {}
    for name, jpeg in (("jpeg", True), ("native", False)):
        data = clip_dicom(FRAMES, jpeg=jpeg, patient=f"Trailing^{name}", trailing=True)
        path = folder / f"{name}.dcm"
        path.write_bytes(data)
        orthanc.upload(path)
        out[name] = (path, _uids(data))
    return out


def _file_offset_in_answer(orthanc: Orthanc, uids: tuple[str, str, str]) -> tuple[int, int]:
    """(where the file starts in the WADO-RS multipart answer, the answer's length)."""
    import base64
    import http.client

    from annotator.pacs.client import DICOM_MULTIPART

    study, series, sop = uids
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", orthanc.http_port, timeout=30)
    conn.request("GET", f"/dicom-web/studies/{study}/series/{series}/instances/{sop}",
                 headers={"Authorization": f"Basic {token}", "Accept": DICOM_MULTIPART})
    body = conn.getresponse().read()
    conn.close()
    return body.find(b"DICM") - 128, len(body)


@pytest.mark.parametrize("kind", ["jpeg", "native"])
@pytest.mark.parametrize("where", ["frames", "trailing"])
def test_a_resumed_transfer_gets_back_the_elements_after_the_pixels(
        trailing_clips: dict, orthanc: Orthanc, proxy: Proxy, tmp_path: Path, kind: str, where: str) -> None:
    """Cut among the frames, or among the elements after Pixel Data: the resumed file is the
    original, byte for byte, those elements included (from the WADO-RS metadata)."""
    original, uids = trailing_clips[kind]
    study, series, sop = uids
    whole = original.read_bytes()
    start, length = _file_offset_in_answer(orthanc, uids)
    # (the part file lags the answer by the ~80 bytes a closing delimiter may span: a cut 20
    # bytes before the end leaves the part file ending inside the private elements)
    at = len(whole) // 2 if where == "frames" else len(whole) - 20
    proxy.mode, proxy.cut_fraction = "cut", (start + at + 0.5) / length
    client = DicomWebClient(server_from_url(proxy.url(USER)), PASSWORD)
    clip = RemoteClip(client, study, series, sop, cache_path(tmp_path, study, sop))
    assert clip.download.wait(30) and clip.complete, clip.error
    assert proxy.cuts >= 1
    assert (clip.download.resumed_frames > 0) == (where == "frames")
    clip.close()
    local = cache_path(tmp_path, study, sop).read_bytes()
    tail = pydicom.dcmread(cache_path(tmp_path, study, sop))
    assert tail[0x7FE11001].value == "after the pixels" and tail[0xFFFCFFFC].value == bytes(64)
    assert local == whole


@pytest.mark.skipif(CLOSE_BEFORE_RENAME, reason="Windows cannot rename a file a reader holds open")
def test_a_finished_download_does_not_wait_for_its_readers(client: DicomWebClient, clips: dict,
                                                          tmp_path: Path) -> None:
    """The rename into the cache used to wait for the clip's reader to close the part file
    (its lock, held while it parsed the growing file): a third of a loopback transfer."""
    original, uids = clips["jpeg"]
    called = []
    target = tmp_path / "x.dcm"
    download = InstanceDownload(client, *uids, target, release=lambda: called.append(1)).start()
    assert download.wait(30) and download.ok, download.error
    assert not called and target.read_bytes() == original.read_bytes()


@pytest.mark.skipif(CLOSE_BEFORE_RENAME, reason="Windows cannot rename a file a reader holds open")
def test_a_reader_keeps_its_part_file_across_the_rename(client: DicomWebClient, clips: dict,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader that opened the part file just before the rename reads every frame on."""
    from annotator.pacs import stream

    original, uids = clips["jpeg"]
    readers: list[DicomMedia] = []
    record = stream.record_length

    def open_then_record(target: Path, length: int) -> None:  # runs right before the rename
        readers.append(DicomMedia(download.part))
        record(target, length)

    monkeypatch.setattr(stream, "record_length", open_then_record)
    download = InstanceDownload(client, *uids, tmp_path / "x.dcm").start()
    assert download.wait(30) and download.ok, download.error
    assert not download.part.exists() and len(readers) == 1
    with DicomMedia(original) as truth, readers[0] as reader:
        for i in range(FRAMES):
            assert reader.frame_bytes(i) == truth.frame_bytes(i)
