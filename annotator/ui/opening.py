"""Opening files from the window: which paths are cases or media, and the slow part of
adding media (reading headers, hashing) done off the UI thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from annotator.case.document import MediaOpener
from annotator.case.fileutil import sha256_file
from annotator.case.media_files import relative_media_path
from annotator.case.model import Case, MediaRef
from annotator.media import Media, MediaError
from annotator.media.kinds import CASE_SUFFIX, MEDIA_EXTENSIONS
from annotator.ui.tasks import Progress


def is_case_file(path: Path) -> bool:
    return path.name.lower().endswith(CASE_SUFFIX)


def _is_candidate(path: Path) -> bool:
    """Files in a dropped folder worth trying: cases, known media, and extension-less files
    (scanners and PACS exports name DICOM files IM_0001 and the like)."""
    if path.name.startswith("."):
        return False
    suffix = path.suffix.lower()
    return is_case_file(path) or suffix in MEDIA_EXTENSIONS or suffix == ""


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given; folders replaced by the case and media files directly inside them."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(c for c in p.iterdir() if c.is_file() and _is_candidate(c)))
        else:
            out.append(p)
    return list(dict.fromkeys(out))


@dataclass
class OpenedMedia:
    path: Path
    media: Media | None = None
    sha256: str | None = None
    error: str = ""

    def make_ref(self, case: Case) -> MediaRef:
        """A reference with a fresh id (made on the UI thread, so ids never collide)."""
        path = self.path.absolute()
        ref_path = relative_media_path(path, case.path.parent) if case.path else path.as_posix()
        return MediaRef(case.new_id("m"), ref_path, self.sha256)


def open_media_files(paths: Sequence[Path], opener: MediaOpener, progress: Progress) -> list[OpenedMedia]:
    """Open each file and hash it; a file that fails is reported, the others still open."""
    out: list[OpenedMedia] = []
    for i, path in enumerate(paths):
        progress.report(i / max(len(paths), 1), f"Opening {path.name}\u2026")
        if not path.exists():
            out.append(OpenedMedia(path, error=f"{path}: no such file"))
            continue
        try:
            media = opener(path)
        except MediaError as exc:
            out.append(OpenedMedia(path, error=str(exc)))
            continue
        except Exception as exc:  # a reader bug must not lose the other files
            out.append(OpenedMedia(path, error=f"{path}: cannot be read ({type(exc).__name__}: {exc})"))
            continue
        try:
            digest = sha256_file(path)
        except OSError as exc:
            media.close()
            out.append(OpenedMedia(path, error=f"{path}: cannot be read: {exc.strerror or exc}"))
            continue
        out.append(OpenedMedia(path, media, digest))
        if progress.cancelled:
            for o in out:
                if o.media is not None:
                    o.media.close()
            progress.check()
    progress.report(1.0)
    return out
