"""Render the app icon (packaging/linux/icons/us-annotator.svg) to the PNG sizes of the XDG
icon theme, a Windows .ico and a macOS .icns: ``python packaging/make_icons.py OUT_DIR``.

Qt's SVG renderer draws the PNGs (offscreen, no display needed); Pillow packs the .ico and
.icns from them. Run by ``make dist`` and by the release workflow on every OS.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
SVG = Path(__file__).resolve().parent / "linux" / "icons" / "us-annotator.svg"


def render(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: cannot read {SVG}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = out / f"us-annotator-{size}.png"
        if not image.save(str(target)):
            raise SystemExit(f"make_icons: cannot write {target}")
        written.append(target)
    del _app
    return written


def pack(out: Path) -> None:
    from PIL import Image

    largest = Image.open(out / "us-annotator-512.png")
    largest.save(out / "us-annotator.ico", sizes=[(s, s) for s in SIZES if s <= 256])
    largest.save(out / "us-annotator.icns")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/icons")
    render(out)
    pack(out)
    print(f"icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
