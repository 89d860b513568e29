"""Commands on findings, their attributes, the media list, calibration and the title."""

from __future__ import annotations

import copy
import math
from typing import Any

from annotator.case.annotation_commands import RemoveAnnotations
from annotator.case.attributes import check_attribute_value
from annotator.case.command_base import Command, CommandError
from annotator.case.model import (
    FINDING_SIDES,
    FINDING_TYPES,
    MEDIA_VIEWS,
    SIDES,
    AttributeValue,
    Case,
    Finding,
    MediaRef,
)
from annotator.media.calibration import ManualCalibration

FINDING_FIELDS = frozenset({"type", "structure", "side", "site", "notes", "grade"})


def _finding(case: Case, id: str) -> Finding:
    try:
        return case.finding(id)
    except KeyError:
        raise CommandError(f"there is no finding {id!r}") from None


def _media(case: Case, id: str) -> MediaRef:
    try:
        return case.media_ref(id)
    except KeyError:
        raise CommandError(f"there is no media {id!r}") from None


def _check_attributes(finding_type: str, attributes: dict[str, AttributeValue], what: str) -> None:
    for name, v in attributes.items():
        problem = None if v.is_link else check_attribute_value(finding_type, name, v.value)
        if problem:
            raise CommandError(f"{what}: {problem}")


def _check_finding_fields(fields: dict[str, Any], what: str) -> None:
    if "type" in fields and fields["type"] not in FINDING_TYPES:
        raise CommandError(f"{what}: unknown finding type {fields['type']!r} (one of {', '.join(FINDING_TYPES)})")
    if "side" in fields and fields["side"] not in FINDING_SIDES:
        raise CommandError(f"{what}: side must be one of {', '.join(FINDING_SIDES)}, not {fields['side']!r}")
    for name in ("structure", "site", "notes", "grade"):
        if name in fields and not isinstance(fields[name], str):
            raise CommandError(f"{what}: {name} must be text")


class AddFinding(Command):
    def __init__(self, finding: Finding, index: int | None = None) -> None:
        self.finding = finding
        self.index = index
        self.text = "Add finding"

    def redo(self, case: Case) -> None:
        f = self.finding
        if any(x.id == f.id for x in case.findings):
            raise CommandError(f"finding id {f.id!r} is already used")
        _check_finding_fields({"type": f.type, "side": f.side, "structure": f.structure}, f"finding {f.id!r}")
        _check_attributes(f.type, f.attributes, f"finding {f.id!r}")
        case.findings.insert(len(case.findings) if self.index is None else self.index, f)
        case.notify("finding", f.id, "added")

    def undo(self, case: Case) -> None:
        case.findings.remove(case.finding(self.finding.id))
        case.notify("finding", self.finding.id, "removed")


class RemoveFinding(Command):
    """Delete a finding; annotations linked to it are unlinked (and relinked on undo)."""

    def __init__(self, id: str) -> None:
        self.id = id
        self.text = "Delete finding"
        self._index = 0
        self._finding: Finding | None = None
        self._linked: list[str] = []

    def redo(self, case: Case) -> None:
        self._finding = _finding(case, self.id)
        self._index = case.findings.index(self._finding)
        self._linked = [a.id for a in case.annotations if a.finding == self.id]
        for a in case.annotations:
            if a.finding == self.id:
                a.finding = None
        case.findings.pop(self._index)
        for aid in self._linked:
            case.notify("annotation", aid, "changed")
        case.notify("finding", self.id, "removed")

    def undo(self, case: Case) -> None:
        assert self._finding is not None, "undo before redo"
        case.findings.insert(self._index, self._finding)
        for aid in self._linked:
            case.annotation(aid).finding = self.id
        case.notify("finding", self.id, "added")
        for aid in self._linked:
            case.notify("annotation", aid, "changed")


