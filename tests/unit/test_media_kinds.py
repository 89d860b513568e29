"""Media kinds are declared once: every extension the registry names is recognised, offered by
the Open and Add-media dialogs, and opened by the kind's reader; no other module lists them."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from annotator.media import open_media
from annotator.media.kinds import MEDIA_EXTENSIONS, MEDIA_KINDS, dialog_filter, kind_of_path
from annotator.media.sniff import sniff_extension

PACKAGE = Path(__file__).resolve().parents[2] / "annotator"


@pytest.mark.parametrize("kind", MEDIA_KINDS, ids=lambda k: k.format)
def test_every_extension_is_recognised_and_offered(kind: object) -> None:
    from annotator.media.kinds import MediaKind

    assert isinstance(kind, MediaKind)
    for ext in kind.extensions:
        assert sniff_extension(Path(f"scan{ext.upper()}")) == kind.format
        assert kind_of_path(Path(f"x{ext}")) is kind
        for with_cases in (True, False):
            first = dialog_filter(with_cases).split(";;")[0]
            assert f"*{ext}" in first.split("(")[1]
    assert kind.reader_class().__name__ in kind.reader


def test_the_formats_users_reported_missing_are_offered() -> None:
    offered = dialog_filter(with_cases=True)
    for ext in (".webm", ".wmv", ".mpeg", ".webp", ".dic", ".gif", ".tiff"):
        assert f"*{ext}" in offered
    assert offered.startswith("Cases and media (*.uscase.json ")
    assert offered.endswith("All files (*)")


def test_no_other_module_lists_media_extensions() -> None:
    # a list of input media patterns, or a set of clip/DICOM suffixes, outside the registry
    pattern = re.compile(r"\*\.(dcm|dicom|mp4|m4v|mov|avi|mkv|webm|gif|jpg)\s+\*\.|\"\.(m4v|mkv|dicom)\"")
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*.py")
        if path.name != "kinds.py" and "export" not in path.parts
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders


def test_each_kind_opens_through_its_reader(tmp_path: Path) -> None:
    image = np.zeros((20, 30, 3), np.uint8)
    for ext in (".png", ".bmp", ".tiff", ".webp"):
        path = tmp_path / f"still{ext}"
        assert cv2.imwrite(str(path), image)
        with open_media(path) as media:
            assert (media.kind, media.width, media.height) == ("image", 30, 20)
    assert ".gif" in MEDIA_EXTENSIONS and ".dic" in MEDIA_EXTENSIONS
