"""Entry point of the packaged app (PyInstaller runs this file as ``__main__``)."""

import multiprocessing
import sys

from annotator.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless when unused; required if a worker ever forks
    sys.exit(main())
