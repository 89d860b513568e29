"""The check of Qt's system libraries before the desktop app starts (annotator/platform/display.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from annotator.platform.display import (
    QTGUI_LIBRARIES,
    XCB_LIBRARIES,
    NoDisplay,
    check_display_libraries,
    qt_platform,
)


def _missing(*names: str):
    return lambda soname: soname not in names


def test_all_present_is_quiet() -> None:
    assert check_display_libraries({"DISPLAY": ":0"}, can_load=lambda _s: True, platform="linux",
                                   reachable=lambda _d: True) is None


def test_no_x_display_is_said_plainly() -> None:
    unset = check_display_libraries({}, can_load=lambda _s: True, platform="linux")
    assert isinstance(unset, NoDisplay) and "DISPLAY is not set" in unset.message()
    gone = check_display_libraries({"DISPLAY": ":97"}, can_load=lambda _s: True, platform="linux",
                                   reachable=lambda _d: False)
    assert isinstance(gone, NoDisplay) and "':97'" in gone.message()
    assert "export need no display" in gone.message()


def test_an_x_server_that_is_not_there_is_found_unreachable() -> None:
    if sys.platform != "linux":
        pytest.skip("Linux only")
    # the real reachability check (nothing listens on :97); the libraries are taken as present,
    # so the result does not depend on which xcb packages this machine has
    found = check_display_libraries({"DISPLAY": ":97"}, can_load=lambda _s: True, platform="linux")
    assert isinstance(found, NoDisplay), found


def test_missing_xcb_cursor_names_the_debian_package() -> None:
    found = check_display_libraries({"DISPLAY": ":0"}, can_load=_missing("libxcb-cursor.so.0"), platform="linux")
    assert found is not None and found.platform == "xcb"
    assert found.missing == {"libxcb-cursor.so.0": "libxcb-cursor0"}
    message = found.message()
    assert "sudo apt-get install libxcb-cursor0" in message
    assert "libxcb-cursor.so.0" in message


def test_several_missing_are_installed_in_one_command() -> None:
    found = check_display_libraries({}, can_load=_missing("libxcb-icccm.so.4", "libxkbcommon-x11.so.0"),
                                    platform="linux")
    assert found is not None
    assert "apt-get install libxcb-icccm4 libxkbcommon-x11-0" in found.message()


def test_xcb_libraries_are_not_needed_on_other_platforms() -> None:
    every_xcb = _missing(*XCB_LIBRARIES)
    for env in ({"QT_QPA_PLATFORM": "offscreen"}, {"QT_QPA_PLATFORM": "wayland;xcb"},
                {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}):
        assert check_display_libraries(env, can_load=every_xcb, platform="linux") is None, env
    assert check_display_libraries({"QT_QPA_PLATFORM": "xcb"}, can_load=every_xcb, platform="linux") is not None
    assert check_display_libraries({}, can_load=every_xcb, platform="win32") is None


def test_qtgui_libraries_are_checked_on_every_platform_plugin() -> None:
    found = check_display_libraries({"QT_QPA_PLATFORM": "offscreen"}, can_load=_missing("libEGL.so.1"),
                                    platform="linux")
    assert found is not None and found.platform == "any"
    assert "libegl1" in found.message()
    assert set(QTGUI_LIBRARIES.values()) >= {"libegl1", "libfontconfig1"}


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "xcb"), ({"QT_QPA_PLATFORM": "xcb:dpi=96"}, "xcb"), ({"QT_QPA_PLATFORM": "offscreen"}, "offscreen"),
    ({"XDG_SESSION_TYPE": "wayland"}, "xcb"),  # no compositor to talk to: Qt falls back to xcb
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
])
def test_which_platform_qt_picks(env: dict[str, str], expected: str) -> None:
    assert qt_platform(env) == expected


def test_the_real_libraries_of_this_machine_load() -> None:
    """The test machine runs Qt offscreen, so QtGui's own libraries must be found by dlopen."""
    if sys.platform != "linux":
        pytest.skip("Linux only")
    assert check_display_libraries({"QT_QPA_PLATFORM": "offscreen"}) is None


SCRIPT = """
import sys
import annotator.platform.display as display
display._can_load = lambda soname: soname != "libxcb-cursor.so.0"
from annotator.cli import main
status = main([])
print("status", status, "qt loaded", any(m.startswith("PySide6.QtWidgets") for m in sys.modules))
"""


def test_the_app_stops_with_the_message_before_qt_loads() -> None:
    if sys.platform != "linux":
        pytest.skip("Linux only")
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "DISPLAY": ":99"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert "status 2 qt loaded False" in result.stdout, result.stdout + result.stderr
    assert result.stderr.startswith("error: us-annotator cannot open its window")
    assert "apt-get install libxcb-cursor0" in result.stderr
    assert "Traceback" not in result.stderr
