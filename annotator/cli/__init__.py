"""The ``us-annotator`` command: the desktop app, or a headless subcommand.

``us-annotator [PATHS...]`` opens the app (with media or case files); ``us-annotator SUBCOMMAND``
runs headless and never needs a display. Each subcommand lives in its own module here with
``add_parser(subparsers)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

SUBCOMMANDS = ("info", "measure", "validate", "track", "export", "architecture", "pacs")


def json_row(row: dict[str, object]) -> str:
    """A row of a JSON array as ``--json`` prints it: on a line of its own, indented, so the
    array is one JSON document and still reads a frame a line (``architecture``, ``track``)."""
    import json

    return "\n  " + json.dumps(row, allow_nan=False)


class CliError(Exception):
    """A user-facing failure: printed as one ``error: ...`` line, exit status 2."""


class _VersionAction(argparse.Action):
    """``--version``: the app's version and its decoders' (imported only when asked)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0,
                         help=help or "print the version of us-annotator and of its decoders, then exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from annotator.platform.versions import version_text

        print(version_text())
        parser.exit()


def _subcommand_module(name: str) -> ModuleType:
    # Import only the subcommand asked for: each pulls in its own heavy dependencies.
    return importlib.import_module(f"annotator.cli.{name}_cmd")


def build_parser(modules: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="us-annotator",
        description="Annotate and measure musculoskeletal ultrasound stills and clips.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in modules.values():
        module.add_parser(sub)
    return parser


def _gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="us-annotator",
        description=(
            "Open the desktop app, with media (DICOM, MP4/AVI/MOV/GIF, PNG/JPEG/BMP/TIFF) "
            "or a case file (.uscase.json). Headless subcommands: " + ", ".join(SUBCOMMANDS)
            + " (us-annotator COMMAND --help)."
        ),
    )
    parser.add_argument("paths", nargs="*", help="media or case files, or folders of media")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo case")
    parser.add_argument("--version", action=_VersionAction)
    # diagnostics for make dist-check: save a picture of the window once the case shows, then quit
    parser.add_argument("--screenshot", metavar="PNG", help=argparse.SUPPRESS)
    return parser


def _on_terminate(signum: int, frame: object) -> None:
    """SIGTERM or SIGHUP: remove our part files, say so in one line and exit at once.

    Exiting without unwinding: encoder and decoder threads may be inside native code, and
    tearing the interpreter down around them can crash."""
    from annotator.cli.one_line import print_error

    output = sys.modules.get("annotator.export.output")
    if output is not None:
        output.cleanup_after_signal()
    print_error(f"stopped by signal {signum}; nothing partial was left behind")
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    os._exit(128 + signum)


def _run_subcommand(module: ModuleType, args: argparse.Namespace) -> int:
    """Run a subcommand. Library warnings (pydicom on an odd header value) are held: a failure
    stays one ``error:`` line; a run that ends well prints each once, one line, at the end."""
    import signal
    import warnings

    from annotator.cli.one_line import print_warnings

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_terminate)
    # the filters stay Python's own: deprecations hidden, others once per place (a warning in
    # a loop is not kept a million times)
    with warnings.catch_warnings(record=True) as held:
        code = _run_guarded(module, args)
    if code in (0, 1):
        print_warnings(str(w.message) for w in held)
    return code


def _run_guarded(module: ModuleType, args: argparse.Namespace) -> int:
    from annotator.cli.one_line import print_error

    try:
        return int(module.run(args))
    except CliError as exc:
        print_error(str(exc))
        return 2
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (``us-annotator info X | head``): stop quietly, as the
        # Python docs advise, pointing stdout at devnull so the exit flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except MemoryError:
        print_error("not enough memory for this file")
        return 2
    except RecursionError:
        print_error("the input is nested too deeply")
        return 2
    except Exception as exc:  # a bug or an unforeseen input: one line, never a traceback
        if os.environ.get("US_ANNOTATOR_DEBUG"):
            raise
        print_error(f"unexpected failure ({type(exc).__name__}: {exc}); set US_ANNOTATOR_DEBUG=1 for details")
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in SUBCOMMANDS:
        from annotator.cli.one_line import native_stderr_silenced

        modules = {args_list[0]: _subcommand_module(args_list[0])}
        args = build_parser(modules).parse_args(args_list)
        with native_stderr_silenced():
            return _run_subcommand(modules[args.command], args)
    gui_args = _gui_parser().parse_args(args_list)
    from annotator.platform.display import check_display_libraries

    missing = check_display_libraries()  # before Qt loads them and aborts with a cryptic message
    if missing is not None:
        print(f"error: {missing.message()}", file=sys.stderr)
        return 2
    from annotator.ui.app import run_app  # Qt is imported only for the desktop app

    return run_app(gui_args.paths, demo=gui_args.demo, screenshot=gui_args.screenshot)
