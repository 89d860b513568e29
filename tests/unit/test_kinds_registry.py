"""The annotation-kind registry (``annotator.case.kinds``) is complete, and it is the only
place that switches on kind strings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from annotator.case.kinds import (
    ANNOTATION_KINDS,
    KINDS,
    can_change,
    display_name,
    kind_spec,
    symbol_order,
)
from annotator.case.measure import QUANTITIES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "annotator"
KIND_NAMES = frozenset(ANNOTATION_KINDS)
#: kind names that are not also the name of a quantity ("angle", "thickness" are both)
KIND_ONLY = KIND_NAMES - set(QUANTITIES)
#: the registries themselves, and the reader of version-0 files (whose shape names differ)
REGISTRIES = {"annotator/case/kinds.py", "annotator/render/kind_looks.py", "annotator/case/migrate.py"}
#: ``kind`` attributes that are not annotation kinds but share a word with one
#: (an AttributeSpec's value type may be "text")
OTHER_KINDS = {"spec.kind"}


def _kind_strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in KIND_NAMES:
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for e in node.elts for s in _kind_strings(e)]
    return []


def _is_kind(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "kind"
    return isinstance(node, ast.Attribute) and node.attr == "kind" and ast.unparse(node) not in OTHER_KINDS


def kind_switches(path: Path) -> list[str]:
    """`kind == "line"`, `a.kind in ("polygon", "ellipse")`, and tables keyed by kind names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_kind(s) for s in sides) and any(_kind_strings(s) for s in sides):
                found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Match) and _is_kind(node.subject):
            if any(_kind_strings(c.pattern.value) for c in node.cases if isinstance(c.pattern, ast.MatchValue)):
                found.append(f"line {node.lineno}: match {ast.unparse(node.subject)}")
        elif isinstance(node, ast.Dict) and len(node.keys) >= 2:
            keys = [s for k in node.keys if k is not None for s in _kind_strings(k)]
            if len(keys) == len(node.keys) or len(KIND_ONLY.intersection(keys)) >= 2:
                found.append(f"line {node.lineno}: a table keyed by kind names")
        elif isinstance(node, (ast.Set, ast.Tuple, ast.List)):
            names = _kind_strings(node)
            if len(names) >= 2 and len(names) == len(node.elts) and KIND_ONLY.intersection(names):
                found.append(f"line {node.lineno}: a list of kind names {ast.unparse(node)}")
    return found


def test_no_module_outside_the_registries_switches_on_kind_strings() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel not in REGISTRIES:
            offenders += [f"{rel} {what}" for what in kind_switches(path)]
    assert not offenders, "ask annotator.case.kinds instead:\n" + "\n".join(offenders)


def test_the_switch_detector_finds_switches(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text('if a.kind == "line" or kind in ("polygon", "ellipse"):\n    pass\n'
                     'T = {"line": 1, "polygon": 2, "ellipse": 3}\nif spec.kind == "text":\n    pass\n'
                     'match a.kind:\n    case "ellipse":\n        pass\n')
    found = kind_switches(probe)
    assert len(found) == 5, found  # the tuple is found in the comparison and as a list
    assert not any("spec.kind" in f for f in found)  # an AttributeSpec's "text" is no annotation


@pytest.mark.parametrize("spec", KINDS, ids=lambda s: s.name)
def test_every_kind_is_declared_whole(spec) -> None:  # type: ignore[no-untyped-def]
    assert spec.display and spec.min_points >= 1
    assert spec.max_points is None or spec.max_points >= spec.min_points
    assert (spec.measure is None) == (spec.primary_quantity is None), "a measurer goes with a main quantity"
    if spec.measures:
        assert spec.primary_quantity in spec.link_quantities
        assert spec.link_quantities <= set(QUANTITIES)
        assert spec.sr_graphic is not None, "a measured kind must be drawable in a DICOM SR"
        assert spec.symbol and spec.meaning and spec.sentence, "captions and legends name it"
    if spec.is_structure:
        assert spec.segments and 2 * len(spec.segments) == spec.min_points == spec.max_points
        assert "deep" in spec.segments and spec.measured_path is not None
    if spec.sr_graphic == "MEASURED_PATH":
        assert spec.measured_path is not None
    if spec.grey_stats:
        assert {"mean_intensity", "sd_intensity"} <= spec.link_quantities


def test_kinds_of_a_family_share_point_counts() -> None:
    """An annotation changes kind within its family without redrawing: the point counts of
    both kinds must overlap (the command still checks every keyframe)."""
    for a in KINDS:
        for b in KINDS:
            if a.name != b.name and can_change(a.name, b.name):
                highs = [n for n in (a.max_points, b.max_points) if n is not None]
                assert max(a.min_points, b.min_points) <= min(highs, default=10**6), (a.name, b.name)
    assert can_change("line", "arrow") and can_change("polyline", "polygon")
    assert not can_change("line", "polygon")
    assert not can_change("line", "nonsense")


def test_case_file_names_and_glossary_words() -> None:
    """Case files keep their strings; people read the glossary's words (README)."""
    assert ANNOTATION_KINDS == ("point", "line", "polyline", "polygon", "ellipse", "angle", "arrow", "text",
                                "thickness", "pennation", "fascicle")
    assert display_name("line") == "caliper" and display_name("polygon") == "trace"
    assert display_name("unknown") == "unknown" and kind_spec("unknown") is None
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| annotation |"))
    for spec in KINDS:
        assert re.search(rf"\b{spec.name}\b", row), f"the glossary does not list {spec.name}"
        assert re.search(rf"\b{spec.display}\b", row), f"the glossary does not name {spec.display}"
    for spec in KINDS:  # a word other than the file's name has its own entry, naming the file's
        if spec.display != spec.name:
            entry = next((line for line in readme.splitlines() if line.startswith(f"| {spec.display} |")), "")
            assert f"`{spec.name}`" in entry, f"the glossary has no entry for {spec.display}"
    assert set(symbol_order()) == {s.name for s in KINDS if s.symbol}


def test_every_kind_has_a_tool() -> None:
    from annotator.ui.tools.registry import DRAWING_TOOLS, tools_for

    for spec in KINDS:
        assert tools_for(spec.name), f"no tool draws a {spec.name}"
    assert {t.kind for t in DRAWING_TOOLS.values()} <= KIND_NAMES


def test_the_undo_history_uses_the_glossary_word() -> None:
    from annotator.case.commands import AddAnnotation
    from annotator.case.model import Annotation

    line = Annotation.single("a1", "m1", "line", 0, [(0, 0), (5, 0)])
    trace = Annotation.single("a2", "m1", "polygon", 0, [(0, 0), (5, 0), (5, 5)])
    assert AddAnnotation(line).text == "Add caliper" and AddAnnotation(trace).text == "Add trace"