class ChangeFinding(Command):
    """Change type, structure, side, site or notes of a finding (attributes: SetAttribute)."""

    def __init__(self, id: str, **fields: Any) -> None:
        unknown = set(fields) - FINDING_FIELDS
        if unknown:
            raise CommandError(f"cannot change {', '.join(sorted(unknown))} of a finding this way")
        self.id, self.fields = id, fields
        self._old: dict[str, Any] = {}
        self.text = "Change finding"

    def redo(self, case: Case) -> None:
        f = _finding(case, self.id)
        _check_finding_fields(self.fields, f"finding {f.id!r}")
        if "type" in self.fields:
            _check_attributes(self.fields["type"], f.attributes, f"finding {f.id!r} as a {self.fields['type']}")
        self._old = {name: getattr(f, name) for name in self.fields}
        for name, value in self.fields.items():
            setattr(f, name, value)
        case.notify("finding", f.id, "changed")

    def undo(self, case: Case) -> None:
        f = _finding(case, self.id)
        for name, value in self._old.items():
            setattr(f, name, value)
        case.notify("finding", f.id, "changed")


class SetAttribute(Command):
    """Set (or with None, remove) one attribute of a finding: a typed value or a link."""

    def __init__(self, finding_id: str, name: str, value: AttributeValue | None) -> None:
        self.finding_id, self.name = finding_id, name
        self.value = copy.deepcopy(value)
        self._old: AttributeValue | None = None
        self.text = f"Set {name.replace('_', ' ')}"

    def redo(self, case: Case) -> None:
        f = _finding(case, self.finding_id)
        if not self.name or not isinstance(self.name, str):
            raise CommandError(f"finding {f.id!r}: an attribute needs a name")
        v = self.value
        if v is not None:
            if v.is_link and not any(a.id == v.annotation for a in case.annotations):
                raise CommandError(f"finding {f.id!r}: {self.name} links to no annotation {v.annotation!r}")
            if isinstance(v.value, float) and not math.isfinite(v.value):
                raise CommandError(f"finding {f.id!r}: {self.name} is not a finite number")
            problem = None if v.is_link else check_attribute_value(f.type, self.name, v.value)
            if problem:
                raise CommandError(f"finding {f.id!r}: {problem}")
        self._old = f.attributes.get(self.name)
        if v is None:
            f.attributes.pop(self.name, None)
        else:
            f.attributes[self.name] = copy.deepcopy(v)
        case.notify("finding", f.id, "changed")

    def undo(self, case: Case) -> None:
        f = _finding(case, self.finding_id)
        if self._old is None:
            f.attributes.pop(self.name, None)
        else:
            f.attributes[self.name] = self._old
        case.notify("finding", f.id, "changed")


class LinkAnnotation(Command):
    """Attach an annotation to a finding (None detaches it)."""

    def __init__(self, annotation_id: str, finding_id: str | None) -> None:
        self.annotation_id, self.finding_id = annotation_id, finding_id
        self._old: str | None = None
        self.text = "Link to finding" if finding_id else "Unlink from finding"

    def redo(self, case: Case) -> None:
        try:
            a = case.annotation(self.annotation_id)
        except KeyError:
            raise CommandError(f"there is no annotation {self.annotation_id!r}") from None
        if self.finding_id is not None:
            _finding(case, self.finding_id)
        self._old, a.finding = a.finding, self.finding_id
        case.notify("annotation", a.id, "changed")

    def undo(self, case: Case) -> None:
        case.annotation(self.annotation_id).finding = self._old
        case.notify("annotation", self.annotation_id, "changed")


class AddMedia(Command):
    def __init__(self, ref: MediaRef, index: int | None = None) -> None:
        self.ref, self.index = ref, index
        self.text = "Add media"

    def redo(self, case: Case) -> None:
        if any(m.id == self.ref.id for m in case.media):
            raise CommandError(f"media id {self.ref.id!r} is already used")
        case.media.insert(len(case.media) if self.index is None else self.index, self.ref)
        case.notify("media", self.ref.id, "added")

    def undo(self, case: Case) -> None:
        case.media.remove(case.media_ref(self.ref.id))
        case.notify("media", self.ref.id, "removed")


class RemoveMedia(Command):
    """Remove a media file from the case, with its annotations and links to them."""

    def __init__(self, id: str) -> None:
        self.id = id
        self.text = "Remove media"
        self._index = 0
        self._ref: MediaRef | None = None
        self._remove_annotations: RemoveAnnotations | None = None

    def redo(self, case: Case) -> None:
        self._ref = _media(case, self.id)
        self._index = case.media.index(self._ref)
        self._remove_annotations = RemoveAnnotations([a.id for a in case.annotations if a.media == self.id])
        self._remove_annotations.redo(case)
        case.media.pop(self._index)
        case.notify("media", self.id, "removed")

    def undo(self, case: Case) -> None:
        assert self._ref is not None and self._remove_annotations is not None, "undo before redo"
        case.media.insert(self._index, self._ref)
        case.notify("media", self.id, "added")
        self._remove_annotations.undo(case)


