"""PS3.15 Table E.1-1, the Basic Application Level Confidentiality Profile, applied from the table.

The table ships as ``resources/deid/ps3.15-table-e.1-1.json`` (generated from the standard's
table by ``tools/make_deid_table.py``; see its ``source``): every attribute it lists with its
action in the basic profile and in each option column. ``apply_profile`` walks a dataset (and
every nested sequence item) and applies those actions:

- X remove, Z zero length (the patient's name and ID get a pseudonym), D a dummy value of the
  VR, U a new UID (consistent within one export), K keep, C clean (only options say C; none of
  the options we claim does);
- a compound action (X/Z, X/D, X/Z/D, Z/D) depends on whether the IOD needs the attribute. Our
  outputs are new derived objects that copy only the Patient, Study and Series identity they
  need, so X (remove) is chosen, except Z for the type 2 identity those modules require
  (``TYPE2_KEPT``); X/Z/U* on a sequence keeps its items with their UIDs replaced (the SR's
  references must still resolve);
- private attributes are removed (Retain Safe Private is not claimed);
- beyond the table, and failing closed: any other attribute of VR PN, DA, DT or TM is removed
  (a person or a date the table's revision does not know yet).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag

BASIC_CODE = ("113100", "Basic Application Confidentiality Profile")
CLEAN_PIXEL_CODE = ("113101", "Clean Pixel Data Option")
#: the options applied, by the table's column keys: none (docs/export.md says why)
CHOSEN_OPTIONS: tuple[str, ...] = ()
#: type 2 attributes of the Patient and General Study modules: compound actions give Z here
TYPE2_KEPT: frozenset[str] = frozenset({
    "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime", "ReferringPhysicianName",
    "StudyID", "AccessionNumber",
})
#: other VRs that never leave, whatever the table says (fail closed on a newer standard)
ALWAYS_REMOVED_VRS = frozenset({"PN", "DA", "DT", "TM"})
PSEUDONYM = "ANONYMOUS"
_DUMMY_BY_VR: dict[str, object] = {
    "PN": PSEUDONYM + "^", "DA": "19000101", "TM": "000000", "DT": "19000101000000",
    "AS": "000Y", "CS": PSEUDONYM, "IS": "0", "DS": "0", "US": 0, "SS": 0, "UL": 0, "SL": 0,
    "FL": 0.0, "FD": 0.0,
}


@dataclass(frozen=True, eq=False)
class ProfileRow:
    tag: str
    name: str
    keyword: str
    basic: str
    options: dict[str, str]


@dataclass(frozen=True, eq=False)  # hashed by identity: there is one table
class ProfileTable:
    rows: tuple[ProfileRow, ...]
    option_codes: dict[str, tuple[str, str]]  # column key -> (code value, meaning)
    source: str
    revision: str

    @property
    def by_tag(self) -> dict[int, ProfileRow]:
        return _by_tag(self)

    def action(self, tag: BaseTag, options: Iterable[str] = CHOSEN_OPTIONS) -> str | None:
        """The table's action for ``tag`` under ``options`` (the first option that lists the
        attribute wins), or None when the table does not list it."""
        row = self.by_tag.get(int(tag))
        if row is None:
            row = _pattern_row(self, int(tag))
        if row is None:
            return None
        for option in options:
            if option in row.options:
                return row.options[option]
        return row.basic


@cache
def profile_table() -> ProfileTable:
    raw = json.loads(resources.files("annotator.resources").joinpath("deid/ps3.15-table-e.1-1.json").read_text("utf-8"))
    rows = tuple(ProfileRow(a["tag"], a["name"], a["keyword"], a["basic"], dict(a["options"])) for a in raw["attributes"])
    codes = {k: (v["code"], v["name"]) for k, v in raw["options"].items()}
    return ProfileTable(rows, codes, raw["source"], raw["standard_revision"])


@cache
def _by_tag(table: ProfileTable) -> dict[int, ProfileRow]:
    found = {}
    for row in table.rows:
        digits = row.tag.strip("()").replace(",", "")
        if re.fullmatch(r"[0-9A-Fa-f]{8}", digits):
            found[int(digits, 16)] = row
    return found


def _pattern_row(table: ProfileTable, tag: int) -> ProfileRow | None:
    """Repeating groups: curves (50xx,xxxx) and overlays (60xx,3000 / 4000)."""
    group, element = tag >> 16, tag & 0xFFFF
    for row in table.rows:
        if row.tag == "(50XX,XXXX)" and group & 0xFF00 == 0x5000:
            return row
        if row.tag == f"(60XX,{element:04X})" and group & 0xFF00 == 0x6000:
            return row
    return None


def resolve(action: str, keyword: str, vr: str) -> str:
    """One of X, Z, D, U, K, C for an action code (compound codes as the module notes say)."""
    if "/" not in action:
        return action
    parts = action.replace("*", "").split("/")
    if "U" in parts and vr in ("SQ", "UI"):
        return "U"
    if keyword in TYPE2_KEPT and "Z" in parts:
        return "Z"
    return "X"


def apply_profile(ds: Dataset, new_uid: Callable[[str], str], options: Iterable[str] = CHOSEN_OPTIONS) -> list[str]:
    """Apply the table to ``ds`` in place; returns the keywords (or tags) it acted on."""
    table = profile_table()
    chosen = tuple(options)
    touched: list[str] = []
    _apply(ds, table, chosen, new_uid, touched)
    return touched


def _apply(ds: Dataset, table: ProfileTable, options: tuple[str, ...], new_uid: Callable[[str], str], touched: list[str]) -> None:
    for elem in list(ds):
        name = elem.keyword or str(elem.tag)
        if elem.tag.is_private:
            del ds[elem.tag]
            touched.append(name)
            continue
        code = table.action(elem.tag, options)
        if code is None:
            if elem.VR in ALWAYS_REMOVED_VRS:
                del ds[elem.tag]
                touched.append(name)
            elif elem.VR == "SQ":
                for item in elem.value:
                    _apply(item, table, options, new_uid, touched)
            elif elem.VR == "UI" and elem.value:
                _replace_uids(elem, new_uid)  # a UID the table omits: never the source's
            continue
        action = resolve(code, elem.keyword, elem.VR)
        touched.append(name)
        if action in ("K", "C") and elem.VR != "SQ":
            continue  # C only arises from an option; none chosen cleans text in place
        if action == "X":
            del ds[elem.tag]
        elif action == "Z":
            elem.value = Sequence([]) if elem.VR == "SQ" else ("" if elem.VR not in _NUMERIC else None)
        elif elem.VR == "SQ":  # D, U, K, C on a sequence: keep the items, cleaned
            for item in elem.value:
                _apply(item, table, options, new_uid, touched)
        elif action == "U" or elem.VR == "UI":
            _replace_uids(elem, new_uid)
        elif action == "D":
            elem.value = _DUMMY_BY_VR.get(elem.VR, PSEUDONYM if elem.VR in _TEXT else None)


_NUMERIC = frozenset({"US", "SS", "UL", "SL", "FL", "FD", "UV", "SV", "AT", "OB", "OW", "OF", "OD", "OL", "OV", "UN"})
_TEXT = frozenset({"AE", "LO", "LT", "SH", "ST", "UT", "UC", "UR"})


def _replace_uids(elem: object, new_uid: Callable[[str], str]) -> None:
    value = elem.value  # type: ignore[attr-defined]
    if not value:
        return
    if isinstance(value, (list, tuple)) or getattr(elem, "VM", 1) > 1:
        elem.value = [new_uid(str(v)) for v in value]  # type: ignore[attr-defined]
    else:
        elem.value = new_uid(str(value))  # type: ignore[attr-defined]


def method_codes(pixels_cleaned: bool, options: Iterable[str] = CHOSEN_OPTIONS) -> list[tuple[str, str]]:
    """CID 7050 codes of what was done: the basic profile, each chosen option, and Clean Pixel
    Data only when it is true."""
    table = profile_table()
    codes = [BASIC_CODE] + [table.option_codes[o] for o in options]
    if pixels_cleaned:
        codes.append(CLEAN_PIXEL_CODE)
    return codes
