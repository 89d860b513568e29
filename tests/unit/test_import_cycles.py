"""The package has no import cycle, not even through imports made only for type checking:
every module can be read, and tested, after the modules it needs (a handler module that names
the main window in a hint is a circle)."""

from __future__ import annotations

import sys

import grimp


def _cycles(within: str = "annotator", exclude_type_checking: bool = True) -> list[list[str]]:
    # no cache: a cached graph can outlive a deleted module after a merge or checkout
    graph = grimp.build_graph("annotator", exclude_type_checking_imports=exclude_type_checking, cache_dir=None)
    inside = sorted(m for m in graph.modules if m == within or m.startswith(within + "."))
    edges = {m: sorted(w for w in graph.find_modules_directly_imported_by(m) if w in inside) for m in inside}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_there_is_no_import_cycle() -> None:
    assert _cycles() == []


def test_there_is_no_import_cycle_even_for_type_hints() -> None:
    """Not even an import made only for a type hint closes a circle: a module that names
    another in a hint depends on it as much as one that calls it."""
    assert _cycles("annotator", exclude_type_checking=False) == []


def test_the_ui_has_no_import_cycle_even_for_type_hints() -> None:
    assert _cycles("annotator.ui", exclude_type_checking=False) == []
