"""Renderer tests: the shared scene fixtures (a grey frame, a calibration, a fake measure)."""

from tests.scene_fixtures import calibration, grey_frame, measure

__all__ = ["calibration", "grey_frame", "measure"]
