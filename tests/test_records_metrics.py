"""Record-based metrics through the registry: ``get``, ``compare`` and ``report`` give them as any
other figure, checked against counts made here from the synthetic record files with the csv
module (and medians against lifelines fitted here); refused, with who holds the records, when
none are loaded; suppressed on the API when a count is 1 to 4."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from justicegap import metrics
from justicegap.errors import InputError, InvalidParameter, NotAvailable
from justicegap.model import Figure as FigureModel
from justicegap.stats import wilson

from test_records_load import rows
from test_records_measures import charge_dates

BIN = Path(sys.executable).parent / "justicegap"
RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}
CHILD_RAPE = {"19D", "19E", "19G", "19H"}
RECORD_METRICS = ["records_charge_rate_365", "records_median_days_to_charge", "records_median_days_to_outcome",
                  "records_support_withdrawn_share", "records_cancelled_share", "records_transferred_share"]


def extract_of(folder: Path) -> date:
    return date.fromisoformat(json.loads((folder / "manifest.json").read_text())["extract_date"])


def in_period(r: dict, codes=RAPE) -> bool:
    return r["offence_code"] in codes and date(2017, 4, 1) <= date.fromisoformat(r["date_recorded"]) <= date(2018, 3, 31)


def charged_within(folder: Path, codes=RAPE, days: int = 365) -> tuple[int, int, int]:
    """(charged within ``days``, followed ``days``, left out) counted from the files."""
    extract, charged = extract_of(folder), charge_dates(folder)
    k = n = left = 0
    for r in rows(folder / "offences.csv"):
        if r["status"] != "recorded" or not in_period(r, codes):
            continue
        rec = date.fromisoformat(r["date_recorded"])
        if rec + timedelta(days=days) > extract:
            left += 1
            continue
        n += 1
        k += r["record_id"] in charged and (charged[r["record_id"]] - rec).days <= days
    return k, n, left


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "JUSTICEGAP_HOME": str(home), "COLUMNS": "200"})


# --- get ------------------------------------------------------------------------------------

def test_charge_rate_within_365_days_is_a_figure_with_extract_date_and_follow_up(records_store, synth_kent):
    k, n, left = charged_within(synth_kent)
    assert n > 500 and left > 1000  # a real test: most of the year cannot be followed for a year by June 2018
    fig = metrics.compute("records_charge_rate_365", area="Kent", period="2017/18", offence="rape", store=records_store)
    assert (fig.numerator, fig.denominator) == (k, n)
    assert fig.value == pytest.approx(k / n)
    assert (fig.ci_low, fig.ci_high) == pytest.approx(wilson(k, n))
    d = fig.to_dict()
    FigureModel.model_validate(d)
    assert d["basis"] == "records_follow_up" and d["unit"] == "offences" and d["kind"] == "proportion"
    assert d["extract_date"] == "2018-06-30" and d["follow_up_days"] == 365 and d["synthetic"] is True
    assert "extracted 2018-06-30" in d["edition"] and "365 days" in d["edition"]
    assert [s["dataset"] for s in d["sources"]] == ["case_records"]
    assert d["breakdown"]["left_out_short_follow_up"] == left
    assert {"synthetic", "case_records"} <= set(d["flags"])
    assert "SYNTHETIC" in d["sentence"] and "SYNTHETIC" in d["caveats"][0]
    assert f"{left:,} crimes" in " ".join(d["caveats"])


@pytest.mark.parametrize("metric,status_filter,count", [
    ("records_support_withdrawn_share", lambda r: r["status"] == "recorded", lambda r: bool(r["support_withdrawn_date"])),
    ("records_cancelled_share", lambda r: True, lambda r: r["status"] == "cancelled"),
    ("records_transferred_share", lambda r: True, lambda r: r["status"] == "transferred"),
])
def test_shares_match_the_record_files(records_store, synth_kent, metric, status_filter, count):
    frame = [r for r in rows(synth_kent / "offences.csv") if in_period(r) and status_filter(r)]
    k, n = sum(count(r) for r in frame), len(frame)
    assert 0 < k < n
    fig = metrics.compute(metric, area="Kent", period="2017/18", offence="rape", store=records_store)
    assert (fig.numerator, fig.denominator) == (k, n)
    assert (fig.ci_low, fig.ci_high) == pytest.approx(wilson(k, n))
    assert fig.to_dict()["unit"] == "offences" and "SYNTHETIC" in fig.sentence


def _durations(folder: Path, event: str):
    """Days from recording to the event (or to the extract date, censored), from the files."""
    extract, charged = extract_of(folder), charge_dates(folder)
    days, seen = [], []
    for r in rows(folder / "offences.csv"):
        if r["status"] != "recorded" or not in_period(r):
            continue
        rec = date.fromisoformat(r["date_recorded"])
        if event == "charge":
            when = charged.get(r["record_id"])
        else:
            when = date.fromisoformat(r["outcome_date"]) if r["outcome_type"] not in ("", "0") else None
        days.append(((when or extract) - rec).days)
        seen.append(when is not None)
    return days, seen


def test_median_days_to_outcome_is_lifelines_kaplan_meier(records_store, synth_kent):
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    days, seen = _durations(synth_kent, "outcome")
    kmf = KaplanMeierFitter().fit(days, seen)
    ci = median_survival_times(kmf.confidence_interval_)
    fig = metrics.compute("records_median_days_to_outcome", area="Kent", period="2017/18", offence="rape", store=records_store)
    assert fig.value == pytest.approx(kmf.median_survival_time_)
    assert (fig.ci_low, fig.ci_high) == pytest.approx((ci.iloc[0, 0], ci.iloc[0, 1]))
    assert (fig.numerator, fig.denominator) == (sum(seen), len(seen))
    assert fig.breakdown["censored_at_extract"] == len(seen) - sum(seen) > 0
    d = fig.to_dict()
    assert d["unit"] == "days" and d["kind"] == "average" and d["basis"] == "records_to_extract"
    assert f"within {int(round(fig.value))} days" in d["sentence"]


def test_median_days_to_charge_not_reached_is_said_not_zero(records_store, synth_kent):
    days, seen = _durations(synth_kent, "charge")
    assert sum(seen) < len(seen) / 2  # fewer than half charged: the median cannot be reached
    fig = metrics.compute("records_median_days_to_charge", area="Kent", period="2017/18", offence="rape", store=records_store)
    assert fig.value is None and "median_not_reached" in fig.flags
    assert (fig.numerator, fig.denominator) == (sum(seen), len(seen))
    assert "not reached" in fig.sentence and f"{sum(seen):,} had" in fig.sentence


def test_no_records_is_a_refusal_naming_who_holds_them(loaded_store):
    for mid in RECORD_METRICS:
        with pytest.raises(NotAvailable) as e:
            metrics.compute(mid, area="Kent", period="2017/18", offence="rape", store=loaded_store)
        assert "own case records, which are not loaded" in str(e.value) and "absent, not zero" in str(e.value)
        assert e.value.holder.startswith("Kent Police and CPS South East")
        assert "load_records" in e.value.actions


def test_what_the_loaded_records_cannot_give(records_store):
    with pytest.raises(NotAvailable, match="extracted on 30 June 2018, before 2018/19 ended"):
        metrics.compute("records_charge_rate_365", area="Kent", period="2018/19", offence="rape", store=records_store)
    with pytest.raises(NotAvailable, match=r"not all loaded here \(2 of 3 missing: Surrey, Sussex\)"):
        metrics.compute("records_charge_rate_365", area="CPS South East", period="2017/18", offence="rape", store=records_store)
    with pytest.raises(NotAvailable, match="Community Safety Partnership"):
        metrics.compute("records_cancelled_share", area="Ashford", period="2017/18", offence="rape", store=records_store)
    with pytest.raises(InvalidParameter, match="edition"):
        metrics.compute("records_cancelled_share", area="Kent", period="2017/18", edition="x", store=records_store)


def test_a_small_count_is_shown_on_the_command_line_as_record_level(records_store, synth_kent):
    k, n, _ = charged_within(synth_kent, CHILD_RAPE)
    assert 1 <= k <= 4
    fig = metrics.compute("records_charge_rate_365", area="Kent", period="2017/18", offence="rape_child", store=records_store)
    assert (fig.numerator, fig.denominator) == (k, n)
    assert "record_level" in fig.flags and any(c.startswith("Record-level") for c in fig.caveats)


def test_registry_checks_record_metrics(tmp_path):
    from importlib import resources

    from justicegap.metrics.registry import validate_registry

    text = resources.files("justicegap.metrics").joinpath("registry.toml").read_text(encoding="utf-8")
    reg = validate_registry(text, stamp_dir=tmp_path)
    assert [k for k, m in reg.items() if m.get("records")] == RECORD_METRICS
    bad = text.replace('records = { measure = "cancelled" }', 'records = { measure = "cancelled", follow_up_days = 30 }')
    with pytest.raises(InputError, match="records_cancelled_share"):
        validate_registry(bad, stamp_dir=tmp_path)
    from justicegap import available

    assert not set(RECORD_METRICS) & set(available.metrics_at("pfa"))  # forms offer published measures only


# --- compare ---------------------------------------------------------------------------------

@pytest.fixture
def two_forces(records_copy, tmp_path):
    """Kent's and Sussex's synthetic records both loaded."""
    from justicegap.records.load import load_records
    from justicegap.records.synth import synthesise
    from justicegap.store import Store

    out = tmp_path / "sussex"
    with Store(read_only=True) as s:
        synthesise(s, "Sussex", "2017/18", out, seed=2)
    with Store() as s:
        load_records(s, out)
    return records_copy, out


def test_compare_across_the_areas_whose_records_are_loaded(two_forces, synth_kent):
    from justicegap.answers.compare import compare

    home, sussex = two_forces
    r = compare("records_charge_rate_365", level="pfa", period="2017/18", offence="rape").model_dump()
    got = {a["area"]["name"]: (a["numerator"], a["denominator"]) for a in r["areas"]}
    kent, sus = charged_within(synth_kent), charged_within(sussex)
    assert got == {"Kent": kent[:2], "Sussex": sus[:2]}
    assert r["target_numerator"] == kent[0] + sus[0] and r["target_denominator"] == kent[1] + sus[1]
    assert any("The other 41 are not compared" in c for c in r["caveats"])
    assert all(a["synthetic"] and a["extract_date"] == "2018-06-30" for a in r["areas"])
    with pytest.raises(NotAvailable, match="none are loaded here for any CPS Area"):
        compare("records_cancelled_share", level="cps_area", period="2017/18", offence="rape")
    p = run(home, "compare", "records_charge_rate_365", "--level", "pfa", "--period", "2017/18", "--offence", "rape", "--json")
    assert p.returncode == 0, p.stderr
    assert {a["area"]["name"]: a["numerator"] for a in json.loads(p.stdout)["areas"]} == {"Kent": kent[0], "Sussex": sus[0]}
    p = run(home, "compare", "records_charge_rate_365", "--level", "pfa", "--period", "2017/18", "--offence", "rape")
    assert p.returncode == 0 and p.stdout.startswith("SYNTHETIC RECORDS") and "extracted 2018-06-30" in p.stdout


# --- report ----------------------------------------------------------------------------------

def test_report_has_a_section_from_the_records_when_they_are_loaded(records_store, synth_kent, loaded_store):
    from justicegap.answers.report import build_report

    r = build_report("Kent", start="2017/18", end="2017/18", offence="rape", store=records_store)
    t = r.table("records")
    assert t.derived and "SYNTHETIC" in t.title and any("SYNTHETIC RECORDS" in n for n in t.notes)
    by = {x["Metric"]: x for x in t.records()}
    assert set(by) == set(RECORD_METRICS)
    k, n, _ = charged_within(synth_kent)
    assert (by["records_charge_rate_365"]["Numerator"], by["records_charge_rate_365"]["Denominator"]) == (k, n)
    assert "extracted 2018-06-30" in by["records_charge_rate_365"]["Edition"]
    # a median gives its interval and its counts in the sheet, as `get` gives them (a fresh-user pass found them blank)
    from justicegap import metrics

    med = metrics.compute("records_median_days_to_outcome", area="Kent", period="2017/18", offence="rape", store=records_store)
    row = by["records_median_days_to_outcome"]
    assert (row["Days"], row["Days, 95% CI low"], row["Days, 95% CI high"], row["Numerator"], row["Denominator"]) == (
        med.value, med.ci_low, med.ci_high, med.numerator, med.denominator) and med.ci_low is not None
    assert "case records" in t.provenance and "published counts" not in t.provenance.replace("not from published counts", "")
    assert "Charges on each basis" in r.table("charges").title  # the published bases stay apart
    assert "records_charge_rate_365" not in r.table("charges").column("Metric")
    assert "disclosure control" in r.small_cells and any("SYNTHETIC" in q for q in r.question["notes"])
    assert any(s["metric"] == "records_charge_rate_365" and "SYNTHETIC" in s["text"] for s in r.sentences)
    plain = build_report("Kent", start="2017/18", end="2017/18", offence="rape", store=loaded_store)
    assert "records" not in [x.id for x in plain.tables]


def test_report_suppresses_a_small_count(records_store, synth_kent):
    from justicegap.answers.report import build_report

    r = build_report("Kent", start="2017/18", end="2017/18", offence="rape_child", store=records_store)
    row = next(x for x in r.table("records").records() if x["Metric"] == "records_charge_rate_365")
    assert row["Numerator"] is None and row["Rate"] is None and row["Denominator"] == charged_within(synth_kent, CHILD_RAPE)[1]
    assert "suppressed" in row["Flags"]


# --- API: disclosure control -----------------------------------------------------------------

@pytest.fixture
def served(records_copy):
    from fastapi.testclient import TestClient

    from justicegap.records import access
    from justicegap.server import create_app
    from justicegap.store import Store

    with Store() as s:
        token = access.add_token(s, "Ana Lyst")
    app = create_app(records_copy / "justicegap.duckdb", warm=False)
    yield TestClient(app, raise_server_exceptions=False), token, records_copy
    app.state.service.close()


def test_api_gives_record_figures_after_disclosure_control(served, synth_kent):
    served, token, home = served
    q = "/api/v1/figure?metric=records_charge_rate_365&area=Kent&period=2017/18"
    d = served.get(q + "&offence=rape").json()
    k, n, _ = charged_within(synth_kent)
    assert (d["numerator"], d["denominator"], d["extract_date"], d["synthetic"]) == (k, n, "2018-06-30", True)
    small, n_child, _ = charged_within(synth_kent, CHILD_RAPE)
    # child rape (a count of 1 to 4) cannot be worked out as rape minus adult rape: anyone is given
    # rape and other sexual offences, each on its own, and no group nested in another
    for family in ("rape_child", "rape_adult", "sexual_offences"):
        resp = served.get(q + f"&offence={family}")
        assert resp.status_code == 409 and "subtraction" in resp.json()["message"], family
        assert served.get(q + f"&offence={family}&format=csv").status_code == 409
    agg = "/api/v1/records/aggregates?area=Kent&period=2017/18"
    assert served.get(agg).json()["offence"] == "rape"
    assert served.get(agg + "&offence=rape_adult").status_code == 409
    assert served.get(agg.replace("Kent", "CPS South East")).status_code in (409, 404)
    c = served.get("/api/v1/compare?metric=records_charge_rate_365&level=pfa&period=2017/18&offence=rape_child")
    assert c.status_code == 409 and "subtraction" in c.json()["message"]
    c = served.get("/api/v1/compare?metric=records_charge_rate_365&level=cps_area&period=2017/18&offence=rape")
    assert c.status_code == 409
    assert not (home / "records-audit.log").exists()  # nothing record-level was served
    # an analyst sees the figure as the command line does, and the request is audited
    assert served.get(q + "&offence=rape_child").status_code == 409
    assert served.get(q + "&offence=rape_child", headers={"Authorization": "Bearer not-a-token"}).status_code == 401  # said, not ignored
    resp = served.get(q + "&offence=rape_child", headers={"Authorization": f"Bearer {token}"})
    d = resp.json()
    assert (d["numerator"], d["denominator"]) == (small, n_child) and "record_level" in d["flags"]
    assert resp.headers["cache-control"] == "no-store"
    [line] = [json.loads(x) for x in (home / "records-audit.log").read_text().splitlines()]
    assert line["user"] == "Ana Lyst" and "records_charge_rate_365" in line["what"] and line["rows"] == n_child


OVERLAPPING = ("2017-05", "2017-04", "2017-04..2017-05")  # May's hidden count = April-May minus April (QA's attack)


def _transferred(folder: Path, first: date, last: date) -> tuple[int, int]:
    """(transferred, every crime record) of rape recorded from ``first`` to ``last``, from the file."""
    frame = [r for r in rows(folder / "offences.csv")
             if r["offence_code"] in RAPE and first <= date.fromisoformat(r["date_recorded"]) <= last]
    return sum(r["status"] == "transferred" for r in frame), len(frame)


def _refused_for_the_period(resp, status: int = 422) -> None:
    body = resp.json()
    assert resp.status_code == status and body["parameter"] == "period", body
    assert "whole financial year the records cover: 2017/18" in body["message"] and "subtracting" in body["message"]


def test_anyone_gets_case_records_for_whole_financial_years_only(served, synth_kent):
    """A month, and months that overlap it, are refused on every public route (so no hidden count
    follows by subtraction); the whole year is given; an analyst still gets the month, audited."""
    client, token, home = served
    fig = "/api/v1/figure?metric=records_transferred_share&area=Kent&offence=rape&period="
    agg = "/api/v1/records/aggregates?area=Kent&offence=rape&period="
    cmp = "/api/v1/compare?metric=records_transferred_share&level=pfa&offence=rape&period="
    for period in OVERLAPPING:
        for base in (fig, agg):
            _refused_for_the_period(client.get(base + period))
        # a comparison: what the records cannot give anyone for that period (409), naming it, so that a
        # page asking a comparison for a year the records do not cover says so instead of failing
        _refused_for_the_period(client.get(cmp + period), 409)
        _refused_for_the_period(client.get(fig + period + "&format=csv"))
    for period in ("2017/18 Q1", "2017", "2017-04..2018-04"):
        _refused_for_the_period(client.get(fig + period))
    year = client.get(fig + "2017/18").json()
    assert (year["numerator"], year["denominator"]) == _transferred(synth_kent, date(2017, 4, 1), date(2018, 3, 31))
    assert client.get(agg + "2017/18").status_code == 200
    assert [a["area"]["name"] for a in client.get(cmp + "2017/18").json()["areas"]] == ["Kent"]
    assert not (home / "records-audit.log").exists()
    # an analyst is given the month, as on the command line, and the request is audited
    may = client.get(fig + "2017-05", headers={"Authorization": f"Bearer {token}"}).json()
    assert (may["numerator"], may["denominator"]) == _transferred(synth_kent, date(2017, 5, 1), date(2017, 5, 31))
    assert "period=2017-05" in (home / "records-audit.log").read_text()
    # the library: the comparison served to anyone refuses the month; the command line's gives it
    from justicegap.answers.compare import compare

    with pytest.raises(NotAvailable, match="subtracting"):
        compare("records_transferred_share", level="pfa", period="2017-05", offence="rape", disclose=True)
    [kent] = compare("records_transferred_share", level="pfa", period="2017-05", offence="rape").model_dump()["areas"]
    assert (kent["numerator"], kent["denominator"]) == (may["numerator"], may["denominator"])


# --- the installed script --------------------------------------------------------------------

def test_get_as_users_run_it(records_home, loaded_home, synth_kent, tmp_path):
    k, n, _ = charged_within(synth_kent)
    p = run(records_home, "get", "records_charge_rate_365", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--json")
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert (d["numerator"], d["denominator"], d["follow_up_days"]) == (k, n, 365)
    p = run(records_home, "get", "records_charge_rate_365", "--area", "Kent", "--period", "2017/18", "--offence", "rape")
    assert p.returncode == 0 and p.stdout.startswith("SYNTHETIC RECORDS")
    assert "extracted 2018-06-30; each crime followed 365 days" in p.stdout
    p = run(records_home, "get", "records_charge_rate_365", "--area", "Kent", "--period", "2017/18", "--offence", "rape_child")
    assert p.returncode == 0 and "record_level" in p.stdout and "Record-level" in p.stdout
    p = run(records_home, "export", "records_charge_rate_365", "--area", "Kent", "--period", "2017/18", "--offence", "rape_child",
            "--format", "csv", "--out", str(tmp_path / "out"))
    assert p.returncode == 0, p.stderr
    [row] = rows(next((tmp_path / "out").glob("*.csv")))
    assert row["numerator"] == row["value"] == "" and "suppressed" in row["flags"]  # a file that gets sent on
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text())
    assert "not published statistics" in package["description"] and package["sources"][0]["dataset"] == "case_records"
    p = run(loaded_home, "get", "records_charge_rate_365", "--area", "Kent", "--period", "2017/18", "--offence", "rape")
    err = " ".join(p.stderr.split())
    assert p.returncode == 4 and p.stdout == "" and "Traceback" not in p.stderr
    assert "own case records, which are not loaded" in err and "Who holds it: Kent Police and CPS South East" in err
    assert "justicegap records load DIR" in err


def test_what_needs_published_editions_or_series_says_so(records_store):
    from justicegap.answers.evaluation import evaluate
    from justicegap.answers.maturation import maturation

    with pytest.raises(NotAvailable, match="one extract date, not editions"):
        maturation("records_charge_rate_365", area="Kent", period="2017/18", store=records_store)
    with pytest.raises(NotAvailable, match="not a published series"):
        evaluate("records_charge_rate_365", area="Kent", start="2017-04", end="2018-03", intervention="2017-10", store=records_store)
    # a trend by quarter is given (tests/test_trend.py), to the analyst's own command line only
    from justicegap.answers.trend import trend

    with pytest.raises(NotAvailable, match="analysts only"):
        trend("records_charge_rate_365", area="Kent", store=records_store, disclose=True)
