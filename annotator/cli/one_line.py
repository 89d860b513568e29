"""Keeping a failing subcommand to exactly one short ``error:`` line on stderr.

Native decoders (libjpeg, openjpeg, libtiff, gdcm) print their own chatter straight to file
descriptor 2; during a headless run that descriptor points at devnull while Python's own
``sys.stderr`` keeps the real one, so only our lines reach the user.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterable, Iterator

MAX_ERROR_CHARS = 300
_SPACES = re.compile(r"\s+")
_LONG_WORD, _KEEP = 64, 30


def one_line(message: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``message`` on one line (whitespace collapsed, controls dropped), cut to ``limit`` characters."""
    text = _SPACES.sub(" ", str(message)).strip()
    text = "".join(c if c.isprintable() else "?" for c in text)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
    if len(text) > limit:  # shorten long paths and values in the middle, keeping the reason
        text = " ".join(w if len(w) <= _LONG_WORD else f"{w[:_KEEP]}…{w[-_KEEP:]}" for w in text.split(" "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_error(message: str) -> None:
    line = one_line(f"error: {message}")
    with contextlib.suppress(OSError, ValueError):
        print(line, file=sys.stderr, flush=True)


def print_warnings(messages: Iterable[str]) -> None:
    """Each distinct message once, as one ``warning:`` line (its first line only)."""
    for first in dict.fromkeys(m.strip().splitlines()[0] for m in messages if m.strip()):
        with contextlib.suppress(OSError, ValueError):
            print(one_line(f"warning: {first}"), file=sys.stderr, flush=True)


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Point fd 2 at devnull while ``sys.stderr`` keeps writing to the real stderr.

    Skipped when ``sys.stderr`` is not the process's own (a test capturing it) or when
    US_ANNOTATOR_NATIVE_STDERR is set (to see the decoders' messages when debugging).
    """
    if os.environ.get("US_ANNOTATOR_NATIVE_STDERR") or sys.stderr is not sys.__stderr__ or sys.stderr is None:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    real = sys.stderr
    try:
        sink = os.open(os.devnull, os.O_WRONLY)
        os.dup2(sink, 2)
        os.close(sink)
        sys.stderr = open(saved, "w", buffering=1, encoding=real.encoding or "utf-8",  # noqa: SIM115
                          errors="backslashreplace", closefd=False)
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        if sys.stderr is not real:
            sys.stderr = real
        os.dup2(saved, 2)
        os.close(saved)
