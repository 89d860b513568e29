"""Frame timing from generated DICOM headers: the order of trust between the timing attributes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dicom_factory import write_native

from annotator.media.dicom import DicomMedia

FRAME_TIME = 0x00181063
FRAME_TIME_VECTOR = 0x00181065


def _clip(tmp_path: Path, frames: int = 5, **attributes: Any) -> DicomMedia:
    pixels = np.zeros((frames, 8, 8), np.uint8)
    return DicomMedia(write_native(tmp_path / "clip.dcm", pixels, **attributes))


def test_frame_time(tmp_path: Path) -> None:
    with _clip(tmp_path, FrameTime="40", FrameIncrementPointer=FRAME_TIME) as media:
        np.testing.assert_allclose(media.frame_times_ms, [0, 40, 80, 120, 160])
        assert media.fps == pytest.approx(25.0)
        assert media.timing_source == "Frame Time"
        assert media.frame_at_time(85.0) == 2


def test_frame_time_vector_accumulates_increments(tmp_path: Path) -> None:
    vector = ["0", "20", "30", "50", "20"]
    with _clip(tmp_path, FrameTimeVector=vector, FrameIncrementPointer=FRAME_TIME_VECTOR) as media:
        np.testing.assert_allclose(media.frame_times_ms, [0, 20, 50, 100, 120])
        assert media.timing_source == "Frame Time Vector"


def test_frame_time_vector_of_n_minus_1_increments(tmp_path: Path) -> None:
    with _clip(tmp_path, FrameTimeVector=["10", "10", "30", "10"]) as media:
        np.testing.assert_allclose(media.frame_times_ms, [0, 10, 20, 50, 60])


def test_the_frame_increment_pointer_decides_between_time_and_vector(tmp_path: Path) -> None:
    vector = ["0", "10", "10", "10", "10"]
    with _clip(tmp_path, FrameTime="50", FrameTimeVector=vector, FrameIncrementPointer=FRAME_TIME_VECTOR) as media:
        np.testing.assert_allclose(media.frame_times_ms, [0, 10, 20, 30, 40])
    with _clip(tmp_path, FrameTime="50", FrameTimeVector=vector, FrameIncrementPointer=FRAME_TIME) as media:
        np.testing.assert_allclose(media.frame_times_ms, [0, 50, 100, 150, 200])
    with _clip(tmp_path, FrameTime="50", FrameTimeVector=vector) as media:  # no pointer: Frame Time first
        np.testing.assert_allclose(media.frame_times_ms, [0, 50, 100, 150, 200])


def test_frame_time_wins_over_a_disagreeing_cine_rate(tmp_path: Path) -> None:
    with _clip(tmp_path, FrameTime="34.99", CineRate=28) as media:
        assert media.frame_times_ms[1] == pytest.approx(34.99)


def test_invalid_frame_time_falls_back_to_cine_rate(tmp_path: Path) -> None:
    with _clip(tmp_path, FrameTime="0", CineRate=20, FrameIncrementPointer=FRAME_TIME) as media:
        np.testing.assert_allclose(media.frame_times_ms, [0, 50, 100, 150, 200])
        assert media.timing_source == "Cine Rate"


def test_recommended_display_frame_rate_is_the_last_resort(tmp_path: Path) -> None:
    with _clip(tmp_path, RecommendedDisplayFrameRate=10) as media:
        np.testing.assert_allclose(media.frame_times_ms, [0, 100, 200, 300, 400])
        assert media.timing_source == "Recommended Display Frame Rate"


def test_no_timing_is_assumed_and_said(tmp_path: Path) -> None:
    with _clip(tmp_path) as media:
        assert media.fps == pytest.approx(30.0)
        assert "assumed" in media.timing_source
        assert "assumed" in (media.metadata.get("timing") or "")


def test_single_frame_has_time_zero_and_no_fps(tmp_path: Path) -> None:
    with _clip(tmp_path, frames=1, FrameTime="40") as media:
        np.testing.assert_array_equal(media.frame_times_ms, [0.0])
        assert media.fps is None
        assert media.duration_ms == 0.0


def test_metadata_is_built_when_first_used_and_then_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening reads no shown element (a PACS part file opened for its frames never shows
    them); the first use builds the metadata once, with the timing, and additions stay."""
    import annotator.media.dicom as dicom

    built: list[int] = []
    real = dicom.build_metadata
    monkeypatch.setattr(dicom, "build_metadata", lambda *a: built.append(1) or real(*a))
    with _clip(tmp_path, FrameTime="40", FrameIncrementPointer=FRAME_TIME) as media:
        assert built == []
        assert media.metadata.get("timing") == "Frame Time"
        media.metadata.add("note", "Note", "kept")
        assert media.metadata.get("note") == "kept"
        assert built == [1]
