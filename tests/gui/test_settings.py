"""Settings: an INI file in $US_ANNOTATOR_SETTINGS_DIR, recent files most recent first (at most
ten, missing files dropped), folders, window layout, tool defaults, theme, display adjustments;
and the light/dark themes: palettes, tooltips, icons that read in both, the theme menu."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QByteArray, QRect, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QStyleOption, QToolTip, QWidget
from pytestqt.qtbot import QtBot

from annotator.ui.settings import MAX_RECENT, DisplayAdjustments, Settings
from annotator.ui.theme import (
    ThemeStyle,
    apply_theme,
    current_choice,
    current_theme,
    resolve_theme,
    theme_menu,
)


def _touch(path: Path) -> Path:
    path.write_bytes(b"x")
    return path


def test_settings_live_in_the_folder_the_environment_names(qapp: QApplication) -> None:
    settings = Settings()
    settings.set_theme("light")
    settings.sync()
    folder = Path(os.environ["US_ANNOTATOR_SETTINGS_DIR"])
    assert Path(settings.file_name()).parent == folder
    assert "light" in (folder / "us-annotator.ini").read_text()
    assert Settings().theme() == "light"  # a second instance reads the same file


def test_recent_files_most_recent_first_without_duplicates(qapp: QApplication, tmp_path: Path) -> None:
    settings = Settings()
    a, b = _touch(tmp_path / "a.dcm"), _touch(tmp_path / "b.uscase.json")
    t0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    settings.add_recent(a, t0)
    settings.add_recent(b, t0 + timedelta(minutes=1))
    settings.add_recent(a, t0 + timedelta(minutes=2))
    recent = settings.recent_files()
    assert [r.path for r in recent] == [a, b]
    assert recent[0].opened == t0 + timedelta(minutes=2)
    assert [r.kind for r in recent] == ["media", "case"]
    assert [r.path for r in settings.recent_files("case")] == [b]


def test_recent_files_keep_at_most_ten_and_drop_missing_ones(qapp: QApplication, tmp_path: Path) -> None:
    settings = Settings()
    files = [_touch(tmp_path / f"clip{i}.mp4") for i in range(MAX_RECENT + 3)]
    for f in files:
        settings.add_recent(f)
    assert [r.path for r in settings.recent_files()] == list(reversed(files))[:MAX_RECENT]
    files[-1].unlink()
    recent = settings.recent_files()
    assert files[-1] not in [r.path for r in recent]
    assert len(recent) == MAX_RECENT - 1
    settings.remove_recent(files[-2])
    assert files[-2] not in [r.path for r in settings.recent_files()]
    settings.clear_recent()
    assert settings.recent_files() == []


def test_a_corrupt_recent_list_is_ignored(qapp: QApplication) -> None:
    settings = Settings()
    settings.set_value("recent/files", "{not json")
    assert settings.recent_files() == []
    settings.set_value("recent/files", '[{"path": 3}, {"opened": "yesterday"}]')
    assert settings.recent_files() == []


def test_last_folder_window_layout_and_tool_defaults(qapp: QApplication, tmp_path: Path) -> None:
    settings = Settings()
    assert settings.last_folder() == Path.home()
    settings.set_last_folder(_touch(tmp_path / "scan.dcm"))  # a file remembers its folder
    assert Settings().last_folder() == tmp_path
    settings.set_window_geometry(QByteArray(b"\x01\x02geometry"))
    settings.set_window_state(QByteArray(b"state"))
    settings.sync()
    again = Settings()
    assert again.window_geometry() == QByteArray(b"\x01\x02geometry")
    assert again.window_state() == QByteArray(b"state")
    settings.set_tool_default("caliper", "color", "#ffcc00")
    settings.set_tool_default("caliper", "show_value", False)
    settings.set_tool_default("trace", "smoothing", 1.5)
    settings.set_last_tool("ellipse")
    settings.sync()
    again = Settings()
    assert again.tool_default("caliper", "color") == "#ffcc00"
    assert again.tool_default("caliper", "show_value", True) is False
    assert again.tool_default("trace", "smoothing", 0.0) == pytest.approx(1.5)
    assert again.tool_default("angle", "color", "#ffffff") == "#ffffff"
    assert again.last_tool() == "ellipse"


def test_theme_and_display_adjustments_are_validated(qapp: QApplication) -> None:
    settings = Settings()
    assert settings.theme() == "dark"
    with pytest.raises(ValueError, match="unknown theme"):
        settings.set_theme("purple")
    settings.set_value("appearance/theme", "purple")  # a hand-edited file
    assert settings.theme() == "dark"
    settings.set_display_adjustments(DisplayAdjustments(brightness=0.2, contrast=9.0, gamma=0.8))
    settings.sync()
    adjusted = Settings().display_adjustments()
    assert adjusted == DisplayAdjustments(0.2, 4.0, 0.8)  # contrast clamped
    settings.set_value("display/gamma", "not a number")
    assert Settings().display_adjustments().gamma == 1.0


def test_dark_and_light_themes_set_fusion_and_their_palettes(qapp: QApplication) -> None:
    assert apply_theme(qapp, "dark") == "dark"
    style = qapp.style()
    assert isinstance(style, ThemeStyle) and style.baseStyle().name().lower() == "fusion"
    window = qapp.palette().color(QPalette.ColorRole.Window)
    # dark grey for reading ultrasound: not white, and not pure black
    assert 25 <= window.lightness() <= 70
    assert current_theme(qapp) == "dark"
    assert apply_theme(qapp, "light") == "light"
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
    text = qapp.palette().color(QPalette.ColorRole.WindowText).lightness()
    assert text < 60
    assert resolve_theme(qapp, "system") in ("light", "dark")
    with pytest.raises(ValueError):
        apply_theme(qapp, "neon")


def _grey(colour: QColor) -> float:
    return 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()


def _shown(pixmap: QPixmap, background: QColor) -> np.ndarray:
    """The pixmap as it looks on ``background``: grey levels (h, w)."""
    image = QImage(pixmap.size(), QImage.Format.Format_RGB32)
    image.fill(background)
    painter = QPainter(image)
    painter.drawPixmap(0, 0, pixmap)
    painter.end()
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    return rgb[:, : image.width(), :3].astype(float).mean(axis=2)


def _icon(colour: str, size: int = 24) -> QPixmap:
    """A filled disc on a transparent square, like a tool icon."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(4, 4, size - 8, size - 8)
    painter.end()
    return pixmap


