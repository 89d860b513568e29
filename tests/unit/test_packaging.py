"""The wheel holds everything the installed app reads (docs/adr/0004-resources-as-a-package.md):
``pip install .`` must work away from the checkout, not only as an editable install.

The wheel is built from a copy of the checkout: an in-tree build would write build/ into the
shared checkout, and a stale build/lib there can smuggle deleted modules into the wheel. The
build runs without build isolation and with no package index, so it never needs the network
(setuptools comes from the test extra).
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.demo import DEMO_FILES

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "annotator"
RESOURCES = ROOT / "resources"
RESOURCES_PACKAGE = "annotator.resources"
IN_WHEEL = "annotator/resources/"
#: the first setuptools that accepts the SPDX string in project.license
MIN_SETUPTOOLS = 77
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".*_cache",
    ".hypothesis", "bench-out",
)


def _bundled_files() -> list[str]:
    return sorted(
        p.relative_to(RESOURCES).as_posix()
        for p in RESOURCES.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    version = importlib.metadata.version("setuptools")
    if int(version.split(".")[0]) < MIN_SETUPTOOLS:
        pytest.fail(f"setuptools {version} cannot build this project (needs >= {MIN_SETUPTOOLS}); "
                    "reinstall the test extra: pip install -e '.[test]'")
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
               "--no-build-isolation", "-w", str(work / "dist")]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    # setuptools warns before it drops a data folder that is not listed as a package
    assert "would be ignored" not in output, output[-4000:]
    (built,) = (work / "dist").glob("*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_holds_every_bundled_file(wheel_names: set[str]) -> None:
    bundled = _bundled_files()
    # what the code reads by name: the schema, the vocabulary, the reference table, the demo
    read_by_code = ["case.schema.json", "vocabulary/structures.json", "reference/nerve_csa.json",
                    *(f"demo/{name}" for name in DEMO_FILES)]
    assert set(read_by_code) <= set(bundled)
    missing = [name for name in bundled if IN_WHEEL + name not in wheel_names]
    assert not missing, f"resources/ files missing from the wheel: {missing}"


def test_wheel_holds_every_module_and_nothing_else(wheel_names: set[str]) -> None:
    modules = {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")
               if "__pycache__" not in p.parts}
    # a room folder without __init__.py is silently left out by find_packages
    assert not modules - wheel_names, sorted(modules - wheel_names)
    (metadata,) = {n.split("/")[0] for n in wheel_names if n.split("/")[0].endswith(".dist-info")}
    assert metadata.startswith("us_annotator-")
    strays = sorted(n for n in wheel_names if not n.startswith(("annotator/", metadata + "/")))
    assert not strays, f"the wheel ships files outside the package: {strays}"
    junk = sorted(n for n in wheel_names
                  if any(part in n for part in ("__pycache__", ".pyc", "tests/", "corpus", ".venv")))
    assert not junk, junk


# -- where the code reads annotator.resources ---------------------------------------------------
def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _string_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for stmt in tree.body:
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else (
            stmt.target if isinstance(stmt, ast.AnnAssign) else None)
        value = getattr(stmt, "value", None)
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant) and isinstance(value.value, str):
            constants[target.id] = value.value
    return constants


def _is_resources_root(node: ast.AST) -> bool:
    """``files("annotator.resources")`` or ``importlib.resources.files("annotator.resources")``."""
    if not (isinstance(node, ast.Call) and len(node.args) == 1):
        return False
    name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
    arg = node.args[0]
    return name == "files" and isinstance(arg, ast.Constant) and arg.value == RESOURCES_PACKAGE


class _ResourcePaths:
    """Resolves each ``files("annotator.resources") / ... .joinpath(...)`` chain of one module to
    literal paths: string literals, module constants, and ``*parts`` of a helper function whose
    calls in the same module pass literals. Anything else is reported as unresolved."""

    def __init__(self, path: Path) -> None:
        self.where = path.relative_to(ROOT).as_posix()
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.parents = _parents(self.tree)
        self.constants = _string_constants(self.tree)
        self.paths: list[str] = []
        self.unresolved: list[str] = []

    def resolve(self) -> _ResourcePaths:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Constant) and node.value == RESOURCES_PACKAGE:
                call = self.parents.get(node)
                if call is None or not _is_resources_root(call):
                    self.unresolved.append(f"{self.where}:{node.lineno}: a use of {RESOURCES_PACKAGE!r} "
                                           "this test cannot follow")
                    continue
                found = self._chain(call)
                if found is None:
                    self.unresolved.append(f"{self.where}:{node.lineno}: a resource path this test "
                                           "cannot resolve to literals")
                else:
                    self.paths += ["/".join(parts) for parts in found]
        return self

    def _chain(self, node: ast.AST) -> list[tuple[str, ...]] | None:
        alternatives: list[tuple[str, ...]] = [()]
        while True:
            parent = self.parents.get(node)
            grand = self.parents.get(parent) if parent is not None else None
            if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Div) and parent.left is node:
                segments, node = self._segments([parent.right], parent), parent
            elif isinstance(parent, ast.Attribute) and parent.attr == "joinpath" and isinstance(grand, ast.Call):
                segments, node = self._segments(grand.args, grand), grand
            else:
                return alternatives
            if segments is None:
                return None
            alternatives = [a + s for a in alternatives for s in segments]

    def _segments(self, args: list[ast.expr], at: ast.AST) -> list[tuple[str, ...]] | None:
        if len(args) == 1 and isinstance(args[0], ast.Starred):
            return self._helper_calls(args[0], at)
        values = [self._literal(arg) for arg in args]
        return None if any(v is None for v in values) else [tuple(v for v in values if v is not None)]

    def _literal(self, arg: ast.expr) -> str | None:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
        return self.constants.get(arg.id) if isinstance(arg, ast.Name) else None

    def _helper_calls(self, starred: ast.Starred, at: ast.AST) -> list[tuple[str, ...]] | None:
        """``def helper(*parts): ... joinpath(*parts)``: the paths of every ``helper(...)`` call."""
        function = self._enclosing_function(at)
        vararg = function.args.vararg if function is not None else None
        if function is None or vararg is None or not (
                isinstance(starred.value, ast.Name) and starred.value.id == vararg.arg):
            return None
        calls = [n for n in ast.walk(self.tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id == function.name]
        resolved = [[self._literal(a) for a in call.args] for call in calls]
        if not calls or any(None in values for values in resolved):
            return None
        return [tuple(v for v in values if v is not None) for values in resolved]

    def _enclosing_function(self, node: ast.AST) -> ast.FunctionDef | None:
        current = self.parents.get(node)
        while current is not None and not isinstance(current, ast.FunctionDef):
            current = self.parents.get(current)
        return current


def _modules() -> Iterator[Path]:
    yield from sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_resource_path_in_the_code_is_in_the_wheel(wheel_names: set[str]) -> None:
    scans = [_ResourcePaths(path).resolve() for path in _modules()]
    unresolved = [u for scan in scans for u in scan.unresolved]
    assert not unresolved, unresolved
    paths = {(scan.where, path) for scan in scans for path in scan.paths}
    # the scan must see the known readers, or it proves nothing
    assert {p for _, p in paths} >= {"demo", "vocabulary/structures.json", "reference/nerve_csa.json"}
    missing = [f"{where}: {path}" for where, path in sorted(paths)
               if IN_WHEEL + path not in wheel_names
               and not any(n.startswith(f"{IN_WHEEL}{path}/") for n in wheel_names)]
    assert not missing, f"paths read by the code but absent from the wheel: {missing}"


def test_no_module_locates_files_from_its_own_path() -> None:
    """``__file__``-relative paths break in a wheel (no checkout beside it) and in frozen apps."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Name) and node.id == "__file__"
    ]
    assert not offenders, offenders


