"""What one export needs besides the case: options, de-identification state and frame scenes.

An ``ExportContext`` is made once per export; every module asks it for text (scrubbed of the
source's identifiers unless ``keep_identifiers``), for the imaging area of a media (what pixels
may leave), and for the ``FrameScene`` of a frame, so every output shows the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from annotator.case.model import Annotation, Case, MediaRef
from annotator.export.deid import IdentifierSet, UidMap, identifiers_of
from annotator.export.imaging_area import (
    ImagingArea,
    Rect,
    find_imaging_area,
    mask_outside,
    needs_mask,
)
from annotator.export.measure_cache import MeasurementCache
from annotator.export.output import ExportError
from annotator.export.redaction import black_out
from annotator.export.uncalibrated import flag_all
from annotator.media.base import Media, MediaError
from annotator.render import FrameScene, pixel_aspect

if TYPE_CHECKING:
    from annotator.case.document import CaseDocument
    from annotator.case.measure import Measurement
    from annotator.export.panel_spec import PanelSpec


@dataclass
class ExportOptions:
    """Choices shared by every output kind (each uses the ones that apply to it)."""

    keep_identifiers: bool = False
    force: bool = False
    media: str | None = None  # restrict to one media id
    frame: int | None = None  # one frame (None = the case's annotated frames)
    frames: list[int] | None = None  # several frames of ``media`` as panels
    layout: str | None = None  # "1x2", "2x1", "2x2", "RxC"
    width_mm: float = 85.0  # print width of a figure
    dpi: int = 300
    caption: str | None = None  # overrides the drafted caption
    title: str | None = None  # overrides the case title
    crop: Rect | None = None  # (x, y, w, h): replaces the found imaging area
    crops: dict[str, Rect] = field(default_factory=dict)  # per media id, over ``crop``
    panels: list[PanelSpec] | None = None  # a figure's panels, over media/frame/frames
    legend: bool = True
    scale_bar: bool = True
    #: non-square pixels (e.g. 0.286 x 0.229 mm) drawn at their true physical shape, as the viewer shows them
    true_aspect: bool = True
    caption_in_figure: bool = False  # rasters: set the caption under the panels too
    orientation: tuple[str, str] | None = None  # labels of the left and right image edges
    speed: float = 1.0  # clip playback speed (0.5 = half speed)
    frame_from: int | None = None
    frame_to: int | None = None
    timestamp: bool = False
    max_width: int | None = None  # clips: scale down wider crops
    report: bool = False  # ".pdf" is a case report rather than a figure
    secondary_capture: bool = False  # ".dcm" is a Secondary Capture rather than an SR
    uid_salt: str | None = None  # reproducible new UIDs (None = random per export)
    plots: list[str] = field(default_factory=list)  # annotation ids: plots over time as panels


    @property
    def chooses_figure(self) -> bool:
        """True when the options name one figure's panels (else outputs pick their own)."""
        return bool(self.panels or self.frames or self.frame is not None or self.layout)


Progress = Callable[[int, int], None]  # (steps done, steps in all); raise to cancel


