"""open_media: format by content first, then extension; dispatch to the readers; clear errors."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest
from dicom_factory import write_native

from annotator.media import MediaError, open_media
from annotator.media.base import ArrayMedia, Media
from annotator.media.dicom import DicomMedia
from annotator.media.opener import detect_format

HEADS = {
    "png": b"\x89PNG\r\n\x1a\n" + bytes(40),
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(40),
    "tiff-le": b"II*\x00\x08\x00\x00\x00" + bytes(40),
    "tiff-be": b"MM\x00*\x00\x00\x00\x08" + bytes(40),
    "bmp": b"BM" + bytes(12) + (40).to_bytes(4, "little") + bytes(40),
    "gif": b"GIF89a" + bytes(40),
    "avi": b"RIFF\x00\x10\x00\x00AVI LIST" + bytes(40),
    "mp4": b"\x00\x00\x00\x20ftypisom" + bytes(40),
    "mov": b"\x00\x00\x00\x08wide" + bytes(40),
    "mkv": b"\x1a\x45\xdf\xa3" + bytes(40),
    "dicom": bytes(128) + b"DICM" + bytes(40),
    "dicom-no-preamble": b"\x08\x00\x05\x00CS\x0a\x00ISO_IR 100" + bytes(40),
}
EXPECTED = {
    "png": "image", "jpeg": "image", "tiff-le": "image", "tiff-be": "image", "bmp": "image",
    "gif": "gif", "avi": "video", "mp4": "video", "mov": "video", "mkv": "video",
    "dicom": "dicom", "dicom-no-preamble": "dicom",
}


@pytest.mark.parametrize("kind", sorted(HEADS))
def test_content_wins_over_a_misleading_extension(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "renamed.txt"
    path.write_bytes(HEADS[kind])
    assert detect_format(path) == EXPECTED[kind]
    wrong = tmp_path / ("clip.mp4" if EXPECTED[kind] != "video" else "still.png")
    wrong.write_bytes(HEADS[kind])
    assert detect_format(wrong) == EXPECTED[kind]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("scan.dcm", "dicom"), ("clip.MP4", "video"), ("clip.avi", "video"), ("still.tif", "image"), ("loop.gif", "gif")],
)
def test_extension_decides_when_content_says_nothing(tmp_path: Path, name: str, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x01\x02\x03\x04" * 20)
    assert detect_format(path) == expected


def test_unknown_missing_empty_and_folder(tmp_path: Path) -> None:
    unknown = tmp_path / "notes.xyz"
    unknown.write_bytes(b"hello, this is text and not media" * 4)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    cases = [(unknown, "unknown file format"), (tmp_path / "gone.mp4", "not found"), (empty, "empty"), (tmp_path, "folder")]
    for path, fragment in cases:
        with pytest.raises(MediaError) as err:
            open_media(path)
        assert fragment in str(err.value) and str(path) in str(err.value)


class _Recorder:
    """Stands in for a reader module so dispatch is tested apart from the real readers."""

    def __init__(self, fail: bool = False, crash: bool = False) -> None:
        self.calls: list[Path] = []
        self.fail, self.crash = fail, crash

    def reader(self, kind: str) -> type[Media]:
        recorder = self

        class Reader(ArrayMedia):
            def __init__(self, path: Path) -> None:
                recorder.calls.append(Path(path))
                if recorder.fail:
                    raise MediaError(path, f"{kind} reader refused it")
                if recorder.crash:
                    raise RuntimeError("reader bug")
                super().__init__(np.zeros((2, 4, 4, 3), np.uint8), path=path, kind=kind)  # type: ignore[arg-type]

        return Reader


def _install(monkeypatch: pytest.MonkeyPatch, image: _Recorder, video: _Recorder) -> None:
    image_module = types.ModuleType("annotator.media.image")
    image_module.ImageMedia = image.reader("image")  # type: ignore[attr-defined]
    video_module = types.ModuleType("annotator.media.video")
    video_module.VideoMedia = video.reader("video")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "annotator.media.image", image_module)
    monkeypatch.setitem(sys.modules, "annotator.media.video", video_module)


def test_dispatch_to_the_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    image, video = _Recorder(), _Recorder()
    _install(monkeypatch, image, video)
    still, clip = tmp_path / "a.bin", tmp_path / "b.bin"
    still.write_bytes(HEADS["png"])
    clip.write_bytes(HEADS["mp4"])
    assert open_media(still).kind == "image" and image.calls == [still]
    assert open_media(clip).kind == "video" and video.calls == [clip]


def test_gif_goes_to_the_still_reader_then_the_video_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gif = tmp_path / "loop.gif"
    gif.write_bytes(HEADS["gif"])
    image, video = _Recorder(), _Recorder()
    _install(monkeypatch, image, video)
    assert open_media(gif).kind == "image" and not video.calls
    image, video = _Recorder(fail=True), _Recorder()
    _install(monkeypatch, image, video)
    assert open_media(gif).kind == "video" and image.calls == [gif]
    image, video = _Recorder(fail=True), _Recorder(fail=True)
    _install(monkeypatch, image, video)
    with pytest.raises(MediaError, match="image reader refused"):
        open_media(gif)


def test_a_reader_crash_becomes_a_media_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, _Recorder(crash=True), _Recorder())
    path = tmp_path / "x.png"
    path.write_bytes(HEADS["png"])
    with pytest.raises(MediaError, match="RuntimeError: reader bug"):
        open_media(path)


def test_dicom_by_content_whatever_the_name(tmp_path: Path) -> None:
    path = write_native(tmp_path / "export.png", np.zeros((1, 8, 8), np.uint8))
    with open_media(path) as media:
        assert isinstance(media, DicomMedia)
