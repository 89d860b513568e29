"""Light and dark palettes on the Fusion style, icons that read in both, and the theme menu.

The dark palette is the default for reading ultrasound: dark grey (not black) surroundings so
the eye adapts to the image's greys without the glare of white panels, and without the
illusion pure black frames give of a brighter image. Accents are a muted blue readable on both.

Fusion on its own leaves three things wrong: tooltips keep their own palette (white boxes in
the dark theme), disabled icons are only re-tinted (a still's transport buttons looked
enabled), and bright tool icons (the green ruler, the yellow point) vanish on light grey.
``ThemeStyle`` fades disabled icons and gives bright small icons a dark rim in the light theme.
"""

from __future__ import annotations

import functools

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QGuiApplication,
    QIcon,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import QApplication, QMenu, QProxyStyle, QStyleOption, QToolTip, QWidget

from annotator.ui.settings import Settings

THEMES = ("light", "dark", "system")
THEME_TITLES = {"light": "&Light", "dark": "&Dark", "system": "&System"}
DISABLED_OPACITY = 0.35  # of a disabled icon: clearly "off" on light and dark bars
RIM_COLOUR = (40, 40, 40)
MAX_RIM_ICON = 48  # logical px: icons only, never an image shown in a label
MIN_ICON_CONTRAST = 2.0  # WCAG contrast ratio below which a light-theme icon gets its rim

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


# -- icons ---------------------------------------------------------------------------------


def _rgba(pixmap: QPixmap) -> np.ndarray:
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_RGBA8888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4).astype(np.float32)


def _pixmap(rgba: np.ndarray, like: QPixmap) -> QPixmap:
    data = np.ascontiguousarray(np.clip(rgba + 0.5, 0, 255).astype(np.uint8))
    h, w = data.shape[:2]
    image = QImage(data.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
    out = QPixmap.fromImage(image)
    out.setDevicePixelRatio(like.devicePixelRatio())
    return out


def faded_pixmap(pixmap: QPixmap, opacity: float = DISABLED_OPACITY) -> QPixmap:
    """A disabled icon: its grey levels, mostly see-through, so it reads as off on any bar."""
    if pixmap.isNull():
        return pixmap
    rgba = _rgba(pixmap)
    grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    rgba[..., :3] = grey[..., None]
    rgba[..., 3] *= opacity
    return _pixmap(rgba, pixmap)


def _luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of sRGB values 0..255."""
    c = rgb / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722], np.float32)


def icon_contrast(pixmap: QPixmap, background: QColor) -> float:
    """Contrast ratio of an icon's visible pixels (alpha-weighted) against ``background``."""
    rgba = _rgba(pixmap)
    alpha = rgba[..., 3] / 255.0
    if alpha.sum() < 1.0:
        return float("inf")
    icon = float((_luminance(rgba[..., :3]) * alpha).sum() / alpha.sum())
    bg = float(_luminance(np.array([background.red(), background.green(), background.blue()], np.float32)))
    light, dark = max(icon, bg), min(icon, bg)
    return (light + 0.05) / (dark + 0.05)


def rimmed_pixmap(pixmap: QPixmap) -> QPixmap:
    """The icon on a one-pixel dark rim around its shape: readable on a light bar."""
    rgba = _rgba(pixmap)
    alpha = rgba[..., 3] / 255.0
    padded = np.pad(alpha, 1)
    h, w = alpha.shape
    rim = np.max([padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)], axis=0)
    out_alpha = alpha + rim * (1.0 - alpha)
    under = np.array(RIM_COLOUR, np.float32) * (rim * (1.0 - alpha))[..., None]
    colour = rgba[..., :3] * alpha[..., None] + under
    safe = np.where(out_alpha > 0, out_alpha, 1.0)[..., None]
    result = np.dstack([colour / safe, out_alpha * 255.0])
    return _pixmap(result, pixmap)


