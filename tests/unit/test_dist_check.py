"""The helpers of packaging/dist_check.py that decide pass or fail without a bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dist_check():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import dist_check as module
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    return module


def test_glibc_scan_finds_the_newest_version_per_elf_file(dist_check, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.so").write_bytes(b"\x7fELF" + b"\0GLIBC_2.17\0GLIBC_2.34\0GLIBC_PRIVATE\0")
    (tmp_path / "lib" / "b.so").write_bytes(b"\x7fELF" + b"\0GLIBC_2.2.5\0GLIBC_2.36\0")
    (tmp_path / "notes.txt").write_text("GLIBC_2.99 in a text file is not a requirement")
    needs = dist_check.glibc_needed(tmp_path)
    assert needs == {"lib/a.so": (2, 34), "lib/b.so": (2, 36)}
    check = dist_check.Check()
    dist_check.glibc_report(tmp_path, check)
    ((name, measured, target, met),) = check.targets
    assert not met and "b.so (2.36)" in measured and target == "<= 2.34"


@pytest.mark.parametrize(("name", "head", "ok"), [
    ("a.png", b"\x89PNG\r\n\x1a\n....", True), ("a.png", b"GIF89a", False),
    ("a.mp4", b"\0\0\0\x20ftypisom", True), ("a.mp4", b"RIFF....AVI ", False),
    ("a.dcm", b"\0" * 128 + b"DICM", True), ("a.dcm", b"\0" * 132, False),
    ("a.tif", b"II*\0", True), ("a.pptx", b"PK\x03\x04", True), ("a.csv", b"\xef\xbb\xbfannotation,", True),
])
def test_magic_bytes(dist_check, tmp_path: Path, name: str, head: bytes, ok: bool) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(head)
    assert dist_check._magic_ok(path) is ok


def test_blank_screenshot_fails(dist_check, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import numpy as np
    from PIL import Image

    Image.fromarray(np.full((720, 1000, 3), 40, np.uint8)).save(tmp_path / "blank.png")
    check = dist_check.Check()
    dist_check.check_screenshot(tmp_path / "blank.png", {"title": "x"}, check)
    assert check.failures and "demo window screenshot" in check.failures[0]
