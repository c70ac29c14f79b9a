"""Synthetic records: counts equal to the published file's, reproducible, and labelled synthetic."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter

import pytest

from justicegap import reference


def published_kent_cohort(shared_data) -> Counter:
    """(quarter, code, outcome) -> cohort count for Kent's sexual offences, read from the raw file."""
    codes = reference.family_codes()["sexual_offences"]
    out = Counter()
    with gzip.open(shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz", "rt", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            if r["Force Name"] == "Kent" and r["Offence Code"] in codes:
                n = int(float(r["Force outcomes for offences recorded in quarter"] or 0))
                if n > 0:
                    out[(int(r["Financial Quarter"]), r["Offence Code"], r["Outcome Type"])] += n
    return out


def test_synthetic_counts_reproduce_the_published_cohort(synth_kent, shared_data):
    published = published_kent_cohort(shared_data)
    made = Counter()
    with open(synth_kent / "offences.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["status"] == "recorded":
                m = int(r["date_recorded"][5:7])
                made[((m - 4) % 12 // 3 + 1, r["offence_code"], r["outcome_type"])] += 1
    assert made == published
    assert sum(published[(q, c, o)] for q, c, o in published if c in ("19C", "19D", "19E", "19F", "19G", "19H")) == 2530


def test_every_row_and_file_says_synthetic(synth_kent):
    for name in ("offences", "suspects", "cps_cases"):
        with open(synth_kent / f"{name}.csv", newline="") as f:
            values = {r["synthetic"] for r in csv.DictReader(f)}
        assert values == {"true"}
    man = json.loads((synth_kent / "manifest.json").read_text())
    assert man["synthetic"] is True and man["assumptions"] and man["sources"]
    assert "SYNTHETIC" in (synth_kent / "README.txt").read_text()


def test_the_same_seed_gives_the_same_files(loaded_store, synth_kent, tmp_path):
    from justicegap.records.synth import synthesise

    synthesise(loaded_store, "Kent", "2017/18", tmp_path / "again", seed=1)
    synthesise(loaded_store, "Kent", "2017/18", tmp_path / "other", seed=2)
    for name in ("offences.csv", "suspects.csv", "cps_cases.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (synth_kent / name).read_bytes()
    assert (tmp_path / "other" / "offences.csv").read_bytes() != (synth_kent / "offences.csv").read_bytes()


def test_times_follow_the_published_moj_median_and_verdicts_the_cps_rate(synth_kent, loaded_store):
    """Offence-to-charge days of the charged records centre on the MoJ median the manifest names;
    completed prosecutions convict at about the CPS rate (a sample: wide tolerance)."""
    from datetime import date
    from statistics import median

    from justicegap.records import store as rstore

    man = json.loads((synth_kent / "manifest.json").read_text())
    published = rstore.published_values(loaded_store.con, "moj_timeliness", "median_offence_to_charge_days", "sexual_offences", "K04000001")
    med = next(r[4] for r in published if r[1].year <= 2018 <= r[2].year)
    assert any(f"median_offence_to_charge_days = {med:g} days" in s for s in man["sources"])
    with open(synth_kent / "offences.csv", newline="") as f:
        charged = [r for r in csv.DictReader(f) if r["outcome_type"] in ("1", "1A")]
    days = [(date.fromisoformat(r["outcome_date"]) - date.fromisoformat(r["date_offence"])).days for r in charged]
    assert median(days) == pytest.approx(med, rel=0.25)
    with open(synth_kent / "cps_cases.csv", newline="") as f:
        done = [r["completion_result"] for r in csv.DictReader(f) if r["completion_result"]]
    convicted = sum(r in ("guilty_plea", "convicted_after_trial") for r in done) / len(done)
    assert convicted == pytest.approx(230 / 295, abs=0.15)  # CPS Kent sexual offences 2017/18 in the loaded files


def test_synth_refuses_a_folder_that_is_not_empty(loaded_store, synth_kent):
    from justicegap.errors import InvalidParameter
    from justicegap.records.synth import synthesise

    with pytest.raises(InvalidParameter, match="^out:"):
        synthesise(loaded_store, "Kent", "2017/18", synth_kent, seed=1)
