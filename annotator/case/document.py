"""CaseDocument: a case together with its opened media, their calibration, and measuring.

Media open lazily on first use and stay open (and cached) until ``close()``. The calibration
of a frame is the file's own (per frame when the scanner changes it) plus the media's manual
calibration, which only applies where the file has no calibrated region.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from annotator.case.autosave import write_autosave
from annotator.case.fileutil import sha256_file
from annotator.case.findings import finding_verdict
from annotator.case.io import load_case, save_case
from annotator.case.kinds import kind_spec
from annotator.case.measure import (
    Measurement,
    find_measurement,
    measure_annotation,
    percent_change,
    primary_measurement,
)
from annotator.case.media_files import relative_media_path
from annotator.case.model import Annotation, Case, MediaRef
from annotator.media import Calibration, Media, MediaError, open_media
from annotator.media.bmode_area import found_image_region

MediaOpener = Callable[[Path], Media]


class CaseDocument:
    def __init__(self, case: Case, opener: MediaOpener | None = None) -> None:
        self.case = case
        self._opener: MediaOpener = opener or open_media
        self._media: dict[str, Media] = {}

    # -- life cycle ------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, opener: MediaOpener | None = None) -> CaseDocument:
        """Open a case file (CaseError if it is invalid; media problems in ``warnings``)."""
        return cls(load_case(path), opener)

    @classmethod
    def new(cls, title: str = "Untitled case", opener: MediaOpener | None = None) -> CaseDocument:
        return cls(Case(title=title), opener)

    @property
    def path(self) -> Path | None:
        return self.case.path

    @property
    def warnings(self) -> list[str]:
        return list(self.case.load_warnings)

    def save(self, path: str | Path | None = None) -> Path:
        return save_case(self.case, path, self.verdicts())

    def verdicts(self) -> dict[str, str]:
        """Each finding's measured verdict in words, written into the file for its readers."""
        out = {}
        for f in self.case.findings:
            text = finding_verdict(self, f).sentence()
            if text:
                out[f.id] = text
        return out

    def autosave(self, session: str | None = None, detached: bool = False) -> Path:
        return write_autosave(self.case, session, detached)

    def close(self) -> None:
        for media in self._media.values():
            media.close()
        self._media.clear()

    def __enter__(self) -> CaseDocument:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- media -----------------------------------------------------------------------------
    def media(self, media_id: str) -> Media:
        """The opened media (cached); MediaError when the file cannot be read."""
        media = self._media.get(media_id)
        if media is None:
            try:
                ref = self.case.media_ref(media_id)
            except KeyError:
                raise MediaError(None, f"the case has no media {media_id!r}") from None
            media = self._opener(self.case.resolve_media_path(ref))
            self._media[media_id] = media
        return media

    def opened_media(self, media_id: str) -> Media | None:
        """The media if it is already open, without opening it (opening may be slow)."""
        return self._media.get(media_id)

    def set_media(self, media_id: str, media: Media) -> None:
        """Use an already opened media (e.g. in-memory frames) for ``media_id``."""
        old = self._media.pop(media_id, None)
        if old is not None and old is not media:
            old.close()
        self._media[media_id] = media

    def forget_media(self, media_id: str) -> None:
        """Close a media file (after it is removed from the case, or changed on disk)."""
        media = self._media.pop(media_id, None)
        if media is not None:
            media.close()

    def calibration(self, media_id: str, frame: int = 0) -> Calibration:
        """The calibration of one frame: the file's own plus the manual one of the case."""
        media = self.media(media_id)
        ref = self.case.media_ref(media_id)
        own = media.calibration_at(frame) if 0 <= frame < media.frame_count else media.calibration
        return own.with_manual(ref.calibration, media.width, media.height)

    def make_media_ref(self, path: str | Path) -> MediaRef:
        """A new reference to a media file (fresh id, path relative to the case file when it
        has one, SHA-256); it is not added: push ``AddMedia(ref)``. Raises MediaError when
        the file cannot be opened, and keeps it open for ``media(ref.id)``."""
        p = Path(path).absolute()
        media = self._opener(p)
        ref_path = relative_media_path(p, self.case.path.parent) if self.case.path else p.as_posix()
        try:
            digest = sha256_file(p)
        except OSError as exc:
            media.close()
            raise MediaError(p, f"cannot read: {exc.strerror or exc}") from None
        ref = MediaRef(self.case.new_id("m"), ref_path, digest)
        self.set_media(ref.id, media)
        return ref

    add_media = make_media_ref  # the name in the design notes: builds, does not add

    # -- measuring -------------------------------------------------------------------------
    def measure(self, annotation: Annotation, frame: int | None = None, with_image: bool = True) -> list[Measurement]:
        """Measurements of one annotation on ``frame`` (None = its anchor frame); polygons
        and ellipses get grey-level statistics of that frame unless ``with_image`` is False.
        Raises MediaError when the media cannot be read and IndexError for a frame the
        media does not have."""
        frame = annotation.frame if frame is None else frame
        spec = kind_spec(annotation.kind)
        if spec is None or not spec.measures or not annotation.on_frame(frame):
            return []
        media = self.media(annotation.media)
        media.check_index(frame)
        image = media.frame(frame) if with_image and spec.grey_stats else None
        return measure_annotation(annotation, frame, self.calibration(annotation.media, frame), image,
                                  (media.width, media.height), lambda: found_image_region(media))

    def measurements(
        self, frames: Literal["anchor", "keyframes"] = "anchor", with_image: bool = True
    ) -> list[Measurement]:
        """Measurements of every annotation, at its anchor frame or at each keyframe."""
        out: list[Measurement] = []
        for a in self.case.annotations:
            wanted = [a.frame] if frames == "anchor" else sorted(set(a.keyframes) | {a.frame})
            for f in wanted:
                out.extend(self.measure(a, f, with_image))
        return out

    def change_between(
        self, annotation: Annotation, rest_frame: int, peak_frame: int, quantity: str | None = None
    ) -> tuple[Measurement, Measurement, float]:
        """One measurement of a dynamic annotation at rest and at peak (e.g. contraction), and
        its percent change. ValueError when either frame has no such measurement or their
        units differ (one calibrated, one not)."""
        found: list[Measurement] = []
        for frame in (rest_frame, peak_frame):
            ms = self.measure(annotation, frame, with_image=quantity is not None)
            m = find_measurement(ms, quantity) if quantity else primary_measurement(ms)
            if m is None:
                raise ValueError(f"annotation {annotation.id} has no {quantity or 'measurement'} on frame {frame}")
            found.append(m)
        rest, peak = found
        return rest, peak, percent_change(rest, peak)
