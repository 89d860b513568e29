"""Light and dark palettes on the Fusion style.

The dark palette is the default for reading ultrasound: dark grey (not black) surroundings so
the eye adapts to the image's greys without the glare of white panels, and without the
illusion pure black frames give of a brighter image. Accents are a muted blue readable on both.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark", "system")

_DARK = {
    "window": "#2b2d30", "window_text": "#dcdcdc", "base": "#232427", "alternate": "#2f3135",
    "text": "#e2e2e2", "button": "#35373b", "button_text": "#dcdcdc", "bright_text": "#ff6b6b",
    "highlight": "#3d6fa8", "highlighted_text": "#ffffff", "link": "#7fb2f0",
    "tooltip_base": "#3a3c40", "tooltip_text": "#eeeeee", "placeholder": "#8a8d92",
    "disabled_text": "#7a7c80", "mid": "#45484d", "dark": "#1c1d1f", "shadow": "#121314",
    "light": "#505358",
}
_LIGHT = {
    "window": "#efefef", "window_text": "#1e1e1e", "base": "#ffffff", "alternate": "#f4f5f7",
    "text": "#1e1e1e", "button": "#e6e6e6", "button_text": "#1e1e1e", "bright_text": "#c62828",
    "highlight": "#2f65a8", "highlighted_text": "#ffffff", "link": "#1f5fb0",
    "tooltip_base": "#ffffdc", "tooltip_text": "#1e1e1e", "placeholder": "#7b7b7b",
    "disabled_text": "#9a9a9a", "mid": "#b8b8b8", "dark": "#9f9f9f", "shadow": "#6a6a6a",
    "light": "#ffffff",
}


def build_palette(colours: dict[str, str]) -> QPalette:
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    palette = QPalette()
    pairs = {
        role.Window: "window", role.WindowText: "window_text", role.Base: "base",
        role.AlternateBase: "alternate", role.Text: "text", role.Button: "button",
        role.ButtonText: "button_text", role.BrightText: "bright_text",
        role.Highlight: "highlight", role.HighlightedText: "highlighted_text",
        role.Link: "link", role.ToolTipBase: "tooltip_base", role.ToolTipText: "tooltip_text",
        role.PlaceholderText: "placeholder", role.Mid: "mid", role.Dark: "dark",
        role.Shadow: "shadow", role.Light: "light", role.Midlight: "mid",
    }
    for r, key in pairs.items():
        palette.setColor(r, QColor(colours[key]))
    disabled = QColor(colours["disabled_text"])
    for r in (role.WindowText, role.Text, role.ButtonText, role.HighlightedText):
        palette.setColor(group.Disabled, r, disabled)
    palette.setColor(group.Disabled, role.Highlight, QColor(colours["mid"]))
    return palette


def system_prefers_dark(app: QGuiApplication) -> bool:
    scheme = app.styleHints().colorScheme()
    return bool(scheme == Qt.ColorScheme.Dark)


def resolve_theme(app: QGuiApplication, theme: str) -> str:
    """"light" or "dark": what "system" means here (light when the platform does not say)."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}: choose one of {', '.join(THEMES)}")
    if theme == "system":
        return "dark" if system_prefers_dark(app) else "light"
    return theme


def apply_theme(app: QApplication, theme: str = "dark") -> str:
    """Fusion style with the light or dark palette; returns the theme applied."""
    resolved = resolve_theme(app, theme)
    app.setStyle("Fusion")
    app.setPalette(build_palette(_DARK if resolved == "dark" else _LIGHT))
    app.setProperty("us_annotator_theme", resolved)
    return resolved


def current_theme(app: QGuiApplication) -> str:
    value = app.property("us_annotator_theme")
    return str(value) if value in ("light", "dark") else "light"
