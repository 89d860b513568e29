"""Start us-annotator from a checkout: ``python main.py [FILES...]`` (same as ``us-annotator``)."""

import sys

from annotator.cli import main

if __name__ == "__main__":
    sys.exit(main())
