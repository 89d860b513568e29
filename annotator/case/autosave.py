"""Autosave: a copy of the case written every so often, so a crash loses little work.

A saved case ``/scans/knee.uscase.json`` autosaves to the sidecar
``/scans/.knee.uscase.json.autosave``; an unsaved case (or one whose folder is read-only)
autosaves to ``<data dir>/autosave/`` (``$XDG_DATA_HOME/us-annotator/autosave`` on Linux).
Autosaves hold absolute media paths and, under ``"autosave"``, the case file they belong to.
A successful ``save_case`` deletes the case's sidecar; the app discards the rest on close.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from annotator.case.case_json import read_case_json
from annotator.case.errors import CaseError
from annotator.case.fileutil import atomic_write_text
from annotator.case.media_files import media_warnings
from annotator.case.model import Case
from annotator.case.serialize import case_from_dict, case_to_dict
from annotator.case.userdirs import PRIVATE_FILE_MODE, data_dir, private_folder

AUTOSAVE_SUFFIX = ".autosave"


def autosave_folder() -> Path:
    return data_dir() / "autosave"


def autosave_path(case_path: str | Path | None, session: str | None = None) -> Path:
    """Where the autosave of a case goes: a hidden sidecar next to a saved case, or a file
    in the user data folder for an unsaved one (``session`` tells unsaved cases apart;
    default: this process)."""
    if case_path is not None:
        p = Path(case_path).absolute()
        return p.parent / f".{p.name}{AUTOSAVE_SUFFIX}"
    return autosave_folder() / f"unsaved-{session or os.getpid()}.uscase.json{AUTOSAVE_SUFFIX}"


def _fallback_path(case_path: Path) -> Path:
    """Autosave in the data folder for a case whose own folder cannot be written."""
    key = hashlib.sha256(str(case_path.absolute()).encode()).hexdigest()[:12]
    return autosave_folder() / f"{case_path.name}-{key}{AUTOSAVE_SUFFIX}"


def write_autosave(case: Case, session: str | None = None, detached: bool = False) -> Path:
    """Write the case's autosave atomically and return where it went. ``detached``: in the
    data folder under ``session`` even for a saved case (a case opened read-only, whose sidecar
    belongs to the copy of the app that holds it)."""
    media_paths = {ref.id: case.resolve_media_path(ref).absolute().as_posix() for ref in case.media}
    d = case_to_dict(case, media_paths)
    d["autosave"] = {
        "of": None if case.path is None else str(Path(case.path).absolute()),
        "saved_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    text = json.dumps(d, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    target = autosave_path(None if detached else case.path, session)
    if case.path is None or detached:
        private_folder(target.parent)
    # it holds patient details: only the user may read it (0600), wherever it is
    try:
        atomic_write_text(target, text, mode=PRIVATE_FILE_MODE)
    except OSError:
        if case.path is None or detached:
            raise
        target = _fallback_path(Path(case.path))
        private_folder(target.parent)
        atomic_write_text(target, text, mode=PRIVATE_FILE_MODE)
    return target


def autosave_for(case_path: str | Path) -> Path | None:
    """The autosave of a saved case if one exists and is newer than the case file."""
    p = Path(case_path).absolute()
    for candidate in (autosave_path(p), _fallback_path(p)):
        if candidate.is_file() and _newer_than(candidate, p):
            return candidate
    return None


def _newer_than(autosave: Path, case_path: Path) -> bool:
    try:
        return autosave.stat().st_mtime >= case_path.stat().st_mtime
    except OSError:
        return True  # the case file is gone: the autosave is all that is left


def find_recoverable(folders: Iterable[str | Path] = ()) -> list[Path]:
    """Autosaves left behind (newest first): every one in the data folder, and sidecars in
    ``folders`` (e.g. those of recent cases) that are newer than their case file."""
    found: list[Path] = []
    folder = autosave_folder()
    if folder.is_dir():
        for p in folder.glob(f"*{AUTOSAVE_SUFFIX}"):
            of = _autosave_of(p)
            if p.is_file() and (of is None or _newer_than(p, of)):
                found.append(p)
    for f in folders:
        for sidecar in Path(f).glob(f".*{AUTOSAVE_SUFFIX}"):
            case_file = sidecar.parent / sidecar.name[1 : -len(AUTOSAVE_SUFFIX)]
            if sidecar.is_file() and _newer_than(sidecar, case_file):
                found.append(sidecar)
    unique = {p.absolute(): p for p in found}
    return sorted(unique, key=lambda p: p.stat().st_mtime, reverse=True)


def _autosave_of(path: Path) -> Path | None:
    """The case file an autosave belongs to (None for an unsaved case or an unreadable file)."""
    try:
        of = json.loads(path.read_text(encoding="utf-8")).get("autosave", {}).get("of")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(of) if isinstance(of, str) and of else None


def recover_autosave(path: str | Path) -> Case:
    """The case held in an autosave, with ``path`` set to the case file it belongs to (None
    for an unsaved case), so that Save writes the original file. Raises CaseError."""

    autosave = Path(path)
    d = read_case_json(autosave)
    of = d.get("autosave", {}).get("of") if isinstance(d, dict) else None
    case = case_from_dict(d, autosave)
    case.path = None if not of else Path(of)
    case.load_warnings = media_warnings(case, relink=False)
    return case


def discard_autosave(target: str | Path | None = None, session: str | None = None) -> None:
    """Delete an autosave: the file itself, or the one(s) of the case file ``target``
    (None = the unsaved case of ``session``). Missing files are fine."""
    if target is not None and str(target).endswith(AUTOSAVE_SUFFIX):
        paths = [Path(target)]
    elif target is not None:
        paths = [autosave_path(target), _fallback_path(Path(target))]
    else:
        paths = [autosave_path(None, session)]
    for p in paths:
        with contextlib.suppress(OSError):
            p.unlink(missing_ok=True)


__all__ = [
    "AUTOSAVE_SUFFIX", "CaseError", "autosave_for", "autosave_path", "discard_autosave",
    "find_recoverable", "recover_autosave", "write_autosave",
]
