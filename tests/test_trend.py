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


def raw_cps_kent(shared) -> dict[str, tuple[int, int]]:
    """Kent's sexual offences prosecutions finalised in each month held: (convictions, completed)."""
    out = {}
    for path in sorted((shared / "cps" / "case-outcomes-by-principal-offence").glob("*.csv")):
        with open(path, newline="") as f:
            rows = csv.reader(f)
            head = next(rows)
            conv, unsucc = head.index("Number of Sexual Offences Convictions"), head.index("Number of Sexual Offences Unsuccessful")
            [kent] = [r for r in rows if r and r[0] == "Kent"]
            c, u = int(kent[conv].replace(",", "")), int(kent[unsucc].replace(",", ""))
            out[path.stem] = (c, c + u)
    return out


def _quarter(month: str) -> str:
    y, m = int(month[:4]), int(month[5:])
    fy = y if m >= 4 else y - 1
    return f"{fy}/{(fy + 1) % 100:02d} Q{(m - 4) % 12 // 3 + 1}"


def test_quarters_without_a_figure_are_named_with_their_reason(loaded, shared_data):
    """The CPS monthly files lack some months: the quarters they break have no figure, and the series
    names each (between its first and last point) with the months missing, instead of jumping."""
    months = raw_cps_kent(shared_data)
    by_quarter: dict[str, list[str]] = {}
    for month in months:
        by_quarter.setdefault(_quarter(month), []).append(month)
    whole = sorted(q for q, ms in by_quarter.items() if len(ms) == 3)
    s = trend("cps_conviction_rate", area="Kent", offence="sexual_offences", max_points=100)
    assert [p.period for p in s.points] == whole
    for p in s.points:
        ms = by_quarter[p.period]
        assert (p.numerator, p.denominator) == (sum(months[m][0] for m in ms), sum(months[m][1] for m in ms))
    # every quarter between the first point and the last that is not whole, from the files held
    first, last = whole[0], whole[-1]
    every, y, q = [], int(first[:4]), int(first[-1])
    while f"{y}/{(y + 1) % 100:02d} Q{q}" != last:
        every.append(f"{y}/{(y + 1) % 100:02d} Q{q}")
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    gaps = [x for x in every if x not in whole]
    assert gaps == ["2015/16 Q3", "2015/16 Q4", "2017/18 Q1"]
    assert [g.period for g in s.missing] == gaps
    assert "November 2015 is missing" in s.missing[0].reason
    assert "February 2016 to March 2016 is missing" in s.missing[1].reason
    assert "No loaded data cover 2017/18 Q1" in s.missing[2].reason
    # the data breaks of the CPS data (none), not the police ones: as a single figure says
    from justicegap import metrics

    assert metrics.measure("cps_conviction_rate", area="Kent", period="2016/17", offence="sexual_offences").events == []
    assert s.events == []
    # a police measure keeps its police breaks, over the quarters it has
    police = trend("charge_rate_cohort", area="Kent", offence="rape")
    assert police.missing == [] and {e.id for e in police.events} == {"recording_integrity", "alternate_offence_subcodes"}


def test_command_line_names_the_missing_quarters(loaded_home):
    args = ("trend", "cps_conviction_rate", "--area", "Kent", "--offence", "sexual_offences")
    table = run(*args, home=loaded_home).stdout
    assert "No figure for 2015/16 Q3: The data cover only part of 2015/16 Q3 for Kent: November 2015 is missing" in table
    assert "No figure for 2017/18 Q1" in table and "Data break" not in table
    rows = list(csv.DictReader(run(*args, "--format", "csv", home=loaded_home).stdout.splitlines()))
    assert [r["period"] for r in rows][6:10] == ["2015/16 Q2", "2015/16 Q3", "2015/16 Q4", "2016/17 Q1"]
    gap = rows[7]
    assert gap["value"] == gap["numerator"] == gap["denominator"] == gap["edition"] == ""  # absent, not zero
    assert "November 2015 is missing" in gap["reason"] and rows[6]["reason"] == ""
    d = json.loads(run(*args, "--json", home=loaded_home).stdout)
    assert [g["period"] for g in d["missing"]] == ["2015/16 Q3", "2015/16 Q4", "2017/18 Q1"] and d["events"] == []


def test_refusal_keeps_the_areas_alternatives_and_holder(loaded):
    """A trend no quarter of which can be given is refused with the cell's own error: its holder and
    alternatives travel as data."""
    from justicegap import areas, metrics

    with pytest.raises(NotAvailable) as e:
        trend("charge_rate_cohort", area="Ashford", offence="rape")
    with pytest.raises(NotAvailable) as one:
        metrics.measure("charge_rate_cohort", area="Ashford", period="2017/18 Q1", offence="rape")
    kent = areas.resolve("Ashford").parent
    assert e.value.holder == one.value.holder and "Kent Police" in e.value.holder
    assert e.value.available == one.value.available == [f"{areas.get(kent).name} (the whole force area)"]
