"""Annotated clips: frame range, speed, even sizes, GIF timing, time stamps, sequential reading."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from annotator.case.document import CaseDocument
from annotator.case.model import Annotation, MediaRef
from annotator.export.clip import ClipSpec, output_frames, output_size, write_clip
from annotator.export.context import ExportContext, ExportOptions
from annotator.export.output import ExportError
from annotator.media.base import ArrayMedia
from annotator.media.calibration import UNIT_CM, Region


@pytest.fixture(scope="module", autouse=True)
def _app() -> None:
    QApplication.instance() or QApplication([])


class CountingMedia(ArrayMedia):
    """Records which frames were decoded, in order."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.decoded: list[int] = []

    def _decode(self, index: int) -> np.ndarray:
        self.decoded.append(index)
        return super()._decode(index)


def _document(frames: int = 20, fps: float = 20.0, region: Region | None = None, cols: int = 161) -> tuple[CaseDocument, CountingMedia]:
    rng = np.random.default_rng(3)
    pixels = rng.integers(20, 220, size=(frames, 121, cols, 1), dtype=np.uint8).repeat(3, axis=3)
    times = np.arange(frames) * 1000.0 / fps
    media = CountingMedia(pixels, times, regions=[region] if region else [], kind="video")
    doc = CaseDocument.new("clip")
    doc.case.media.append(MediaRef("m1", "clip.mp4"))
    doc.set_media("m1", media)
    ann = Annotation.single("a1", "m1", "line", 0, [(20, 30), (80, 30)], label="gap")
    ann.frame_end = frames - 1
    doc.case.annotations.append(ann)
    return doc, media


def _read(path: Path) -> tuple[list[np.ndarray], list[float], av.video.stream.VideoStream]:
    container = av.open(str(path))
    stream = container.streams.video[0]
    frames, times = [], []
    for frame in container.decode(video=0):
        frames.append(frame.to_ndarray(format="rgb24"))
        assert frame.pts is not None and frame.time_base is not None
        times.append(float(frame.pts * frame.time_base))
    container.close()
    return frames, times, stream


def test_frame_range_speed_and_even_size(tmp_path: Path) -> None:
    region = Region(0, 0, 160, 120, UNIT_CM, UNIT_CM, 0.01, 0.01)  # 161 x 121: odd
    doc, media = _document(region=region)
    ctx = ExportContext(doc, ExportOptions(frame_from=4, frame_to=13, speed=0.5))
    out = tmp_path / "slow.mp4"
    write_clip(ctx, out, "mp4")
    frames, times, stream = _read(out)
    assert len(frames) == 10
    assert frames[0].shape[0] % 2 == 0 and frames[0].shape[1] % 2 == 0
    assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
    steps = np.diff(times)
    assert steps == pytest.approx(np.full(9, 0.1), abs=0.002)  # 50 ms frames played at half speed
    assert len(media.decoded) == len(set(media.decoded))  # each frame decoded once, no re-reads
    assert set(media.decoded) >= set(range(4, 14))


def test_gif_is_thinned_to_what_players_show(tmp_path: Path) -> None:
    doc, _ = _document(frames=30, fps=100.0)
    out = tmp_path / "fast.gif"
    write_clip(ExportContext(doc), out, "gif")
    frames, times, _ = _read(out)
    assert len(frames) == 15  # 100 fps -> one frame every 20 ms
    assert min(np.diff(times)) >= 0.02 - 1e-6
    assert output_frames(np.arange(10) * 10.0, 0, 9, 1.0, 20.0) == [0, 2, 4, 6, 8]
    assert output_frames(np.arange(10) * 10.0, 0, 9, 0.5, 20.0) == list(range(10))


def test_timestamp_is_painted_only_when_asked(tmp_path: Path) -> None:
    doc, _ = _document(frames=4)
    plain, stamped = tmp_path / "plain.mp4", tmp_path / "stamped.mp4"
    write_clip(ExportContext(doc), plain, "mp4")
    write_clip(ExportContext(doc, ExportOptions(timestamp=True)), stamped, "mp4")
    a, b = _read(plain)[0][2], _read(stamped)[0][2]
    corner = (slice(0, 30), slice(0, 100))
    assert np.abs(a[corner].astype(int) - b[corner].astype(int)).mean() > 20
    far = (slice(60, 90), slice(120, 160))
    assert np.abs(a[far].astype(int) - b[far].astype(int)).mean() < 8  # only coding noise


def test_max_width_scales_the_clip_down(tmp_path: Path) -> None:
    doc, _ = _document(frames=3, cols=300)
    out = tmp_path / "small.mp4"
    write_clip(ExportContext(doc, ExportOptions(max_width=100, keep_identifiers=True)), out, "mp4")
    frame = _read(out)[0][0]
    assert frame.shape[1] == 100 and frame.shape[0] == 40
    assert output_size((0, 0, 301, 121), None) == (300, 120)


def test_bad_ranges_and_stills_are_refused(tmp_path: Path) -> None:
    doc, _ = _document(frames=5)
    with pytest.raises(ExportError, match="outside"):
        write_clip(ExportContext(doc), tmp_path / "x.mp4", "mp4", ClipSpec("m1", 3, 9))
    with pytest.raises(ExportError, match="speed"):
        write_clip(ExportContext(doc), tmp_path / "x.mp4", "mp4", ClipSpec("m1", 0, 4, speed=-1))
    still = CaseDocument.new("still")
    still.case.media.append(MediaRef("s1", "still.png"))
    still.set_media("s1", ArrayMedia(np.zeros((1, 40, 40, 3), dtype=np.uint8)))
    with pytest.raises(ExportError, match="only stills"):
        write_clip(ExportContext(still), tmp_path / "x.mp4", "mp4")


def test_progress_is_reported_and_can_cancel(tmp_path: Path) -> None:
    from annotator.export.registry import export

    doc, _ = _document(frames=12)
    seen: list[tuple[int, int]] = []
    export(doc, tmp_path / "ok.mp4", progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (12, 12) and [d for d, _ in seen] == sorted(d for d, _ in seen)

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        if done == 4:
            raise Cancelled

    with pytest.raises(Cancelled):
        export(doc, tmp_path / "cancelled.mp4", progress=cancel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.mp4"]


def test_an_encoder_failure_mid_clip_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up while the encoder thread writes frame 5: the half-written temporary
    file is removed and the error names the file."""
    import errno

    from annotator.export import encoder as encoder_module
    from annotator.export.registry import export

    doc, _ = _document(frames=12)
    real_add = encoder_module.VideoEncoder.add
    written: list[int] = []

    def add(self: encoder_module.VideoEncoder, pixels: np.ndarray, time_ms: float) -> None:
        if len(written) == 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_add(self, pixels, time_ms)
        written.append(1)

    monkeypatch.setattr(encoder_module.VideoEncoder, "add", add)
    with pytest.raises(ExportError, match="disk is full") as failure:
        export(doc, tmp_path / "clip.mp4")
    assert "clip.mp4" in str(failure.value)
    assert len(written) == 5  # it did fail part way, after writing frames
    assert list(tmp_path.iterdir()) == []
