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
