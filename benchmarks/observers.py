"""The TimTrack observer data sets (../shared/corpus/timvanderzee-timtrack-observers): each
image with the three observers' fascicle angle (alpha), aponeurosis angle (beta) and height
(px). Pennation = alpha - beta; thickness = height x cos(beta). Read with a small xlsx reader
(the workbooks are plain Office Open XML; no spreadsheet package is needed).

The observers' beta is the SUPERFICIAL aponeurosis angle, as in TimTrack (auto_ultrasound.m:
``betha`` from the superficial fit, ``gamma`` from the deep one; data set 4 has a Gamma column
too): automatic superficial angles match beta within 0.5 deg RMSE on data sets 2 and 4, deep
ones do not. Their pennation is therefore the fascicle's angle to the superficial aponeurosis,
and ``height`` is measured between the aponeuroses' inner edges near the edge of the image on the
side where the fascicles reach the deep aponeurosis (their spoint/dpoint on data set 2 lie there;
TimTrack reads its thickness 20 px in from that side, ``parms.apo.x = apomargin``)."""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "timvanderzee-timtrack-observers"
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def read_xlsx(path: Path) -> dict[str, list[dict[str, str]]]:
    """Every sheet as rows of {column letter: text}."""
    with zipfile.ZipFile(path) as z:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", _NS):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t")))
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = {r.get("Id"): r.get("Target") for r in ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
        sheets: dict[str, list[dict[str, str]]] = {}
        for sheet in book.find("m:sheets", _NS) or []:
            target = str(rels[sheet.get(f"{{{_NS['r']}}}id")]).lstrip("/").replace("xl/", "")
            rows = []
            for row in ElementTree.fromstring(z.read("xl/" + target)).iter(f"{{{_NS['m']}}}row"):
                cells = {}
                for c in row.findall("m:c", _NS):
                    col = re.match(r"[A-Z]+", c.get("r", "")).group()  # type: ignore[union-attr]
                    v = c.find("m:v", _NS)
                    if v is not None and v.text is not None:
                        cells[col] = shared[int(v.text)] if c.get("t") == "s" else v.text
                rows.append(cells)
            sheets[str(sheet.get("name"))] = rows
    return sheets


@dataclass(frozen=True)
class Observed:
    image: Path
    dataset: str
    alpha: list[float]  # per observer
    beta: list[float]
    height: list[float]
    gamma: list[float] | None = None  # the deep aponeurosis angle (data set 4 only)

    @property
    def pennation(self) -> float:
        return _mean(self.per_observer_pennation())

    @property
    def thickness_px(self) -> float:
        return _mean(self.per_observer_thickness())

    @property
    def deep_pennation(self) -> float | None:
        """The fascicle's angle to the deep aponeurosis (alpha - gamma), where measured."""
        if not self.gamma or len(self.gamma) != len(self.alpha):
            return None
        return _mean([a - g for a, g in zip(self.alpha, self.gamma, strict=True)])

    @property
    def fascicle_px(self) -> float:
        """The observers' fascicle length: their thickness over the sine of their pennation (a
        straight fascicle between parallel aponeuroses; data set 2's manual_estimates_*.mat hold
        exactly this, as mfaslen)."""
        return _mean(self._fascicles())

    @property
    def pennation_spread(self) -> float:
        """SD between the observers' pennations, in degrees."""
        return _sd(self.per_observer_pennation())

    @property
    def thickness_spread_pct(self) -> float:
        """SD between the observers' thicknesses, in % of their mean."""
        return 100.0 * _sd(self.per_observer_thickness()) / self.thickness_px

    @property
    def fascicle_spread_pct(self) -> float:
        """SD between the observers' fascicle lengths, in % of their mean."""
        return 100.0 * _sd(self._fascicles()) / self.fascicle_px

    def per_observer_pennation(self) -> list[float]:
        """Each observer's pennation (alpha - beta), degrees."""
        return [a - b for a, b in zip(self.alpha, self.beta, strict=True)]

    def per_observer_thickness(self) -> list[float]:
        """Each observer's thickness (height x cos beta), px."""
        return [h * math.cos(math.radians(b)) for h, b in zip(self.height, self.beta, strict=True)]

    def _fascicles(self) -> list[float]:
        return [t / abs(math.sin(math.radians(p)))
                for t, p in zip(self.per_observer_thickness(), self.per_observer_pennation(), strict=True)]


def each_against_the_others(items: list[Observed]) -> tuple[float, float]:
    """How far one observer lies from the mean of the others, over every image and observer
    (images with two or more): RMS of the pennation difference in degrees and of the thickness
    difference in % of the others' mean. A reader measured against all three observers' mean
    would be expected a little nearer (sqrt(8/9) of it for three observers, as their mean
    includes less of each one's own scatter)."""
    pen: list[float] = []
    thick: list[float] = []
    for item in items:
        p, t = item.per_observer_pennation(), item.per_observer_thickness()
        for k in range(len(p) if len(p) > 1 else 0):
            others_p, others_t = p[:k] + p[k + 1:], t[:k] + t[k + 1:]
            pen.append(p[k] - _mean(others_p))
            thick.append(100.0 * (t[k] - _mean(others_t)) / _mean(others_t))

    return rms(pen), rms(thick)


def rms(values: Sequence[float] | np.ndarray) -> float:
    """Root mean square; NaN for no values."""
    arr = np.asarray(values, dtype=np.float64)
    return float(np.sqrt(np.mean(arr * arr))) if arr.size else float("nan")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _sd(values: list[float]) -> float:
    """The population SD (between the observers of one image)."""
    mean = _mean(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def _num(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _collect(per: dict[Path, list[tuple[float, ...]]], dataset: str) -> list[Observed]:
    out = []
    for image, values in sorted(per.items()):
        if image.is_file() and values:
            gamma = [v[3] for v in values] if all(len(v) > 3 for v in values) else None
            out.append(Observed(image, dataset, [v[0] for v in values], [v[1] for v in values],
                                [v[2] for v in values], gamma))
    return out


def dataset_1() -> list[Observed]:
    per: dict[Path, list[tuple[float, ...]]] = {}
    for rows in read_xlsx(ROOT / "dataset_1" / "dataset1_for_manual_estimation.xlsx").values():
        for r in rows[1:]:
            a, b, h = _num(r.get("D")), _num(r.get("E")), _num(r.get("H"))
            if None in (a, b, h) or not r.get("A"):
                continue
            s, leg, step = int(float(r["A"])), r["B"], int(float(r["C"]))
            image = ROOT / "dataset_1" / f"S{s}" / f"S{s}_{leg}20_step_{step:03d}.png"
            per.setdefault(image, []).append((a, b, h))  # type: ignore[arg-type]
    return _collect(per, "1")


def dataset_2() -> list[Observed]:
    per: dict[Path, list[tuple[float, ...]]] = {}
    for i in (1, 2, 3):
        book = read_xlsx(ROOT / "dataset_2" / f"dataset2_for_manual_estimation_obs{i}.xlsx")
        for sheet, folder, prefix in (("range_of_motion", "range-of-motion", "gastroc_range_of_motion"),
                                      ("jumping", "jumping", "gastroc_jumping")):
            for r in book.get(sheet, [])[1:]:
                a, b, h = _num(r.get("B")), _num(r.get("C")), _num(r.get("F"))
                if None in (a, b, h) or not r.get("A"):
                    continue
                image = ROOT / "dataset_2" / folder / f"{prefix}_{int(float(r['A'])):03d}.png"
                per.setdefault(image, []).append((a, b, h))  # type: ignore[arg-type]
    return _collect(per, "2")


def dataset_4() -> list[Observed]:
    per: dict[Path, list[tuple[float, ...]]] = {}
    for i in (1, 2, 3):
        book = read_xlsx(ROOT / "dataset_4" / f"dataset4_for_manual_estimation_obs{i}.xlsx")
        for sheet, stem in (("SampleA", "GM_T"), ("SampleB", "GM_P")):
            for r in book.get(sheet, [])[1:]:
                name = (r.get("A") or "").strip()
                a, b, h, g = _num(r.get("B")), _num(r.get("C")), _num(r.get("D")), _num(r.get("E"))
                if not name or None in (a, b, h):
                    continue
                number = name.rsplit("_", 1)[-1]
                matches = sorted((ROOT / "dataset_4" / sheet).glob(f"{stem}_{number}.*"))
                if matches:
                    values = (a, b, h) if g is None else (a, b, h, g)
                    per.setdefault(matches[0], []).append(values)  # type: ignore[arg-type]
    return _collect(per, "4")