class ChangeMedia(Command):
    """Change the label, the side (left/right/none) or the view of a media file."""

    def __init__(self, id: str, **fields: Any) -> None:
        unknown = set(fields) - {"label", "side", "view"}
        if unknown:
            raise CommandError(f"cannot change {', '.join(sorted(unknown))} of a media file this way")
        self.id, self.fields = id, fields
        self._old: dict[str, Any] = {}
        self.text = "Change media"

    def redo(self, case: Case) -> None:
        ref = _media(case, self.id)
        if self.fields.get("side", ref.side) not in SIDES:
            raise CommandError(f"media {ref.id!r}: side must be one of {', '.join(SIDES)}")
        if self.fields.get("view", ref.view) not in MEDIA_VIEWS:
            raise CommandError(f"media {ref.id!r}: view must be longitudinal, transverse or empty")
        self._old = {name: getattr(ref, name) for name in self.fields}
        for name, value in self.fields.items():
            setattr(ref, name, value)
        case.notify("media", ref.id, "changed")

    def undo(self, case: Case) -> None:
        ref = _media(case, self.id)
        for name, value in self._old.items():
            setattr(ref, name, value)
        case.notify("media", ref.id, "changed")


class SetCalibration(Command):
    """Set or clear the manual calibration of one media file."""

    def __init__(self, media_id: str, calibration: ManualCalibration | None) -> None:
        self.media_id, self.calibration = media_id, calibration
        self._old: ManualCalibration | None = None
        self.text = "Set calibration" if calibration is not None else "Clear calibration"

    def redo(self, case: Case) -> None:
        ref = _media(case, self.media_id)
        c = self.calibration
        if c is not None and not (math.isfinite(c.mm_per_px) and c.mm_per_px > 0):
            raise CommandError(f"media {ref.id!r}: calibration must be a positive mm per pixel")
        self._old, ref.calibration = ref.calibration, c
        case.notify("media", ref.id, "changed")

    def undo(self, case: Case) -> None:
        case.media_ref(self.media_id).calibration = self._old
        case.notify("media", self.media_id, "changed")


class SetTitle(Command):
    def __init__(self, title: str) -> None:
        self.title = title
        self._old = ""
        self.text = "Rename case"

    def redo(self, case: Case) -> None:
        self._old, case.title = case.title, self.title
        case.notify("case", "title", "changed")

    def undo(self, case: Case) -> None:
        case.title = self._old
        case.notify("case", "title", "changed")


CASE_INFO_FIELDS = ("title", "history", "impression", "exam_date")


class SetCaseInfo(Command):
    """Change the case's title, history, impression or exam date (free text), as one step."""

    def __init__(self, **fields: str) -> None:
        unknown = set(fields) - set(CASE_INFO_FIELDS)
        if unknown:
            raise CommandError(f"cannot change {', '.join(sorted(unknown))} of a case this way")
        self.fields = fields
        self._old: dict[str, str] = {}
        self.text = "Edit case details"

    def redo(self, case: Case) -> None:
        for name, value in self.fields.items():
            if not isinstance(value, str):
                raise CommandError(f"the case's {name} must be text")
        self._old = {name: getattr(case, name) for name in self.fields}
        for name, value in self.fields.items():
            setattr(case, name, value)
        case.notify("case", "info", "changed")

    def undo(self, case: Case) -> None:
        for name, value in self._old.items():
            setattr(case, name, value)
        case.notify("case", "info", "changed")


class SetCaption(Command):
    """Keep (or with "" forget) the caption a user wrote for one figure of the case."""

    def __init__(self, key: str, caption: str) -> None:
        self.key, self.caption = key, caption
        self._old: str | None = None
        self.text = "Edit figure caption"

    def redo(self, case: Case) -> None:
        self._old = case.captions.get(self.key)
        if self.caption:
            case.captions[self.key] = self.caption
        else:
            case.captions.pop(self.key, None)
        case.notify("case", "captions", "changed")

    def undo(self, case: Case) -> None:
        if self._old is None:
            case.captions.pop(self.key, None)
        else:
            case.captions[self.key] = self._old
        case.notify("case", "captions", "changed")