INSTALLED_APP = """
import json
from importlib.resources import files
import annotator, annotator.resources
from annotator.case.io import load_case
from annotator.case.vocabulary import load_reference_table, load_vocabulary
from annotator.demo import demo_case_path
from annotator.media import open_media

case = load_case(demo_case_path())
with open_media(case.resolve_media_path(case.media[0])) as media:
    frames = media.frame_count
vocabulary, table = load_vocabulary(), load_reference_table()
schema = json.loads(files("annotator.resources").joinpath("case.schema.json").read_text("utf-8"))
print(json.dumps({
    "package": annotator.__file__, "resources": annotator.resources.__file__,
    "media": len(case.media), "annotations": len(case.annotations), "warnings": case.load_warnings,
    "frames": frames, "muscles": len(vocabulary.muscles), "nerves": len(vocabulary.nerves),
    "reference_rows": len(table.rows), "problems": vocabulary.problems + table.problems,
    "schema_keys": sorted(schema),
}))
"""


def test_the_unpacked_wheel_reads_its_own_resources(wheel: Path, tmp_path: Path) -> None:
    """The demo, vocabulary, reference table and schema load from the wheel, not the checkout."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    # PYTHONPATH comes before the editable install; cwd keeps the checkout off sys.path
    env = {**os.environ, "PYTHONPATH": str(site), "XDG_DATA_HOME": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-c", INSTALLED_APP], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(report["package"]).is_relative_to(site)
    assert Path(report["resources"]).is_relative_to(site)
    assert report["media"] == 2 and report["annotations"] > 0 and report["warnings"] == []
    assert report["frames"] > 1  # the first demo media is the clip
    assert report["muscles"] > 0 and report["nerves"] > 0 and report["reference_rows"] > 0
    assert report["problems"] == []
    assert {"$schema", "properties"} <= set(report["schema_keys"])
