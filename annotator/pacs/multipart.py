"""multipart/related (RFC 2387) as DICOMweb uses it: parsed by hand, since the standard
library's email parser copies every part several times and mangles binary bodies."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from annotator.pacs.errors import PacsError


def content_type_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``multipart/related; type="application/dicom"; boundary=x`` into the media type
    and its lower-cased parameter names (quotes removed)."""
    pieces = _split_params(value)
    media = pieces[0].strip().lower() if pieces else ""
    params: dict[str, str] = {}
    for piece in pieces[1:]:
        name, sep, val = piece.partition("=")
        if sep:
            val = val.strip()
            if len(val) >= 2 and val[0] == val[-1] == '"':
                val = val[1:-1]
            params[name.strip().lower()] = val
    return media, params


def _split_params(value: str) -> list[str]:
    # Semicolons inside quotes (type="a; b") do not split.
    out: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return out


def parse_multipart(body: bytes, content_type: str) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a multipart body, each as (lower-cased headers, content)."""
    media, params = content_type_params(content_type)
    if not media.startswith("multipart/"):
        raise PacsError(f"expected a multipart answer, got {media or 'no content type'}", "not-dicom")
    boundary = params.get("boundary")
    if not boundary:
        raise PacsError("the server's multipart answer has no boundary", "not-dicom")
    delimiter = b"--" + boundary.encode("latin-1")
    parts: list[tuple[dict[str, str], bytes]] = []
    start = body.find(delimiter)
    if start < 0:
        return parts
    pos = start + len(delimiter)
    while True:
        if body[pos:pos + 2] == b"--":  # the closing delimiter
            return parts
        nxt = body.find(b"\r\n" + delimiter, pos)
        if nxt < 0:
            raise PacsError("the transfer was cut off: the multipart answer has no closing boundary",
                            "cut")
        if body.startswith(b"\r\n", pos):
            pos += 2
        # One copy per part: headers are searched for in the part's first bytes only.
        head_end = -1 if body.startswith(b"\r\n", pos) else body.find(b"\r\n\r\n", pos, nxt + 2)
        if head_end < 0:  # a part with no headers: an empty line, then the content
            head, content = b"", body[pos + 2:nxt]
        else:
            head, content = body[pos:head_end], body[head_end + 4:nxt]
        parts.append((_headers(head), content))
        pos = nxt + 2 + len(delimiter)


def _headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("latin-1").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def build_multipart(parts: Iterable[bytes], part_type: str = "application/dicom") -> tuple[bytes, str]:
    """A multipart/related body of ``parts`` and its Content-Type header value (for STOW-RS)."""
    boundary = "us-annotator-" + secrets.token_hex(12)
    chunks: list[bytes] = []
    for content in parts:
        chunks.append(f"--{boundary}\r\nContent-Type: {part_type}\r\n\r\n".encode("ascii"))
        chunks.append(content)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks), f'multipart/related; type="{part_type}"; boundary={boundary}'
