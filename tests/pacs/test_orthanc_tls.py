"""The real Orthanc behind HTTPS with a self-signed certificate made here (a TLS proxy: see
proxy.py): the certificate error is one clear message and leaves no file; turning
verification off for that server works end to end."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from clips import clip_dicom
from orthanc_server import PASSWORD, USER, Orthanc
from proxy import Proxy, running_proxy

from annotator.pacs.client import DicomWebClient, tag_value
from annotator.pacs.errors import PacsError
from annotator.pacs.remote_clip import RemoteClip, cache_path
from annotator.pacs.servers import server_from_url


@pytest.fixture(scope="module")
def tls_proxy(tmp_path_factory: pytest.TempPathFactory, orthanc: Orthanc) -> Iterator[Proxy]:
    if shutil.which("openssl") is None:
        if os.environ.get("US_ANNOTATOR_REQUIRE_ORTHANC") == "1":  # CI: required, never skipped
            pytest.fail("openssl is needed to make a self-signed certificate")
        pytest.skip("openssl is needed to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    upload = folder / "clip.dcm"
    upload.write_bytes(clip_dicom(4, patient="Tls^Clip"))
    orthanc.upload(upload)
    with running_proxy(orthanc.http_port, (cert, key)) as proxy:
        yield proxy


def _client(proxy: Proxy, verify: bool) -> DicomWebClient:
    server = server_from_url(proxy.url(USER))
    server.verify_tls = verify
    return DicomWebClient(server, PASSWORD)


def test_untrusted_certificate_of_a_real_server(tls_proxy: Proxy, tmp_path: Path) -> None:
    import pydicom

    strict = _client(tls_proxy, verify=True)
    with pytest.raises(PacsError, match="certificate .* is not trusted") as err:
        strict.echo()
    assert err.value.kind == "tls" and "self-signed" in str(err.value)
    trusting = _client(tls_proxy, verify=False)  # the user's explicit choice for this server
    (study,) = list(trusting.search_studies({"PatientName": "Tls^*"}))
    study_uid = str(tag_value(study, "0020000D"))
    (series,) = list(trusting.search_series(study_uid))
    series_uid = str(tag_value(series, "0020000E"))
    (inst,) = list(trusting.search_instances(study_uid, series_uid))
    sop = str(tag_value(inst, "00080018"))
    with pytest.raises(PacsError, match="not trusted"):
        RemoteClip(strict, study_uid, series_uid, sop, cache_path(tmp_path, study_uid, sop))
    assert not list(tmp_path.rglob("*.dcm")) and not list(tmp_path.rglob("*.part"))
    clip = RemoteClip(trusting, study_uid, series_uid, sop, cache_path(tmp_path, study_uid, sop))
    assert clip.download.wait(30) and clip.complete
    assert pydicom.dcmread(cache_path(tmp_path, study_uid, sop)).NumberOfFrames == 4
    clip.close()
