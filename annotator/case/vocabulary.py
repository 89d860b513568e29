"""The bundled vocabulary of structures and the nerve CSA reference table, with user overrides.

Both are read from ``annotator.resources`` and then merged with an optional file of the same
shape in the user's config folder (``vocabulary.json``, ``nerve_csa.json``): vocabulary entries
are added or extended by name; reference rows replace bundled rows of the same nerve and site
and add new ones (``"replace": true`` drops the bundled table). A broken override file is
reported in ``problems`` and otherwise ignored, so a typo never hides the bundled values.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import Any

from annotator.case.userdirs import config_dir

VOCABULARY_FILE = "vocabulary.json"
REFERENCE_FILE = "nerve_csa.json"


def _norm(s: str) -> str:
    return " ".join(s.lower().replace("'", "").replace("-", " ").split())


def _strip_nerve(s: str) -> str:
    n = _norm(s)
    return n[: -len(" nerve")] if n.endswith(" nerve") else n


def _bundled(*parts: str) -> Any:
    return json.loads(files("annotator.resources").joinpath(*parts).read_text(encoding="utf-8"))


def _user_file(name: str, problems: list[str]) -> Any | None:
    path = config_dir() / name
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{path}: ignored: {exc}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path}: ignored: must hold a JSON object")
        return None
    return data


# -- vocabulary -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Grading:
    """A published grading of muscle injury, with its source."""

    name: str  # short name used in a finding's grade, e.g. "BAMIC"
    title: str
    source: str
    note: str = ""
    #: (code, description), e.g. ("3b", "extensive injury ..., musculotendinous")
    grades: tuple[tuple[str, str], ...] = ()

    def grade_text(self, code: str) -> str:
        """What a finding stores: e.g. "BAMIC 3b"."""
        return f"{self.name} {code}"


@dataclass
class Vocabulary:
    muscles: list[str] = field(default_factory=list)
    #: muscle name -> body region ("thigh", "leg", ...)
    regions: dict[str, str] = field(default_factory=dict)
    #: nerve name -> its usual measurement sites
    nerves: dict[str, list[str]] = field(default_factory=dict)
    #: where on a muscle a tear lies (offered as a tear's site)
    tear_sites: list[str] = field(default_factory=list)
    gradings: list[Grading] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def grade_choices(self) -> list[tuple[str, str]]:
        """(stored text, shown text) of every grade of every grading, e.g.
        ("BAMIC 3b", "BAMIC 3b: extensive injury ..., musculotendinous")."""
        return [(g.grade_text(code), f"{g.grade_text(code)}: {label}") for g in self.gradings
                for code, label in g.grades]

    def describe_grade(self, grade: str) -> tuple[Grading | None, str]:
        """The grading a finding's grade belongs to and the grade's meaning (None, "" when the
        grade is free text)."""
        for g in self.gradings:
            for code, label in g.grades:
                if _norm(g.grade_text(code)) == _norm(grade):
                    return g, label
        return None, ""

    @property
    def structures(self) -> list[str]:
        return [*self.muscles, *(f"{n} nerve" for n in self.nerves)]

    def sites_for(self, nerve: str) -> list[str]:
        key = _strip_nerve(nerve)
        for name, sites in self.nerves.items():
            if _norm(name) == key:
                return list(sites)
        return []


def _merge_vocabulary(vocab: Vocabulary, data: dict[str, Any], origin: str) -> None:
    for i, m in enumerate(data.get("muscles", [])):
        name = m.get("name") if isinstance(m, dict) else m
        if not isinstance(name, str) or not name.strip():
            vocab.problems.append(f"{origin}: muscles[{i}] ignored: needs a name")
            continue
        if _norm(name) not in {_norm(x) for x in vocab.muscles}:
            vocab.muscles.append(name.strip())
        if isinstance(m, dict) and isinstance(m.get("region"), str):
            vocab.regions[name.strip()] = m["region"]
    for i, n in enumerate(data.get("nerves", [])):
        name = n.get("name") if isinstance(n, dict) else n
        if not isinstance(name, str) or not name.strip():
            vocab.problems.append(f"{origin}: nerves[{i}] ignored: needs a name")
            continue
        key = next((k for k in vocab.nerves if _norm(k) == _strip_nerve(name)), name.strip())
        sites = vocab.nerves.setdefault(key, [])
        extra = n.get("sites", []) if isinstance(n, dict) else []
        sites.extend(s for s in extra if isinstance(s, str) and s not in sites)
    for site in data.get("tear_sites", []):
        if isinstance(site, str) and site.strip() and _norm(site) not in {_norm(x) for x in vocab.tear_sites}:
            vocab.tear_sites.append(site.strip())
    for i, g in enumerate(data.get("gradings", [])):
        grading = _grading(g)
        if grading is None:
            vocab.problems.append(f"{origin}: gradings[{i}] ignored: needs a name, a source and grades")
            continue
        vocab.gradings = [x for x in vocab.gradings if _norm(x.name) != _norm(grading.name)] + [grading]


def _grading(g: Any) -> Grading | None:
    if not (isinstance(g, dict) and isinstance(g.get("name"), str) and isinstance(g.get("source"), str)):
        return None
    grades = tuple((str(x["code"]), str(x.get("label", ""))) for x in g.get("grades", [])
                   if isinstance(x, dict) and isinstance(x.get("code"), (str, int)))
    if not grades:
        return None
    return Grading(g["name"], str(g.get("title", "")), g["source"], str(g.get("note", "")), grades)


def _user_file_key(name: str) -> tuple[str, int, int]:
    """Identifies the user's override file as it is now (reloaded when it changes)."""
    path = config_dir() / name
    try:
        st = path.stat()
        return str(path), st.st_mtime_ns, st.st_size
    except OSError:
        return str(path), -1, -1


