"""The media kinds, each declared once: its file extensions, its reader and its dialog filter.

Everything that needs to know which files are media asks this registry: recognising a file by
extension (``sniff``), opening it (``opener``), the Open and Add-media dialogs, and expanding a
dropped folder. Content still wins over the extension when a file is opened.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from annotator.media.base import Media

Format = Literal["dicom", "video", "image", "gif"]

#: the case file's own extension (a case, not a media; listed here for the dialogs)
CASE_SUFFIX = ".uscase.json"


@dataclass(frozen=True)
class MediaKind:
    format: Format
    title: str  # the dialog filter's name
    extensions: tuple[str, ...]  # lower case, with the dot
    reader: str  # "module:Class", imported only when a file of this kind is opened

    def reader_class(self) -> type[Media]:
        module, _, name = self.reader.partition(":")
        cls: type[Media] = getattr(importlib.import_module(module), name)
        return cls

    @property
    def patterns(self) -> str:
        return " ".join(f"*{e}" for e in self.extensions)


MEDIA_KINDS: tuple[MediaKind, ...] = (
    MediaKind("dicom", "DICOM", (".dcm", ".dicom", ".dic", ".dcm30"),
              "annotator.media.dicom:DicomMedia"),
    MediaKind("video", "Clips", (".mp4", ".m4v", ".mov", ".qt", ".avi", ".mkv", ".webm", ".wmv",
                                 ".mpg", ".mpeg", ".ts", ".mts", ".m2ts", ".3gp"),
              "annotator.media.video:VideoMedia"),
    # Animated GIFs carry per-frame durations that the still reader keeps (the opener falls
    # back to the video reader).
    MediaKind("gif", "GIF", (".gif",), "annotator.media.image:ImageMedia"),
    MediaKind("image", "Images", (".png", ".jpg", ".jpeg", ".jpe", ".bmp", ".dib", ".tif", ".tiff",
                                  ".webp"),
              "annotator.media.image:ImageMedia"),
)

_BY_FORMAT = {kind.format: kind for kind in MEDIA_KINDS}
_BY_EXTENSION = {ext: kind for kind in MEDIA_KINDS for ext in kind.extensions}
MEDIA_EXTENSIONS: frozenset[str] = frozenset(_BY_EXTENSION)


def kind_of_format(fmt: Format) -> MediaKind:
    return _BY_FORMAT[fmt]


def kind_of_path(path: Path) -> MediaKind | None:
    """The kind a file's extension names, or None."""
    return _BY_EXTENSION.get(path.suffix.lower())


def extensions_of(*formats: Format) -> frozenset[str]:
    return frozenset(ext for fmt in formats for ext in _BY_FORMAT[fmt].extensions)


def dialog_filter(with_cases: bool) -> str:
    """A file dialog filter: all media (and cases) first, then one entry per kind."""
    every = " ".join(kind.patterns for kind in MEDIA_KINDS)
    entries = []
    if with_cases:
        entries += [f"Cases and media (*{CASE_SUFFIX} {every})", f"Cases (*{CASE_SUFFIX})"]
    else:
        entries.append(f"Media ({every})")
    entries += [f"{kind.title} ({kind.patterns})" for kind in MEDIA_KINDS]
    entries.append("All files (*)")
    return ";;".join(entries)


def is_case_file(path: Path) -> bool:
    return path.name.lower().endswith(CASE_SUFFIX)


def _is_candidate(path: Path) -> bool:
    """Files in a folder worth trying: cases, known media, and extension-less files
    (scanners and PACS exports name DICOM files IM_0001 and the like)."""
    if path.name.startswith("."):
        return False
    suffix = path.suffix.lower()
    return is_case_file(path) or suffix in MEDIA_EXTENSIONS or suffix == ""


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given; folders replaced by the case and media files directly inside them
    (the window's drop and the ``architecture`` command's batch read folders alike)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(c for c in p.iterdir() if c.is_file() and _is_candidate(c)))
        else:
            out.append(p)
    return list(dict.fromkeys(out))
