"""Thickness and pennation tracked as structures on generated clips with known architecture
(issue 9): they follow the aponeuroses without drift while the tissue slides along them,
a person's keyframe re-anchors the estimate, and drift correction is on in `track`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from muscle_clips import W, muscle_clip, thickness_points

from annotator.case import architecture_geometry as arch
from annotator.case.model import Annotation
from annotator.dynamics.structure_tracking import user_anchors
from annotator.dynamics.tracking import APP_OPTIONS, track_annotation


def test_a_tracked_thickness_follows_the_aponeuroses_and_comes_back() -> None:
    clip = muscle_clip(frames=40)
    thickness = Annotation.single("t1", "m1", "thickness", 0, thickness_points(clip, 0))
    result = track_annotation(clip.media, thickness, options=APP_OPTIONS)
    assert result.complete, result.message()
    errors = []
    for frame, pts in result.points.items():
        got = arch.thickness(pts)
        assert got is not None
        errors.append(abs(got - clip.thickness_px(frame)))
    assert max(errors) < 2.0, max(errors)  # px; the muscle thins by 12 px and comes back
    last = result.points[39]
    # no drift: the clip ends at rest, and so does the value (0.3 mm = 3 px at 0.1 mm/px)
    assert abs((arch.thickness(last) or 0.0) - (arch.thickness(result.points[0]) or 0.0)) < 3.0
    assert all(0.0 <= c <= 1.0 for c in result.confidence.values())


def test_a_tracked_pennation_follows_the_fascicles() -> None:
    clip = muscle_clip(frames=30)
    r = math.radians(clip.fascicle_deg[0])
    f0 = (W / 2 - 30, 130.0)
    f1 = (f0[0] + 60 * math.cos(r), f0[1] - 60 * math.sin(r))
    deep = thickness_points(clip, 0)[2:]
    pennation = Annotation.single("p1", "m1", "pennation", 0, [f0, f1, *deep])
    result = track_annotation(clip.media, pennation, options=APP_OPTIONS)
    assert result.complete, result.message()
    for frame in (0, 10, 15, 29):
        got = arch.pennation(result.points[frame])
        assert got is not None and abs(got[0] - clip.pennation_deg(frame)) < 2.0, (frame, got)


def test_a_keyframe_placed_by_hand_re_anchors_the_tracking() -> None:
    clip = muscle_clip(frames=30)
    a = Annotation("t1", "m1", "thickness", 0, {0: thickness_points(clip, 0)}, frame_end=29)
    # the user corrected frame 15 (no confidence there) and frame 5 came from tracking
    corrected = [(x, y + 3.0) if i >= 2 else (x, y) for i, (x, y) in enumerate(thickness_points(clip, 15))]
    a.keyframes[15] = corrected
    a.keyframes[5] = thickness_points(clip, 5)
    a.confidence = {5: 0.9}
    assert user_anchors(a, 0, 29) == [0, 15]
    assert user_anchors(a, 29, 0) == [29, 15, 0]  # frame 0 was placed by hand too
    result = track_annotation(clip.media, a, 0, 29, APP_OPTIONS)
    assert result.points[15] == corrected and result.status[15] == "start"
    assert 15 not in result.tracked_confidence() and 16 in result.tracked_confidence()
    from annotator.case.model import Case, MediaRef

    case = Case(media=[MediaRef("m1", "muscle.dcm")], annotations=[a])
    result.to_command().redo(case)
    assert a.keyframes[15] == corrected and 15 not in a.confidence


def test_track_cli_has_drift_correction_on_unless_asked_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_track_cmd import make_case

    from annotator.cli import main
    from annotator.dynamics import tracking
    from tests.synthetic import tear_clip

    path = make_case(tmp_path, tear_clip(frames=24, gap_px=30.0))
    seen: list[bool] = []
    real = tracking.track_annotation

    def spy(*args: Any, **kw: Any) -> Any:
        options = args[4] if len(args) > 4 else kw.get("options")
        seen.append(options.drift_correction)
        return real(*args, **kw)

    monkeypatch.setattr(tracking, "track_annotation", spy)
    assert main(["track", str(path), "a1", "--to", "5", "--json"]) == 0
    assert main(["track", str(path), "a1", "--to", "5", "--json", "--no-drift-correction"]) == 0
    capsys.readouterr()
    assert seen == [True, False]
    assert APP_OPTIONS.drift_correction


def test_a_thickness_is_searched_at_the_calibrations_pixel_density(monkeypatch: pytest.MonkeyPatch) -> None:
    """The media's own calibration by default; the case's (a manual one on an MP4) when given."""
    from annotator.dynamics import structure_lines
    from annotator.media.calibration import Calibration, ManualCalibration

    seen: list[float | None] = []
    real = structure_lines.pixel_scale

    def spy(grey: Any, mm_per_px: float | None) -> float:
        seen.append(mm_per_px)
        return real(grey, mm_per_px)

    monkeypatch.setattr(structure_lines, "pixel_scale", spy)
    clip = muscle_clip(frames=4)
    thickness = Annotation.single("t1", "m1", "thickness", 0, thickness_points(clip, 0))
    track_annotation(clip.media, thickness, options=APP_OPTIONS)
    own = clip.media.calibration.scale_for(thickness_points(clip, 0)).mm_per_px_y
    assert own is not None and seen == [pytest.approx(own)]
    manual = Calibration((), clip.media.pixel_shape).with_manual(
        ManualCalibration(1.0 / 23.0), clip.media.width, clip.media.height)
    track_annotation(clip.media, thickness, options=APP_OPTIONS, calibration=manual)
    assert seen[1] == pytest.approx(1.0 / 23.0)
