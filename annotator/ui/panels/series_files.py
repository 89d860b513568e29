"""Saving a measurement over time from the app: the CSV of the series and the plot as a figure
panel, through a save dialog that starts in the folder used last for them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from annotator.dynamics.series import Series
from annotator.ui.controller import AppController
from annotator.ui.panels.dynamics_export import PLOT_FORMATS, save_series_plot
from annotator.ui.settings import Settings

EXPORT_FOLDER_KEY = "dynamics/export_folder"
PLOT_SUFFIX_KEY = "dynamics/plot_suffix"  # the figure format chosen last
CSV_FORMATS = {".csv": "CSV files (*.csv)"}
AskSavePath = Callable[[str, str, str], tuple[str, str]]  # (title, default path, filters) -> (path, filter)


class SeriesFiles:
    """Save dialogs for one panel; ``ask_save_path`` can be replaced (tests, other dialogs)."""

    def __init__(self, parent: QWidget, controller: AppController, settings: Settings) -> None:
        self.parent = parent
        self.controller = controller
        self.settings = settings
        self.ask_save_path: AskSavePath = self._ask_save_path

    def _ask_save_path(self, title: str, default: str, filters: str) -> tuple[str, str]:
        return QFileDialog.getSaveFileName(self.parent, title, default, filters)

    def default_path(self, series: Series | None, suffix: str) -> Path:
        """In the folder used last (else the case's, else the last one opened from), named
        after the case, the annotation and the quantity."""
        remembered = self.settings.value(EXPORT_FOLDER_KEY, "")
        folder = Path(str(remembered)) if remembered else None
        document = self.controller.document
        case_path = document.path if document is not None else None
        if folder is None or not folder.is_dir():
            folder = case_path.parent if case_path is not None else self.settings.last_folder()
        stem = case_path.name.removesuffix(".uscase.json") if case_path is not None else "case"
        what = f"{series.label or series.annotation_id}-{series.quantity}" if series else "series"
        return folder / (re.sub(r"[^\w.-]+", "_", f"{stem}-{what}") + suffix)

    def save_csv(self, series: Series) -> Path | None:
        return self._save(series, "Save the measurement over time as CSV", CSV_FORMATS, series.save_csv)

    def save_plot(self, series: Series) -> Path | None:
        last = str(self.settings.value(PLOT_SUFFIX_KEY, ".png"))
        formats = dict(sorted(PLOT_FORMATS.items(), key=lambda item: item[0] != last))  # last first
        written = self._save(series, "Save the plot as a figure panel", formats,
                             lambda path: save_series_plot(series, path))
        if written is not None:
            self.settings.set_value(PLOT_SUFFIX_KEY, written.suffix.lower())
        return written

    def _save(self, series: Series, title: str, formats: dict[str, str],
              write: Callable[[Path], Path]) -> Path | None:
        """Ask where (the first format is the default), add the extension of the chosen
        format when the name has none of ours, write (errors become a dialog), and remember
        the folder."""
        first = next(iter(formats))
        name, chosen = self.ask_save_path(title, str(self.default_path(series, first)), ";;".join(formats.values()))
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() not in formats:
            path = path.with_name(path.name + next((s for s, f in formats.items() if f == chosen), first))
        try:
            written = write(path)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.controller.error.emit("Could not save", f"{path}: {reason}")
            return None
        self.settings.set_value(EXPORT_FOLDER_KEY, str(written.parent))
        self.controller.status.emit(f"Saved {written.name}")
        return written
