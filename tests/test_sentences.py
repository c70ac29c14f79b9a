"""Sentences: numbers, interval, basis and edition, with the caveats that must travel with them."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from justicegap.answers.sentences import must_travel, say, sentence
from test_report import COHORT, RAPE, raw_outcomes


def test_cohort_sentence_with_its_caveats(loaded, shared_data):
    cohort = raw_outcomes(shared_data, "Kent", RAPE, COHORT)
    n, d = cohort["1"], sum(cohort.values())
    s = say("charge_rate_cohort", area="Kent", period="2017/18", offence="rape")[0]
    assert f"{d:,}" in s["text"] and f" {n} " in s["text"] and f"{100 * n / d:.1f}%" in s["text"]
    assert "95% CI" in s["text"] and "Basis: offences recorded in the period" in s["text"]
    sha = hashlib.sha256((shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz").read_bytes()).hexdigest()
    assert sha[:12] in s["text"]
    pending = f"{100 * cohort['0'] / d:.1f}%"
    assert any(pending in c and "not yet been assigned" in c for c in s["must_travel"])
    assert any(c.startswith("Crime recording improvements") for c in s["must_travel"])
    assert any("charge_rate_closed" in c for c in s["not_to_be_confused_with"])


def test_general_caveats_do_not_crowd_out_specific_ones(loaded):
    s = say("charge_rate_closed", area="Kent", period="2018/19", offence="rape")[0]
    general = "The investigations closed in a period are not the offences recorded in it: closures include offences recorded years earlier."
    assert general not in s["must_travel"]
    assert "Basis: investigations closed in the period" in s["text"]


def test_area_below_the_force(loaded):
    s = say("charge_rate_cohort", area="Ashford", period="2017/18", offence="rape")[0]
    assert s["text"].startswith("For the whole Kent police force area (not published for Ashford):")
    assert s["area"]["name"] == "Kent"
    assert any("police force area only" in c for c in s["must_travel"])


def test_partial_figure_says_so(loaded):
    s = say("cps_conviction_rate", area="Kent", period="2017/18", offence="sexual_offences")[0]
    assert s["text"].startswith("PARTIAL FIGURE.")
    assert any(c.startswith("PARTIAL") and "2017/18 Q1" in c for c in s["must_travel"])


def test_low_count_and_different_sources_travel():
    d = {"metric": "charge_rate_cohort", "name": "Charge rate", "area": {"code": "X", "name": "Somewhere", "level": "pfa"},
         "period": {"label": "2017/18"}, "offence": {"family": "rape", "label": "Rape"}, "value": 0.1, "numerator": 2,
         "denominator": 20, "ci_low": 0.03, "ci_high": 0.3, "basis": "recorded_cohort", "unit": "offences", "edition": "e1",
         "flags": ["low_count", "different_sources"], "sentence": "Two of 20.",
         "caveats": ["Low count: the denominator is 20 (under 30), so the rate is unreliable; see the interval.",
                     "The numerator and denominator come from different publications.",
                     "Outcomes for recent periods are still maturing: many offences are not yet assigned an outcome, so this rate will rise in later editions."]}
    s = sentence(d)
    assert s["must_travel"][:2] == d["caveats"][:2]
    assert d["caveats"][2] not in must_travel(d)  # the metric's general caveat lives in the definitions


def test_cli_say(loaded):
    from justicegap.cli import app

    r = CliRunner().invoke(app, ["say", "recorded", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out[0]["value"] == 2529 and "Kent Police recorded 2,529 rapes in 2017/18" in out[0]["text"]
    r = CliRunner().invoke(app, ["say", "recorded", "--area", "Kent", "--period", "2017/18", "--offence", "rape"])
    assert "  - Crime recording improvements" in r.output


def test_say_unknown_metric(loaded):
    from justicegap.errors import NotFound

    with pytest.raises(NotFound) as e:
        say("charge_rate_cohrt", area="Kent", period="2017/18")
    assert "charge_rate_cohort" in str(e.value)