def load_vocabulary() -> Vocabulary:
    """Bundled muscles and nerves (with sites), plus the user's additions (cached until the
    user's file changes; the result is a fresh copy each time)."""
    return copy.deepcopy(_load_vocabulary(_user_file_key(VOCABULARY_FILE)))


@functools.lru_cache(maxsize=4)
def _load_vocabulary(_key: tuple[str, int, int]) -> Vocabulary:
    vocab = Vocabulary()
    _merge_vocabulary(vocab, _bundled("vocabulary", "structures.json"), "bundled vocabulary")
    user = _user_file(VOCABULARY_FILE, vocab.problems)
    if user is not None:
        _merge_vocabulary(vocab, user, str(config_dir() / VOCABULARY_FILE))
    return vocab


# -- reference values ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceValue:
    """One row of the nerve CSA table (mm²)."""

    nerve: str
    site: str
    upper_limit: float | None  # upper limit of normal; None where none is agreed
    source: str  # the citation, in words
    mean: float | None = None
    sd: float | None = None
    note: str = ""
    aliases: tuple[str, ...] = ()
    user: bool = False  # from the user's override file

    def matches(self, nerve: str, site: str) -> bool:
        if _strip_nerve(nerve) != _strip_nerve(self.nerve):
            return False
        wanted = _norm(site)
        return wanted in {_norm(self.site), *(_norm(a) for a in self.aliases)}

    def describe(self) -> str:
        """e.g. "upper limit of normal 11 mm² (Practical Neurology ...)"."""
        if self.upper_limit is not None:
            text = f"upper limit of normal {self.upper_limit:g} mm²"
        elif self.mean is not None:
            sd = f" ± {self.sd:g}" if self.sd is not None else ""
            text = f"normal {self.mean:g}{sd} mm² (mean{' ± SD' if sd else ''})"
        else:
            text = self.note or "no agreed reference value"
        short = self.source.split(",")[0].split("(")[0].strip()
        return f"{text}, {short}" if short else text


@dataclass
class ReferenceTable:
    rows: list[ReferenceValue] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def lookup(self, nerve: str, site: str = "") -> ReferenceValue | None:
        """The row for ``nerve`` at ``site``; a nerve with a single row matches any site."""
        for row in self.rows:
            if row.matches(nerve, site):
                return row
        rows = [r for r in self.rows if _strip_nerve(r.nerve) == _strip_nerve(nerve)]
        return rows[0] if len(rows) == 1 and not rows[0].site else None


def _number(v: Any) -> float | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def _rows(data: dict[str, Any], origin: str, user: bool, problems: list[str]) -> list[ReferenceValue]:
    sources = data.get("sources", {}) if isinstance(data.get("sources"), dict) else {}
    out = []
    for i, r in enumerate(data.get("rows", [])):
        if not (isinstance(r, dict) and isinstance(r.get("nerve"), str)):
            problems.append(f"{origin}: rows[{i}] ignored: needs a nerve")
            continue
        limit = _number(r.get("upper_limit"))
        if r.get("upper_limit") is not None and (limit is None or limit <= 0):
            problems.append(f"{origin}: rows[{i}] ignored: upper_limit must be a positive number")
            continue
        source_key = r.get("source")
        source = sources.get(source_key, source_key) if isinstance(source_key, str) else ""
        also = r.get("also")
        if isinstance(also, str):
            source = f"{source}; {sources.get(also, also)}"
        aliases = tuple(a for a in r.get("aliases", []) if isinstance(a, str))
        out.append(
            ReferenceValue(
                r["nerve"], str(r.get("site") or ""), limit, source or "", _number(r.get("mean")),
                _number(r.get("sd")), str(r.get("note") or ""), aliases, user,
            )
        )
    return out


def load_reference_table() -> ReferenceTable:
    """The bundled nerve CSA table with the user's rows merged in (theirs win); cached until
    the user's file changes, a fresh copy each time."""
    return copy.deepcopy(_load_reference_table(_user_file_key(REFERENCE_FILE)))


@functools.lru_cache(maxsize=4)
def _load_reference_table(_key: tuple[str, int, int]) -> ReferenceTable:
    table = ReferenceTable()
    table.rows = _rows(_bundled("reference", "nerve_csa.json"), "bundled table", False, table.problems)
    user = _user_file(REFERENCE_FILE, table.problems)
    if user is not None:
        origin = str(config_dir() / REFERENCE_FILE)
        theirs = _rows(user, origin, True, table.problems)
        if user.get("replace") is True:
            table.rows = theirs
        else:
            bundled = table.rows
            # A user row for a bundled nerve and site keeps that row's aliases unless it has its own.
            theirs = [
                next(
                    (replace(t, aliases=b.aliases) for b in bundled if not t.aliases and b.matches(t.nerve, t.site)),
                    t,
                )
                for t in theirs
            ]
            table.rows = [*theirs, *(b for b in bundled if not any(t.matches(b.nerve, b.site) for t in theirs))]
    return table


def reference_upper_limit(nerve: str, site: str = "") -> ReferenceValue | None:
    """The reference row for a nerve at a site (None when the table has none)."""
    return load_reference_table().lookup(nerve, site)


def user_override_path(kind: str) -> Path:
    """Where the user's ``"vocabulary"`` or ``"reference"`` override file goes."""
    return config_dir() / (VOCABULARY_FILE if kind == "vocabulary" else REFERENCE_FILE)
