"""open_media: pick the reader for a file (placeholder until the readers land)."""

from __future__ import annotations

from pathlib import Path

from annotator.media.base import Media, MediaError


def open_media(path: str | Path) -> Media:
    raise MediaError(path, "no reader yet")
