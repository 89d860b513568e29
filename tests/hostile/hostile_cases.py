"""Hostile case files made from a valid one: huge numbers, surrogates, long paths, huge shapes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Case = dict[str, Any]


def _set_points(points: list[list[float]]) -> Callable[[Case], None]:
    def change(d: Case) -> None:
        d["annotations"][0]["points"] = points
    return change


def _label(text: str) -> Callable[[Case], None]:
    def change(d: Case) -> None:
        d["annotations"][0]["label"] = text
        d["title"] = text
    return change


def _many_annotations(n: int) -> Callable[[Case], None]:
    def change(d: Case) -> None:
        first = d["annotations"][0]
        d["annotations"] = [dict(first, id=f"x{i}", label="") for i in range(n)]
    return change


def _mm_per_px(value: float) -> Callable[[Case], None]:
    def change(d: Case) -> None:
        d["media"][0]["calibration"]["mm_per_px"] = value
    return change


def _media_path(path: str) -> Callable[[Case], None]:
    def change(d: Case) -> None:
        d["media"][0]["path"] = path
        d["media"][0].pop("sha256", None)
    return change


MUTATIONS: dict[str, Callable[[Case], None]] = {
    "coords-huge": _set_points([[1e308, 1e308], [-1e308, -1e308]]),
    "coords-big": _set_points([[1e18, 10], [-1e18, 10]]),
    "coords-inf-literal": _set_points([[10, 10], [20, 20]]),  # replaced by Infinity text below
    "surrogate-label": _label("\ud800 caption"),
    "control-label": _label("a\x00b\x1bc\u202e"),
    "long-label": _label("x" * 200_000),
    "mm-huge": _mm_per_px(1e308),
    "mm-zero": _mm_per_px(0.0),
    "mm-negative": _mm_per_px(-1.0),
    "points-1e6": _set_points([[float(i % 100), float(i // 100 % 80)] for i in range(1_000_000)]),
    "annotations-100k": _many_annotations(100_000),
    "media-devzero": _media_path("/dev/zero"),
    "media-long-path": _media_path("a" * 5000 + ".png"),
    "media-long-name": _media_path("a" * 300 + ".png"),
    "frame-huge": lambda d: d["annotations"][0].__setitem__("frame", 10**30),
    "frame-negative": lambda d: d["annotations"][0].__setitem__("frame", -5),
    "kind-unknown": lambda d: d["annotations"][0].__setitem__("kind", "hexagon"),
    "points-empty": _set_points([]),
    "points-strings": lambda d: d["annotations"][0].__setitem__("points", [["a", "b"], ["c", "d"]]),
    "version-future": lambda d: d.__setitem__("version", 999),
    "media-none": lambda d: d.__setitem__("media", None),
}


def hostile_case_texts(valid: Case) -> Iterator[tuple[str, str]]:
    """(name, text) of each hostile case, from the dict of a valid one."""
    for name, change in MUTATIONS.items():
        d = copy.deepcopy(valid)
        change(d)
        text = json.dumps(d)
        if name == "coords-inf-literal":
            text = text.replace("[10, 10], [20, 20]", "[Infinity, NaN], [-Infinity, 20]")
        yield name, text
    digits = json.dumps(valid).replace('"frame": 0', '"frame": ' + "9" * 5000, 1)
    yield "number-5000-digits", digits
    yield "nested-deep", "[" * 100_000 + "]" * 100_000
    yield "not-utf8", "\udcff"  # written with surrogateescape: a lone 0xFF byte
    yield "empty", ""
    yield "top-level-list", "[]"


def write_hostile_cases(folder: Path, valid_case: Path) -> list[Path]:
    valid = json.loads(valid_case.read_text(encoding="utf-8"))
    paths = []
    for name, text in hostile_case_texts(valid):
        p = folder / f"{name}.uscase.json"
        p.write_bytes(text.encode("utf-8", "surrogateescape" if name == "not-utf8" else "surrogatepass"))
        paths.append(p)
    return paths
