"""Run every benchmark module (or the ones named): ``python -m benchmarks [decode playback ...]``.

Each module has ``main() -> int`` and prints its own figures, always as ratios against a
baseline measured in the same run (the machine is shared and noisy, absolute times are not).
Each target's line ends in its verdict (met / NOT met, PASS / FAIL). The run ends with the
lines of every target not met, and exits 1 if there is one: some modules print a missed
target and return 0 (their figures are reported, met or not), so the verdicts are read from
what they print.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable
from types import ModuleType
from typing import TextIO

BENCHMARKS = ("decode", "playback", "tracking", "export", "scrub", "architecture", "pacs")
MISSED = re.compile(r"\bNOT met\b|\bFAIL\b")


class _Tee:
    """Writes through to ``out`` and keeps every line written, for the summary."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines: list[str] = []
        self._partial = ""

    def write(self, text: str) -> int:
        self.out.write(text)
        *done, self._partial = (self._partial + text).split("\n")
        self.lines += done
        return len(text)

    def flush(self) -> None:
        self.out.flush()

    def __getattr__(self, name: str) -> object:  # encoding, isatty, fileno: the real stream's
        return getattr(self.out, name)

    def every_line(self) -> list[str]:
        """The lines written, the last one even without its newline."""
        return self.lines + ([self._partial] if self._partial else [])


def missed(lines: list[str]) -> list[str]:
    """The printed lines that give a target as not met. An indented line is one item of the
    unindented line above it (a clip, a data set): that line's name comes first."""
    out, heading = [], ""
    for line in lines:
        if line and not line[0].isspace():
            heading = line.split(":", 1)[0] if ":" in line else ""
        if MISSED.search(line):
            indented = line[:1].isspace() and heading and len(heading) <= 60
            out.append(f"{heading}: {line.strip()}" if indented else line.strip())
    return out


def main(argv: list[str], load: Callable[[str], ModuleType] = importlib.import_module) -> int:
    names = argv or list(BENCHMARKS)
    status = 0
    misses: list[tuple[str, str]] = []
    real = sys.stdout
    for name in names:
        module = load(f"benchmarks.bench_{name}")
        print(f"== {name} ==", flush=True)
        tee = _Tee(real)
        sys.stdout = tee  # type: ignore[assignment]
        try:
            status |= int(module.main())
        finally:
            sys.stdout = real
        misses += [(name, line) for line in missed(tee.every_line())]
    print("== targets not met ==" if misses else "== every target printed was met ==")
    for name, line in misses:
        print(f"[{name}] {line}")
    return 1 if misses or status else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
