"""The whole-file check of the local PACS cache (no server needed): every cut is found,
including cuts among the elements that follow Pixel Data."""

from __future__ import annotations

from pathlib import Path

import pytest
from clips import clip_dicom

from annotator.pacs.verify import cache_file_problem, record_length


@pytest.mark.parametrize("jpeg", [True, False])
def test_every_cut_of_a_downloaded_file_is_found(tmp_path: Path, jpeg: bool) -> None:
    data = clip_dicom(5, jpeg=jpeg, trailing=True)
    path = tmp_path / "x.dcm"
    path.write_bytes(data)
    record_length(path, len(data))
    assert cache_file_problem(path) is None
    for cut in [*range(len(data) - 120, len(data)), len(data) // 2, 300, 0]:
        path.write_bytes(data[:cut])
        assert cache_file_problem(path) is not None, cut


@pytest.mark.parametrize("jpeg", [True, False])
def test_without_a_recorded_length_cuts_inside_an_element_are_found(tmp_path: Path, jpeg: bool) -> None:
    data = clip_dicom(5, jpeg=jpeg, trailing=True)
    path = tmp_path / "x.dcm"
    # (76, 100 and 126 bytes before the end are element boundaries: only the length finds those)
    for cut in [len(data) - 1, len(data) - 40, len(data) - 77, len(data) - 101, len(data) // 2, 300]:
        path.write_bytes(data[:cut])
        assert cache_file_problem(path) is not None, cut


def test_a_file_without_trailing_elements_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.dcm"
    path.write_bytes(clip_dicom(3, jpeg=True))
    assert cache_file_problem(path) is None