@dataclass
class ExportContext:
    document: CaseDocument
    options: ExportOptions = field(default_factory=ExportOptions)
    #: called as long exports (clips) advance; an exception raised in it cancels the export
    progress: Progress | None = None
    #: detected imaging areas by media id; one dict may serve many contexts (the export
    #: dialog's previews and its export), so a clip's motion analysis runs once
    found_areas: dict[str, ImagingArea] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.uid_map = UidMap(self.options.uid_salt)
        self._areas: dict[str, ImagingArea] = {}
        self.measure_cache = MeasurementCache(self.document)

    # -- the case ------------------------------------------------------------------------------
    @property
    def case(self) -> Case:
        return self.document.case

    @property
    def keep_identifiers(self) -> bool:
        return self.options.keep_identifiers

    def media(self, media_id: str) -> Media:
        try:
            return self.document.media(media_id)
        except MediaError as exc:
            raise ExportError(f"media {media_id}: {exc}") from exc
        except KeyError as exc:
            raise ExportError(f"the case has no media {media_id!r}") from exc

    def media_ref(self, media_id: str) -> MediaRef:
        try:
            return self.case.media_ref(media_id)
        except KeyError as exc:
            raise ExportError(f"the case has no media {media_id!r}") from exc

    def media_name(self, media_id: str) -> str:
        """How outputs name a media: its label, else "clip 2"/"image 1" (its place in the case);
        the file name (which often holds a patient's name or a date) only when identifiers are
        kept."""
        ref = self.media_ref(media_id)
        if ref.label:
            return self.text(ref.label)
        if self.keep_identifiers:
            return ref.path.replace("\\", "/").rsplit("/", 1)[-1]
        index = [m.id for m in self.case.media].index(media_id) + 1
        try:
            kind = "clip" if self.media(media_id).frame_count > 1 else "image"
        except ExportError:
            kind = "media"
        return f"{kind} {index}"

    # -- de-identification ---------------------------------------------------------------------
    @cached_property
    def identifiers(self) -> IdentifierSet:
        found = IdentifierSet()
        for ref in self.case.media:
            try:
                media = self.document.media(ref.id)
            except (MediaError, KeyError, OSError):
                continue
            found.merge(identifiers_of(media))
        return found

    def text(self, text: str) -> str:
        """Free text for an output: scrubbed of the sources' identifiers unless kept."""
        return text if self.keep_identifiers else self.identifiers.scrub(text)

    def found_area(self, media_id: str, frame: int = 0) -> ImagingArea:
        """The imaging area found in the media (regions, motion or texture), before any crop."""
        if media_id not in self.found_areas:
            self.found_areas[media_id] = find_imaging_area(self.media(media_id), frame)
        return self.found_areas[media_id]

    def area(self, media_id: str, frame: int = 0) -> ImagingArea:
        """The pixels that may leave: the user's crop, else the calibrated regions or the found
        imaging area; the whole frame when identifiers are kept and no crop was given."""
        if media_id not in self._areas:
            media = self.media(media_id)
            crop = self.options.crops.get(media_id, self.options.crop)
            if self.keep_identifiers and crop is None:
                found = ImagingArea((0, 0, media.width, media.height), "full")
            else:
                found = self.found_area(media_id, frame)
                if crop is not None:
                    keep = () if self.keep_identifiers else found.keep
                    found = ImagingArea(found.rect, found.source, keep).adjusted(crop, media.width, media.height)
            self._areas[media_id] = found
        return self._areas[media_id]

    def set_area(self, media_id: str, area: ImagingArea) -> None:
        """A user-adjusted imaging area (from the export dialog)."""
        self._areas[media_id] = area

    # -- pictures ------------------------------------------------------------------------------
    def annotations_of(self, media_id: str) -> list[Annotation]:
        """The media's annotations as pictures show them: labels and text de-identified (a
        text annotation naming the patient would otherwise be burned into the pixels)."""
        shown = []
        for a in self.case.annotations:
            if a.media != media_id:
                continue
            if not self.keep_identifiers and (a.label or a.text):
                label, text = self.text(a.label), self.text(a.text)
                if (label, text) != (a.label, a.text):
                    a = replace(a, label=label, text=text)
            shown.append(a)
        return shown

    def frame_pixels(self, media_id: str, frame: int) -> np.ndarray:
        media = self.media(media_id)
        try:
            pixels = media.frame(frame)
        except IndexError as exc:
            raise ExportError(str(exc)) from exc
        area = self.area(media_id, frame)
        pixels = mask_outside(pixels, area) if needs_mask(area, media.width, media.height) else pixels
        return black_out(pixels, self.redactions(media_id, frame))

    def redactions(self, media_id: str, frame: int) -> list[tuple[int, int, int, int]]:
        """The case's redaction boxes on this frame (x, y, w, h): black in every output, with or
        without identifiers kept (the user drew them to hide what is there)."""
        return [r.rect() for r in self.case.redactions if r.applies_to(media_id, frame)]

    def scene(self, media_id: str, frame: int, annotations: Sequence[Annotation] | None = None) -> FrameScene:
        media = self.media(media_id)
        return FrameScene(
            image=self.frame_pixels(media_id, frame),
            frame=frame,
            time_ms=media.time_ms(frame),
            annotations=self.annotations_of(media_id) if annotations is None else annotations,
            calibration=self.document.calibration(media_id, frame),
            measure=self.measure_shown,
            redactions=self.redactions(media_id, frame),
        )

    def pixel_aspect(self, media_id: str, frame: int = 0) -> tuple[float, float]:
        """(x, y) stretch that draws the media's pixels at their true shape; (1, 1) for square
        or uncalibrated pixels, or when the options ask for square output pixels."""
        if not self.options.true_aspect:
            return 1.0, 1.0
        media = self.media(media_id)
        return pixel_aspect(self.document.calibration(media_id, frame), media.width, media.height)

    def measure(self, annotation: Annotation, frame: int | None = None) -> list[Measurement]:
        """Every measurement, grey-level statistics included (tables, SR, captions); None =
        the annotation's anchor frame. Remembered for the export (``measure_cache``)."""
        return self.measure_cache.measure(annotation, frame)

    def measure_shown(self, annotation: Annotation, frame: int) -> list[Measurement]:
        """The measurements a picture shows next to a shape: no grey-level statistics, which
        would cost a mask per shape on every frame of a clip."""
        return self.measure_cache.measure(annotation, frame, with_image=False)

    def measure_flagged(self, annotation: Annotation, frame: int | None = None) -> list[Measurement]:
        """``measure`` with every uncalibrated value's ``display()`` saying so and why: for
        text drafted by code that formats through ``display()`` (finding summaries)."""
        return flag_all(self.measure(annotation, frame))

    def annotated_frames(self, media_id: str | None = None) -> list[tuple[str, int]]:
        """(media id, frame) of every frame with an annotation, in case order: the anchor frame
        of each annotation, so a tracked range contributes its first keyframe."""
        seen: list[tuple[str, int]] = []
        order = {m.id: i for i, m in enumerate(self.case.media)}
        for ann in self.case.annotations:
            if media_id is not None and ann.media != media_id:
                continue
            key = (ann.media, ann.frame)
            if key not in seen and ann.media in order:
                seen.append(key)
        return sorted(seen, key=lambda k: (order[k[0]], k[1]))
