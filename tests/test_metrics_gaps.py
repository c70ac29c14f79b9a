"""Figures that join editions, and figures a known gap in the data makes impossible, say so."""

from __future__ import annotations

import pytest

from justicegap import metrics
from justicegap.errors import NotAvailable


def test_a_cohort_joined_from_two_editions_says_so(loaded_store):
    fig = metrics.measure("charge_rate_cohort", area="England and Wales", period="2018", offence="rape", store=loaded_store)
    files = sorted(e.file_name for e in fig.editions)
    assert files == ["prc-outcomes-2017-18.csv.gz", "prc-outcomes-2018-19.csv.gz"]
    assert "mixed_editions" in fig.flags
    joined = next(c for c in fig.caveats if c.startswith("This figure joins 2 editions"))
    assert all(f in joined for f in files)
    assert "this edition" not in fig.sentence and "editions used" in fig.sentence
    one = metrics.measure("charge_rate_cohort", area="England and Wales", period="2018/19", offence="rape", store=loaded_store)
    assert "mixed_editions" not in one.flags and "by the time of this edition" in one.sentence


def test_a_known_gap_is_named_with_who_holds_the_data(loaded_store):
    with pytest.raises(NotAvailable) as e:
        metrics.compute("charge_rate_cohort", area="Greater Manchester", period="2019/20", offence="rape", store=loaded_store)
    msg = str(e.value)
    assert "Known gap: Greater Manchester outcomes missing" in msg and "July 2019" in msg
    assert e.value.holder == "Greater Manchester Police"
    with pytest.raises(NotAvailable) as other:
        metrics.compute("charge_rate_cohort", area="Kent", period="2019/20", offence="rape", store=loaded_store)
    assert "Known gap" not in str(other.value) and not other.value.holder


def test_a_partial_figure_carries_only_the_breaks_of_the_months_it_holds(loaded):
    """Found by a fresh-user pass: 2017/18..2019/20 with no 2019/20 data carried the Covid-19 and
    outcome-22 breaks of the year it lacks."""
    from justicegap import metrics

    fig = metrics.compute("charge_rate_cohort", area="Kent", period="2017/18..2019/20", offence="rape", allow_partial=True)
    assert "partial" in fig.flags and "event:covid_19" not in fig.flags and "event:outcome_22_introduced" not in fig.flags
    assert "event:recording_integrity" in fig.flags  # a break inside the months held stays


def test_a_quarter_straddling_the_period_end_is_not_called_missing(loaded_store, shared_data):
    """YE Feb 2018 against quarterly outcomes: March 2017 is before the first quarter published, but
    January and February 2018 are inside 2017/18 Q4, which runs past the period's end: the data
    cannot be cut there, which is another reason than missing months."""
    from officialfiles import real_rows

    quarters = set()
    for year in ("2017-18", "2018-19"):
        header, rows = real_rows(shared_data / "homeoffice" / f"prc-outcomes-{year}.csv.gz",
                                 lambda r: r["Force Name"] == "Kent")
        y, q = header.index("Financial Year"), header.index("Financial Quarter")
        quarters |= {(r[y], r[q]) for r in rows}
    assert ("2017/18", "1") == min(quarters) and ("2017/18", "4") in quarters  # no March 2017; Jan-Mar 2018 published whole
    with pytest.raises(NotAvailable) as e:
        metrics.compute("charge_rate_cohort", area="Kent", period="YE Feb 2018", offence="rape", store=loaded_store)
    msg = e.value.message
    assert "March 2017 is missing" in msg
    assert ("January 2018 to February 2018 are inside 2017/18 Q4, which runs past the period's end and is published "
            "only whole: the data cannot be cut at the end of February 2018") in msg
    assert "February 2018 are missing" not in msg and "February 2018 is missing" not in msg
    assert e.value.code == "partial_period"
