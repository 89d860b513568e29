"""Measurements remembered within one export, so painting, captions and tables measure once.

Keyed by (annotation id, kind, frame, the annotation's points on that frame, the media's
manual calibration, with grey levels or not): moving a point, re-tracking or re-calibrating
gives a new key, so an edited annotation is never shown with an old value. Bounded (least
recently used goes first): a long clip asks for every frame once and must not hoard them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING

from annotator.case.model import Annotation

if TYPE_CHECKING:
    from annotator.case.document import CaseDocument
    from annotator.case.measure import Measurement

DEFAULT_SIZE = 4096


class MeasurementCache:
    def __init__(self, document: CaseDocument, size: int = DEFAULT_SIZE) -> None:
        self.document = document
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Measurement, ...]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def key(self, annotation: Annotation, frame: int, with_image: bool) -> Hashable:
        points = annotation.points_at(frame)
        try:
            manual = self.document.case.media_ref(annotation.media).calibration
        except KeyError:
            manual = None  # measuring will say what is wrong
        return (annotation.id, annotation.kind, frame, None if points is None else tuple(map(tuple, points)),
                manual, with_image)

    def measure(self, annotation: Annotation, frame: int | None = None, with_image: bool = True) -> list[Measurement]:
        """``CaseDocument.measure``, remembered; errors are raised every time, never kept."""
        frame = annotation.frame if frame is None else frame
        key = self.key(annotation, frame, with_image)
        try:
            found = self._entries.get(key)
        except TypeError:  # something in the key is unhashable (a list built by hand): no cache
            return self.document.measure(annotation, frame, with_image)
        if found is not None:
            self.hits += 1
            self._entries.move_to_end(key)
            return list(found)
        self.misses += 1
        measured = self.document.measure(annotation, frame, with_image)
        self._entries[key] = tuple(measured)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return list(measured)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
