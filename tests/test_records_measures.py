"""Measures on records, recomputed independently from the record files themselves."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest

from justicegap.records import measures as M
from justicegap.stats import wilson

from test_records_load import rows

RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}


def period_rows(synth_kent, table="offences") -> list[dict]:
    """The crime records recorded in 2017/18 (the file also holds records of earlier offences,
    made only to carry the outcomes assigned in the period)."""
    return [r for r in rows(synth_kent / f"{table}.csv") if "2017-04-01" <= r["date_recorded"] <= "2018-03-31"]


def charge_dates(synth_kent) -> dict[str, date]:
    out = {}
    for r in rows(synth_kent / "offences.csv"):
        if r["outcome_type"] in ("1", "1A"):
            out[r["record_id"]] = date.fromisoformat(r["outcome_date"])
    for c in rows(synth_kent / "cps_cases.csv"):
        if c["charging_decision"] == "charge":
            for rid in c["record_ids"].split(";"):
                d = date.fromisoformat(c["decision_date"])
                out[rid] = min(out.get(rid, d), d)
    return out


@pytest.mark.parametrize("follow_up", [365, 90])
def test_cohort_charge_rate_with_equal_follow_up(records_store, synth_kent, follow_up):
    extract = date.fromisoformat(json.loads((synth_kent / "manifest.json").read_text())["extract_date"])
    charged = charge_dates(synth_kent)
    n = k = 0
    for r in period_rows(synth_kent):
        rec = date.fromisoformat(r["date_recorded"])
        if r["status"] != "recorded" or r["offence_code"] not in RAPE or rec + timedelta(days=follow_up) > extract:
            continue
        n += 1
        if r["record_id"] in charged and (charged[r["record_id"]] - rec).days <= follow_up:
            k += 1
    res = M.cohort_charge_rate(records_store, "Kent", "2017/18", offence="rape", follow_up=follow_up)
    assert (res.numerator, res.denominator) == (k, n)
    assert (res.ci_low, res.ci_high) == pytest.approx(wilson(k, n))
    assert res.follow_up_days == follow_up and res.extract_date == extract
    assert str(follow_up) in res.basis and "2018-06-30" in res.basis and "SYNTHETIC" in res.sentence
    assert res.excluded_short_follow_up == 2530 - n


def test_status_shares_count_cancelled_and_transferred_records(records_store, synth_kent):
    c = Counter(r["status"] for r in period_rows(synth_kent) if r["offence_code"] in RAPE)
    res = M.status_shares(records_store, "Kent", "2017/18", offence="rape")
    got = {s.key: s.count for s in res.statuses}
    assert got == {k: c.get(k, 0) for k in ("recorded", "cancelled", "transferred")}
    assert res.total == sum(c.values())
    reasons = Counter(r["status_reason"] for r in period_rows(synth_kent)
                      if r["offence_code"] in RAPE and r["status"] != "recorded")
    assert {s.key: s.count for s in res.reasons if s.count} == dict(reasons)


def test_attrition_follows_the_same_cases(records_store, synth_kent):
    recs = {r["record_id"]: r for r in period_rows(synth_kent) if r["offence_code"] in RAPE}
    charged = {rid for rid in charge_dates(synth_kent) if rid in recs and recs[rid]["status"] == "recorded"}
    convicted = set()
    for c in rows(synth_kent / "cps_cases.csv"):
        if c["completion_result"] in ("guilty_plea", "convicted_after_trial", "convicted_in_absence"):
            convicted |= set(c["record_ids"].split(";")) & charged
    res = M.attrition(records_store, "Kent", "2017/18", offence="rape")
    by = {s.stage: s for s in res.stages}
    assert by["reported"].count == len(recs)
    assert by["crime"].count == sum(r["status"] == "recorded" for r in recs.values())
    assert by["charged"].count == len(charged)
    assert by["convicted"].count == len(convicted)
    counts = [s.count for s in res.stages]
    assert counts == sorted(counts, reverse=True)
    for a, b in zip(res.stages, res.stages[1:]):
        assert a.count - a.left == b.count and sum(a.left_reasons.values()) == a.left
    open_now = sum(r["status"] == "recorded" and r["outcome_type"] in ("", "0") for r in recs.values())
    open_left = sum(v for s in res.stages for k, v in s.left_reasons.items() if k.startswith("Not yet assigned"))
    assert open_left == open_now - sum(1 for rid in charged if recs[rid]["outcome_type"] in ("", "0"))


def test_withdrawal_stages_and_days(records_store, synth_kent):
    from statistics import median

    withdrawn = [r for r in period_rows(synth_kent) if r["offence_code"] in RAPE and r["status"] == "recorded"
                 and r["support_withdrawn_date"]]
    res = M.withdrawal(records_store, "Kent", "2017/18", offence="rape")
    assert res.withdrawn == len(withdrawn) and sum(s.count for s in res.stages) == len(withdrawn)
    days = [(date.fromisoformat(r["support_withdrawn_date"]) - date.fromisoformat(r["date_reported"])).days for r in withdrawn]
    assert res.median_days_from_report == median(days)


def test_attrition_chart_is_vega_lite_and_says_synthetic(records_store):
    from justicegap.records.charts import attrition_chart

    spec = attrition_chart(M.attrition(records_store, "Kent", "2017/18"))
    assert spec["title"]["text"].startswith("SYNTHETIC")
    import vl_convert as vlc

    assert "<svg" in vlc.vegalite_to_svg(spec)
