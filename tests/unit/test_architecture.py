"""The layering is checked by tools, not by review: the core stays Qt-free, render and export
never touch widgets, data flows one way, and modules stay small."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "annotator"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def python_files(room: str) -> list[Path]:
    files = sorted((PACKAGE / room).rglob("*.py"))
    assert files, f"annotator/{room} has no modules"
    return files


@pytest.mark.parametrize("room", ["media", "case", "dynamics", "pacs"])
def test_core_never_imports_qt(room: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in python_files(room)
        for name in imported_modules(path)
        if name == "PySide6" or name.startswith("PySide6.")
    ]
    assert not offenders, offenders


@pytest.mark.parametrize("room", ["render", "export"])
def test_render_and_export_never_import_widgets(room: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in python_files(room)
        for name in imported_modules(path)
        if name.startswith("PySide6.QtWidgets") or name.startswith("annotator.ui")
    ]
    assert not offenders, offenders


def test_tools_are_plain_objects_without_widgets() -> None:
    """Tools take (position, buttons, modifiers) and return commands: testable without widgets."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in python_files("ui/tools")
        for name in imported_modules(path)
        if name.startswith("PySide6.QtWidgets")
    ]
    assert not offenders, offenders


def test_import_linter_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a test dependency"
    result = subprocess.run([exe], capture_output=True, text=True, cwd=PACKAGE.parent, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_core_imports_without_qt_loaded() -> None:
    """Importing the whole core in a fresh interpreter must not pull in PySide6."""
    code = (
        "import sys, annotator.media, annotator.case.model, annotator.dynamics;"
        "import pkgutil, importlib\n"
        "for room in ('annotator.media', 'annotator.case', 'annotator.dynamics'):\n"
        "    pkg = importlib.import_module(room)\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, room + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "print('PySide6' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_modules_stay_small() -> None:
    too_big = [
        f"{p.relative_to(PACKAGE.parent)}: {n} lines"
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    ]
    assert not too_big, too_big


def test_the_viewer_asks_for_a_small_interface_not_the_controller() -> None:
    """Viewer depends on ``ViewerSource``; comparison panels provide it without a proxy."""
    viewer = imported_modules(PACKAGE / "ui" / "viewer.py")
    assert "annotator.ui.controller" not in viewer
    assert "annotator.ui.viewer_source.ViewerSource" in viewer
    source = (PACKAGE / "ui" / "compare" / "source.py").read_text(encoding="utf-8")
    assert "__getattr__" not in source and "cast(" not in source
