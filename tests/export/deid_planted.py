"""Identifiers planted in every attribute of PS3.15 Table E.1-1, in the pixels inside the
calibrated region, and in typed text in other written forms; and every output searched for them.

Each attribute of the table gets a value of its VR that nothing else in an output could
contain by chance (a token with the attribute's index); binary VRs (US, FL, OB...) cannot be
searched as text and are checked by their absence from the DICOM outputs instead.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from importlib import resources

import cv2
import numpy as np
import pydicom
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset

TEXT_VRS = {"AE", "CS", "LO", "LT", "SH", "ST", "UC", "UT"}
BINARY_VRS = {"US", "SS", "UL", "SL", "FL", "FD", "AT", "OB", "OW", "OF", "OD", "OL", "OV", "SV", "UV", "UN"}
#: burned into the pixels inside the calibrated region: a name in white, a label in pure blue
PIXEL_NAME = "DOE J 1971"
BLUE = (0, 0, 255)
PIXEL_BOX = (30, 52, 200, 80)  # x0, y0, x1, y1: holds both texts, inside the region


def _letters(i: int) -> str:
    a = string.ascii_lowercase
    return a[i // 676 % 26] + a[i // 26 % 26] + a[i % 26]


@dataclass
class Planted:
    searched: dict[str, list[str]] = field(default_factory=dict)  # keyword -> strings
    binary: set[int] = field(default_factory=set)  # tags that hold a planted binary value
    skipped: dict[str, str] = field(default_factory=dict)  # keyword -> why

    @property
    def strings(self) -> list[str]:
        return sorted({s for values in self.searched.values() for s in values})


def table_rows() -> list[dict[str, object]]:
    raw = json.loads(resources.files("annotator.resources").joinpath("deid", "ps3.15-table-e.1-1.json").read_text("utf-8"))
    return list(raw["attributes"])


def _value(vr: str, i: int) -> tuple[object, list[str]] | None:
    token = f"PL{i:03d}QZ"
    if vr == "PN":
        family, given = f"Plnt{_letters(i)}", f"Gvn{_letters(i)}"
        return f"{family}^{given}", [family, given]
    if vr == "DA":
        y, m, d = 1700 + i, i % 12 + 1, i % 28 + 1
        value = f"{y:04d}{m:02d}{d:02d}"
        return value, [value, f"{y:04d}-{m:02d}-{d:02d}"]
    if vr == "DT":
        value = f"{1700 + i:04d}0615123456"
        return value, [value, f"{1700 + i:04d}0615"]
    if vr == "TM":
        value = f"2359{i % 60:02d}.9{i:05d}"
        return value, [value]
    if vr == "UI":
        value = f"1.2.826.0.1.3680043.8.498.9{i:05d}"
        return value, [value]
    if vr == "IS":
        value = f"7{i:05d}3"
        return value, [value]
    if vr == "DS":
        value = f"7{i:05d}.25"
        return value, [value]
    if vr == "AS":
        return "077Y", []  # four characters: only its absence from DICOM outputs is checked
    if vr == "UR":
        return f"http://{token.lower()}.invalid/", [token.lower()]
    if vr in TEXT_VRS:
        return token, [token]
    return None


def _binary(vr: str, i: int) -> object:
    if vr in ("FL", "FD"):
        return 7000.0 + i
    if vr in ("US", "SS", "UL", "SL", "SV", "UV"):
        return 7000 + i
    if vr == "AT":
        return 0x00100010
    return bytes([0x50, 0x4C]) * 2


def plant_every_attribute(ds: Dataset) -> Planted:
    """Set every attribute of Table E.1-1 in ``ds`` (sequences get an item holding a name and a
    text value of their own)."""
    planted = Planted()
    keep = {"SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"}  # already planted by the caller
    for i, row in enumerate(table_rows()):
        keyword = str(row["keyword"])
        if not keyword:
            planted.skipped[str(row["tag"])] = "a pattern (curves, overlays, private): planted separately"
            continue
        tag = pydicom.datadict.tag_for_keyword(keyword)
        assert tag is not None
        if tag >> 16 in (0x0000, 0x0002):
            planted.skipped[keyword] = "command or file meta group: never in a stored dataset"
            continue
        if keyword in keep:
            continue
        vr = dictionary_VR(tag).split(" or ")[0]
        if vr == "SQ":
            item = Dataset()
            item.PersonName = f"Sqnm{_letters(i)}^Gvn"
            item.TextValue = f"SQ{i:03d}QZ"
            setattr(ds, keyword, [item])
            planted.searched[keyword] = [f"Sqnm{_letters(i)}", f"SQ{i:03d}QZ"]
            continue
        made = _value(vr, i)
        if made is None:
            if vr in BINARY_VRS:
                ds.add_new(tag, vr, _binary(vr, i))
                planted.binary.add(tag)
            else:
                planted.skipped[keyword] = f"VR {vr}"
            continue
        value, searched = made
        if keyword == "PatientSex":  # an enumerated value (M, F, O): too short to search
            value, searched = "O", []
        ds.add_new(tag, vr, value)
        if searched:
            planted.searched[keyword] = searched
    ds.add_new(0x60000022, "LO", "OVL003QZ")  # Overlay Description (60xx,0022)
    ds.add_new(0x60004000, "LT", "OVC004QZ")  # Overlay Comments (60xx,4000), listed as a pattern
    planted.searched["(60xx,4000)"] = ["OVC004QZ"]
    block = ds.private_block(0x0011, "PLANTED", create=True)
    block.add_new(0x01, "LO", "PRV005QZ")
    planted.searched["private"] = ["PRV005QZ"]
    return planted


def burn_inside_region(frame: np.ndarray) -> None:
    """Scanner text burned in inside the calibrated region: a name in white, a label in blue."""
    cv2.putText(frame, PIXEL_NAME, (36, 66), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.putText(frame, "GAIN 56 RT CALF", (36, 76), cv2.FONT_HERSHEY_PLAIN, 0.8, BLUE, 1, cv2.LINE_AA)


def blue_pixels(rgb: np.ndarray) -> int:
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(np.count_nonzero((b > 170) & (r < 90) & (g < 90)))
