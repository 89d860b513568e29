"""A tracked caliper stays two material points: when it turns, it no longer measures the
distance across a structure (on a contraction clip a vertical caliper between the aponeuroses
ends up at 45 degrees reading +36%, issue 9). This says when it has turned too far."""

from __future__ import annotations

from annotator.case.architecture_geometry import acute_angle_deg
from annotator.case.kinds import kind_spec
from annotator.case.model import Annotation

#: degrees from its starting direction beyond which a caliper's value is flagged
TURN_LIMIT_DEG = 15.0


def caliper_turn_deg(annotation: Annotation, frame: int) -> float | None:
    """How far (0..90 degrees, in image pixels) a keyframed caliper on ``frame`` has turned
    from its direction on its first frame; None for anything else or off its range."""
    spec = kind_spec(annotation.kind)
    if spec is None or spec.tracking != "caliper" or not annotation.is_dynamic:
        return None
    start, now = annotation.points_at(annotation.frame), annotation.points_at(frame)
    if start is None or now is None or len(start) < 2 or len(now) < 2:
        return None
    return acute_angle_deg(start[0], start[1], now[0], now[1])


def caliper_turned(annotation: Annotation, frame: int) -> bool:
    turn = caliper_turn_deg(annotation, frame)
    return turn is not None and turn > TURN_LIMIT_DEG


def turn_note(annotation: Annotation, frame: int) -> str:
    """A few words for the frame, the plot and the tables; "" when the caliper has not turned
    more than the limit."""
    turn = caliper_turn_deg(annotation, frame)
    if turn is None or turn <= TURN_LIMIT_DEG:
        return ""
    return f"caliper turned {turn:.0f}° from its start: not a distance across a structure"
