"""Dynamics: keyframes, Lucas-Kanade tracking and measurements over time (never imports Qt).

``track_annotation`` carries an annotation through a clip (``TrackResult.to_command`` writes it
into the case); ``measurement_series`` measures it frame by frame (``Series``: statistics,
rest and peak, CSV); ``annotator.render.plot`` draws a series.
"""

from annotator.dynamics.keyframes import (
    merge_confidence,
    merge_keyframes,
    next_keyframe,
    previous_keyframe,
    simplify_keyframes,
)
from annotator.dynamics.lk import LKParams
from annotator.dynamics.series import (
    Series,
    SeriesSample,
    SeriesStats,
    measurement_series,
    suggest_rest_peak,
)
from annotator.dynamics.tracking import (
    TrackedFrame,
    TrackingError,
    TrackOptions,
    TrackResult,
    track_annotation,
)

__all__ = [
    "LKParams", "Series", "SeriesSample", "SeriesStats", "TrackOptions", "TrackResult",
    "TrackedFrame", "TrackingError", "measurement_series", "merge_confidence", "merge_keyframes",
    "next_keyframe", "previous_keyframe", "simplify_keyframes", "suggest_rest_peak",
    "track_annotation",
]
