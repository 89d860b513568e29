"""Identifiers in typed text: matched in their normalised forms, not only as stored.

A header says ``DOE^JOHNATHAN``, ``19610317``, ``PID-99887766`` and ``Saint Elsewhere Clinic``;
people type "Johnathan Doe", "doe, j.", "17 March 1961", "3/17/61", "PID 99887766",
"MRN 99887766" or "Elsewhere". Each identifier becomes a set of regular expressions over the
text with accents folded and case ignored:

- a person name: each component of two letters or more, as a whole word, in any order;
- a date: every written form (ISO, dotted, slashed in either order, two-digit years, no
  leading zeros, month names and abbreviations, "17th"), and its month and year alone;
- an ID: the whole value with any separators between its characters, and each run of it that is
  specific enough (four digits or more, or letters and digits of five or more); an ID too short
  to stand alone ("4711") only where a label introduces it ("MRN 4711", "patient #4711");
- any other text (institution, address, station): the whole value with any spacing, and each
  distinctive word (four letters or more, not a common word of institutions or addresses).

Short values ("M", "12") never scrub anything: they would wreck every text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

REMOVED_TEXT = "[removed]"
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
#: words of institution names and addresses that identify nobody on their own
COMMON_WORDS = frozenset(["saint", "sainte", "hospital", "hospitals", "clinic", "clinics", "clinique", "medical", "medicine", "center", "centre", "centro", "university", "universitaet", "universite", "universidad", "college", "health", "healthcare", "care", "general", "royal", "national", "regional", "community", "county", "city", "state", "department", "dept", "imaging", "radiology", "ultrasound", "sonography", "institute", "institut", "foundation", "trust", "service", "services", "group", "practice", "unit", "ward", "street", "road", "lane", "avenue", "drive", "court", "place", "square", "suite", "floor", "building", "north", "south", "east", "west", "children", "womens", "mens", "memorial", "private", "public", "the", "and", "of", "for", "de", "la", "le", "du", "des", "del", "di", "da", "van", "von", "room", "station", "scanner", "device", "system"])


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased with accents removed, and for each of its characters the index of
    the original character it came from (to replace spans in the original)."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for base in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(base):
                continue
            for low in base.lower():
                out.append(low)
                index.append(i)
    return "".join(out), index


def _folded(text: str) -> str:
    return fold(text)[0]


def _word(pattern: str) -> str:
    """``pattern`` not inside a longer (Latin) word or number; scripts written without spaces
    (Chinese, Japanese) have no such boundary, so none is asked of them."""
    return rf"(?<![0-9a-z]){pattern}(?![0-9a-z])"


def _flexible(value: str) -> str:
    """``value``'s letters and digits in order, with any separators (or none) between runs."""
    runs = re.findall(r"\d+|[^\W\d_]+", value)  # "ACC55443322" is also typed "ACC 55443322"
    return r"[\W_]*".join(re.escape(r) for r in runs)


def _specific(run: str) -> bool:
    digits = sum(c.isdigit() for c in run)
    return digits >= 4 or (len(run) >= 5 and digits > 0)


def date_patterns(dicom_date: str) -> list[str]:
    """Regular expressions for every written form of a DICOM date (YYYYMMDD)."""
    if not re.fullmatch(r"\d{8}", dicom_date):
        return []
    y, m, d = int(dicom_date[:4]), int(dicom_date[4:6]), int(dicom_date[6:])
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return [_word(re.escape(dicom_date))]
    yy = f"{y % 100:02d}"
    year = rf"(?:{y}|'?{yy})"
    mm = rf"0?{m}"
    dd = rf"0?{d}(?:st|nd|rd|th)?"
    month_name = MONTHS[m - 1]
    month = rf"(?:{month_name}|{month_name[:3]}\.?{'|sept' if m == 9 else ''})"
    sep = r"\s*[-/.\s]\s*"
    forms = [
        re.escape(dicom_date),
        rf"{y}{sep}{mm}{sep}0?{d}",  # ISO and its relatives
        rf"{dd}{sep}{mm}{sep}{year}",  # European
        rf"{mm}{sep}{dd}{sep}{year}",  # US
        rf"{dd}(?:\s+of)?[\s\-./,]*{month}[\s\-./,]*{year}",  # 17 March 1961, 17-Mar-61
        rf"{month}[\s\-./,]*{dd}[\s\-./,]*{year}",  # March 17, 1961
        # month and year alone still narrow a birth date to a month (HIPAA Safe Harbor keeps
        # only the year); written with the full year so "3/61" (a ratio) is not taken
        rf"{month}[\s\-./,]*{y}",  # March 1961, Mar-1961
        rf"{mm}\s*[-/.]\s*{y}",  # 03/1961, 3.1961
        rf"{y}\s*[-/]\s*0?{m}(?![\s\-./]*\d)",  # 1961-03 (not the start of 1961-03-17's parts)
    ]
    return [_word(f) for f in forms]