class ThemeStyle(QProxyStyle):
    """Fusion with theme-aware icons (see the module notes)."""

    def __init__(self) -> None:
        super().__init__("Fusion")
        self.background: QColor | None = None  # a light bar's colour; None: no rims
        self._rimmed: dict[int, QPixmap] = {}

    def set_light_background(self, colour: QColor | None) -> None:
        self.background = colour
        self._rimmed.clear()

    def generatedIconPixmap(self, mode: QIcon.Mode, pixmap: QPixmap | QImage,  # noqa: N802
                            option: QStyleOption) -> QPixmap:
        if mode == QIcon.Mode.Disabled:
            return faded_pixmap(pixmap if isinstance(pixmap, QPixmap) else QPixmap.fromImage(pixmap))
        return super().generatedIconPixmap(mode, pixmap, option)

    def drawItemPixmap(self, painter: QPainter, rect: QRect, alignment: int,  # noqa: N802
                       pixmap: QPixmap | QImage) -> None:
        shown = self.readable(pixmap) if isinstance(pixmap, QPixmap) else pixmap
        super().drawItemPixmap(painter, rect, alignment, shown)

    def readable(self, pixmap: QPixmap) -> QPixmap:
        """``pixmap`` with a rim when it is a small, faint icon on the light theme's bars."""
        if self.background is None or pixmap.isNull():
            return pixmap
        ratio = pixmap.devicePixelRatio() or 1.0
        if max(pixmap.width(), pixmap.height()) / ratio > MAX_RIM_ICON:
            return pixmap
        key = pixmap.cacheKey()
        if key not in self._rimmed:
            if len(self._rimmed) > 512:  # icons are few; a flood means pixmaps made per paint
                self._rimmed.clear()
            faint = icon_contrast(pixmap, self.background) < MIN_ICON_CONTRAST
            self._rimmed[key] = rimmed_pixmap(pixmap) if faint else pixmap
        return self._rimmed[key]


# -- applying a theme -----------------------------------------------------------------------


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
    """Fusion style with the light or dark palette (tooltips included); returns the theme
    applied. Can be called again while the app runs to switch."""
    resolved = resolve_theme(app, theme)
    style = app.style()
    if not isinstance(style, ThemeStyle):
        style = ThemeStyle()
        app.setStyle(style)
    colours = _DARK if resolved == "dark" else _LIGHT
    palette = build_palette(colours)
    app.setPalette(palette)
    QToolTip.setPalette(palette)  # tooltips keep their own palette otherwise
    style.set_light_background(QColor(colours["window"]) if resolved == "light" else None)
    app.setProperty("us_annotator_theme", resolved)
    app.setProperty("us_annotator_theme_choice", theme)
    return resolved


def current_theme(app: QGuiApplication) -> str:
    value = app.property("us_annotator_theme")
    return str(value) if value in ("light", "dark") else "light"


def current_choice(app: QGuiApplication) -> str:
    """What the user chose: "light", "dark" or "system" (which resolves to one of the others)."""
    value = app.property("us_annotator_theme_choice")
    return str(value) if value in THEMES else current_theme(app)


def choose_theme(theme: str, settings: Settings | None = None) -> str:
    """Apply ``theme`` now and remember it in ``settings``."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("no QApplication to theme")
    resolved = apply_theme(app, theme)
    if settings is not None:
        settings.set_theme(theme)
    return resolved


def theme_menu(parent: QWidget, settings: Settings | None = None) -> QMenu:
    """A "Theme" menu (Light, Dark, System) that switches at once and remembers the choice:
    ``view_menu.addMenu(theme_menu(window, window.settings))``."""
    menu = QMenu("&Theme", parent)
    menu.setObjectName("theme_menu")
    group = QActionGroup(menu)
    group.setExclusive(True)
    for theme in THEMES:
        action = QAction(THEME_TITLES[theme], menu)
        action.setObjectName(f"action_theme_{theme}")
        action.setCheckable(True)
        action.setData(theme)
        action.setToolTip("Follow the desktop's light or dark setting" if theme == "system"
                          else f"The {theme} look")
        action.triggered.connect(functools.partial(choose_theme, theme, settings))
        group.addAction(action)
        menu.addAction(action)

    def show_choice() -> None:  # the theme may have been changed elsewhere (start screen)
        app = QApplication.instance()
        chosen = current_choice(app) if isinstance(app, QGuiApplication) else "dark"
        for action in group.actions():
            action.setChecked(action.data() == chosen)

    show_choice()
    menu.aboutToShow.connect(show_choice)
    return menu
