"""The app's state and its signals: the open case, the current media, frame and selection,
the undo stack, and opening, saving, autosave and recovery. Widgets observe it; none of
them owns the truth (the case model does)."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from annotator.case.autosave import autosave_for, discard_autosave, recover_autosave
from annotator.case.commands import AddMedia, Command, RemoveAnnotations
from annotator.case.document import CaseDocument, MediaOpener
from annotator.case.errors import CaseError
from annotator.case.lock import CaseLock, CaseLocked, LockInfo, acquire
from annotator.case.measure import Measurement
from annotator.case.model import Annotation, CaseEvent
from annotator.media import Calibration, Media, MediaError, open_media
from annotator.media.kinds import expand_paths, is_case_file
from annotator.ui.autosave import AutosaveTimer
from annotator.ui.opening import OpenedMedia, open_media_files
from annotator.ui.selected_series import SelectedSeries
from annotator.ui.tasks import Progress, Task, run_task
from annotator.ui.undo import CaseUndoCommand
from annotator.ui.visibility import AnnotationVisibility

log = logging.getLogger(__name__)
_sessions = itertools.count(1)


class AppController(QObject):
    document_changed = Signal()  # a case was opened/created/closed
    case_event = Signal(object)  # CaseEvent after every command, undo and redo
    current_media_changed = Signal(str)  # media id ("" when none)
    current_frame_changed = Signal(int)
    selection_changed = Signal(list)  # annotation ids
    clean_changed = Signal(bool)
    error = Signal(str, str)  # (title, message) for a dialog; the window shows it
    status = Signal(str)  # a short message for the status bar
    busy_changed = Signal(bool)  # work in the background (opening files)
    saved = Signal(object)  # Path: the case was saved there (Save As may change the path)
    opened = Signal(object)  # Path of a case or media file that opened
    open_failed = Signal(object)  # Path of a case or media file that could not be opened

    def __init__(self, parent: QObject | None = None, opener: MediaOpener | None = None) -> None:
        super().__init__(parent)
        self.opener: MediaOpener = opener or open_media
        self.document: CaseDocument | None = None
        self.undo_stack = QUndoStack(self)
        self.current_media_id: str | None = None
        self.current_frame = 0
        self.selection: list[str] = []
        #: the window sets these: a widget to parent progress dialogs, and the unsaved prompt
        self.dialog_parent: QWidget | None = None
        self.confirm_discard: Callable[[], bool] = lambda: True
        #: asked before annotations that findings rely on are removed (the window asks the user)
        self.confirm_removal: Callable[[list[str]], bool] = lambda _ids: True
        #: asked when a case being opened has a newer autosave: (case, autosave) -> "recover",
        #: "open" (the saved file; the autosave is deleted) or "cancel"
        self.ask_recover_case: Callable[[Path, Path], str] = lambda _case, _autosave: "recover"
        #: asked when the case is open in another copy of the app: (case, holder) -> "read-only"
        #: (open it without saving over the other copy's work) or "cancel"
        self.ask_locked_case: Callable[[Path, LockInfo], str] = lambda _case, _holder: "read-only"
        self.case_lock: CaseLock | None = None  # our lock on the open case file
        self.read_only_holder: LockInfo | None = None  # who holds the case we opened read-only
        self.session = f"{os.getpid()}-{next(_sessions)}"
        self._recovered_unsaved = False  # a recovered case is unsaved work until saved
        self._fresh = False  # the open case was created just now for the files being opened
        self.unreadable: set[str] = set()  # media ids whose file failed to open (reported once)
        self._recovered_from: Path | None = None
        self._measure_cache: dict[tuple[str, int], list[Measurement]] = {}
        self._tasks: list[Task] = []
        self.visibility = AnnotationVisibility(self)  # annotations hidden on screen (display only)
        self.autosave = AutosaveTimer(self._write_autosave, self)
        self.autosave.failed.connect(self.status)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        #: the selected annotation's measurement over time, with its rest and peak (panels show it)
        self.selected_series = SelectedSeries(self, self)
        self.selection_changed.connect(lambda _ids: self.selected_series.selection_changed())
        self.current_media_changed.connect(lambda _m: self.selected_series.selection_changed())
        self.case_event.connect(lambda _e: self.selected_series.case_changed())
        self.document_changed.connect(self.selected_series.case_changed)

    # -- state -----------------------------------------------------------------------------
    @property
    def is_modified(self) -> bool:
        return self.document is not None and (not self.undo_stack.isClean() or self._recovered_unsaved)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def current_media(self) -> Media | None:
        if self.document is None or self.current_media_id is None or self.current_media_id in self.unreadable:
            return None
        try:
            media = self.document.media(self.current_media_id)
        except MediaError as exc:
            if self.current_media_id not in self.unreadable:  # say it once, not on every paint
                self.unreadable.add(self.current_media_id)
                self.error.emit("Cannot read the media", str(exc))
            return None
        media.prepare()  # the clip on screen gets instant scrubbing (idempotent, cheap)
        return media

    def media_unreadable(self) -> bool:
        return self.current_media_id is not None and self.current_media_id in self.unreadable

    def calibration(self, frame: int | None = None) -> Calibration:
        if self.document is None or self.current_media_id is None:
            return Calibration()
        try:
            return self.document.calibration(self.current_media_id, self.current_frame if frame is None else frame)
        except MediaError:
            return Calibration()

    def redactions(self, media_id: str, frame: int) -> list[tuple[int, int, int, int]]:
        """Redaction boxes (x, y, w, h) shown black on this frame, as every export paints them."""
        if self.document is None:
            return []
        return [r.rect() for r in self.document.case.redactions if r.applies_to(media_id, frame)]

    def annotations(self, media_id: str | None = None) -> list[Annotation]:
        media_id = media_id or self.current_media_id
        if self.document is None or media_id is None:
            return []
        return [a for a in self.document.case.annotations if a.media == media_id]

    def measure(self, annotation: Annotation, frame: int) -> list[Measurement]:
        """Measurements for display (no grey statistics: fast enough for every paint); cached
        until the case changes. Shapes still being drawn are measured fresh."""
        if self.document is None:
            return []
        key = (annotation.id, frame)
        cached = self._measure_cache.get(key)
        if cached is not None:
            return cached
        try:
            values = self.document.measure(annotation, frame, with_image=False)
        except (MediaError, IndexError):
            values = []
        if annotation.id in {a.id for a in self.document.case.annotations}:
            self._measure_cache[key] = values
        return values

    # -- editing ---------------------------------------------------------------------------
    def push(self, command: Command) -> None:
        """Run ``command`` and put it on the undo stack; a refused edit becomes an error."""
        if self.document is None:
            return
        if isinstance(command, RemoveAnnotations) and not self.confirm_removal(list(command.ids)):
            return
        try:
            command.redo(self.document.case)
        except Exception as exc:
            log.warning("command %r refused: %s", command, exc)
            self.error.emit(f"Could not {command.text.lower() or 'edit'}", str(exc))
            return
        self.undo_stack.push(CaseUndoCommand(self.document.case, command, self._command_failed))

    def _command_failed(self, title: str, exc: Exception) -> None:
        self.error.emit(title, str(exc))

    def set_current_media(self, media_id: str) -> None:
        if self.document is None or media_id == self.current_media_id:
            return
        if media_id not in {m.id for m in self.document.case.media}:
            return
        self.current_media_id = media_id
        self.current_frame = 0
        self.select([])
        self.current_media_changed.emit(media_id)
        self.current_frame_changed.emit(0)

    def set_current_frame(self, frame: int) -> None:
        media = self.current_media()
        last = media.frame_count - 1 if media is not None else 0
        frame = min(max(int(frame), 0), max(last, 0))
        if frame != self.current_frame:
            self.current_frame = frame
            self.current_frame_changed.emit(frame)

    def select(self, ids: Sequence[str]) -> None:
        ids = list(dict.fromkeys(ids))
        if ids != self.selection:
            self.selection = ids
            self.selection_changed.emit(list(ids))

    def _on_case_event(self, event: CaseEvent) -> None:
        self._measure_cache.clear()
        self.autosave.edited()
        if event.what == "annotation" and event.change == "removed":
            self.visibility.forget(event.id)
            if event.id in self.selection:
                self.select([i for i in self.selection if i != event.id])
        if event.what == "media" and event.change == "removed" and event.id == self.current_media_id:
            self.current_media_id = None
            remaining = self.document.case.media if self.document else []
            if remaining:
                self.set_current_media(remaining[0].id)
            else:
                self.current_media_changed.emit("")
        if event.what == "media":
            self.unreadable.discard(event.id)  # relinked or re-added: try the file again
        self.case_event.emit(event)

    def _clean_changed(self, clean: bool) -> None:
        self.clean_changed.emit(clean and not self._recovered_unsaved)

    # -- documents -------------------------------------------------------------------------
    def set_document(self, document: CaseDocument | None, lock: CaseLock | None = None,
                     holder: LockInfo | None = None) -> None:
        """Replace the open case (the caller has dealt with unsaved changes); ``lock`` is ours
        on its file, ``holder`` the other copy of the app that has it open (read-only here)."""
        old = self.document
        if self.case_lock is not None and self.case_lock is not lock:
            self.case_lock.release()
        self.case_lock, self.read_only_holder = lock, holder
        if old is not None:
            if self._on_case_event in old.case.listeners:
                old.case.listeners.remove(self._on_case_event)
            self._discard_own_autosave()
            old.close()
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.autosave.reset()
        self._measure_cache.clear()
        self._recovered_unsaved = False
        self._recovered_from = None
        self._fresh = False
        self.unreadable = set()
        self.visibility.reset()
        self.document = document
        self.current_media_id = None
        self.current_frame = 0
        self.selection = []
        if document is not None:
            document.case.listeners.append(self._on_case_event)
            if document.case.media:
                self.current_media_id = document.case.media[0].id
        self.document_changed.emit()
        self.current_media_changed.emit(self.current_media_id or "")
        self.current_frame_changed.emit(0)
        self.selection_changed.emit([])
        self.clean_changed.emit(not self.is_modified)

    def new_case(self) -> bool:
        if self.is_modified and not self.confirm_discard():
            return False
        self.set_document(CaseDocument.new(opener=self.opener))
        return True

    def close_document(self) -> bool:
        """Close the case; False if the user kept it (unsaved changes, Cancel)."""
        if self.document is None:
            return True
        if self.is_modified and not self.confirm_discard():
            return False
        self.set_document(None)
        return True

    def open_paths(self, paths: Sequence[Path | str]) -> None:
        """Open a case file, or add media (files or folders) to the open case or a new one."""
        files = expand_paths([Path(p) for p in paths])
        cases = [p for p in files if is_case_file(p)]
        media = [p for p in files if not is_case_file(p)]
        if not files:
            self.error.emit("Nothing to open", "No case or media files in: " + ", ".join(map(str, paths)))
            return
        if cases:
            if len(cases) > 1 or media:
                self.status.emit(f"Opening {cases[0].name} only: open one case at a time")
            self.open_case(cases[0])
            return
        if self.document is None:
            self.set_document(CaseDocument.new(opener=self.opener))
            self._fresh = True  # media that start a case are not "unsaved work" yet
        self._start(
            lambda progress: open_media_files(media, self.opener, progress),
            self._media_opened, "Opening media\u2026",
        )

    def add_opened_media(self, media: Media) -> None:
        """Add a media that is already open (a clip streaming from the PACS) to the case, or to
        a new case made for it."""
        if self.document is None:
            self.set_document(CaseDocument.new(opener=self.opener))
            self._fresh = True  # as open_paths: a case made for these files is not unsaved work yet
        self._media_opened([OpenedMedia(media.path, media, None)])

    def _lock_case(self, path: Path) -> tuple[CaseLock | None, LockInfo | None, bool]:
        """(our lock, the other holder, go on?) for opening ``path``."""
        try:
            return acquire(path), None, True
        except CaseLocked as exc:
            return None, exc.holder, self.ask_locked_case(Path(path), exc.holder) == "read-only"
        except OSError as exc:  # nowhere to write a lock: open as before, unprotected
            log.warning("cannot lock %s: %s", path, exc)
            return None, None, True

    def open_case(self, path: Path) -> None:
        if self.is_modified and not self.confirm_discard():
            return
        lock, holder, go_on = self._lock_case(Path(path)) if Path(path).exists() else (None, None, True)
        if not go_on:
            return
        # a newer autosave of a case another copy holds is that copy's work in progress
        autosave = autosave_for(path) if Path(path).exists() and holder is None else None
        if autosave is not None:  # a crash left newer work of this very case behind
            answer = self.ask_recover_case(Path(path), autosave)
            if answer == "cancel":
                if lock is not None:
                    lock.release()
                return
            if answer == "recover":
                if self.recover(autosave, lock):
                    return
            else:
                discard_autosave(autosave)
        opener = self.opener

        def load(progress: Progress) -> CaseDocument:
            try:
                document = CaseDocument.load(path, opener)
            except BaseException:
                if lock is not None:
                    lock.release()
                raise
            for i, ref in enumerate(document.case.media):  # open (not decode) here, off the UI thread
                progress.report((i + 1) / (len(document.case.media) + 1), f"Opening {Path(ref.path).name}\u2026")
                with contextlib.suppress(MediaError):  # reported when the media is shown
                    document.media(ref.id)
            return document

        self._start(load, lambda document: self._case_loaded(document, lock, holder),
                    f"Opening {path.name}\u2026", lambda: self.open_failed.emit(Path(path)))

    def recover(self, autosave: Path, lock: CaseLock | None = None) -> bool:
        """Open the case held in an autosave as unsaved work."""
        try:
            case = recover_autosave(autosave)
        except (CaseError, OSError) as exc:
            self.error.emit("Could not recover the case", str(exc))
            return False
        holder = None
        if lock is None and case.path is not None and Path(case.path).exists():
            lock, holder, _ = self._lock_case(Path(case.path))
        self.set_document(CaseDocument(case, self.opener), lock, holder)
        self._recovered_unsaved = True
        self._recovered_from = autosave
        self.autosave.edited()
        self.clean_changed.emit(False)
        self._report_warnings(self.document.warnings if self.document else [])
        return True

    def save(self, path: Path | str | None = None) -> bool:
        """Save (to ``path``, or where the case came from); False with an error if it failed.
        The window asks for a path first when the case has none."""
        doc = self.document
        if doc is None:
            return False
        if path is None and doc.case.path is None:
            raise ValueError("an unsaved case needs a path")
        target = Path(path if path is not None else doc.case.path).absolute()  # type: ignore[arg-type]
        new_lock = self.case_lock
        if self.case_lock is None or self.case_lock.case_path != target:
            try:
                new_lock = acquire(target)
            except CaseLocked as exc:
                self.error.emit("Could not save the case", f"{exc}. It was opened read-only here: "
                                "use Save As to keep your changes in another file.")
                return False
            except OSError:
                new_lock = None  # the save itself reports an unwritable folder
        try:
            saved = doc.save(path)
        except (CaseError, OSError) as exc:
            if new_lock is not None and new_lock is not self.case_lock:
                new_lock.release()
            self.error.emit("Could not save the case", str(exc))
            return False
        if new_lock is not self.case_lock:
            if self.case_lock is not None:
                self.case_lock.release()
            self.case_lock, self.read_only_holder = new_lock, None
        discard_autosave(None, self.session)
        if self._recovered_from is not None:
            discard_autosave(self._recovered_from)
            self._recovered_from = None
        self._recovered_unsaved = False
        self.autosave.reset()
        self.undo_stack.setClean()
        self.clean_changed.emit(True)
        self.status.emit(f"Saved {saved}")
        self.saved.emit(saved)
        return True

    # -- background work -------------------------------------------------------------------
    def _start(self, work: Callable[..., object], done: Callable[..., None], title: str,
               on_failure: Callable[[], None] | None = None) -> None:
        def failed(exc: Exception) -> None:
            heading = "Could not open the case" if isinstance(exc, CaseError) else "Could not open"
            if on_failure is not None:
                on_failure()
            self.error.emit(heading, str(exc))

        def ended(task: Task) -> None:
            if task in self._tasks:
                self._tasks.remove(task)
            if not self._tasks:
                self.busy_changed.emit(False)

        # queued: ``ended`` runs on this thread after the task has been recorded below
        self._tasks.append(run_task(work, done, failed, title, self.dialog_parent, on_end=ended))
        self.busy_changed.emit(True)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until background work has finished (tests; signals still need the loop)."""
        return all(t.wait(timeout) for t in list(self._tasks))

    def _case_loaded(self, document: CaseDocument, lock: CaseLock | None = None,
                     holder: LockInfo | None = None) -> None:
        if self.is_modified and not self.confirm_discard():
            document.close()
            if lock is not None:
                lock.release()
            return
        self.set_document(document, lock, holder)
        if document.path is not None:
            self.opened.emit(document.path)
        self._report_warnings(document.warnings)
        self.status.emit(f"Opened {document.path}" + (f" read-only: open by {holder.describe()}" if holder else ""))

    def _media_opened(self, opened: list[OpenedMedia]) -> None:
        doc = self.document
        failures = [o for o in opened if o.error]
        if doc is None:
            for o in opened:
                if o.media is not None:
                    o.media.close()
            return
        first: str | None = None
        fresh = self._fresh and self.undo_stack.count() == 0
        for o in opened:
            if o.media is None:
                continue
            ref = o.make_ref(doc.case)
            doc.set_media(ref.id, o.media)
            if fresh:  # a case made to view these files: nothing to undo or to save yet
                AddMedia(ref).redo(doc.case)
            else:
                self.push(AddMedia(ref))
            first = first or ref.id
        self._fresh = False
        for o in opened:
            (self.opened if o.media is not None else self.open_failed).emit(o.path)
        if first is not None:
            self.set_current_media(first)
        if failures:
            self.error.emit(
                "Could not open " + ("a file" if len(failures) == 1 else f"{len(failures)} files"),
                "\n".join(o.error for o in failures),
            )
        partial = [f"{o.path.name}: {w}" for o in opened if o.media is not None for w in o.media.open_warnings]
        if partial:  # e.g. a partly transferred multi-frame DICOM: its whole frames are open
            self.error.emit("Opened with missing parts", "\n".join(partial))

    def _report_warnings(self, warnings: list[str]) -> None:
        if warnings:
            self.error.emit("Some media files need attention", "\n".join(warnings))

    # -- autosave --------------------------------------------------------------------------
    def _write_autosave(self) -> Path | None:
        if self.document is None or not self.is_modified:
            return None
        path = self.document.autosave(self.session, detached=self.read_only_holder is not None)
        if self.case_lock is not None:  # other hosts see the lock is alive (not stale)
            self.case_lock.refresh()
        if self._recovered_from is not None and self._recovered_from.absolute() != path.absolute():
            discard_autosave(self._recovered_from)  # our own autosave holds the work now
            self._recovered_from = None
        return path

    def _discard_own_autosave(self) -> None:
        discard_autosave(None, self.session)
        if self.document is not None and self.document.case.path is not None:
            discard_autosave(self.document.case.path)

    def shutdown(self) -> None:
        """The window is closing with the user's consent: drop autosaves and media."""
        for task in list(self._tasks):
            task.cancel()
        self.set_document(None)
