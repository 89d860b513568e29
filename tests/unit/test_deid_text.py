"""Identifiers typed in other forms than the header's: names in any order and case, dates in
every written form, IDs with other separators or extra words, parts of institution names."""

from __future__ import annotations

import pytest

from annotator.export.deid_text import REMOVED_TEXT, IdentifierSet, date_patterns


@pytest.fixture
def ids() -> IdentifierSet:
    found = IdentifierSet()
    found.add("DOE^JOHNATHAN^Q", person_name=True)
    found.add("19610317")
    found.add("PID-99887766")
    found.add("Saint Elsewhere Orthopaedic Clinic")
    found.add("José^Müller", person_name=True)
    return found


@pytest.mark.parametrize("typed", [
    "Johnathan Doe", "doe, johnathan", "DOE^JOHNATHAN", "Mr Doe", "JOHNATHAN",
    "17 March 1961", "March 17, 1961", "17th March 1961", "17-Mar-61", "Mar. 17 1961", "3/17/61",
    "03/17/1961", "17/03/1961", "17.3.1961", "1961-03-17", "1961/3/17", "19610317",
    "PID 99887766", "pid99887766", "MRN 99887766 (ward 3)", "99887766",
    "Elsewhere", "elsewhere orthopaedic", "Orthopaedic",
    "Jose Muller", "MÜLLER", "josé",
])
def test_each_written_form_is_scrubbed(ids: IdentifierSet, typed: str) -> None:
    text = f"Tear of the rectus femoris ({typed}) at 12 mm"
    scrubbed = ids.scrub(text)
    assert REMOVED_TEXT in scrubbed, scrubbed
    assert scrubbed.startswith("Tear of the rectus femoris (") and scrubbed.endswith(") at 12 mm"), scrubbed
    assert ids.found_in(text), typed


@pytest.mark.parametrize("clean", [
    "Tear of the right medial gastrocnemius, 17 mm gap on 3 frames",
    "Saint-Venant strain; clinic follow-up in March",  # common words of institutions stay
    "CSA 9.9 mm2 at 1961 px",  # a bare year of the birth date is not a date
    "Doesn't show a tear; q = 0.5",  # parts of names only as whole words
])
def test_ordinary_text_is_left_alone(ids: IdentifierSet, clean: str) -> None:
    assert ids.scrub(clean) == clean


def test_short_values_scrub_nothing() -> None:
    found = IdentifierSet()
    found.update(["M", "12", "1234"])
    assert found.scrub("M 12 mm, 1234 px") == "M 12 mm, 1234 px"


def test_a_date_that_is_not_a_date_is_matched_only_as_written() -> None:
    assert date_patterns("19611399") and not date_patterns("1961031")


@pytest.mark.parametrize(("name", "typed"), [
    ("Smith-Jones^Mary", "Mary Smith Jones"), ("Smith-Jones^Mary", "SMITH-JONES, M."), ("Smith-Jones^Mary", "jones"),
    ("O'Brien^Sean", "Sean OBrien"), ("O'Brien^Sean", "o\u2019brien"), ("O'Brien^Sean", "O'BRIEN"),
    ("Søren^Kierkegaard", "SØREN K"), ("Yamada^Tarou=山田^太郎", "山田太郎さん"), ("Yamada^Tarou=山田^太郎", "YAMADA"),
])
def test_names_in_other_scripts_and_with_hyphens_or_apostrophes(name: str, typed: str) -> None:
    found = IdentifierSet()
    found.add(name, person_name=True)
    assert REMOVED_TEXT in found.scrub(f"note: {typed} follow-up"), typed


def test_an_institution_in_a_script_without_spaces() -> None:
    found = IdentifierSet()
    found.add("東京大学病院")
    assert found.scrub("紹介元: 東京大学病院 整形外科") == f"紹介元: {REMOVED_TEXT} 整形外科"


@pytest.mark.parametrize("typed", ["March 1961", "Mar-1961", "mar. 1961", "03/1961", "3.1961", "1961-03"])
def test_month_and_year_of_a_date_are_scrubbed(ids: IdentifierSet, typed: str) -> None:
    scrubbed = ids.scrub(f"Born {typed}; gap 12 mm")
    assert scrubbed == f"Born {REMOVED_TEXT}; gap 12 mm", scrubbed


@pytest.mark.parametrize("clean", ["April 1961", "03/1962", "1961-04", "ratio 3/61", "1961-03-18"])
def test_other_months_and_years_stay(ids: IdentifierSet, clean: str) -> None:
    assert ids.scrub(clean) == clean


def test_a_short_id_is_scrubbed_only_where_a_label_says_it_is_one() -> None:
    found = IdentifierSet()
    found.add("4711", kind="PatientID")
    found.add("812", kind="AccessionNumber")
    for typed in ("MRN 4711", "patient #4711", "ID: 4711", "Pt 4711", "acc 812", "accession no. 812"):
        assert found.scrub(f"seen ({typed}) today") == f"seen ({REMOVED_TEXT}) today", typed
    for clean in ("4711 px wide, 812 frames", "MRN 47110", "ID 4712"):
        assert found.scrub(clean) == clean
    assert "PatientID" in found.checked and found.found_in("MRN 4711") == ["4711"]


def test_short_values_of_other_attributes_stay_unmatched() -> None:
    found = IdentifierSet()
    found.add("4711", kind="StationName")
    found.add("7", kind="PatientID")  # one character: too few even with a label
    assert found.scrub("Station 4711, ID 7") == "Station 4711, ID 7"