def test_tooltips_follow_the_theme(qapp: QApplication) -> None:
    apply_theme(qapp, "dark")
    assert QToolTip.palette().color(QPalette.ColorRole.ToolTipBase).lightness() < 90
    assert QToolTip.palette().color(QPalette.ColorRole.ToolTipText).lightness() > 200
    apply_theme(qapp, "light")
    assert QToolTip.palette().color(QPalette.ColorRole.ToolTipBase).lightness() > 200


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_disabled_icons_look_disabled_in_both_themes(qapp: QApplication, theme: str) -> None:
    apply_theme(qapp, theme)
    window = qapp.palette().color(QPalette.ColorRole.Window)
    for colour in ("#202020", "#e0e0e0", "#2f65a8"):  # dark, light and coloured icons
        icon = _icon(colour)
        disabled = qapp.style().generatedIconPixmap(QIcon.Mode.Disabled, icon, QStyleOption())
        centre = (slice(10, 14), slice(10, 14))
        normal_gap = abs(_shown(icon, window)[centre].mean() - _grey(window))
        disabled_gap = abs(_shown(disabled, window)[centre].mean() - _grey(window))
        assert disabled_gap < 0.45 * normal_gap, (theme, colour)  # much closer to the bar


def test_faint_icons_get_a_dark_rim_on_the_light_theme_only(qapp: QApplication) -> None:
    def drawn(pixmap: QPixmap) -> np.ndarray:
        window = qapp.palette().color(QPalette.ColorRole.Window)
        image = QImage(pixmap.size(), QImage.Format.Format_RGB32)
        image.fill(window)
        painter = QPainter(image)
        qapp.style().drawItemPixmap(painter, QRect(0, 0, pixmap.width(), pixmap.height()),
                                    int(Qt.AlignmentFlag.AlignCenter), pixmap)
        painter.end()
        return _shown(QPixmap.fromImage(image), window)

    def untouched(pixmap: QPixmap) -> bool:
        window = qapp.palette().color(QPalette.ColorRole.Window)
        return bool(np.allclose(drawn(pixmap), _shown(pixmap, window), atol=2))

    green = _icon("#50e070")  # the calibration ruler's green
    apply_theme(qapp, "light")
    assert not untouched(green) and drawn(green).min() < 80  # a dark rim around the disc
    assert untouched(_icon("#303030"))  # a dark icon reads as it is
    assert untouched(_icon("#50e070", 120))  # an image in a label is never changed
    apply_theme(qapp, "dark")
    assert untouched(green)  # the dark bar needs no rim


def test_the_theme_menu_switches_and_remembers(qtbot: QtBot, qapp: QApplication) -> None:
    apply_theme(qapp, "dark")
    settings = Settings()
    parent = QWidget()
    qtbot.addWidget(parent)
    menu = theme_menu(parent, settings)
    actions = {a.data(): a for a in menu.actions()}
    assert set(actions) == {"light", "dark", "system"} and actions["dark"].isChecked()
    actions["light"].trigger()
    assert current_theme(qapp) == "light" and current_choice(qapp) == "light"
    assert Settings().theme() == "light"
    assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 200
    actions["system"].trigger()
    assert current_choice(qapp) == "system" and Settings().theme() == "system"
    assert current_theme(qapp) in ("light", "dark")
    apply_theme(qapp, "dark")
    menu.aboutToShow.emit()  # changed elsewhere: the menu shows it when opened
    assert actions["dark"].isChecked() and not actions["system"].isChecked()
