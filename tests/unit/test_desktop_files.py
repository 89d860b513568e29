"""The Linux desktop files and install scripts (packaging/linux), and the spec's fixes."""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def test_desktop_entry_opens_case_files() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(LINUX / "us-annotator.desktop", encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Icon"] == "us-annotator"
    assert desktop["Exec"].startswith("us-annotator ") and "%F" in desktop["Exec"]
    assert "application/x-us-annotator-case" in desktop["MimeType"].split(";")
    tool = shutil.which("desktop-file-validate")
    if tool:
        result = subprocess.run([tool, str(LINUX / "us-annotator.desktop")], capture_output=True, text=True)
        assert "error" not in (result.stdout + result.stderr).lower(), result.stdout + result.stderr


def test_mime_type_globs_case_files() -> None:
    root = ET.parse(LINUX / "us-annotator-mime.xml").getroot()
    (mime,) = root.findall(f"{MIME_NS}mime-type")
    assert mime.get("type") == "application/x-us-annotator-case"
    assert [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")] == ["*.uscase.json"]
    assert mime.find(f"{MIME_NS}sub-class-of").get("type") == "application/json"  # type: ignore[union-attr]


def test_icons_render_at_every_size(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(ROOT / "packaging"))
    try:
        import make_icons
    finally:
        sys.path.remove(str(ROOT / "packaging"))
    from PIL import Image

    written = make_icons.render(tmp_path)
    make_icons.pack(tmp_path)
    for size, path in zip(make_icons.SIZES, written, strict=True):
        with Image.open(path) as image:
            assert image.size == (size, size)
            assert image.getextrema()[3][1] == 255  # drawn, not transparent
    assert (tmp_path / "us-annotator.ico").stat().st_size > 1000
    assert (tmp_path / "us-annotator.icns").read_bytes()[:4] == b"icns"


@pytest.fixture
def fake_bundle(tmp_path: Path) -> Path:
    """A folder shaped like dist/us-annotator: a launcher, share/ and the scripts."""
    bundle = tmp_path / "us-annotator"
    (bundle / "share" / "icons").mkdir(parents=True)
    launcher = bundle / "us-annotator"
    launcher.write_text("#!/bin/sh\necho 'us-annotator 9.9.9 (test)'\n")
    launcher.chmod(0o755)
    (bundle / "_internal").mkdir()
    (bundle / "_internal" / "lib.so").write_bytes(b"x")
    for name in ("us-annotator.desktop", "us-annotator-mime.xml"):
        shutil.copy(LINUX / name, bundle / "share" / name)
    shutil.copy(LINUX / "icons" / "us-annotator.svg", bundle / "share" / "icons")
    (bundle / "share" / "icons" / "us-annotator-48.png").write_bytes(b"png")
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy(LINUX / script, bundle / script)
    return bundle


def _env(home: Path) -> dict[str, str]:
    # no update-*-database tools on this PATH: the scripts must cope without them
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(home / ".local" / "share")}


def test_install_and_uninstall_for_one_user(fake_bundle: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = _env(home)
    result = subprocess.run(["sh", str(fake_bundle / "install.sh"), "--user"], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "installed us-annotator 9.9.9" in result.stdout
    data = home / ".local" / "share"
    app = data / "us-annotator" / "app"
    assert (app / "us-annotator").is_file() and (app / "_internal" / "lib.so").is_file()
    assert not os.stat(app / "_internal" / "lib.so").st_mode & stat.S_IWUSR  # installed read-only
    command = home / ".local" / "bin" / "us-annotator"
    assert command.is_symlink() and command.resolve() == (app / "us-annotator").resolve()
    desktop = (data / "applications" / "us-annotator.desktop").read_text()
    assert f'Exec="{app}/us-annotator" %F' in desktop
    assert (data / "mime" / "packages" / "us-annotator.xml").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "us-annotator.svg").is_file()
    assert (data / "icons" / "hicolor" / "48x48" / "apps" / "us-annotator.png").is_file()
    # the user's own files in the data folder must survive an uninstall
    (data / "us-annotator" / "demo").mkdir()
    (data / "us-annotator" / "demo" / "mine.uscase.json").write_text("{}")

    result = subprocess.run(["sh", str(data / "us-annotator" / "uninstall.sh")], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert not app.exists() and not command.exists() and not command.is_symlink()
    assert not (data / "applications" / "us-annotator.desktop").exists()
    assert not (data / "mime" / "packages" / "us-annotator.xml").exists()
    assert not (data / "icons" / "hicolor" / "48x48" / "apps" / "us-annotator.png").exists()
    assert (data / "us-annotator" / "demo" / "mine.uscase.json").is_file()


def test_install_refuses_to_run_outside_a_bundle(tmp_path: Path) -> None:
    shutil.copy(LINUX / "install.sh", tmp_path / "install.sh")
    result = subprocess.run(["sh", str(tmp_path / "install.sh"), "--user"], capture_output=True, text=True,
                            env=_env(tmp_path), timeout=60)
    assert result.returncode == 2 and "unpacked us-annotator folder" in result.stderr


def test_spec_keeps_the_fixes_the_bundle_needs() -> None:
    """Each line here once broke the bundle while every other test passed (docs/packaging.md)."""
    spec = (ROOT / "packaging" / "us-annotator.spec").read_text(encoding="utf-8")
    for needed in ('collect_submodules("annotator")', 'collect_data_files("annotator"',
                   'collect_data_files("highdicom")', '"pptx": "pyz+py"', '"openjpeg", "rle"',
                   '"pylibjpeg-openjpeg"', '"python-gdcm"', '"us-annotator"', 'name="us-annotator-cli"',
                   '"CFBundleDocumentTypes"', '"uscase.json"'):
        assert needed in spec, needed
    assert '"sqlite3"' not in spec  # highdicom imports it
