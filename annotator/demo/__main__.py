"""``python -m annotator.demo --write resources/demo``: regenerate the bundled demo (seeded)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m annotator.demo",
        description="Regenerate the synthetic demo case (deterministic), or print where the "
        "user's copy of it lives.",
    )
    parser.add_argument("--write", metavar="DIR", type=Path,
                        help="write the demo scans, case and README into DIR")
    args = parser.parse_args(argv)
    if args.write is None:
        from annotator.demo import demo_case_path

        print(demo_case_path())
        return 0
    from annotator.demo.build import write_demo

    case_path = write_demo(args.write)
    total = sum(p.stat().st_size for p in args.write.iterdir() if p.is_file())
    print(f"wrote {case_path} ({total / 1024:.0f} KiB in {args.write})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
