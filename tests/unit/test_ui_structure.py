"""The UI's structure, read from its source (no Qt needed): no function takes the whole main
window, and only the app's start-up knows the main window's module."""

from __future__ import annotations

import ast
from pathlib import Path

import annotator.ui

UI = Path(annotator.ui.__file__).parent


def _modules() -> list[Path]:
    return sorted(p for p in UI.rglob("*.py") if "__pycache__" not in p.parts)


def _names(node: ast.expr | None) -> set[str]:
    """The identifiers an annotation mentions (``MainWindow``, ``"MainWindow | None"``...)."""
    if node is None:
        return set()
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a string annotation
        try:
            return _names(ast.parse(node.value, mode="eval").body)
        except SyntaxError:
            return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def whole_window_parameters(source: str, filename: str = "<source>") -> list[str]:
    """Parameters annotated with the main window, or called ``window`` without saying what
    narrower thing they are (no annotation, or ``Any``/``object``)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is None:
                continue
            names = _names(arg.annotation)
            vague = arg.annotation is None or names <= {"Any", "object", "None"}
            if "MainWindow" in names or (arg.arg == "window" and vague):
                name = getattr(node, "name", "<lambda>")
                found.append(f"{filename}:{node.lineno} {name}({arg.arg})")
    return found


def test_the_check_finds_a_whole_window_parameter() -> None:
    bad = ("def f(window: MainWindow) -> None: ...\n"
           "def g(w: 'MainWindow | None') -> None: ...\n"
           "def h(window) -> None: ...\n"
           "def k(window: Any) -> None: ...\n"
           "class A:\n    def m(self, x: ui.main_window.MainWindow) -> None: ...\n")
    assert len(whole_window_parameters(bad)) == 5
    fine = "def f(parent: QWidget, controller: AppController) -> None: ...\ndef g(main: QMainWindow) -> None: ...\n"
    assert whole_window_parameters(fine) == []


def test_no_function_in_the_ui_takes_the_whole_window() -> None:
    found = [hit for path in _modules()
             for hit in whole_window_parameters(path.read_text(encoding="utf-8"), str(path.relative_to(UI)))]
    assert found == []


def test_only_the_start_up_imports_the_main_window() -> None:
    importers = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            names = {a.name for a in node.names}
            if node.module == "annotator.ui.main_window" or (node.module == "annotator.ui" and "main_window" in names):
                importers.append(path.relative_to(UI).as_posix())
    assert sorted(set(importers)) == ["app.py"]
