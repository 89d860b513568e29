"""The bundled nerve CSA reference table and structure vocabulary, and the user's overrides."""

from __future__ import annotations

import json
import os
from importlib.resources import files
from pathlib import Path

import pytest

from annotator.case.vocabulary import (
    load_reference_table,
    load_vocabulary,
    reference_upper_limit,
    user_override_path,
)


def config_dir() -> Path:
    folder = Path(os.environ["XDG_CONFIG_HOME"]) / "us-annotator"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_every_bundled_row_has_a_source_or_says_why_not() -> None:
    table = load_reference_table()
    assert table.problems == []
    assert len(table.rows) >= 10
    for row in table.rows:
        if row.upper_limit is not None or row.mean is not None:
            assert row.source, row
        else:
            assert "compare with the other side" in row.note, row


def test_unverified_sources_say_as_reported() -> None:
    raw = json.loads(files("annotator.resources").joinpath("reference", "nerve_csa.json").read_text())
    for key, text in raw["sources"].items():
        assert "as reported" in text or "checked against" in text, key


@pytest.mark.parametrize(
    "nerve,site,limit",
    [
        ("median", "carpal tunnel inlet", 11.0),
        ("Median nerve", "wrist", 11.0),
        ("ulnar", "elbow", 9.0),
        ("ulnar", "Guyon's canal", 7.0),
        ("tibial", "popliteal fossa", 22.0),
        ("tibial", "ankle", 13.0),
        ("fibular", "fibular head", 11.0),
        ("fibular", "popliteal fossa", 9.0),
        ("sural nerve", "distal lower leg", 3.0),
    ],
)
def test_lookup_by_site_or_alias(nerve: str, site: str, limit: float) -> None:
    row = reference_upper_limit(nerve, site)
    assert row is not None and row.upper_limit == limit


def test_lookup_misses_cleanly() -> None:
    assert reference_upper_limit("median", "elbow") is None
    assert reference_upper_limit("hypoglossal", "") is None


def test_sciatic_row_reports_mean_and_sd_not_a_limit() -> None:
    row = reference_upper_limit("sciatic", "gluteal fold")
    assert row is not None and row.upper_limit is None
    assert (row.mean, row.sd) == (52.7, 2.8)
    assert "52.7 ± 2.8 mm²" in row.describe()


def test_nerve_without_cut_off_matches_any_site() -> None:
    row = reference_upper_limit("superior gluteal", "anywhere")
    assert row is not None and row.upper_limit is None and "other side" in row.note


def test_user_rows_override_and_extend() -> None:
    (config_dir() / "nerve_csa.json").write_text(json.dumps({
        "sources": {"lab": "Our laboratory, 2024"},
        "rows": [
            {"nerve": "median", "site": "carpal tunnel inlet", "upper_limit": 10.0, "source": "lab"},
            {"nerve": "hypoglossal", "site": "submandibular", "upper_limit": 4.5, "source": "lab"},
        ],
    }))
    assert user_override_path("reference") == config_dir() / "nerve_csa.json"
    median = reference_upper_limit("median", "wrist")  # the replaced row's aliases still apply
    assert median is not None and median.upper_limit == 10.0 and median.user
    extra = reference_upper_limit("hypoglossal", "submandibular")
    assert extra is not None and extra.user and extra.source == "Our laboratory, 2024"
    assert reference_upper_limit("ulnar", "elbow").upper_limit == 9.0  # type: ignore[union-attr]


def test_user_table_can_replace_everything() -> None:
    (config_dir() / "nerve_csa.json").write_text(json.dumps({
        "replace": True, "rows": [{"nerve": "median", "site": "wrist", "upper_limit": 12, "source": "x"}],
    }))
    table = load_reference_table()
    assert [(r.nerve, r.upper_limit) for r in table.rows] == [("median", 12.0)]


def test_broken_user_file_is_reported_and_ignored() -> None:
    (config_dir() / "nerve_csa.json").write_text("{not json")
    table = load_reference_table()
    assert table.problems and "nerve_csa.json: ignored" in table.problems[0]
    assert table.lookup("median", "wrist") is not None
    (config_dir() / "nerve_csa.json").write_text(json.dumps({"rows": [{"nerve": "x", "upper_limit": -3}]}))
    table = load_reference_table()
    assert any("upper_limit must be a positive number" in p for p in table.problems)


def test_vocabulary_has_muscles_and_nerves_with_sites() -> None:
    vocab = load_vocabulary()
    assert vocab.problems == []
    for muscle in ("rectus femoris", "medial gastrocnemius", "vastus lateralis", "supraspinatus"):
        assert muscle in vocab.muscles
    assert vocab.regions["rectus femoris"] == "thigh"
    assert "carpal tunnel inlet" in vocab.sites_for("median nerve")
    assert "median nerve" in vocab.structures
    # every nerve site in the reference table is offered in the vocabulary
    for row in load_reference_table().rows:
        if row.site:
            assert row.site in vocab.sites_for(row.nerve), row


def test_user_vocabulary_extends_the_bundled_one() -> None:
    (config_dir() / "vocabulary.json").write_text(json.dumps({
        "muscles": [{"name": "popliteus", "region": "knee"}, "Rectus Femoris", {"region": "x"}],
        "nerves": [{"name": "median nerve", "sites": ["palm"]}, {"name": "saphenous", "sites": ["knee"]}],
    }))
    vocab = load_vocabulary()
    assert "popliteus" in vocab.muscles and vocab.regions["popliteus"] == "knee"
    assert sum(m.lower() == "rectus femoris" for m in vocab.muscles) == 1
    assert vocab.sites_for("median")[-1] == "palm"
    assert vocab.sites_for("saphenous") == ["knee"]
    assert len(vocab.problems) == 1 and "muscles[2]" in vocab.problems[0]
