"""Automatic muscle architecture (no Qt): aponeuroses, fascicle orientation, pennation,
thickness and fascicle length, per frame and followed through a clip without drift.

See docs/adr/0010-muscle-architecture.md for the method and its measured accuracy.
"""

from annotator.dynamics.architecture.drawn import track_structures
from annotator.dynamics.architecture.estimate import analyse_image, architecture_points
from annotator.dynamics.architecture.sequence import analyse_sequence
from annotator.dynamics.architecture.types import FrameArchitecture, Line

__all__ = ["FrameArchitecture", "Line", "analyse_image", "analyse_sequence", "architecture_points",
           "track_structures"]
