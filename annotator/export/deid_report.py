"""What de-identification checked, in words, and the burned-in text it could not remove.

Every export says exactly what it did rather than a bare "de-identified": which profile its
DICOM headers followed, what typed text was checked against (nothing, for a clip or still with
no identifying metadata: "none available (not DICOM)"), and where likely burned-in text remains
inside the exported pixels (``burned_text``), so the user can draw a redaction box or crop it.
The CLI prints these lines; the export dialog shows them under its preview.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from annotator.export.burned_text import Rect, TextArea, find_text_areas, uncovered
from annotator.export.context import ExportContext
from annotator.export.deid_profile import profile_table
from annotator.export.output import ExportError
from annotator.media.base import Media, MediaError

#: frames of a media searched for burned-in text when an output shows many (text is static)
MAX_CHECKED_FRAMES = 3
_NAMES = {
    "PatientName": "patient name", "PatientID": "patient ID", "PatientBirthDate": "birth date",
    "InstitutionName": "institution", "ReferringPhysicianName": "referring physician",
    "AccessionNumber": "accession number", "StudyDate": "study date", "OperatorsName": "operator",
}


def checked_frames(ctx: ExportContext, media_id: str) -> list[int]:
    """The frames of a media an output shows that are searched: its annotated frames, else the
    first (at most ``MAX_CHECKED_FRAMES``)."""
    frames = sorted({f for m, f in ctx.annotated_frames(media_id) if m == media_id})
    if not frames:
        frames = [0]
    if len(frames) > MAX_CHECKED_FRAMES:
        step = (len(frames) - 1) / (MAX_CHECKED_FRAMES - 1)
        frames = [frames[round(i * step)] for i in range(MAX_CHECKED_FRAMES)]
    return frames


#: text found per opened media, by (frame, kept rectangles): the export dialog makes a new
#: context for each preview, and the pixels of a frame do not change while the media is open
_FOUND: weakref.WeakKeyDictionary[Media, dict[tuple[int, tuple[Rect, ...]], list[TextArea]]] = weakref.WeakKeyDictionary()


def text_left(ctx: ExportContext, media_id: str, frame: int) -> list[TextArea]:
    """Likely burned-in text inside what the export keeps of this frame, not under a redaction."""
    try:
        media = ctx.media(media_id)
        area = ctx.area(media_id, frame)
    except (MediaError, ExportError):
        return []
    rects = tuple(_intersect(rect, area.rect) for rect in area.keep or (area.rect,))
    cache = _FOUND.setdefault(media, {})
    if (frame, rects) not in cache:
        try:
            pixels = media.frame(frame)
        except (MediaError, IndexError):
            return []
        cache[(frame, rects)] = [a for rect in rects for a in find_text_areas(pixels, rect)]
    return uncovered(cache[(frame, rects)], ctx.redactions(media_id, frame))


def _intersect(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    return x0, y0, max(0, x1 - x0), max(0, y1 - y0)


def pixels_clean(ctx: ExportContext, shown: Iterable[tuple[str, int]]) -> bool:
    """True when no likely text is left in any of the (media, frame) pictures an output shows."""
    return not any(text_left(ctx, m, f) for m, f in shown)


def media_in_scope(ctx: ExportContext) -> list[str]:
    ids = [m.id for m in ctx.case.media]
    return [ctx.options.media] if ctx.options.media in ids else ids


def text_warnings(ctx: ExportContext, media_ids: Iterable[str] | None = None) -> list[str]:
    """One warning per frame with likely burned-in text left in the exported pixels."""
    warnings = []
    for media_id in media_ids if media_ids is not None else media_in_scope(ctx):
        for frame in checked_frames(ctx, media_id):
            areas = text_left(ctx, media_id, frame)
            if areas:
                boxes = ", ".join(f"x {x}-{x + w - 1}, y {y}-{y + h - 1}" for x, y, w, h in (a.rect for a in areas[:4]))
                more = f" and {len(areas) - 4} more" if len(areas) > 4 else ""
                warnings.append(
                    f"warning: likely burned-in text left in {ctx.media_name(media_id)} ({media_id}) frame {frame}: "
                    f"{len(areas)} area(s) at {boxes}{more}; redact them (Redact tool) or crop them out")
    return warnings


def typed_text_sources(ctx: ExportContext) -> str:
    """What typed text (titles, captions, labels, notes) was checked against, in words."""
    ids = ctx.identifiers
    dicom = [m.id for m in ctx.case.media if _kind(ctx, m.id) == "dicom"]
    other = [m.id for m in ctx.case.media if m.id not in dicom]
    if not ids.values:
        if not dicom:
            return "typed text checked against: none available (not DICOM)"
        return "typed text checked against: none available (the DICOM headers hold no identifiers)"
    known = [name for key, name in _NAMES.items() if key in ids.checked]
    kinds = known + sorted(k for k in ids.checked if k not in _NAMES)
    named = ", ".join(kinds[:8]) + (f" and {len(kinds) - 8} more attributes" if len(kinds) > 8 else "")
    text = (f"typed text checked against: {len(ids.values)} identifier values ({named}) "
            f"from {'the DICOM headers of ' + ', '.join(dicom) if dicom else 'file metadata'}")
    if other:
        text += f"; none available for {', '.join(other)} (not DICOM)"
    return text + ", in their written forms (names in any order, dates in any format, IDs, parts of names)"


def _kind(ctx: ExportContext, media_id: str) -> str:
    try:
        return ctx.media(media_id).kind
    except ExportError:
        return "unknown"


def deid_summary(ctx: ExportContext, dicom_output: bool = False) -> list[str]:
    """The lines an export prints about its de-identification (none when identifiers are kept)."""
    if ctx.keep_identifiers:
        return ["identifiers KEPT (not de-identified)"]
    lines = []
    if dicom_output:
        table = profile_table()
        lines.append(f"DICOM header: PS3.15 Table E.1-1 basic profile from the table ({len(table.rows)} attributes, "
                     f"DICOM {table.revision}), no retain options; private attributes removed")
    lines.append(typed_text_sources(ctx))
    sources = sorted({ctx.area(m).source for m in media_in_scope(ctx)})
    lines.append("pixels: kept only inside the imaging area (" + ", ".join(sources) + ")"
                 + (f", {len(ctx.case.redactions)} redaction box(es) painted black" if ctx.case.redactions else ""))
    return lines
