"""Playback benchmark: a generated 1024x768 H.264 clip with 20 annotations, played through
the real viewer (offscreen Qt), against the clip's native rate and against painting bare
frames in the same run.

Measures:
- live playback at 1x for a few seconds: frames shown per second vs the native rate, and
  frames dropped (due but never shown), with and without the 20 annotations;
- the painter's ceiling: frames painted per second when every frame is already decoded,
  with 20 annotations and bare, at 1:1 and fitted (scaled) into a smaller viewer, and with the
  shapes in draft as a playing clip paints them (``RenderOptions.draft``).

Target: >= 50 frames/s shown with 20 annotations (the clip plays at 60 fps).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from typing import TYPE_CHECKING  # noqa: E402

import av  # noqa: E402
import numpy as np  # noqa: E402

if TYPE_CHECKING:
    from annotator.case.model import Annotation
    from annotator.ui.controller import AppController
    from annotator.ui.playback import Playback
    from annotator.ui.viewer import Viewer

WIDTH, HEIGHT, FRAMES, FPS = 1024, 768, 180, 60
ANNOTATIONS = 20
PLAY_SECONDS = 2.5
TARGET_FPS = 50.0


def write_clip(path: Path) -> None:
    """An ultrasound-like H.264 clip: speckle drifting sideways, two bright fasciae."""
    rng = np.random.default_rng(3)
    base = rng.integers(0, 120, size=(HEIGHT, WIDTH + FRAMES * 2), dtype=np.uint8)
    base[200:215] = 230
    base[520:540] = 210
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "28"}
        for i in range(FRAMES):
            grey = base[:, 2 * i : 2 * i + WIDTH]
            frame = av.VideoFrame.from_ndarray(np.repeat(grey[..., None], 3, axis=2), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def make_annotations(media_id: str) -> list[Annotation]:
    """20 shapes of every kind, each spanning the whole clip with two keyframes (so every
    frame interpolates and measures them), most with labels and values."""
    from annotator.case.model import Annotation

    kinds: list[tuple[str, list[tuple[float, float]]]] = [
        ("line", [(100, 100), (300, 160)]), ("polyline", [(400, 80), (460, 120), (540, 90), (600, 140)]),
        ("polygon", [(120, 300), (220, 280), (260, 380), (140, 400)]), ("ellipse", [(500, 350), (580, 350), (500, 400)]),
        ("angle", [(800, 120), (700, 200), (820, 240)]), ("arrow", [(900, 500), (820, 430)]),
        ("text", [(60, 40)]), ("point", [(700, 600)]),
    ]
    out: list[Annotation] = []
    for i in range(ANNOTATIONS):
        kind, points = kinds[i % len(kinds)]
        dx, dy = (i // len(kinds)) * 30.0, (i // len(kinds)) * 110.0
        start = [(x + dx, y + dy) for x, y in points]
        end = [(x + dx + 12, y + dy + 6) for x, y in points]
        out.append(Annotation(f"a{i + 1}", media_id, kind, 0, {0: start, FRAMES - 1: end}, frame_end=FRAMES - 1,
                              label=f"m{i + 1}", text="proximal" if kind == "text" else ""))
    return out


def play(controller: AppController, playback: Playback, seconds: float) -> tuple[float, int, int]:
    """Play from frame 0 at 1x; (frames shown per second, shown, dropped)."""
    from PySide6.QtWidgets import QApplication

    controller.set_current_frame(0)
    playback.reset_stats()
    playback.play()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        QApplication.processEvents()
        time.sleep(0.0005)
    playback.pause()
    elapsed = time.perf_counter() - start
    shown, dropped = playback.shown, playback.dropped
    return shown / elapsed, shown, dropped


def paint_rate(viewer: Viewer, controller: AppController, frames: int) -> float:
    """Frames painted per second with every frame already decoded (the painter's ceiling)."""
    start = time.perf_counter()
    for i in range(frames):
        controller.set_current_frame(i % FRAMES)
        viewer.repaint()
    return frames / (time.perf_counter() - start)


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from annotator.case.commands import AddAnnotation
    from annotator.case.document import CaseDocument
    from annotator.ui.controller import AppController
    from annotator.ui.playback import Playback
    from annotator.ui.viewer import Viewer

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "bench_clip.mp4"
        write_clip(clip)
        controller = AppController()
        doc = CaseDocument.new()
        controller.set_document(doc)
        ref = doc.make_media_ref(clip)
        from annotator.case.commands import AddMedia

        controller.push(AddMedia(ref))
        controller.set_current_media(ref.id)
        media = doc.media(ref.id)
        viewer = Viewer(controller)
        viewer.resize(WIDTH + 40, HEIGHT + 40)
        viewer.show()
        playback = Playback.single(controller.current_media, lambda: controller.current_frame,
                                   controller.set_current_frame)
        playback.playing_changed.connect(viewer.set_playing)  # as the main window wires it
        while viewer.frame_image is None:
            app.processEvents()
        viewer.actual_size()
        native = media.fps or FPS

        results: dict[str, tuple[float, int, int]] = {}
        media._cache.clear()  # the first play decodes through the read-ahead, as in real use
        results["bare, cold"] = play(controller, playback, PLAY_SECONDS)
        for shape in make_annotations(ref.id):
            controller.push(AddAnnotation(shape))
        media._cache.clear()
        results["20 annotations, cold"] = play(controller, playback, PLAY_SECONDS)
        results["20 annotations, cached"] = play(controller, playback, PLAY_SECONDS)

        for i in range(FRAMES):
            media.frame(i)
        painted_20 = paint_rate(viewer, controller, FRAMES)
        viewer.set_playing(True)  # what a playing clip paints: its shapes in draft
        painted_draft = paint_rate(viewer, controller, FRAMES)
        viewer.set_playing(False)
        doc.case.annotations, kept = [], doc.case.annotations
        painted_bare = paint_rate(viewer, controller, FRAMES)
        doc.case.annotations = kept
        viewer.resize(800, 600)
        viewer.fit()
        painted_fit = paint_rate(viewer, controller, FRAMES)
        controller.set_document(None)

    print(f"clip: {WIDTH}x{HEIGHT}, {FRAMES} frames of H.264 at {native:.0f} fps; {ANNOTATIONS} annotations")
    for name, (fps, shown, dropped) in results.items():
        print(f"  play {name:24s} {fps:6.1f} frames/s shown ({fps / native:5.2f}x native), "
              f"{dropped} dropped of {shown + dropped}")
    print(f"  paint ceiling, 20 annotations 1:1   {painted_20:6.1f} frames/s "
          f"({painted_20 / painted_bare:4.2f}x bare frames: {painted_bare:.1f}/s)")
    print(f"  paint ceiling, 20 annotations 1:1 while playing (shapes in draft)   {painted_draft:6.1f} frames/s "
          f"({painted_draft / painted_20:4.2f}x the full paint)")
    print(f"  paint ceiling, 20 annotations fit   {painted_fit:6.1f} frames/s (800x600 viewer, scaled)")
    worst = min(fps for name, (fps, _s, _d) in results.items() if name.startswith("20"))
    ok = worst >= TARGET_FPS
    print(f"  target >= {TARGET_FPS:.0f} frames/s with 20 annotations: {'met' if ok else 'NOT met'} ({worst:.1f})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
