"""Export tests (one file per output kind and concern): the shared scene fixtures."""

from tests.scene_fixtures import calibration, grey_frame, measure

__all__ = ["calibration", "grey_frame", "measure"]
