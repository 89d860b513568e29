"""Start the desktop app: QApplication, settings, theme, logging, the crash guard, then the
given files, the demo, or the start screen (after offering to recover unsaved work)."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Protocol

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from annotator import __version__

log = logging.getLogger("annotator")

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def log_file() -> Path:
    from annotator.case.userdirs import data_dir

    return data_dir() / "us-annotator.log"


def setup_logging() -> Path | None:
    """Log to stderr and to a rotating file in the user data folder (for bug reports)."""
    root = logging.getLogger()
    if root.handlers:
        return None
    root.setLevel(logging.INFO)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)
    try:
        path = log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return path


def make_excepthook(parent: Callable[[], QWidget | None]) -> ExceptHook:
    """An excepthook that logs the error and shows it in a dialog, and never exits: a bug
    in one action must not close a window full of unsaved measurements."""
    showing = False

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(kind, KeyboardInterrupt):
            QCoreApplication.quit()
            return
        details = "".join(traceback.format_exception(kind, value, tb))
        log.error("unexpected error:\n%s", details)
        if showing or QApplication.instance() is None:
            return
        showing = True
        try:
            from annotator.ui.dialogs.error_dialog import show_error

            show_error(parent(), "Unexpected error",
                       f"Something went wrong: {value}\n\nYour work is kept; save it, and please "
                       f"report this with the log file ({log_file()}).", details)
        except Exception:  # the hook itself must never raise
            log.exception("could not report an error")
        finally:
            showing = False

    return hook


def show_notice(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A warning that does not stop the app from starting (non-modal)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("startup_notice")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.show()
    return box


class Opener(Protocol):
    """What the window does to open things (``MainWindow``)."""

    def offer_recovery(self) -> bool: ...

    def open_paths(self, paths: list[Path]) -> None: ...

    def open_demo(self) -> None: ...


def start_window(opener: Opener, paths: Sequence[str], demo: bool) -> None:
    """What the window shows first: recovered work if the user wants it, then the files
    asked for (added to the recovered case, or a case of their own), or the demo."""
    recovered = opener.offer_recovery()
    if paths:
        opener.open_paths([Path(p) for p in paths])
    elif demo and not recovered:
        opener.open_demo()


def run_app(paths: list[str], demo: bool = False, screenshot: str | None = None) -> int:
    started = time.perf_counter()
    setup_logging()
    if QApplication.instance() is None:  # only possible before the application exists
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName("us-annotator")
    QCoreApplication.setApplicationName("us-annotator")
    QCoreApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationDisplayName("us-annotator")

    from annotator.ui.main_window import MainWindow
    from annotator.ui.settings import Settings
    from annotator.ui.theme import apply_theme

    settings = Settings()
    apply_theme(app, settings.theme())
    window = MainWindow(settings=settings)
    previous_hook = sys.excepthook
    sys.excepthook = make_excepthook(lambda: window)
    window.show()
    from annotator.case.userdirs import fallback_notice

    notice = fallback_notice()
    if notice:  # settings and autosaves go to a temporary place: say so, without blocking
        log.warning("%s", notice)
        QTimer.singleShot(0, lambda: show_notice(window, "No writable home folder", notice))

    QTimer.singleShot(0, lambda: start_window(window, paths, demo))
    if screenshot:
        from annotator.ui.diagnostics import screenshot_when_shown

        screenshot_when_shown(window, window.controller, Path(screenshot), started)
    try:
        return int(app.exec())
    finally:
        sys.excepthook = previous_hook
