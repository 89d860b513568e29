"""Opening files from the window: the slow part of adding media (reading headers, hashing),
done off the UI thread. Which paths are cases or media: ``media.kinds``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from annotator.case.document import MediaOpener
from annotator.case.fileutil import sha256_file
from annotator.case.media_files import relative_media_path
from annotator.case.model import Case, MediaRef
from annotator.media import Media, MediaError
from annotator.ui.tasks import Progress


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
