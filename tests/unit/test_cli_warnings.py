"""A subcommand's library warnings: held while it runs, one line each when it ends well, none
beside the one error line when it fails."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import types
import warnings

import pytest

from annotator.cli import CliError, _run_subcommand


def _module(fail: bool) -> types.ModuleType:
    module = types.ModuleType("stub")

    def run(args: argparse.Namespace) -> int:
        for _ in range(3):  # one message, three times
            warnings.warn("Invalid value for VR IS: '1A'.\nPlease see the standard", UserWarning, stacklevel=1)
        warnings.warn("another odd value", UserWarning, stacklevel=1)
        if fail:
            raise CliError("the image header is incomplete or invalid")
        return 0

    module.run = run  # type: ignore[attr-defined]
    return module


def test_a_run_that_ends_well_prints_each_warning_once_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_subcommand(_module(fail=False), argparse.Namespace()) == 0
    assert capsys.readouterr().err.splitlines() == ["warning: Invalid value for VR IS: '1A'.",
                                                    "warning: another odd value"]


def test_a_failing_run_prints_only_its_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_subcommand(_module(fail=True), argparse.Namespace()) == 2
    assert capsys.readouterr().err.splitlines() == ["error: the image header is incomplete or invalid"]


def test_a_library_deprecation_stays_hidden_as_python_hides_it() -> None:
    """Python's own filters apply (a fresh interpreter: pytest shows deprecations): a
    library's DeprecationWarning is not a user's concern; its odd-value warning is."""
    script = (
        "import argparse, sys, types, warnings\n"
        "from annotator.cli import _run_subcommand\n"
        "m = types.ModuleType('stub')\n"
        "def run(args):\n"
        "    warnings.warn_explicit('old api', DeprecationWarning, 'lib.py', 1, module='lib')\n"
        "    warnings.warn_explicit('odd value', UserWarning, 'lib.py', 2, module='lib')\n"
        "    return 0\n"
        "m.run = run\n"
        "sys.exit(_run_subcommand(m, argparse.Namespace()))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"})
    assert out.returncode == 0 and out.stderr.splitlines() == ["warning: odd value"], out.stderr
