"""Synthetic records: counts equal to the published file's, reproducible, and labelled synthetic."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter

import pytest

from justicegap import reference


PERIOD = ("2017-04-01", "2018-03-31")
COHORT = "Force outcomes for offences recorded in quarter"
CLOSED = "Force outcomes recorded in quarter"


def published_kent(shared_data, column: str, *, negative: bool = False) -> Counter:
    """(quarter, code, outcome) -> count for Kent's sexual offences in one of the two counts, read
    from the raw file: the positive cells (or, with ``negative``, the negative ones)."""
    codes = reference.family_codes()["sexual_offences"]
    out = Counter()
    with gzip.open(shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz", "rt", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            if r["Force Name"] == "Kent" and r["Offence Code"] in codes:
                try:
                    n = int(float(r[column]))
                except ValueError:  # not applicable (type 0 has no closed count)
                    continue
                if (n < 0) if negative else (n > 0):
                    out[(int(r["Financial Quarter"]), r["Offence Code"], r["Outcome Type"])] += n
    return out


def quarter(day: str) -> int:
    return (int(day[5:7]) - 4) % 12 // 3 + 1


def crimes(folder) -> list[dict]:
    with open(folder / "offences.csv", newline="") as f:
        return [r for r in csv.DictReader(f) if r["status"] == "recorded"]


def test_synthetic_counts_reproduce_the_published_cohort(synth_kent, shared_data):
    published = published_kent(shared_data, COHORT)
    made = Counter((quarter(r["date_recorded"]), r["offence_code"], r["outcome_type"]) for r in crimes(synth_kent)
                   if PERIOD[0] <= r["date_recorded"] <= PERIOD[1])
    assert made == published
    assert sum(published[(q, c, o)] for q, c, o in published if c in ("19C", "19D", "19E", "19F", "19G", "19H")) == 2530


def test_outcomes_assigned_in_each_quarter_reproduce_the_published_closed_counts(synth_kent, shared_data):
    """The other basis: every outcome dated in the period, whenever its crime was recorded, by
    quarter of the outcome date x code x type, equals 'Force outcomes recorded in quarter'."""
    published = published_kent(shared_data, CLOSED)
    made = Counter((quarter(r["outcome_date"]), r["offence_code"], r["outcome_type"]) for r in crimes(synth_kent)
                   if r["outcome_date"] and PERIOD[0] <= r["outcome_date"] <= PERIOD[1])
    assert made == published
    assert sum(published.values()) == 6088


def test_records_before_the_period_carry_only_outcomes_assigned_in_it_and_are_marked(synth_kent, shared_data):
    rows = crimes(synth_kent)
    earlier = [r for r in rows if r["date_recorded"] < PERIOD[0]]
    assert earlier and all("-PRE-" in r["record_id"] and r["synthetic_earlier"] == "true" for r in earlier)
    assert {r["synthetic_earlier"] for r in rows if r not in earlier} == {"false"}
    assert all(PERIOD[0] <= r["outcome_date"] <= PERIOD[1] for r in earlier)
    assert not [r for r in rows if "-PRE-" in r["record_id"] and r["date_recorded"] >= PERIOD[0]]
    # what the closed count holds beyond the outcomes of the period's own crimes
    own = sum(1 for r in rows if PERIOD[0] <= r["date_recorded"] and r["outcome_date"] and r["outcome_date"] <= PERIOD[1])
    assert len(earlier) == sum(published_kent(shared_data, CLOSED).values()) - own
    man = json.loads((synth_kent / "manifest.json").read_text())
    assert man["earlier_records"]["count"] == len(earlier)
    assert f"{len(earlier):,} to SYNTHETIC records of offences recorded before the period" in man["bases"]["closed"]


def test_cells_published_negative_are_listed_as_unreproducible(synth_kent, shared_data):
    man = json.loads((synth_kent / "manifest.json").read_text())
    for basis, column in (("cohort", COHORT), ("closed", CLOSED)):
        negative = published_kent(shared_data, column, negative=True)
        listed = {(quarter(q), c, o): int(n) for q, _f, c, o, n in man["unreproducible"][basis]}
        assert listed == dict(negative) and listed
    assert "cannot be reproduced by any records: 2017/18 Q4 21 outcome 12: -1; 2017/18 Q4 71 outcome 1: -1" in man["bases"]["closed"]


def test_a_sub_code_is_taken_out_of_its_parent():
    from datetime import date

    from justicegap.records.synth import _pure

    q = date(2018, 4, 1)
    cells, negative = _pure([(q, "F", "19C", "1", 5), (q, "F", "19C", "1A", 2), (q, "F", "19C", "0", -1)])
    assert cells == {(q, "F", "19C", "1"): 3, (q, "F", "19C", "1A"): 2} and negative == [(q, "F", "19C", "0", -1)]


def test_outcomes_move_on_to_later_quarters_never_back_and_no_quarter_takes_more_than_published():
    import numpy as np

    from justicegap.records.synth import _allocate

    rng = np.random.default_rng(3)
    group = rng.integers(0, 5, 400)
    bucket = rng.integers(0, 5, 400)
    cap = rng.integers(0, 30, (5, 5))
    cap[:, 4] = 10**9
    final = _allocate(rng, group, bucket, cap)
    assert (final >= bucket).all()
    taken = np.zeros_like(cap)
    np.add.at(taken, (group, final), 1)
    assert (taken[:, :4] <= cap[:, :4]).all()
    # a quarter is filled to its published count before any outcome moves on from it
    for g in range(5):
        for b in range(4):
            if ((group == g) & (final > b) & (bucket <= b)).any():
                assert taken[g, b] == cap[g, b]


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


def test_a_quarter_without_closed_counts_constrains_nothing(loaded_copy, shared_data, tmp_path):
    """A force's quarter for which the edition holds no closed count (not provided) is not read as
    zero outcomes: the cohort is still reproduced, the other quarters still match, and synth says so."""
    from justicegap.records.synth import synthesise
    from justicegap.store import Store

    with Store() as s:
        s.con.execute("delete from facts where dataset = 'ho_outcomes' and measure = 'outcomes_closed' "
                      "and area = 'E23000032' and period_start = date '2017-10-01'")
        synthesise(s, "Kent", "2017/18", tmp_path / "k", seed=1)
    rows = crimes(tmp_path / "k")
    made = Counter((quarter(r["date_recorded"]), r["offence_code"], r["outcome_type"]) for r in rows
                   if PERIOD[0] <= r["date_recorded"] <= PERIOD[1])
    assert made == published_kent(shared_data, COHORT)
    closed = Counter((quarter(r["outcome_date"]), r["offence_code"], r["outcome_type"]) for r in rows
                     if r["outcome_date"] and PERIOD[0] <= r["outcome_date"] <= PERIOD[1] and quarter(r["outcome_date"]) != 3)
    assert closed == Counter({k: v for k, v in published_kent(shared_data, CLOSED).items() if k[0] != 3})
    assert not [r for r in rows if "-PRE-" in r["record_id"] and quarter(r["outcome_date"]) == 3]
    man = json.loads((tmp_path / "k" / "manifest.json").read_text())
    assert "No closed counts are published for 1 force-quarter(s) (E23000032 2017/18 Q3)" in man["bases"]["closed"]
