"""A DICOMweb client on http.client: QIDO-RS search, WADO-RS retrieval in the ORIGINAL
transfer syntax, STOW-RS, with one clear PacsError per failure.

Query strings are built here rather than by urllib.parse.urlencode: Orthanc's DICOMweb plugin
does not decode percent-encoded wildcards (``%2A``, ``%5E``), so ``*`` and ``^`` go as they are.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import socket
import ssl
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from annotator.pacs.errors import PacsError
from annotator.pacs.multipart import build_multipart, content_type_params, parse_multipart
from annotator.pacs.servers import PacsServer

DICOM_MULTIPART = 'multipart/related; type="application/dicom"; transfer-syntax=*'
FRAMES_MULTIPART = 'multipart/related; type="application/octet-stream"; transfer-syntax=*'
PAGE_SIZE = 100
# Characters kept as they are in query values; the rest of the unsafe set is percent-encoded.
_KEEP = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~*^,?:/")

Json = dict[str, Any]


def query_string(params: dict[str, str | int]) -> str:
    return "&".join(f"{_quote(str(k))}={_quote(str(v))}" for k, v in params.items())


def _quote(value: str) -> str:
    out = []
    for ch in value:
        if ch in _KEEP:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def tag_value(item: Json, tag: str) -> Any:
    """The first value of ``tag`` in a DICOM JSON dataset, PN as its alphabetic string."""
    element = item.get(tag) or {}
    values = element.get("Value") or []
    if not values:
        return None
    first = values[0]
    if isinstance(first, dict):
        return first.get("Alphabetic", "")
    return first


class DicomWebClient:
    def __init__(self, server: PacsServer, password: str | None = None) -> None:
        self.server = server
        parts = urlsplit(server.base)
        self._scheme = parts.scheme
        self._host = parts.hostname or ""
        self._port = parts.port
        self._root = parts.path.rstrip("/")
        self._auth: str | None = None
        if server.user:
            token = f"{server.user}:{password or ''}".encode()
            self._auth = "Basic " + base64.b64encode(token).decode("ascii")

    # -- transport ------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        timeout = self.server.timeout
        if self._scheme == "https":
            context = ssl.create_default_context()
            if not self.server.verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self._host, self._port, timeout=timeout, context=context)
        return http.client.HTTPConnection(self._host, self._port, timeout=timeout)

    def request(self, method: str, path: str, accept: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, str, bytes]:
        """(status, content type, body) of one request; network failures become PacsError."""
        headers = self._headers(accept, content_type)
        conn = self._connection()
        try:
            with self.network_errors():
                conn.request(method, self._root + path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status, ctype = response.status, response.getheader("Content-Type", "")
        finally:
            conn.close()
        self._check_status(status, ctype, data, path)
        return status, ctype, data

    @contextlib.contextmanager
    def network_errors(self) -> Iterator[None]:
        """Network failures inside the block become one PacsError with a kind."""
        where = f"{self.server.url}"
        try:
            yield
        except ssl.SSLCertVerificationError as exc:
            raise PacsError(f"the certificate of {where} is not trusted ({exc.verify_message}); "
                            "check the server address, or turn off TLS verification for this "
                            "server only if you trust the network", "tls") from None
        except ssl.SSLError as exc:
            raise PacsError(f"TLS failed with {where}: {exc}", "tls") from None
        except TimeoutError:
            raise PacsError(f"{where} did not answer within {self.server.timeout:g} s "
                            "(server busy or network down)", "timeout") from None
        except http.client.IncompleteRead as exc:
            raise PacsError(f"the transfer from {where} was cut off after {len(exc.partial)} bytes; "
                            "nothing was kept, try again", "cut") from None
        except ConnectionRefusedError:
            raise PacsError(f"{where} refused the connection: is the PACS server running, and is "
                            "the port right?", "down") from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise PacsError(f"the connection to {where} failed: {exc or type(exc).__name__}",
                            "cut") from None
        except socket.gaierror as exc:
            raise PacsError(f"cannot find the host {self._host}: {exc.strerror}", "down") from None
        except OSError as exc:
            raise PacsError(f"cannot reach {where}: {exc.strerror or exc}", "down") from None

    @contextlib.contextmanager
    def open_stream(self, path: str, accept: str) -> Iterator[http.client.HTTPResponse]:
        """A GET whose body the caller reads in chunks (inside ``network_errors``); the
        status was checked (an error answer is read whole and raised as PacsError)."""
        conn = self._connection()
        try:
            with self.network_errors():
                conn.request("GET", self._root + path, headers=self._headers(accept))
                response = conn.getresponse()
                if response.status >= 400:
                    self._check_status(response.status, response.getheader("Content-Type", ""),
                                       response.read(), path)
            yield response
        finally:
            conn.close()

    def _headers(self, accept: str, content_type: str | None = None) -> dict[str, str]:
        headers = {"Accept": accept, "User-Agent": "us-annotator"}
        if self._auth:
            headers["Authorization"] = self._auth
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def _check_status(self, status: int, ctype: str, data: bytes, path: str) -> None:
        if status == 401:
            raise PacsError(f"{self.server.url} refused the user name or password "
                            f"(user {self.server.user or 'none given'})", "auth", status)
        if status == 403:
            raise PacsError(f"{self.server.url} does not allow this user to do that", "auth", status)
        if status == 404:
            raise PacsError(f"not found on {self.server.url}: {path.split('?')[0]} "
                            "(unknown study, or a wrong DICOMweb root?)", "not-found", status)
        if status >= 400:
            detail = data[:200].decode("utf-8", "replace").strip()
            raise PacsError(f"{self.server.url} answered HTTP {status}: {detail}", "http", status)

    def _json(self, path: str) -> list[Json]:
        status, ctype, data = self.request("GET", path, "application/dicom+json")
        if status == 204 or not data.strip():
            return []
        media, _ = content_type_params(ctype)
        if "json" not in media:
            raise PacsError(f"{self.server.url} answered with {media or 'no content type'} instead "
                            "of DICOM JSON: is the DICOMweb root right?", "not-dicom")
        try:
            result = json.loads(data)
        except ValueError:
            raise PacsError(f"{self.server.url} sent malformed JSON", "not-dicom") from None
        if not isinstance(result, list):
            raise PacsError(f"{self.server.url} sent JSON that is not a list of datasets", "not-dicom")
        return result

    # -- QIDO-RS ----------------------------------------------------------------------------
    def search(self, path: str, params: dict[str, str | int] | None = None,
               page_size: int = PAGE_SIZE, max_results: int | None = None,
               offset: int = 0) -> Iterator[Json]:
        """Every match of a QIDO-RS search from ``offset`` on, fetched a page (limit/offset)
        at a time."""
        first = offset
        while True:
            limit = page_size if max_results is None else min(page_size, first + max_results - offset)
            if limit <= 0:
                return
            query = dict(params or {})
            query.update({"limit": limit, "offset": offset})
            page = self._json(f"{path}?{query_string(query)}")
            yield from page
            offset += len(page)
            if len(page) < limit:
                return

    def search_studies(self, params: dict[str, str | int] | None = None, **kw: Any) -> Iterator[Json]:
        return self.search("/studies", params, **kw)

    def search_series(self, study_uid: str, params: dict[str, str | int] | None = None,
                      **kw: Any) -> Iterator[Json]:
        return self.search(f"/studies/{study_uid}/series", params, **kw)

    def search_instances(self, study_uid: str, series_uid: str,
                         params: dict[str, str | int] | None = None, **kw: Any) -> Iterator[Json]:
        return self.search(f"/studies/{study_uid}/series/{series_uid}/instances", params, **kw)

    # -- WADO-RS ----------------------------------------------------------------------------
    def retrieve(self, path: str) -> list[bytes]:
        """The DICOM files under a WADO-RS path, in their original transfer syntax."""
        return [content for _, content in self._parts(path, DICOM_MULTIPART, "application/dicom")]

    def retrieve_instance(self, study_uid: str, series_uid: str, sop_uid: str) -> bytes:
        parts = self.retrieve(f"/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}")
        if len(parts) != 1:
            raise PacsError(f"expected one instance, got {len(parts)}", "not-dicom")
        return parts[0]

    def retrieve_frames(self, study_uid: str, series_uid: str, sop_uid: str,
                        frames: Sequence[int]) -> list[bytes]:
        """Frames (1-based) as stored: JPEG bytes of a JPEG clip, raw pixels otherwise."""
        numbers = ",".join(str(n) for n in frames)
        path = f"/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/frames/{numbers}"
        return [content for _, content in self._parts(path, FRAMES_MULTIPART, None)]

    def retrieve_frames_as_stored(self, study_uid: str, series_uid: str, sop_uid: str,
                                  frames: Sequence[int]) -> list[tuple[str | None, bytes]]:
        """Frames (1-based) as (transfer syntax UID from the part headers, stored bytes)."""
        numbers = ",".join(str(n) for n in frames)
        path = f"/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/frames/{numbers}"
        out = []
        for headers, content in self._parts(path, FRAMES_MULTIPART, None):
            _, params = content_type_params(headers.get("content-type", ""))
            out.append((params.get("transfer-syntax"), content))
        return out

    def _parts(self, path: str, accept: str, expect: str | None) -> list[tuple[dict[str, str], bytes]]:
        _, ctype, data = self.request("GET", path, accept)
        media, _ = content_type_params(ctype)
        if not media.startswith("multipart/"):
            raise PacsError(f"{self.server.url} answered with {media or 'no content type'} instead "
                            "of DICOM: is the DICOMweb root right?", "not-dicom")
        parts = parse_multipart(data, ctype)
        if expect is not None:
            for headers, content in parts:
                ptype, _ = content_type_params(headers.get("content-type", expect))
                if ptype != expect or content[128:132] != b"DICM":
                    raise PacsError(f"{self.server.url} sent {ptype} instead of a DICOM file",
                                    "not-dicom")
        return parts

    def bulkdata(self, uri: str) -> bytes:
        """The value behind a ``BulkDataURI`` of the metadata. Always asked of this server
        (servers behind a proxy name their own address in the URI; our credentials never go
        elsewhere): the URI's path must be under our DICOMweb root."""
        parts = urlsplit(uri)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith(self._root + "/"):
            raise PacsError(f"a bulk data URI outside the DICOMweb root {self._root}: {uri}", "not-dicom")
        path = path[len(self._root):]
        found = self._parts(path, 'multipart/related; type="application/octet-stream"', None)
        if len(found) != 1:
            raise PacsError(f"expected one bulk data value at {uri}, got {len(found)}", "not-dicom")
        return found[0][1]

    def metadata(self, study_uid: str, series_uid: str, sop_uid: str) -> list[Json]:
        """WADO-RS metadata of one instance (DICOM JSON, without the pixels)."""
        return self._json(f"/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/metadata")

    def rendered(self, study_uid: str, series_uid: str, sop_uid: str, size: int = 96) -> bytes:
        """A small JPEG of an instance's first frame (WADO-RS /rendered), for thumbnails."""
        path = (f"/studies/{study_uid}/series/{series_uid}/instances/{sop_uid}/frames/1/rendered"
                f"?viewport={size},{size}")
        _, ctype, data = self.request("GET", path, "image/jpeg")
        media, _ = content_type_params(ctype)
        if not media.startswith("image/"):
            raise PacsError(f"{self.server.url} sent {media or 'no content type'} instead of an "
                            "image", "not-dicom")
        return data

    # -- STOW-RS ----------------------------------------------------------------------------
    def store(self, files: Sequence[bytes], study_uid: str | None = None) -> Json:
        """Send DICOM files; the STOW-RS answer (failed SOPs are reported as a PacsError)."""
        body, ctype = build_multipart(files)
        path = "/studies" + (f"/{study_uid}" if study_uid else "")
        _, rtype, data = self.request("POST", path, "application/dicom+json", body, ctype)
        try:
            answer: Json = json.loads(data) if data.strip() else {}
        except ValueError:
            raise PacsError(f"{self.server.url} answered the store with non-JSON", "not-dicom") from None
        failed = (answer.get("00081198") or {}).get("Value") or []
        if failed:
            raise PacsError(f"{self.server.url} refused {len(failed)} of {len(files)} files", "http")
        return answer

    def echo(self) -> int:
        """Check that the server answers DICOMweb with these credentials: the study count
        of a one-study search (0 or 1)."""
        return len(self._json("/studies?limit=1"))
