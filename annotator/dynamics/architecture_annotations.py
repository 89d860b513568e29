"""Turn an automatic muscle-architecture analysis into the case's own annotations.

``annotator.dynamics.architecture.analyse_sequence`` gives, per frame, the fitted superficial
and deep aponeuroses and a representative fascicle. Here they become three keyed annotations
(``thickness``, ``pennation``, ``fascicle``) over the analysed frames, with the analysis'
confidence per frame, so that they are measured, plotted, corrected and exported like any
other: a frame the analysis could not read gets no keyframe (its neighbours' points carry
over) and confidence 0, which flags it everywhere as low confidence. A still's three
annotations carry its confidence as well.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from annotator.case.kinds import kind_spec
from annotator.case.model import ARCHITECTURE_KINDS, Annotation, Case, Point
from annotator.dynamics.architecture.types import FrameArchitecture

Estimate = FrameArchitecture


def _label(kind: str) -> str:
    spec = kind_spec(kind)
    return spec.analysis_label if spec is not None else kind

PointsFn = Callable[[Estimate], dict[str, list[tuple[float, float]]]]


def analysis_annotations(case: Case, media_id: str, estimates: Sequence[Estimate], points_of: PointsFn,
                         clip: bool) -> list[Annotation]:
    """Three new annotations (fresh ids, not yet in the case: push ``AddAnnotation`` for each)
    from ``estimates`` (in frame order); empty when no frame gave the structures."""
    keyed: dict[str, dict[int, list[Point]]] = {kind: {} for kind in ARCHITECTURE_KINDS}
    confidence: dict[int, float] = {}
    for est in estimates:
        confidence[est.frame] = max(0.0, min(1.0, float(est.confidence)))
        try:
            found = points_of(est)
        except (ValueError, TypeError, AttributeError):  # a frame without its lines
            found = {}
        for kind in ARCHITECTURE_KINDS:
            pts = found.get(kind)
            if pts:
                keyed[kind][est.frame] = [(float(x), float(y)) for x, y in pts]
            else:
                confidence[est.frame] = 0.0
    if not estimates or not all(keyed.values()):
        return []
    first, last = estimates[0].frame, estimates[-1].frame
    used: set[str] = set()
    out = []
    for kind in ARCHITECTURE_KINDS:
        ident = _fresh_id(case, used)
        keys = keyed[kind]
        if not clip:
            # a still keeps its analysis' confidence too: a value read from faint structures is
            # flagged on the image and in every export, as a clip's frame is (moving a point
            # clears it: the value is then the user's)
            frame = min(keys)
            out.append(Annotation(ident, media_id, kind, frame, {frame: keys[frame]}, label=_label(kind),
                                  confidence={frame: confidence[frame]}))
            continue
        if first not in keys:  # the range starts where the analysis did; hold the first found
            keys[first] = keys[min(keys)]
        out.append(Annotation(ident, media_id, kind, first, dict(sorted(keys.items())),
                              frame_end=last if last > first else None, label=_label(kind),
                              confidence=dict(confidence) if last > first else {}))
    return out


def earlier_analysis(case: Case, media_id: str) -> list[Annotation]:
    """The annotations an earlier analysis added to the media: its kinds under its labels (one
    the user renamed is the user's, and stays when the analysis is run again)."""
    return [a for a in case.annotations
            if a.media == media_id and a.kind in ARCHITECTURE_KINDS and a.label == _label(a.kind)]


def findings_linking(case: Case, ids: Sequence[str]) -> list[str]:
    """The ids of the findings whose values link to any of the annotations ``ids``, or that
    any of them is attached to: replacing those annotations would unlink them."""
    wanted = set(ids)
    values = {f.id for f in case.findings for v in f.attributes.values() if v.annotation in wanted}
    attached = {a.finding for a in case.annotations if a.id in wanted and a.finding}
    return sorted(values | attached)


def describe(annotations: Sequence[Annotation]) -> str:
    """"a4 (thickness), a5 (pennation), ...": for a message naming them."""
    return ", ".join(f"{a.id} ({a.kind})" for a in annotations)


def _fresh_id(case: Case, used: set[str]) -> str:
    n = 1
    taken = {a.id for a in case.annotations} | {m.id for m in case.media} | {f.id for f in case.findings} | used
    while f"a{n}" in taken:
        n += 1
    used.add(f"a{n}")
    return f"a{n}"


def analysis_summary(estimates: Sequence[Estimate]) -> str:
    """One line for the status bar: how many frames were read, and why not where not."""
    if not estimates:
        return "no frames analysed"
    low = [e for e in estimates if e.confidence < 0.5]
    text = f"analysed {len(estimates)} frame(s)"
    if low:
        reasons = sorted({e.reason for e in low if e.reason})
        text += f"; {len(low)} with low confidence" + (f" ({reasons[0]})" if reasons else "")
    return text
