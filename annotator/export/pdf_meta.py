"""PDF metadata without dates: Qt's PDF writer always stamps the export time into the info
dictionary (/CreationDate, /ModDate) and into the XMP packet (CreateDate, ModifyDate,
MetadataDate). docs/export.md promises PDFs carry only the title and the tool, and a date is
identifying (it dates the patient's visit), so each is blanked with spaces of the same length:
whitespace is legal where each stood, and every byte offset of the cross-reference table stays
right without rewriting the file.
"""

from __future__ import annotations

import re
from pathlib import Path

_DATED = (
    re.compile(rb"/(?:CreationDate|ModDate)\s*\([^)]*\)"),
    re.compile(rb'\s(?:xmp:CreateDate|xmp:ModifyDate|xmp:MetadataDate)="[^"]*"'),
    re.compile(rb"<xmp:(CreateDate|ModifyDate|MetadataDate)>[^<]*</xmp:\1>"),
    re.compile(rb"/Author\s*\([^)]*\)"),  # always empty from us; no key at all says so more plainly
)


def blank_pdf_dates(data: bytes) -> bytes:
    """``data`` (a PDF) with every metadata date (and the empty author) blanked."""
    for pattern in _DATED:
        data = pattern.sub(lambda m: b" " * len(m.group(0)), data)
    return data


def strip_pdf_dates(path: Path) -> None:
    """Blank the metadata dates of the PDF file at ``path`` in place."""
    path.write_bytes(blank_pdf_dates(path.read_bytes()))
