"""Checking published figures: which basis, if any, a claim matches (within its own rounding)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from justicegap.answers.claims import check_claim, parse_value, related
from justicegap.errors import InvalidParameter
from test_report import CLOSED, COHORT, RAPE, _rows


def _national(shared_data, column):
    num = den = 0
    for r in _rows(shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz"):
        if r["Offence Code"] in RAPE and r["Force Name"] not in ("Action Fraud", "CIFAS", "UK Finance", "Financial Fraud Action UK"):
            v = int(r[column] or 0)
            if r["Outcome Type"] == "1":
                num += v
            if column == COHORT or r["Outcome Type"] != "0":
                den += v
    return num, den


def test_parse_value():
    assert parse_value("1.3%") == pytest.approx({**parse_value("1.3%"), "point": 0.013, "low": 0.0125, "high": 0.0135})
    assert parse_value(0.013)["low"] == pytest.approx(0.0125)
    v = parse_value("1 in 24")
    assert v["point"] == pytest.approx(1 / 24) and v["low"] == pytest.approx(1 / 24.5) and v["high"] == pytest.approx(1 / 23.5)
    assert parse_value("5%")["high"] == pytest.approx(0.055)
    assert parse_value("2,238", "count")["point"] == 2238
    with pytest.raises(InvalidParameter):
        parse_value("about half")


def test_related_metrics_come_from_the_registry():
    charge = [m["id"] for m in related("charge_rate_cohort")]
    assert charge[:3] == ["charge_rate_cohort", "charge_rate_closed", "charge_ratio_period"]
    assert "recorded" not in charge and "cps_charged" not in charge  # a count is not a rate
    conviction = [m["id"] for m in related("cps_conviction_rate")]
    assert conviction[0] == "cps_conviction_rate" and "moj_conviction_ratio" in conviction


def test_both_bases_explained(loaded, shared_data):
    cn, cd = _national(shared_data, COHORT)
    kn, kd = _national(shared_data, CLOSED)
    assert (cn, cd) == (2238, 53931)
    cohort_claim = f"{100 * cn / cd:.1f}%"
    closed_claim = f"{100 * kn / kd:.1f}%"
    a = check_claim(f"{cohort_claim} of rapes charged", "charge_rate_cohort", "England and Wales", "2017/18", cohort_claim)
    b = check_claim(f"{closed_claim} of rape cases charged", "charge_rate_cohort", "England and Wales", "2017/18", closed_claim)
    assert a["matched"] == ["charge_rate_cohort"]
    assert b["matched"] == ["charge_rate_closed"]
    assert "offences recorded in the period" in a["summary"] and "investigations closed" in b["summary"]
    c = next(x for x in b["candidates"] if x["metric"] == "charge_rate_closed")
    assert (c["numerator"], c["denominator"]) == (kn, kd)
    one_in = check_claim("1 in 24 rapes charged", "charge_rate_cohort", "England and Wales", "2017/18", "1 in 24")
    assert one_in["matched"] == ["charge_rate_cohort"]


def test_claim_within_interval_but_not_rounding(loaded):
    # the Rape Monitoring Group's 4.2% for 2017/18: this edition gives 4.15%, inside the interval
    r = check_claim("4.2%", "charge_rate_cohort", "England and Wales", "2017/18", "4.2%")
    assert r["matched"] == [] and r["consistent"] == ["charge_rate_cohort"]
    assert "95% interval" in r["summary"]


def test_claim_matching_nothing(loaded):
    r = check_claim("12%", "charge_rate_cohort", "West Midlands", "2017/18", "12%")
    assert r["matched"] == [] and r["consistent"] == []
    assert "matches none" in r["summary"] and "nearest" in r["summary"]
    assert any(c["verdict"] == "not available" for c in r["candidates"])  # the CPS rate has no loaded data


def test_cli_check(loaded):
    from justicegap.cli import app

    r = CliRunner().invoke(app, ["check", "Only 1 in 24 rapes led to a charge", "--metric", "charge_rate_cohort",
                                 "--area", "England and Wales", "--period", "2017/18", "--value", "1 in 24"])
    assert r.exit_code == 0, r.output
    assert "matches Charge rate (offences recorded in the period)" in " ".join(r.output.split())


def test_measure_with_no_cases_in_its_denominator(loaded):
    # City of London, 2017/18 Q1, rape of a man: no investigation closed in the quarter, so one basis has nothing to divide by
    r = check_claim("1% of rapes of men charged", "charge_rate_cohort", "City of London", "2017/18 Q1", "1%", offence="rape_adult_male")
    by = {c["metric"]: c for c in r["candidates"]}
    closed = by["charge_rate_closed"]
    assert closed["available"] and closed["value"] is None and closed["denominator"] == 0
    assert closed["verdict"] == "no figure: no cases in the denominator"
    assert closed["difference"] is None and "charge_rate_closed" not in r["matched"] + r["consistent"]
    assert "Charge rate (investigations closed in the period) [charge_rate_closed]: no figure: no cases in the denominator (0 of 0)" in r["summary"]
    assert r["consistent"] == ["charge_rate_cohort"]  # 0 of 3: the claim lies in its interval
    assert r["summary"].count("[charge_rate_cohort]") == 1  # named once, not again among 'the other bases'


def test_cli_check_with_no_cases_in_the_denominator(loaded):
    from justicegap.cli import app

    r = CliRunner().invoke(app, ["check", "x", "--metric", "charge_rate_cohort", "--area", "City of London", "--period", "2017/18 Q1",
                                 "--offence", "rape_adult_male", "--value", "1%"])
    assert r.exit_code == 0, r.output
    assert "no figure: no cases in the denominator" in " ".join(r.output.split())


def test_summary_when_no_measure_gives_a_figure():
    from justicegap.answers.claims import _show, _summary

    claimed = parse_value("1%")
    cands = [{"metric": m, "name": m, "kind": k, "unit": "offences", "basis_text": "", "available": True, "value": None,
              "numerator": 0, "denominator": 0, "ci_low": None, "ci_high": None, "flags": ["no_denominator"],
              "verdict": "no figure: no cases in the denominator", "difference": None}
             for m, k in (("charge_rate_closed", "proportion"), ("charge_ratio_period", "ratio"))]
    text = _summary(claimed, cands, [], [])
    assert "cannot be checked" in text and "nearest" not in text
    assert "charge_rate_closed]: no figure: no cases in the denominator (0 of 0)" in text
    assert _show({**cands[0], "numerator": None, "denominator": None}) == "no figure: no cases in the denominator"
    assert _show({**cands[0], "kind": "count", "value": 2238.0}) == "2,238 offences"


@pytest.mark.parametrize("kind,accepted,refused", [
    ("proportion", ["1.3%", "0.013", "1 in 24"], ["2238"]),
    ("ratio", ["1.3%", "0.013", "1 in 24"], []),
    ("count", ["2238", "2,238"], ["1.3%", "1 in 24", "0.5", "2238.5"]),
    ("average", ["412", "412.5"], ["1 in 24"]),
    ("per_100k", ["45.2"], ["45%"]),
])
def test_the_examples_a_message_gives_are_accepted(kind, accepted, refused):
    """Every form a message recommends for a kind of metric is one parse_value takes for it, and
    what it refuses is refused with those examples."""
    from justicegap.answers.claims import EXAMPLES

    shown = re.findall(r"'[^']+'|[0-9](?:[0-9.,%]*[0-9%])?", EXAMPLES[kind])
    assert sorted(s.strip("'") for s in shown) == sorted(accepted)
    for v in accepted:
        parse_value(v, kind)
    for v in ["abc", *refused]:
        with pytest.raises(InvalidParameter) as e:
            parse_value(v, kind)
        assert EXAMPLES[kind] in e.value.message


def test_cli_value_examples_match_the_metric(loaded_home):
    from test_cli import run

    args = ("check", "Only 1.3% of rapes were charged", "--area", "Kent", "--period", "2017/18")
    p = run(*args, "--metric", "charge_rate_cohort", "--value", "abc", home=loaded_home, check=False)
    assert p.returncode == 2 and "1.3%, 0.013 or '1 in 24'" in p.stderr and "2238" not in p.stderr
    p = run(*args, "--metric", "charge_rate_cohort", "--value", "2238", home=loaded_home, check=False)
    assert p.returncode == 2 and "more than 100%" in p.stderr and "not a count" in p.stderr
    p = run(*args, "--metric", "recorded", "--value", "abc", home=loaded_home, check=False)
    assert p.returncode == 2 and "2238 or 2,238" in p.stderr and "1 in 24" not in p.stderr
    p = run(*args, "--metric", "recorded", "--value", "2,529", home=loaded_home)
    assert "matches" in p.stdout
