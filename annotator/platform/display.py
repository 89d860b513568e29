"""Before Qt starts the desktop app on Linux: are the system libraries there?

PySide6 ships Qt, but Qt's GUI module and its xcb (X11) platform plugin load a set of system
libraries. When one is missing, Qt aborts with "Could not load the Qt platform plugin xcb" and a
list of plugins, which tells a clinician nothing. This check tries to load each library by name
(``dlopen``, the way Qt will) before Qt does, and names the Debian/Ubuntu package to install.
It runs only for the desktop app, only on Linux, and checks the xcb libraries (and that an X
server answers at ``$DISPLAY``) only when Qt would pick xcb (no ``QT_QPA_PLATFORM`` other than
xcb, and not a Wayland session).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: libraries QtGui itself loads on Linux (any platform, offscreen included): soname -> package
QTGUI_LIBRARIES = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}
#: libraries Qt's xcb platform plugin loads (readelf -d libqxcb.so libQt6XcbQpa.so.6)
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
}


@dataclass(frozen=True)
class MissingLibraries:
    platform: str  # "xcb" or "any" (QtGui itself)
    missing: dict[str, str]  # soname -> package

    def message(self) -> str:
        packages = sorted(set(self.missing.values()))
        what = ("Qt's X11 (xcb) display support" if self.platform == "xcb"
                else "Qt's graphics module")
        return (
            f"us-annotator cannot open its window: {what} needs system libraries that are "
            f"missing: {', '.join(sorted(self.missing))}.\n"
            f"On Debian or Ubuntu install them with:\n"
            f"    sudo apt-get install {' '.join(packages)}\n"
            "(Ubuntu 24.04 calls libglib2.0-0 libglib2.0-0t64; on Fedora/RHEL the packages are "
            "xcb-util-cursor, xcb-util-wm, xcb-util-image, xcb-util-keysyms, "
            "xcb-util-renderutil, libxkbcommon-x11 and mesa-libEGL.)\n"
            "On a Wayland desktop, QT_QPA_PLATFORM=wayland avoids the X11 ones."
        )


def _can_load(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def qt_platform(env: Mapping[str, str]) -> str:
    """The platform plugin Qt will choose: QT_QPA_PLATFORM's first choice, else wayland in a
    Wayland session (Qt 6's default order), else xcb."""
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() or "xcb"
    if env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "xcb"


@dataclass(frozen=True)
class NoDisplay:
    display: str  # the DISPLAY value ("" when unset)

    def message(self) -> str:
        where = (f"cannot connect to the X display {self.display!r}" if self.display
                 else "there is no display (DISPLAY is not set)")
        return (f"us-annotator cannot open its window: {where}. Start it from a desktop session "
                "(or over ssh -X). The commands info, measure, validate, track and export need no "
                "display; QT_QPA_PLATFORM=offscreen runs the window invisibly.")


def _x_display_reachable(display: str) -> bool:
    """Whether an X server answers at ``display`` (xcb_connect, as Qt will)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL: an error object instead
    failed = xcb.xcb_connection_has_error(connection)
    xcb.xcb_disconnect(connection)
    return not failed


def check_display_libraries(
    env: Mapping[str, str] | None = None,
    can_load: Callable[[str], bool] | None = None,
    platform: str | None = None,
    reachable: Callable[[str], bool] | None = None,
) -> MissingLibraries | NoDisplay | None:
    """What would make Qt abort: missing libraries, or no X display to connect to. None when
    the window can open (or not on Linux)."""
    if (platform or sys.platform) != "linux":
        return None
    env = os.environ if env is None else env
    can_load = can_load or _can_load
    missing = {so: pkg for so, pkg in QTGUI_LIBRARIES.items() if not can_load(so)}
    if missing:
        return MissingLibraries("any", missing)
    if qt_platform(env) != "xcb":
        return None
    missing = {so: pkg for so, pkg in XCB_LIBRARIES.items() if not can_load(so)}
    if missing:
        return MissingLibraries("xcb", missing)
    display = env.get("DISPLAY", "")
    if not display or not (reachable or _x_display_reachable)(display):
        return NoDisplay(display)
    return None
