"""The measurements table: new quantities, extrapolated fascicles, rest/peak frames and a
turned caliper's note (issue 9)."""

from __future__ import annotations

import numpy as np

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, Case, MediaRef
from annotator.media import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region
from annotator.ui.panels.measurements_model import collect_rows


def test_rows_show_extrapolation_roles_and_turned_calipers() -> None:
    case = Case(media=[MediaRef("m1", "clip.dcm")])
    fas = Annotation.single("f1", "m1", "fascicle", 0,
                            [(60, 215), (200, 180), (30, 50), (290, 50), (30, 220), (290, 220)])
    cal = Annotation("c1", "m1", "line", 0, {0: [(160, 60), (160, 200)], 9: [(120, 70), (200, 190)]},
                     frame_end=9, rest_frame=0, peak_frame=5)
    case.annotations = [fas, cal]
    doc = CaseDocument(case)
    doc.set_media("m1", ArrayMedia(np.zeros((10, 240, 320), np.uint8),
                                   regions=[Region(0, 0, 319, 239, UNIT_CM, UNIT_CM, 0.01, 0.01)]))
    rows = collect_rows(doc)
    length = next(r for r in rows if r.quantity == "fascicle_length")
    assert length.extrapolated and length.cells()[6].endswith("(extrapolated)")
    assert "fascicle length" in length.cells()
    by_frame = {r.frame: r for r in rows if r.annotation == "c1"}
    assert set(by_frame) == {0, 5, 9}  # the keyframes and the chosen peak
    assert by_frame[0].cells()[2] == "0 (rest)" and by_frame[5].cells()[2] == "5 (peak)"
    assert "caliper turned 34°" in by_frame[9].note and "turned" not in by_frame[0].note
