"""A loopback HTTP(S) proxy in front of the test Orthanc that can cut transfers halfway, answer
slowly, or speak TLS with a self-signed certificate: the bad network of the PACS tests, with
the real server behind it. (Orthanc 1.10.1's own HTTPS crashes on the first connection with
Debian's OpenSSL 3 (exit 139), so TLS is put in front of it here.)"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Proxy:
    def __init__(self, port: int, upstream: int) -> None:
        self.port = port
        self.upstream = upstream
        #: "pass", "cut" (whole-instance answers stop halfway), "cut-all" (frames too),
        #: "trickle" (whole-instance answers in 20 pieces, ``delay`` apart)
        self.mode = "pass"
        self.delay = 0.0  # seconds before each answer
        self.cut_fraction = 0.5
        self.cuts = 0
        self.scheme = "http"
        self.paths: list[str] = []  # every request, in order

    def url(self, user: str) -> str:
        return f"{self.scheme}://{user}@127.0.0.1:{self.port}/dicom-web"


def _handler(proxy: Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            proxy.paths.append(self.path)
            conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request("GET", self.path, headers=headers)
            answer = conn.getresponse()
            body = answer.read()
            conn.close()
            path = self.path.split("?")[0]
            is_instance = "/instances/" in path and not path.endswith(("/metadata", "/rendered")) \
                and "/frames/" not in path and "/bulk/" not in path
            trickle = proxy.mode == "trickle" and is_instance
            if proxy.delay and not trickle:
                time.sleep(proxy.delay)
            cut = answer.status == 200 and (
                (proxy.mode in ("cut", "cut-all") and is_instance)
                or (proxy.mode == "cut-all" and "/frames/" in path))
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if cut:
                proxy.cuts += 1
                self.wfile.write(body[: int(len(body) * proxy.cut_fraction)])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            elif trickle:
                step = len(body) // 20 + 1
                for i in range(0, len(body), step):
                    self.wfile.write(body[i:i + step])
                    self.wfile.flush()
                    time.sleep(proxy.delay)
            else:
                self.wfile.write(body)
            self.close_connection = True

    return Handler


@contextmanager
def running_proxy(upstream: int, tls: tuple[Path, Path] | None = None) -> Iterator[Proxy]:
    """The proxy on a free loopback port; ``tls`` = (certificate, key) makes it HTTPS."""
    proxy = Proxy(0, upstream)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    proxy.port = int(httpd.server_address[1])
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        proxy.scheme = "https"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
