"""Run every benchmark module (or the ones named): ``python -m benchmarks [decode playback ...]``.

Each module has ``main() -> int`` and prints its own figures, always as ratios against a
baseline measured in the same run (the machine is shared and noisy, absolute times are not).
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("decode", "playback", "tracking", "export", "scrub", "architecture", "pacs")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    status = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {name} ==", flush=True)
        status |= int(module.main())
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
