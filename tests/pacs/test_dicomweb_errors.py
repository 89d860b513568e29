"""Bad servers give one clear PacsError and leave no half-written file: down, slow, HTML instead
of DICOM, a transfer cut off halfway, an untrusted certificate. Local stand-ins, no Orthanc."""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from annotator.pacs.client import DicomWebClient
from annotator.pacs.errors import PacsError
from annotator.pacs.multipart import build_multipart, parse_multipart
from annotator.pacs.servers import PacsServer, server_from_url
from annotator.pacs.study import get_study

STUDY, SERIES, SOP = "1.2.3", "1.2.3.4", "1.2.3.4.5"


def _client(url: str, timeout: float = 5.0) -> DicomWebClient:
    server = server_from_url(url)
    server.timeout = timeout
    return DicomWebClient(server)


class _Handler(BaseHTTPRequestHandler):
    mode = "html"

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        path = self.path.split("?")[0]
        if self.mode == "html":
            self._send(200, "text/html", b"<html><body>Login page</body></html>")
        elif path.endswith("/series"):
            self._send(200, "application/dicom+json",
                       json.dumps([{"0020000E": {"vr": "UI", "Value": [SERIES]}}]).encode())
        elif path.endswith("/instances"):
            self._send(200, "application/dicom+json",
                       json.dumps([{"00080018": {"vr": "UI", "Value": [SOP]}}]).encode())
        else:  # the instance: announce 20000 bytes, send half, hang up
            body, ctype = build_multipart([b"\0" * 128 + b"DICM" + b"\0" * 19868])
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def local_server(request: pytest.FixtureRequest) -> Iterator[ThreadingHTTPServer]:
    handler = type("Handler", (_Handler,), {"mode": request.param})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _url(httpd: ThreadingHTTPServer, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{httpd.server_address[1]}/dicom-web"


def test_server_down() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    with pytest.raises(PacsError, match="refused the connection") as err:
        _client(f"http://127.0.0.1:{port}/dicom-web").echo()
    assert err.value.kind == "down"


def test_slow_server_times_out() -> None:
    with socket.socket() as s:  # accepts connections (backlog) and never answers
        s.bind(("127.0.0.1", 0))
        s.listen(4)
        with pytest.raises(PacsError, match="did not answer within 0.5 s") as err:
            _client(f"http://127.0.0.1:{s.getsockname()[1]}/dicom-web", timeout=0.5).echo()
    assert err.value.kind == "timeout"


@pytest.mark.parametrize("local_server", ["html"], indirect=True)
def test_html_instead_of_dicom(local_server: ThreadingHTTPServer, tmp_path: Path) -> None:
    client = _client(_url(local_server))
    with pytest.raises(PacsError, match="text/html instead of DICOM JSON") as err:
        client.echo()
    assert err.value.kind == "not-dicom"
    with pytest.raises(PacsError, match="text/html instead of DICOM"):
        client.retrieve_instance(STUDY, SERIES, SOP)
    with pytest.raises(PacsError, match="text/html"):
        get_study(client, STUDY, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("local_server", ["cut"], indirect=True)
def test_transfer_cut_halfway_leaves_no_file(local_server: ThreadingHTTPServer, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(PacsError, match="cut off") as err:
        get_study(_client(_url(local_server)), STUDY, dest)
    assert err.value.kind == "cut"
    assert list(dest.iterdir()) == []  # no .dcm, no .part, no case file


def test_untrusted_certificate(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        if os.environ.get("CI"):  # CI installs it: a missing tool must fail, not skip
            pytest.fail("openssl is needed to make a self-signed certificate")
        pytest.skip("openssl is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    handler = type("Handler", (_Handler,), {"mode": "html"})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(PacsError, match="certificate .* is not trusted") as err:
            _client(_url(httpd, "https")).echo()
        assert err.value.kind == "tls"
        insecure = server_from_url(_url(httpd, "https"))
        insecure.verify_tls = False  # the user's explicit choice: then the HTML check speaks
        with pytest.raises(PacsError, match="text/html"):
            DicomWebClient(insecure).echo()
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_multipart_round_trip_keeps_binary_parts() -> None:
    parts = [b"\r\n--tricky\r\n\x00\xff" * 50, b"", b"second"]
    body, ctype = build_multipart(parts)
    assert [content for _, content in parse_multipart(body, ctype)] == parts
    with pytest.raises(PacsError, match="cut off"):
        parse_multipart(body[: len(body) // 2], ctype)


def test_url_forms() -> None:
    s = server_from_url("https://ana@pacs.example.org:8443/orthanc/dicom-web/")
    assert (s.user, s.url, s.base) == ("ana", "https://pacs.example.org:8443",
                                       "https://pacs.example.org:8443/orthanc/dicom-web")
    assert server_from_url("http://h").base == "http://h/dicom-web"
    with pytest.raises(PacsError, match="not a server name"):
        server_from_url("ftp://h/x")
    assert PacsServer("x", "http://h").keyring_key() == "@http://h"


def test_multipart_part_without_headers() -> None:
    body = b"--b\r\n\r\nno\r\n\r\nheaders\r\n--b\r\nContent-Type: x\r\n\r\nok\r\n--b--\r\n"
    parts = parse_multipart(body, "multipart/related; boundary=b")
    assert parts == [({}, b"no\r\n\r\nheaders"), ({"content-type": "x"}, b"ok")]


@pytest.mark.parametrize("local_server", ["html"], indirect=True)
def test_a_clip_from_a_server_that_answers_html(local_server: ThreadingHTTPServer, tmp_path: Path) -> None:
    from annotator.pacs.remote_clip import RemoteClip
    from annotator.pacs.stream import InstanceDownload

    download = InstanceDownload(_client(_url(local_server)), STUDY, SERIES, SOP, tmp_path / "x.dcm").start()
    assert download.wait(10) and not download.ok
    assert download.error is not None and download.error.kind == "not-dicom"
    assert "text/html instead of DICOM" in str(download.error)
    with pytest.raises(PacsError, match="text/html"):
        RemoteClip(_client(_url(local_server)), STUDY, SERIES, SOP, tmp_path / "y.dcm")
    assert list(tmp_path.iterdir()) == []  # no file, no part file


def test_a_clip_from_a_server_that_is_down(tmp_path: Path) -> None:
    from annotator.pacs.remote_clip import RemoteClip

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PacsError, match="refused the connection") as err:
        RemoteClip(_client(f"http://127.0.0.1:{port}/dicom-web"), STUDY, SERIES, SOP, tmp_path / "x.dcm")
    assert err.value.kind == "down" and list(tmp_path.iterdir()) == []


def test_the_splitter_finds_a_delimiter_across_chunks() -> None:
    import random

    from annotator.pacs.stream import SinglePartSplitter

    rng = random.Random(5)
    for _ in range(300):
        content = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 60))) + b"\r\n--b"
        body, ctype = build_multipart([content])
        boundary = ctype.split("boundary=")[1]
        out: list[bytes] = []
        splitter = SinglePartSplitter(boundary, lambda v, out=out: out.append(bytes(v)))  # type: ignore[misc]
        i = 0
        while i < len(body):
            n = rng.randint(1, 12)
            splitter.feed(body[i:i + n])
            i += n
        splitter.finish()
        assert b"".join(out) == content
    cut = SinglePartSplitter("b", lambda v: None)
    cut.feed(b"--b\r\nContent-Type: application/dicom\r\n\r\nhalf of it")
    with pytest.raises(PacsError, match="cut off") as err:
        cut.finish()
    assert err.value.kind == "cut"
