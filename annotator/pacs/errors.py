"""The one error type of the PACS package: a message a sonographer can act on."""

from __future__ import annotations


class PacsError(Exception):
    """A PACS request failed; ``str(exc)`` says what happened and what to try.

    ``kind`` is a short machine tag: "down", "timeout", "auth", "not-found", "not-dicom",
    "tls", "cut", "http", "config".
    """

    def __init__(self, message: str, kind: str = "http", status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
