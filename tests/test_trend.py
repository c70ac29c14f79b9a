"""A trend by financial quarter, checked against the raw Home Office outcomes file and, for its
intervals, against statsmodels' Wilson interval."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter

import pytest
from statsmodels.stats.proportion import proportion_confint

from justicegap.answers.trend import trend
from justicegap.errors import NotAvailable, NotFound
from justicegap.model.series import Series
from test_cli import run

RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}


def raw_cohort(shared) -> tuple[Counter, Counter]:
    """Kent's rape offences recorded in each quarter, and those of them charged (outcome 1, 1A)."""
    charged, recorded = Counter(), Counter()
    for year in ("2017-18", "2018-19"):
        with gzip.open(shared / "homeoffice" / f"prc-outcomes-{year}.csv.gz", "rt", encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                if r["Force Name"] == "Kent" and r["Offence Code"] in RAPE:
                    key = f"{r['Financial Year']} Q{r['Financial Quarter']}"
                    n = int(float(r["Force outcomes for offences recorded in quarter"] or 0))
                    recorded[key] += n
                    charged[key] += n if r["Outcome Type"] in ("1", "1A") else 0
    return charged, recorded


def test_kent_quarters_match_the_raw_file(loaded, shared_data):
    s = trend("charge_rate_cohort", area="Kent", offence="rape")
    assert isinstance(s, Series) and s.area.name == "Kent" and s.basis == "recorded_cohort"
    charged, recorded = raw_cohort(shared_data)
    assert [p.period for p in s.points] == sorted(recorded)  # every whole quarter held, in order
    for p in s.points:
        assert (p.numerator, p.denominator) == (charged[p.period], recorded[p.period])
        low, high = proportion_confint(p.numerator, p.denominator, alpha=0.05, method="wilson")
        assert p.ci_low == pytest.approx(low, abs=1e-9) and p.ci_high == pytest.approx(high, abs=1e-9)
        assert p.edition.startswith("ho_outcomes-")
    assert s.start == s.points[0].start and s.end == s.points[-1].end


def test_newest_quarters_only(loaded):
    s = trend("charge_rate_cohort", area="Kent", offence="rape", max_points=3)
    assert [p.period for p in s.points] == ["2018/19 Q2", "2018/19 Q3", "2018/19 Q4"]


def test_unknown_metric(loaded):
    with pytest.raises(NotFound):
        trend("no_such_metric", area="Kent")


def test_command_line(loaded_home, shared_data):
    d = json.loads(run("trend", "charge_rate_cohort", "--area", "Kent", "--json", home=loaded_home).stdout)
    charged, _ = raw_cohort(shared_data)
    assert {p["period"]: p["numerator"] for p in d["points"]} == dict(charged)
    rows = list(csv.DictReader(run("trend", "charge_rate_cohort", "--area", "Kent", "--quarters", "2", "--format", "csv",
                                   home=loaded_home).stdout.splitlines()))
    assert [r["period"] for r in rows] == ["2018/19 Q3", "2018/19 Q4"] and rows[1]["numerator"] == "0"
    bad = run("trend", "charge_rate_cohort", "--area", "Kent", "--quarters", "0", home=loaded_home, check=False)
    assert bad.returncode != 0 and "--quarters" in bad.stderr and "Traceback" not in bad.stderr


def test_record_based_quarters_match_the_synthetic_files(records_store, synth_kent):
    """A metric from a force's own case records, by quarter: each point recomputed from the
    synthetic offences file with the csv module (records made in the quarter, whatever became of
    them; the records of earlier offences added for the other basis left out)."""
    from datetime import date

    from justicegap import reference

    codes = reference.family_codes()["rape"]
    made, cancelled = Counter(), Counter()
    with open(synth_kent / "offences.csv", newline="") as f:
        for r in csv.DictReader(f):
            if r["offence_code"] in codes and r["synthetic_earlier"] != "true":
                d = date.fromisoformat(r["date_recorded"])
                fy = d.year if d.month >= 4 else d.year - 1
                key = f"{fy}/{str(fy + 1)[2:]} Q{(d.month - 4) % 12 // 3 + 1}"
                made[key] += 1
                cancelled[key] += r["status"] == "cancelled"
    s = trend("records_cancelled_share", area="Kent", offence="rape", store=records_store)
    assert [p.period for p in s.points] == sorted(made) == ["2017/18 Q1", "2017/18 Q2", "2017/18 Q3", "2017/18 Q4"]
    for p in s.points:
        assert (p.numerator, p.denominator) == (cancelled[p.period], made[p.period]) and "case_records" in p.flags
        low, high = proportion_confint(p.numerator, p.denominator, alpha=0.05, method="wilson")
        assert p.ci_low == pytest.approx(low, abs=1e-9) and p.ci_high == pytest.approx(high, abs=1e-9)
    assert sum(cancelled.values()) > 0


def test_record_based_quarters_are_only_those_followed_whole(records_store):
    """The 365-day charge rate: only the quarters whose every crime had been followed 365 days by
    the extract date (30 June 2018) appear; a quarter followed in part is left out, not shown low."""
    s = trend("records_charge_rate_365", area="Kent", offence="rape", store=records_store)
    assert [p.period for p in s.points] == ["2017/18 Q1"] and s.points[0].denominator > 0
    with pytest.raises(NotAvailable) as e:
        trend("records_charge_rate_365", area="Essex", offence="rape", store=records_store)
    assert "Essex Police" in str(e.value) and "absent, not zero" in str(e.value)


def test_record_based_trends_are_not_public(records_store, records_home):
    """Quarters beside a year would let a hidden small count be worked out: the public surfaces
    (the server's service, which the pages and the API use) refuse them, saying why."""
    from justicegap.service import Service

    with pytest.raises(NotAvailable) as e:
        trend("records_cancelled_share", area="Kent", offence="rape", store=records_store, disclose=True)
    assert "analysts only" in str(e.value)
    svc = Service(records_home / "justicegap.duckdb")
    try:
        with pytest.raises(NotAvailable, match="analysts only"):
            svc.trend("records_cancelled_share", "Kent", "rape")
    finally:
        svc.close()