@dataclass
class IdentifierSet:
    """The identifying strings found in a case's sources, to keep them out of every output,
    and which attributes they came from (to say what typed text was checked against)."""

    values: set[str] = field(default_factory=set)
    #: what was collected, in words ("patient name", "InstitutionName"), for the export's notes
    checked: set[str] = field(default_factory=set)
    _patterns: dict[str, list[str]] = field(default_factory=dict)
    _compiled: re.Pattern[str] | None = None

    def add(self, value: object, person_name: bool = False, kind: str | None = None) -> None:
        text = str(value).strip()
        if not _specific_enough(text):
            if kind and _is_id_keyword(kind) and re.fullmatch(r"[^\W_]{2,4}", text):
                self._add_labelled_id(text, kind)
            return
        self.values.add(text)
        self._compiled = None
        if kind:
            self.checked.add(kind)
        folded = _folded(text)
        patterns = [_word(_flexible(folded))] if re.search(r"[^\W_]", folded) else []
        if person_name or "^" in text:
            # each component ("smith-jones", "o'brien") with any separators, and each of its
            # words of two letters or more, in any script
            for component in re.split(r"[\^=]+", folded):
                words = re.findall(r"[^\W\d_]+", component)
                if sum(len(w) for w in words) >= 2:
                    patterns.append(_word(_flexible(component)))
                patterns += [_word(re.escape(w)) for w in words if len(w) >= 2]
        elif re.fullmatch(r"\d{8}", text):
            patterns += date_patterns(text)
        else:
            for run in set(re.findall(r"[^\W_]+", folded) + re.findall(r"\d+", folded)):
                if _specific(run) or (run.isalpha() and len(run) >= 4 and run not in COMMON_WORDS):
                    patterns.append(_word(re.escape(run)))
        self._patterns[text] = patterns

    def _add_labelled_id(self, text: str, kind: str) -> None:
        """A short ID ("4711") is matched only where a label says it is one ("MRN 4711",
        "patient #4711"): alone it would take every number of the same digits."""
        self.values.add(text)
        self._compiled = None
        self.checked.add(kind)
        value = re.escape(_folded(text))
        self._patterns[text] = [_word(rf"(?:{ID_LABELS})[\s:.#-]*(?:no\.?\s*)?{value}")]

    def update(self, values: Iterable[object]) -> None:
        for v in values:
            self.add(v)

    def merge(self, other: IdentifierSet) -> None:
        for text in other.values:
            if text not in self._patterns:
                self.values.add(text)
                self._patterns[text] = other._patterns.get(text, [])
        self.checked |= other.checked
        self._compiled = None

    def _regex(self) -> re.Pattern[str] | None:
        if self._compiled is None:
            parts = sorted({p for ps in self._patterns.values() for p in ps}, key=len, reverse=True)
            if not parts:
                return None
            self._compiled = re.compile("|".join(f"(?:{p})" for p in parts))
        return self._compiled

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` (original indices) that hold an identifier, merged."""
        regex = self._regex()
        if regex is None or not text:
            return []
        folded, index = fold(text)
        found: list[tuple[int, int]] = []
        pos = 0
        while pos <= len(folded):
            match = regex.search(folded, pos)
            if match is None:
                break
            if match.end() > match.start():
                found.append((index[match.start()], index[match.end() - 1] + 1))
            pos = max(match.end(), match.start() + 1)
        merged: list[tuple[int, int]] = []
        for start, end in sorted(found):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def scrub(self, text: str) -> str:
        """``text`` with every identifier replaced by "[removed]"."""
        spans = self.spans(text)
        if not spans:
            return text
        out, last = [], 0
        for start, end in spans:
            out += [text[last:start], REMOVED_TEXT]
            last = end
        out.append(text[last:])
        # "Doe^John" scrubbed part by part reads "[removed] [removed]": say it once
        return re.sub(r"\[removed\](?:[\s^,]+\[removed\])+", REMOVED_TEXT, "".join(out))

    def found_in(self, text: str) -> list[str]:
        """The identifier values (as stored) that ``text`` contains in some form."""
        folded = _folded(text)
        return sorted(v for v, ps in self._patterns.items() if any(re.search(p, folded) for p in ps))


#: words that introduce an ID in typed text
ID_LABELS = r"id|mrn|pid|patient(?:\s+id)?|pt|hospital\s+(?:no|number)|acc(?:ession)?|case|record|chart|#"


def _is_id_keyword(kind: str) -> bool:
    """DICOM keywords of identifiers (PatientID, OtherPatientIDs, AccessionNumber...)."""
    return bool(re.search(r"ID(s)?$|IDs?[A-Z]|Number$|Accession", kind)) and "UID" not in kind


def _specific_enough(text: str) -> bool:
    return len(text) >= (5 if text.isdigit() else 2 if "^" in text else 3)
