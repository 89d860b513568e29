"""The version of the app and of every decoder it relies on, for ``--version`` and Help > About.

Versions come from the installed distributions' metadata (the packaged app ships it), and from
the libraries themselves where the wrapped library has its own version (FFmpeg, OpenCV, Qt).
Nothing is imported that the caller did not already pay for, except the small version calls.
"""

from __future__ import annotations

import contextlib
import platform
from importlib import metadata

from annotator import __version__

#: (label, distribution on PyPI) of the decoders, in the order they are printed
DECODERS = (
    ("pydicom", "pydicom"),
    ("pylibjpeg", "pylibjpeg"),
    ("pylibjpeg-openjpeg (JPEG 2000)", "pylibjpeg-openjpeg"),
    ("pylibjpeg-rle (RLE)", "pylibjpeg-rle"),
    ("pyjpegls (JPEG-LS)", "pyjpegls"),
    ("python-gdcm (JPEG lossless)", "python-gdcm"),
    ("PyAV (video)", "av"),
    ("OpenCV (JPEG baseline, tracking)", "opencv-python-headless"),
    ("PySide6", "PySide6-Essentials"),
)


def distribution_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _ffmpeg_version() -> str | None:
    with contextlib.suppress(Exception):
        import av

        libs = getattr(av, "library_versions", {})
        avcodec = libs.get("libavcodec")
        if avcodec:
            return "libavcodec " + ".".join(str(n) for n in avcodec)
    return None


def _opencv_version() -> str | None:
    with contextlib.suppress(Exception):
        import cv2

        return str(cv2.__version__)
    return None


def _qt_version() -> str | None:
    with contextlib.suppress(Exception):
        from PySide6 import QtCore  # the runtime Qt, which may differ from the wheel's name

        return str(QtCore.qVersion())
    return None


def _gdcm_version() -> str | None:
    with contextlib.suppress(Exception):
        import gdcm

        return str(gdcm.Version.GetVersion())
    return None


def component_versions() -> list[tuple[str, str]]:
    """(label, version) of every decoder, with the wrapped library's own version when known."""
    extra = {"av": _ffmpeg_version, "opencv-python-headless": _opencv_version,
             "PySide6-Essentials": _qt_version, "python-gdcm": _gdcm_version}
    prefix = {"av": "FFmpeg ", "opencv-python-headless": "OpenCV ", "PySide6-Essentials": "Qt ",
              "python-gdcm": "GDCM "}
    rows: list[tuple[str, str]] = []
    for label, dist in DECODERS:
        version = distribution_version(dist)
        inner = extra[dist]() if dist in extra and version != "not installed" else None
        rows.append((label, f"{version} ({prefix[dist]}{inner})" if inner else version))
    return rows


def version_text() -> str:
    """What ``us-annotator --version`` prints."""
    width = max(len(label) for label, _ in DECODERS)
    lines = [f"us-annotator {__version__} (Python {platform.python_version()}, {platform.system()})"]
    lines += [f"  {label:<{width}}  {version}" for label, version in component_versions()]
    return "\n".join(lines)
