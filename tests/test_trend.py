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
from justicegap.errors import NotFound
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
