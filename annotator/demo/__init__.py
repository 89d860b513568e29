"""The bundled demo case: a synthetic dynamic muscle tear clip, a nerve still, annotations and
findings, so a newcomer sees what the tool does in one minute.

The files live in the package ``annotator.resources`` (folder ``demo/``) and are regenerated
deterministically with ``python -m annotator.demo --write resources/demo``. The app never opens
them in place: ``demo_case_path()`` copies them to a writable per-user folder first, so saving
the demo case never writes into the installed package. Everything in them is synthetic.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from annotator.case.userdirs import data_dir

DEMO_CASE_NAME = "demo.uscase.json"
CLIP_NAME = "mg_tear_clip.dcm"
STILL_NAME = "median_nerve_still.dcm"
README_NAME = "README.md"
DEMO_FILES = (DEMO_CASE_NAME, CLIP_NAME, STILL_NAME, README_NAME)
#: records which bundled demo a user folder was copied from
STAMP_NAME = ".bundled-demo.sha256"


def bundled_demo() -> Traversable:
    """The demo folder inside the installed package (read-only in general)."""
    return resources.files("annotator.resources") / "demo"


def user_demo_dir() -> Path:
    """``$XDG_DATA_HOME/us-annotator/demo`` on Linux (the platform's app data folder elsewhere)."""
    return data_dir() / "demo"


def _fingerprint(folder: Traversable) -> str:
    digest = hashlib.sha256()
    for name in DEMO_FILES:
        entry = folder / name
        if entry.is_file():
            digest.update(name.encode())
            digest.update(hashlib.sha256(entry.read_bytes()).digest())
    return digest.hexdigest()


def _copy_atomic(source: Traversable, target: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the user's own demo need not be
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def demo_case_path(reset: bool = False) -> Path:
    """The demo case file in the user's writable demo folder, copied there on first use.

    A newer bundled demo (another fingerprint) replaces the copy; otherwise the user's saved
    edits of the demo case are kept unless ``reset`` is true. Raises ``FileNotFoundError`` when
    the package has no demo (a broken install) and ``OSError`` when the folder is not writable.
    """
    source = bundled_demo()
    if not (source / DEMO_CASE_NAME).is_file():
        raise FileNotFoundError(f"the bundled demo case is missing from {source}")
    target = user_demo_dir()
    target.mkdir(parents=True, exist_ok=True)
    fingerprint = _fingerprint(source)
    stamp = target / STAMP_NAME
    current = stamp.read_text(encoding="ascii").strip() if stamp.is_file() else ""
    refresh = reset or current != fingerprint
    for name in DEMO_FILES:
        entry = source / name
        if entry.is_file() and (refresh or not (target / name).is_file()):
            _copy_atomic(entry, target / name)
    if refresh:
        stamp.write_text(fingerprint + "\n", encoding="ascii")
    return target / DEMO_CASE_NAME
