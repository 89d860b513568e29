"""Every edit of a case is a Command; this module gathers them (the public import point).

``from annotator.case.commands import SetPoints, CommandStack`` and so on.
"""

from annotator.case.annotation_commands import (
    UNCHANGED,
    AddAnnotation,
    ChangeAnnotation,
    DeleteKeyframe,
    MoveAnnotation,
    RemoveAnnotations,
    SetFrameRange,
    SetKeyframes,
    SetPoints,
    SetRestPeak,
    check_points,
)
from annotator.case.case_commands import (
    AddFinding,
    AddMedia,
    ChangeFinding,
    ChangeMedia,
    LinkAnnotation,
    RemoveFinding,
    RemoveMedia,
    SetAttribute,
    SetCalibration,
    SetCaption,
    SetCaseInfo,
    SetTitle,
)
from annotator.case.command_base import Command, CommandError, CommandStack, Macro

__all__ = [
    "UNCHANGED", "AddAnnotation", "AddFinding", "AddMedia", "ChangeAnnotation", "ChangeFinding",
    "ChangeMedia", "Command", "CommandError", "CommandStack", "DeleteKeyframe", "LinkAnnotation",
    "Macro", "MoveAnnotation", "RemoveAnnotations", "RemoveFinding", "RemoveMedia",
    "SetAttribute", "SetCalibration", "SetCaption", "SetCaseInfo", "SetFrameRange", "SetKeyframes", "SetPoints",
    "SetRestPeak", "SetTitle",
    "check_points",
]
