"""justicegap evaluate on the real CPS monthly case outcomes (../shared/data): the series built
through the metrics code, gaps, breaks and flags, comparison areas, placebos; the command line
as users run it (the installed script), the API route and the page."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from justicegap import metrics
from justicegap import timeseries as T
from justicegap.answers.evaluation import _Built, breaks, evaluate, store_series
from justicegap.errors import InvalidParameter, NotAvailable
from justicegap.periods import between, month

EXE = Path(sys.executable).parent / "justicegap"
SICILY = Path(__file__).parent / "data" / "sicily.csv"
# The CPS monthly files in ../shared/data: January 2014 to March 2018 without these months.
MISSING = ["2015-11", "2016-02", "2016-03", "2017-04", "2017-05", "2017-06"]
WM = dict(area="West Midlands", start="2014-01", end="2018-03", offence="sexual_offences")


@pytest.fixture(scope="module")
def store(loaded_home):
    from justicegap.store import Store

    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        yield s


@pytest.fixture(scope="module")
def wm(store):
    return evaluate("cps_conviction_rate", intervention="2016-10", store=store, **WM)


def test_series_is_each_months_figure_and_missing_months_are_gaps(store, wm):
    """Built in one pass; checked month by month against metrics.compute, which refuses the gaps."""
    assert [p.period for p in wm.points] == [p.label for p in between("2014-01", "2018-03").months()]
    for p in wm.points:
        if p.period in MISSING:
            with pytest.raises(NotAvailable):
                metrics.compute("cps_conviction_rate", area="West Midlands", period=p.period, offence="sexual_offences", store=store)
            assert (p.observed, p.count, p.denominator, p.value) == (False, None, None, None)
            continue
        fig = metrics.compute("cps_conviction_rate", area="West Midlands", period=p.period, offence="sexual_offences", store=store)
        assert (p.count, p.denominator) == (int(fig.numerator), int(fig.denominator))
        assert isinstance(p.count, int) and p.value == pytest.approx(fig.value)
    assert wm.gaps == MISSING
    assert (wm.points_before, wm.points_after, wm.points_used) == (30, 15, 45)
    assert wm.kind == "proportion" and wm.effect.measure == "odds ratio" and wm.model.family == "binomial"
    assert {s.dataset for s in wm.sources} == {"cps_case_outcomes"} and len(wm.sources) == 45


def test_effects_are_the_models_and_the_sentence_never_claims_cause(store, wm):
    s = store_series("cps_conviction_rate", "West Midlands", between("2014-01", "2018-03"), "sexual_offences", store).series
    f = T.fit(s, 33)
    assert wm.effect.level_change.estimate == pytest.approx(math.exp(f.params[f.index("level")]))
    assert wm.effect.trend_change_per_year.estimate == pytest.approx(math.exp(12 * f.params[f.index("slope")]))
    assert (wm.intervention.date, wm.intervention.first_period_after) == ("2016-10-01", "2016-10")
    assert "consistent with" in wm.sentence and "caused" not in wm.sentence.lower()
    lc = wm.effect.level_change
    assert ("consistent with no change in level" in wm.sentence) == (lc.ci_low <= 1 <= lc.ci_high)
    assert "gaps" in wm.flags
    # the counterfactual is drawn after the intervention only, inside its band
    after = [p for p in wm.points if p.after]
    assert all(p.counterfactual_low < p.counterfactual < p.counterfactual_high for p in after)
    assert all(p.counterfactual is None for p in wm.points if not p.after)


def test_notes_do_not_point_up_or_down_the_page(wm):
    """Each surface lays an evaluation out its own way (the command line prints the breaks and
    placebos before the notes), so a note never says "below" or "above" of the rest (found by a
    fresh-user pass)."""
    notes = [*wm.caveats, wm.sentence]
    assert notes and not [n for n in notes if re.search(r"\b(below|above)[.:]?$|\b(see|read it with)\b.*\b(below|above)\b", n, re.I)]


def test_missing_months_are_listed_as_breaks_and_one_near_the_intervention_flags_it(store, wm):
    assert [b.id for b in wm.breaks] == ["missing:2015-11", "missing:2016-02", "missing:2017-04"]
    assert not any(b.near_intervention for b in wm.breaks) and "break_near_intervention" not in wm.flags
    r = evaluate("cps_conviction_rate", intervention="2017-08", store=store, **WM)  # a month after the 2017-04..06 gap
    near = [b.id for b in r.breaks if b.near_intervention]
    assert near == ["missing:2017-04"]
    assert "break_near_intervention" in r.flags
    assert "flagged" in r.sentence and any(c.startswith("FLAGGED") for c in r.caveats)


def test_reference_events_inside_the_window_are_listed_and_flag_a_nearby_intervention():
    """Outcome 21 came in in January 2016: a police-outcomes series in Kent around it is flagged."""
    from justicegap import areas as A

    periods = between("2015-01", "2016-12").months()
    b = _Built(T.Series(periods, [1] * 24, [2] * 24), area=A.resolve("Kent"), dataset="ho_outcomes", offence="rape")
    found = {x.id: x for x in breaks(b, between("2015-01", "2016-12"), date(2016, 2, 1))}
    assert {"recording_integrity", "outcome_21_introduced"} <= set(found)
    assert found["outcome_21_introduced"].near_intervention
    assert found["recording_integrity"].near_intervention  # it spans the intervention
    far = {x.id: x for x in breaks(b, between("2015-01", "2016-12"), date(2016, 9, 1))}
    assert not far["outcome_21_introduced"].near_intervention


def test_too_few_points_is_refused_saying_why(store):
    with pytest.raises(NotAvailable, match=r"2 observed months before the intervention and 43 after; at least 8"):
        evaluate("cps_conviction_rate", intervention="2014-03", store=store, **WM)
    # the Home Office outcomes are quarterly: 2017/18 and 2018/19 are four quarters each side at most
    with pytest.raises(NotAvailable, match="quarters before the intervention"):
        evaluate("charge_rate_cohort", area="Kent", start="2017/18", end="2018/19", intervention="2018-04", offence="rape",
                 store=store)


def test_bad_parameters(store):
    with pytest.raises(InvalidParameter, match="not inside the window"):
        evaluate("cps_conviction_rate", intervention="2019-01", store=store, **WM)
    with pytest.raises(InvalidParameter, match="not a date") as e:
        evaluate("cps_conviction_rate", intervention="soon", store=store, **WM)
    assert e.value.parameter == "intervention"
    with pytest.raises(InvalidParameter, match="use none, harmonic or month") as e:
        evaluate("cps_conviction_rate", intervention="2016-10", seasonality="weekly", store=store, **WM)
    assert e.value.parameter == "seasonality"
    with pytest.raises(NotAvailable, match="rate per resident"):
        evaluate("recorded_per_100k", area="Kent", start="2017/18", end="2018/19", intervention="2018-04", store=store)


def test_named_comparison_is_the_two_forces_added_up(store):
    r = evaluate("cps_conviction_rate", intervention="2016-10", comparison="Kent, Essex", store=store, **WM)
    c = r.comparison
    assert [a.name for a in c.areas] == ["Kent", "Essex"] and c.method == "named"
    window = between("2014-01", "2018-03")
    kent = store_series("cps_conviction_rate", "Kent", window, "sexual_offences", store).series
    essex = store_series("cps_conviction_rate", "Essex", window, "sexual_offences", store).series
    for i, p in enumerate(c.series):
        if p.observed:
            assert (p.count, p.denominator) == (kent.counts[i] + essex.counts[i], kent.denominators[i] + essex.denominators[i])
        else:
            assert p.period in MISSING
    assert c.level_change is not None and c.pre_trend_check is not None
    assert c.pre_trends_differ == (c.pre_trend_check.ci_low > 1 or c.pre_trend_check.ci_high < 1)
    assert c.points_used == 90
    # each comparison area is also a placebo at the real date
    areas = [p.area.name for p in r.placebos.results if p.kind == "comparison_area"]
    assert areas == ["Kent", "Essex"]
    with pytest.raises(InvalidParameter, match="the area being evaluated"):
        evaluate("cps_conviction_rate", intervention="2016-10", comparison="West Midlands", store=store, **WM)
    with pytest.raises(InvalidParameter, match="unknown area 'Narnia'") as e:  # named as the comparison's area
        evaluate("cps_conviction_rate", intervention="2016-10", comparison="Kent, Narnia", store=store, **WM)
    assert e.value.parameter == "comparison"


def test_auto_comparison_chooses_forces_that_track_before_the_change(store):
    r = evaluate("cps_conviction_rate", intervention="2016-10", comparison="auto", store=store, **WM)
    c = r.comparison
    chosen = [x for x in c.candidates if x.chosen]
    assert 1 <= len(chosen) <= 5 and [a.code for a in c.areas] == [x.area.code for x in chosen]
    assert "E23000014" not in {x.area.code for x in c.candidates}  # never the treated force itself
    eligible = [x for x in c.candidates if x.correlation is not None and x.correlation > 0
                and x.pre_trend_ratio_per_year.p_value >= 0.10]
    assert sorted(eligible, key=lambda x: -x.correlation)[:len(chosen)] == chosen
    for x in c.candidates:
        if not x.chosen:
            assert x.reason
    # the Metropolitan Police is published only with the City of London: tried as the pair
    names = {x.area.name: x for x in c.candidates}
    assert "only together" in names["Metropolitan Police"].reason
    assert any("Metropolitan" in n and "City" in n and names[n].points for n in names)


def test_placebos_count_what_is_as_large_as_the_real_effect(wm):
    real = abs(math.log(wm.effect.level_change.estimate))
    pre = [p for p in wm.placebos.results if p.kind == "pre_period"]
    assert pre and all(p.intervention < "2016-10" for p in pre)
    labels = [p.label for p in between("2014-01", "2016-09").months() if p.label not in MISSING]
    for p in pre:  # at least eight observed months each side, inside the pre-period
        i = labels.index(p.intervention)
        assert i >= 8 and len(labels) - i >= 8
    fitted = [p for p in wm.placebos.results if p.level_change is not None]
    large = sum(abs(math.log(p.level_change.estimate)) >= real for p in fitted)
    assert (wm.placebos.fitted, wm.placebos.as_large) == (len(fitted), large)
    assert f"{large} of {len(fitted)} placebo" in wm.placebos.summary
    assert ("placebos_as_large" in wm.flags) == ((large + 1) / (len(fitted) + 1) >= 0.05)


def test_newey_west_and_seasonality_reach_the_model(store):
    r = evaluate("cps_conviction_rate", intervention="2016-10", seasonality="harmonic", errors="newey-west", store=store, **WM)
    assert r.model.errors == "newey-west" and r.model.hac_lags == T.hac_lags(45)
    assert [t.name for t in r.model.terms][4:] == ["sin1", "cos1", "sin2", "cos2"]
    assert r.model.autocorrelation is not None and r.model.autocorrelation.lags == 9


# --- the command line, as users run it ---------------------------------------------------------

def run(*args, home=None):
    env = {**os.environ, "COLUMNS": "200"}
    if home:
        env["JUSTICEGAP_HOME"] = str(home)
    return subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True, env=env)


def sicily_series(tmp_path) -> Path:
    import csv

    rows = list(csv.DictReader(SICILY.open()))
    p = tmp_path / "sicily-series.csv"
    p.write_text("period,count,exposure\n" + "".join(f"{r['year']}-{int(r['month']):02d},{r['aces']},{r['stdpop']}\n" for r in rows))
    return p


def test_cli_series_json_is_the_library_fit(tmp_path):
    p = run("evaluate", "--series", sicily_series(tmp_path), "--intervention", "2005-01-10", "--seasonality", "harmonic", "--json",
            home=tmp_path)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    s = T.Series([month(2002 + i // 12, i % 12 + 1) for i in range(59)], [pt["count"] for pt in d["points"]],
                 exposures=[pt["exposure"] for pt in d["points"]])
    f = T.fit(s, 36, seasonality="harmonic")
    assert d["effect"]["level_change"]["estimate"] == pytest.approx(math.exp(f.params[f.index("level")]))
    assert d["effect"]["measure"] == "rate ratio" and d["kind"] == "rate" and d["points_used"] == 59
    assert d["intervention"]["first_period_after"] == "2005-01"
    assert d["sources"][0]["file"] == "sicily-series.csv" and len(d["sources"][0]["sha256"]) == 64


def test_cli_malformed_series_names_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("period,count,denominator\n2018-01,5,10\n2018-02,7,10\n2018-03,eleven,12\n")
    p = run("evaluate", "--series", bad, "--intervention", "2018-02", home=tmp_path)
    assert p.returncode == 2
    assert "file bad.csv, row 4, column 'count': 'eleven' is not a number" in p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""


def test_cli_text_and_plot_on_the_store(loaded_home, tmp_path):
    svg = tmp_path / "wm.svg"
    p = run("evaluate", "cps_conviction_rate", "--area", "West Midlands", "--from", "2014-01", "--to", "2018-03",
            "--intervention", "2016-10", "--offence", "sexual_offences", "--plot", svg, home=loaded_home)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    for text in ("consistent with", "Level change at the intervention", "Placebos:", "No data for 2017-04 to 2017-06",
                 "Ljung-Box", "45 editions (2014-01.csv to 2018-03.csv"):
        assert text in out, text
    assert svg.read_text().startswith("<svg") and "Intervention" in svg.read_text()
    p = run("evaluate", "cps_conviction_rate", "--area", "West Midlands", "--from", "2014-01", "--to", "2018-03",
            "--intervention", "2014-04", "--offence", "sexual_offences", home=loaded_home)
    assert p.returncode == 4 and "Too few points" in p.stderr and "Traceback" not in p.stderr


# --- the API and the page ------------------------------------------------------------------------

Q = {"metric": "cps_conviction_rate", "area": "West Midlands", "from": "2014-01", "to": "2018-03", "intervention": "2016-10",
     "offence": "sexual_offences"}


@pytest.mark.parametrize("bad,parameter", [("from", "from"), ("to", "to"), ("intervention", "intervention")])
def test_a_malformed_window_names_its_own_parameter(store, client, loaded_home, bad, parameter):
    """The library names from, to or intervention (there is no period here); the API and the
    command line word that name."""
    given = {"from": "2014-01", "to": "2018-03", "intervention": "2016-10", bad: "2014-13"}
    with pytest.raises(InvalidParameter) as e:
        evaluate("cps_conviction_rate", area="Kent", start=given["from"], end=given["to"], intervention=given["intervention"],
                 offence="sexual_offences", store=store)
    assert e.value.parameter == parameter
    r = client.get("/api/v1/evaluate", params={**Q, **given})
    assert r.status_code == 422 and r.json()["parameter"] == parameter and r.json()["message"].startswith(f"{parameter}: '2014-13'")
    p = run("evaluate", "cps_conviction_rate", "--area", "Kent", "--from", given["from"], "--to", given["to"],
            "--intervention", given["intervention"], "--offence", "sexual_offences", "--json", home=loaded_home)
    err = json.loads(p.stderr)["error"]
    assert p.returncode == 2 and err["parameter"] == f"--{parameter}" and err["message"].startswith(f"--{parameter}: '2014-13'")


def test_api_evaluate(client):
    from justicegap.model.evaluation import Evaluation

    r = client.get("/api/v1/evaluate", params=Q)
    assert r.status_code == 200
    d = Evaluation.model_validate(r.json())
    assert d.gaps == MISSING and d.area.code == "E23000014"
    csv_ = client.get("/api/v1/evaluate", params={**Q, "format": "csv"})
    assert csv_.status_code == 200 and len(csv_.text.strip().splitlines()) == 1 + 51
    assert client.get("/api/v1/evaluate", params={**Q, "intervention": "2014-03"}).status_code == 409
    bad = client.get("/api/v1/evaluate", params={**Q, "intervention": "2030-01"})
    assert bad.status_code == 422 and bad.json()["parameter"] == "intervention" and "--" not in bad.json()["message"]
    assert client.get("/api/v1/evaluate", params={**Q, "area": "Atlantis"}).status_code == 404
    assert client.get("/api/v1/evaluate", params={**Q, "errors": "robust"}).status_code == 422
    assert "/api/v1/evaluate" in client.get("/openapi.json").json()["paths"]


def test_page_evaluate(client):
    import re

    blank = client.get("/evaluate")
    assert blank.status_code == 200 and "Give an area and the date of the change" in blank.text
    r = client.get("/evaluate", params={**Q, "comparison": "named", "compare_with": "Kent"})
    assert r.status_code == 200
    html = r.text
    assert "consistent with" in html and 'data-vega-spec="chart-evaluation-spec"' in html
    assert len(re.findall(r'<tr(?: class="gap")? data-period=', html)) == 51
    assert html.count('class="gap"') == 6
    assert 'role="img" aria-label="Before and after the change: Chart of' in html  # the description, heard once
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.S))
    assert not re.search(r"(?<![\w-])--[a-z]", text), "no command-line flags on the page"
    assert "Compared with Kent" in text
    refused = client.get("/evaluate", params={**Q, "intervention": "2014-03"})
    assert refused.status_code == 200 and "Too few points" in refused.text


# --- the report section ----------------------------------------------------------------------------

def test_report_section_is_the_evaluation_by_month_over_the_months_held(store, wm):
    from justicegap import areas as A
    from justicegap.answers.evaluation import report_section

    table, item = report_section(A.resolve("West Midlands"), ["2013/14", "2018/19"], "2016-10", "sexual_offences", store)
    assert item is None
    recs = table.records()
    # the report's years reach 2013-04 and 2019-03; the months the CPS files hold are 2014-01 to 2018-03
    assert [r["Month"] for r in recs] == [p.period for p in wm.points]
    for r, p in zip(recs, wm.points):
        assert (r["Completed prosecutions"], r["Convictions"], r["Conviction rate"]) == (p.denominator, p.count, p.value)
    assert table.notes[0] == wm.sentence and table.metrics == ["cps_conviction_rate"] and len(table.editions) == 45
    assert f"Model: {wm.model.description}" in table.notes  # in words, not the result class's name
    assert not [n for n in table.notes if re.match(r"[A-Z][a-z]+[A-Z]\w*:", n)]
    none, why = report_section(A.resolve("Kent"), ["2017/18"], "2016-10", "rape", store)
    assert none is None and "does not publish rape separately" in why["reason"]


def test_report_with_an_intervention_has_the_section(loaded_store):
    from justicegap.answers.report import build_report

    r = build_report("West Midlands", start="2015/16", end="2017/18", offence="sexual_offences", intervention="2016-10",
                     store=loaded_store)
    t = r.table("evaluation")
    assert t.rows[0][0] == "2015-04" and t.rows[-1][0] == "2018-03"
    assert "consistent with" in t.notes[0]


def test_cli_a_tiny_p_value_is_written_below_its_bound(tmp_path):
    """A level that jumps six-fold has a p-value of (nearly) nothing: the text says p < 0.001, never
    p = 0 or p = 0.000; a larger one keeps its three decimals."""
    f = tmp_path / "step.csv"
    f.write_text("period,count,denominator\n" + "".join(
        f"{2015 + i // 12}-{i % 12 + 1:02d},{(100 if i < 18 else 600) + i},1000\n" for i in range(36)))
    args = ("evaluate", "--series", f, "--intervention", "2016-07")
    d = json.loads(run(*args, "--json", home=tmp_path).stdout)
    assert d["effect"]["level_change"]["p_value"] < 0.001 and d["model"]["autocorrelation"]["p_value"] < 0.001
    p = run(*args, home=tmp_path)
    assert p.returncode == 0, p.stderr
    out = " ".join(p.stdout.split())
    assert "p = 0)" not in out and "p = 0.000" not in out and "p = 0," not in out
    assert re.search(r"Level change at the intervention │ [0-9.]+ \(95% CI [0-9.]+–[0-9.]+, p < 0\.001\)", out)
    assert "Ljung-Box over 7 lags, Q = " in out and re.search(r"Q = [0-9.]+, p < 0\.001", out)
    placebo = [x for x in d["placebos"]["results"] if x.get("level_change") and x["level_change"]["p_value"] >= 0.001][0]
    assert f"p = {placebo['level_change']['p_value']:.3f})" in out
