"""The report: every figure the loaded data hold, at the finest level published, checked against
independent computations from the raw files in ../shared/data; what is missing listed, not filled."""

from __future__ import annotations

import csv
import gzip
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from justicegap.answers.report import build_report
from justicegap.errors import InvalidParameter, NotFound
from justicegap.store import Store

KENT_LOCAL = ["Ashford", "Canterbury", "Dartford", "Dover", "Gravesham", "Maidstone", "Sevenoaks", "Shepway", "Swale",
              "Thanet", "Tonbridge and Malling", "Tunbridge Wells", "Medway"]
RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}
YEARS = ["2013/14", "2014/15", "2015/16", "2016/17", "2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23"]
COHORT, CLOSED = "Force outcomes for offences recorded in quarter", "Force outcomes recorded in quarter"


def _rows(path: Path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
        yield from csv.DictReader(f)


def raw_pfa(shared: Path, force: str) -> Counter:
    """Kent's 2017/18 recorded offences by offence code, from the raw PFA table."""
    c = Counter()
    for r in _rows(shared / "homeoffice" / "prc-pfa-2017-18.csv.gz"):
        if r["Force Name"] == force:
            c[(r["Offence Code"], r["Offence Subgroup"])] += int(r["Number of Offences"])
    return c


def raw_outcomes(shared: Path, force: str, codes: set[str], column: str, year="2017-18") -> Counter:
    c = Counter()
    for r in _rows(shared / "homeoffice" / f"prc-outcomes-{year}.csv.gz"):
        if r["Force Name"] == force and r["Offence Code"] in codes:
            c[r["Outcome Type"]] += int(float(r[column] or 0))
    return c


def raw_csp(shared: Path) -> dict[str, int]:
    """Sexual offences by CSP code (and force rows) from the raw ONS Table C2 CSV."""
    path = shared / "ons" / "pfa-tables-ye-jun2025-table-c2-csp.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    head = next(i for i, r in enumerate(rows) if r and r[0].startswith("Police Force"))
    header = [" ".join(h.split()) for h in rows[head]]
    col = next(i for i, h in enumerate(header) if h.lower().startswith("sexual offences"))
    out = {}
    for r in rows[head + 1:]:
        if len(r) <= col or not r[0] or not r[col].strip():
            continue
        code = r[2] or (f"{r[0]}:unassigned" if r[3].strip().lower().startswith("unassigned") else r[0])
        out[code] = int(r[col].replace(",", "").strip())
    return out


@pytest.fixture(scope="module")
def kent(loaded_home):
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        return build_report("Kent", start="2013/14", end="2022/23", offence="sexual_offences", local_areas=KENT_LOCAL, store=s)


@pytest.fixture(scope="module")
def kent_default(loaded_home):
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        return build_report("Kent", start="2013/14", end="2022/23", offence="rape", store=s)


def test_years_asked_missing_years_listed_not_filled(kent, shared_data):
    t = kent.table("recorded")
    assert t.column("Financial year") == YEARS
    raw = raw_pfa(shared_data, "Kent")
    sexual = sum(v for (code, sub), v in raw.items() if sub in ("Rape offences", "Other sexual offences"))
    rape = sum(v for (code, _), v in raw.items() if code in RAPE)
    rows = {r["Financial year"]: r for r in t.records()}
    assert rows["2017/18"]["Sexual offences"] == sexual
    assert rows["2017/18"]["Rape"] == rape == 2529
    assert rows["2017/18"]["Rape of an adult"] == raw[("19C", "Rape offences")] + raw[("19F", "Rape offences")]
    assert rows["2017/18"]["Rape"] == rows["2017/18"]["Rape of an adult"] + rows["2017/18"]["Rape of a child"]
    missing = [y for y in YEARS if y not in ("2017/18", "2018/19")]
    for y in missing:
        assert rows[y]["Status"] == "not in the loaded data"
        assert all(rows[y][c] is None for c in ("Sexual offences", "Rape", "Other sexual offences"))
    assert kent.missing["years"] == missing
    assert any("2013/14" in n["part"] and "Offences recorded" in n["part"] for n in kent.not_available)


def test_2018_19_recorded_from_the_ons_first_release_and_the_outcomes_data(kent, shared_data):
    """No Home Office recorded-crime table covers 2018/19: sexual offences come from the ONS first
    release (Table P1), the rape columns from the outcomes data's recorded cohort, each labelled; the
    2017/18 count is set against its first release (ONS) and the Home Office table."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(shared_data / "ons" / "policeforceareatablesyeendingmarch2019.xlsx"))
    p1 = wb.get_sheet_by_name(next(n for n in wb.sheet_names if n.strip() == "Table P1")).to_python()
    col = next(r for r in p1 if r and r[0] == "Area Code").index("Sexual offences")
    kent_p1 = next(r[col] for r in p1 if r and r[0] == "E23000032")
    cohort = raw_outcomes(shared_data, "Kent", RAPE, "Force outcomes for offences recorded in quarter", year="2018-19")
    t = kent.table("recorded")
    row = next(r for r in t.records() if r["Financial year"] == "2018/19")
    assert row["Sexual offences"] == kent_p1 and row["Rape"] == sum(v for k, v in cohort.items() if k not in ("1A", "2A", "3A"))
    assert "Table P1" in row["Source"] and "Crime outcomes open data" in row["Source"]
    assert row["Status"].startswith("counted from the outcomes data") and "ho_outcomes-" in row["Status"]
    revision = next(n for n in t.notes if n.startswith("2017/18, sexual offences:"))
    assert "policeforceareatablesyearendingmarch2018v2.xlsx" in revision and "prc-pfa-2017-18.csv.gz" in revision
    assert "2018/19" not in kent.missing["years"]


def test_victims_by_offence_code_and_derived_crosstab(kent, shared_data):
    raw = raw_pfa(shared_data, "Kent")
    t = kent.table("victims")
    got = {r["Offence code"]: r for r in t.records() if r["Financial year"] == "2017/18"}
    for code in ("19C", "19D", "19E", "19F", "19G", "19H"):
        assert got[code]["Offences recorded"] == raw[(code, "Rape offences")]
    assert (got["19C"]["Victim sex"], got["19C"]["Victim age"]) == ("Female", "16 and over")
    assert (got["19H"]["Victim sex"], got["19H"]["Victim age"]) == ("Male", "under 13")
    assert got["20B"]["Victim sex"] == "Female"
    # code 20 has no rows in the table: absent, not a published zero, and the table says so
    assert "20" not in got and any(re.search(r"offence codes? [^:]*\b20\b", n) and "not zero" in n for n in t.notes)
    x = kent.table("victims_crosstab")
    assert x.derived and not t.derived
    female = next(r for r in x.records() if r["Victim sex"] == "Female")
    assert female["13 to 15"] == raw[("19D", "Rape offences")]
    both = next(r for r in x.records() if r["Victim sex"] == "Both")
    assert both["All ages"] == 2529


def test_local_table_resolves_all_thirteen_names(kent, shared_data):
    t = kent.table("local")
    recs = t.records()
    asked = [n.strip() for r in recs for n in (r["Local area as asked"] or "").split(";") if n.strip()]
    assert sorted(asked) == sorted(KENT_LOCAL)
    raw = raw_csp(shared_data)
    value_col = next(c.name for c in t.columns if c.type == "integer")
    assert "outside the years asked" in value_col  # the only local data loaded (YE Jun 2025) is labelled so
    for r in recs:
        assert r[value_col] == raw[r["CSP code"]]
    shep = next(r for r in recs if "Shepway" in (r["Local area as asked"] or ""))
    assert shep["Community Safety Partnership"] == "Folkestone and Hythe"
    assert "renamed" in shep["Notes"]
    dg = next(r for r in recs if "Dartford" in (r["Local area as asked"] or ""))
    assert "Gravesham" in dg["Local area as asked"] and "share one Community Safety Partnership" in dg["Notes"]
    csps = [r for r in recs if r["CSP code"].startswith("E22")]
    unassigned = next(r for r in recs if r["CSP code"].endswith(":unassigned"))
    force = next(r for r in recs if r["CSP code"] == "E23000032")
    assert sum(r[value_col] for r in csps) + unassigned[value_col] == force[value_col]
    # the years asked have no local data: listed as missing
    assert any("local area" in n["part"].lower() and "2017/18" in n["part"] for n in kent.not_available)


def test_local_table_defaults_to_every_csp_of_the_force(kent_default, shared_data):
    with open(shared_data / "ons" / "lookup-lad24-csp24-pfa24.csv", encoding="utf-8-sig") as f:
        kent_csps = {r["csp24_code"] for r in csv.DictReader(f) if r["pfa24_name"] == "Kent"}
    t = kent_default.table("local")
    assert {r["CSP code"] for r in t.records() if r["CSP code"].startswith("E22")} == kent_csps
    # the local tables publish sexual offences only: said, not hidden
    assert any("not" in n.lower() and "rape" in n.lower() for n in t.notes)


def test_not_available_covers_borough_conviction_rates_and_no_crimes(kent):
    parts = {n["part"]: n for n in kent.not_available}
    borough = next(n for p, n in parts.items() if p.startswith("Conviction rates by local area"))
    assert "police force area" in borough["reason"] and "Crown Prosecution Service" in borough["holder"]
    assert any(p.startswith("Police outcomes and charge rates by local area") for p in parts)
    nocrime = next(n for p, n in parts.items() if "no-crimed" in p)
    assert nocrime["part"].startswith("Crime records cancelled by the police (formerly 'no-crimed')")
    assert "Home Office" in nocrime["holder"]
    assert not [n for n in kent.not_available if "written off" in n["part"] + n["reason"]]
    accused = next(n for p, n in parts.items() if p.startswith("Age and sex of the accused"))
    assert "Ministry of Justice" in accused["holder"]
    assert all(n["reason"] for n in kent.not_available)


def test_outcome_groups_and_charge_bases_match_the_raw_file(kent, shared_data):
    cohort = raw_outcomes(shared_data, "Kent", RAPE, COHORT)
    closed = raw_outcomes(shared_data, "Kent", RAPE, CLOSED)
    out = [r for r in kent.table("outcomes").records() if r["Financial year"] == "2017/18" and r["Offence"] == "Rape"]
    charged = next(r for r in out if r["Outcome group"] == "Charged or summonsed")
    assert charged["Offences"] == cohort["1"]
    assert charged["Offences recorded (outcomes data)"] == sum(cohort.values())
    pending = next(r for r in out if r["Outcome group"].startswith("Not yet assigned"))
    assert pending["Offences"] == cohort["0"]
    assert sum(r["Offences"] for r in out if r["Offences"] is not None) == sum(cohort.values())
    assert sum(r["Share"] for r in out if r["Share"] is not None) == pytest.approx(1.0)
    blank = [r for r in out if r["Offences"] is None]  # outcome 22 did not exist yet in 2017/18: blank, with the reason
    assert [r["Outcome group"] for r in blank] == ["Diversionary or educational activity"] and "did not exist yet" in blank[0]["Note"]
    rates = {r["Metric"]: r for r in kent.table("charges").records() if r["Financial year"] == "2017/18" and r["Offence"] == "Rape"}
    assert (rates["charge_rate_cohort"]["Numerator"], rates["charge_rate_cohort"]["Denominator"]) == (cohort["1"], sum(cohort.values()))
    assert rates["charge_rate_closed"]["Denominator"] == sum(v for k, v in closed.items() if k != "0")
    assert rates["charge_ratio_period"]["Numerator"] == closed["1"]
    assert rates["charge_ratio_period"]["95% CI low"] is None  # a ratio has no interval
    assert rates["charge_rate_cohort"]["Basis"] == "recorded_cohort"
    assert rates["charge_rate_cohort"]["Edition"].startswith("ho_outcomes-")


def test_cps_stage_for_the_force_and_its_cps_area(kent, shared_data):
    t = kent.table("stage_cps")
    recs = [r for r in t.records() if r["Period"] == "2016/17" and r["Metric"] == "cps_conviction_rate"]
    by_area = {r["Area"]: r for r in recs}
    conv = uns = 0
    se_conv = se_uns = 0
    for month in ["2016-04", "2016-05", "2016-06", "2016-07", "2016-08", "2016-09", "2016-10", "2016-11", "2016-12",
                  "2017-01", "2017-02", "2017-03"]:
        for r in _rows(shared_data / "cps" / "case-outcomes-by-principal-offence" / f"{month}.csv"):
            area = r[""].strip()
            c = int(r["Number of Sexual Offences Convictions"].replace(",", ""))
            u = int(r["Number of Sexual Offences Unsuccessful"].replace(",", ""))
            if area == "Kent":
                conv, uns = conv + c, uns + u
            if area in ("Kent", "Surrey", "Sussex"):
                se_conv, se_uns = se_conv + c, se_uns + u
    assert (by_area["Kent"]["Numerator"], by_area["Kent"]["Denominator"]) == (conv, conv + uns)
    assert (by_area["CPS South East"]["Numerator"], by_area["CPS South East"]["Denominator"]) == (se_conv, se_conv + se_uns)
    assert by_area["Kent"]["Unit"] == "defendants"
    # 2017/18 lacks April to June: a flagged partial figure, and the gap listed
    partial = [r for r in t.records() if r["Period"] == "2017/18"]
    assert partial and all("partial" in r["Flags"] for r in partial)
    assert any("2017/18 Q1" in n["reason"] for n in kent.not_available)


def test_timeliness_is_national_and_labelled(kent):
    t = kent.table("timeliness")
    assert t.records()
    assert all(r["Level"] == "England and Wales" and "not published for Kent" in r["Area"] for r in t.records())
    assert any("not published for a police force area" in n["reason"] for n in kent.not_available if "days" in n["part"].lower())


def test_comparison_and_sentences(kent):
    comp = {r["Measure"]: r for r in kent.table("comparison").records()}
    cohort = comp["Charge rate (offences recorded in the period)"]
    assert cohort["Financial year"] == "2018/19" and cohort["Areas compared"] >= 40
    assert cohort["99.8% limit low"] < cohort["Pooled rate, all areas"] < cohort["99.8% limit high"]
    assert cohort["Position"] in ("above", "below", "within")
    texts = [s["text"] for s in kent.sentences]
    latest = next(r for r in kent.table("recorded").records() if r["Financial year"] == "2018/19")["Sexual offences"]
    assert any(f"Kent Police recorded {latest:,} sexual offences in 2018/19" in t for t in texts)  # the ONS first release
    trend = next(s for s in kent.sentences if s["name"] == "Change in the charge rate")
    assert "percentage points" in trend["text"] and trend["ci_low"] < trend["value"] < trend["ci_high"]
    assert any("less time" in c for c in trend["must_travel"])
    used = {r["Metric"] for t in kent.tables for r in t.records() if "Metric" in r}
    defined = {d["metric"] for d in kent.definitions}
    assert used <= defined
    assert all(d["definition"] for d in kent.definitions)
    files = {s["file"] for s in kent.sources}
    assert {"prc-pfa-2017-18.csv.gz", "prc-outcomes-2017-18.csv.gz", "prc-outcomes-2018-19.csv.gz"} <= files
    assert all(len(s["sha256"]) == 64 for s in kent.sources)
    kinds = {c["kind"] for c in kent.caveats}
    assert {"data break", "provisional", "geography"} <= kinds
    assert any("COVID-19" in c["text"] for c in kent.caveats)


def test_area_below_the_force_gets_the_forces_figures_labelled(loaded_home):
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        r = build_report("Shepway", start="2017/18", end="2018/19", offence="rape", store=s)
    assert r.question["area"]["name"] == "Folkestone and Hythe"
    assert r.question["police_area"]["name"] == "Kent"
    assert any("renamed" in n for n in r.question["notes"])
    assert any("not Folkestone and Hythe's" in n for n in r.table("recorded").notes)
    assert any(s["text"].startswith("For the whole Kent police force area (not published for Folkestone and Hythe)")
               for s in r.sentences)
    assert any(n["part"].startswith("Conviction rates by local area") for n in r.not_available)


def test_default_years_are_the_last_ten_loaded(loaded_home):
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        r = build_report("West Midlands", offence="rape", store=s)
    assert r.question["years"][-1] == "2018/19" and r.question["years"][0] == "2009/10"
    assert len(r.question["years"]) == 10
    assert "local" in {t.id for t in r.tables}


BANDS = {"16 and over": ("19C", "19F"), "13 to 15": ("19D", "19G"), "Under 13": ("19E", "19H")}


def recoverable_blanks(report) -> list:
    """Blank (suppressed) cells of the victims cross-tab whose value the report itself gives away:
    each sex-and-band cell is one offence code's count, which the table by offence code shows, and
    each total is a sum of those."""
    shown = {(r["Financial year"], r["Offence code"]): r["Offences recorded"] for r in report.table("victims").records()}
    out = []
    for r in report.table("victims_crosstab").records():
        y = r["Financial year"]
        for band, (fcode, mcode) in BANDS.items():
            codes = {"Female": (fcode,), "Male": (mcode,), "Both": (fcode, mcode)}[r["Victim sex"]]
            if r[band] is None and all((y, c) in shown for c in codes):
                out.append((y, r["Victim sex"], band))
        all_codes = {"Female": ("19C", "19D", "19E"), "Male": ("19F", "19G", "19H")}.get(r["Victim sex"], tuple(RAPE))
        if r["All ages"] is None and all((y, c) in shown for c in all_codes):
            out.append((y, r["Victim sex"], "All ages"))
    return out


def test_small_counts_in_the_victims_tables_are_published_counts(loaded_home, shared_data):
    # City of London, 2017/18: 2 rapes of girls under 13 (19E) and 3 of men (19F), both published by the Home Office
    raw = raw_pfa(shared_data, "London, City of")
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        r = build_report("City of London", start="2017/18", end="2017/18", offence="rape", store=s)
    by_code = {row["Offence code"]: row["Offences recorded"] for row in r.table("victims").records()}
    assert by_code["19E"] == raw[("19E", "Rape offences")] == 2 and by_code["19F"] == raw[("19F", "Rape offences")] == 3
    x = r.table("victims_crosstab")
    rows = {row["Victim sex"]: row for row in x.records()}
    assert rows["Female"]["Under 13"] == 2 and rows["Male"]["16 and over"] == 3
    for sex, codes in (("Female", ("19C", "19D", "19E")), ("Male", ("19F", "19G", "19H"))):
        for band, (fcode, mcode) in BANDS.items():
            assert rows[sex][band] == raw[(fcode if sex == "Female" else mcode, "Rape offences")]
        assert rows[sex]["All ages"] == sum(raw[(c, "Rape offences")] for c in codes)
    for band, pair in BANDS.items():
        assert rows["Both"][band] == sum(raw[(c, "Rape offences")] for c in pair)
    assert rows["Both"]["All ages"] == sum(v for (c, _), v in raw.items() if c in RAPE)
    # no cell is blanked, so none can be worked back from the table by offence code
    assert recoverable_blanks(r) == []
    assert all(v is not None for row in x.rows for v in row)
    assert "Suppressed" not in [c.name for c in x.columns]
    # the decision is written down where the reader sees it
    assert any("not a small-cell table" in n.lower() for n in x.notes)
    assert "no count is suppressed" in r.small_cells.lower()


_count = st.one_of(st.integers(0, 4), st.integers(5, 400))
_codes = st.fixed_dictionaries({c: _count for c in sorted(RAPE)})


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["2016/17", "2017/18", "2018/19"]), _codes, min_size=1))
def test_victims_crosstab_holds_only_published_counts_and_their_sums(code_figs):
    from justicegap import areas as A
    from justicegap.answers.report import _victim_crosstab

    x = _victim_crosstab(code_figs, A.resolve("City of London"))
    recs = x.records()
    assert len(recs) == 3 * len(code_figs)
    for r in recs:
        counts = code_figs[r["Financial year"]]
        for band, (fcode, mcode) in BANDS.items():
            want = {"Female": counts[fcode], "Male": counts[mcode], "Both": counts[fcode] + counts[mcode]}[r["Victim sex"]]
            assert r[band] == want  # a published count (or the sum of two), never blanked
        want = {"Female": counts["19C"] + counts["19D"] + counts["19E"], "Male": counts["19F"] + counts["19G"] + counts["19H"],
                "Both": sum(counts.values())}[r["Victim sex"]]
        assert r["All ages"] == want
    assert any("not a small-cell table" in n.lower() for n in x.notes)


def test_from_without_to_describes_the_years_used(loaded_home):
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        r = build_report("Kent", start="2016/17", offence="rape", store=s)
        with pytest.raises(InvalidParameter) as e:
            build_report("Kent", start="2020/21", offence="rape", store=s)
    assert r.question["years"] == ["2016/17", "2017/18", "2018/19"]
    how = r.question["period"]["how"]
    assert "ten" not in how and "from 2016/17" in how and "2018/19" in how and "latest" in how
    assert how in r.question["text"]
    assert e.value.parameter == "from" and "2018/19" in str(e.value)


def test_ratios_are_not_labelled_rates(kent):
    t = kent.table("charges")
    names = [c.name for c in t.columns]
    assert "Rate" in names and "Ratio" in names
    for r in t.records():
        kind = "Ratio" if r["Metric"] == "charge_ratio_period" else "Rate"
        other = "Rate" if kind == "Ratio" else "Ratio"
        assert r[kind] is not None and r[other] is None, r
    assert "not a rate" in t.columns[names.index("Ratio")].description


def test_trend_chart_axis_named_by_kind(kent):
    from justicegap.answers.html import trend_chart

    trend = kent.charts["trend"]
    spec, text = trend_chart(trend)
    y = spec["layer"][0]["encoding"]["y"]
    assert {p["kind"] for p in trend["points"] if p["kind"] != "count"} == {"proportion", "ratio"}
    assert y["title"] == "Rate or ratio (see the legend)"
    series = {p["series"] for p in spec["layer"][0]["data"]["values"]}
    assert "Charges in the period per offence recorded in the period (a ratio, not a rate)" in series
    assert "rate or ratio" in text
    ratios = {**trend, "points": [p for p in trend["points"] if p["kind"] == "ratio"]}
    rates = {**trend, "points": [p for p in trend["points"] if p["kind"] == "proportion"]}
    assert trend_chart(ratios)[0]["layer"][0]["encoding"]["y"]["title"] == "Ratio"
    assert trend_chart(rates)[0]["layer"][0]["encoding"]["y"]["title"] == "Rate"


def test_code_counts_one_query_per_year(loaded_home, shared_data):
    from justicegap import metrics
    from justicegap.answers.report import _code_counts

    raw = raw_pfa(shared_data, "Kent")
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        g = metrics.measure("recorded", area="Kent", period="2017/18", offence="sexual_offences", store=s).gathered
        con, queries = s.con, []

        class Counting:
            def execute(self, sql, *args):
                queries.append(sql)
                return con.execute(sql, *args)

        s.con = Counting()
        try:
            codes = sorted(RAPE | {"20A", "20B", "19J", "19K"})
            got = _code_counts(s, g, codes)
        finally:
            s.con = con
    assert len(queries) == 1
    for c in codes:
        have = [v for (code, _), v in raw.items() if code == c]
        assert got[c] == (sum(have) if have else (None if c in ("19J", "19K") else 0))


def test_report_reuses_its_figures_for_the_attrition_chart(loaded_home, monkeypatch):
    from types import SimpleNamespace

    from justicegap import areas as A
    from justicegap import metrics
    from justicegap.answers import funnel

    calls = Counter()

    def counting(metric_id, **kw):
        calls[(metric_id, kw["area"].code, str(kw["period"]), kw.get("offence"))] += 1
        return metrics.compute(metric_id, **kw)

    # the funnel's own computations only (the comparison with other forces computes Kent's rate again, by design)
    proxy = SimpleNamespace(**{k: getattr(metrics, k) for k in dir(metrics) if not k.startswith("__")})
    proxy.compute = counting
    monkeypatch.setattr(funnel, "metrics", proxy)
    other = A.get("CPS-EM")
    monkeypatch.setattr(metrics, "cps_area_of", lambda area: other)  # the report asks metrics which CPS Area a force is in
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        r = build_report("Kent", start="2017/18", end="2017/18", offence="rape", store=s)
    att = r.charts["attrition"]
    assert att["period"]["label"] == "2017/18"
    assert not [k for k in calls if k[0] in ("recorded", "charge_rate_cohort", "charge_rate_closed")], calls
    assert not [k for k in calls if k[0] == "outcome_share_cohort"]  # one gather, not one compute per group
    stages = {x["id"]: x for x in att["stages"]}
    assert stages["recorded"]["volume"] == 2529 and (stages["police_charged"]["numerator"], stages["police_charged"]["denominator"]) == (42, 2529)
    groups = {g["label"]: g["count"] for g in att["outcome_groups"]}
    table = {row["Outcome group"]: row["Offences"] for row in r.table("outcomes").records() if row["Offence"] == "Rape"}
    assert groups == table and sum(v for v in groups.values() if v is not None) == 2529  # every group, zeros included
    blank = [g for g in att["outcome_groups"] if g["count"] is None]  # outcome 22 did not exist yet: blank, not zero
    assert [g["group"] for g in blank] == ["diversionary"] and "did not exist yet" in blank[0]["reason"]
    # one implementation each of the calendar year and the CPS Area lookups
    from justicegap.answers.report import common

    assert common.calendar_overlap is funnel.calendar_overlap
    assert r.question["cps_area"]["code"] == "CPS-EM"


def test_newcombe_difference_and_unused_parameters():
    import inspect

    from justicegap import metrics
    from justicegap import disclosure
    from justicegap.answers import claims, report

    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II example: 56/70 against 48/80, method 10
    d, lo, hi = report.newcombe_difference(48, 80, 56, 70)
    assert d == pytest.approx(0.2) and lo == pytest.approx(0.0524, abs=5e-5) and hi == pytest.approx(0.3339, abs=5e-5)
    assert list(inspect.signature(report.newcombe_difference).parameters) == ["k1", "n1", "k2", "n2"]
    assert list(inspect.signature(report._code_counts).parameters) == ["store", "g", "codes"]
    assert "claim_text" not in inspect.signature(claims._summary).parameters
    assert not hasattr(disclosure.Suppression, "reason")
    stages = {m["stage"] for m in metrics.registry().values() if m.get("stage") != "police"}
    from justicegap.answers.report import common

    assert set(common.STAGE_TITLES) == stages


@pytest.mark.parametrize("kwargs, error, needle", [
    ({"area": "Kentt"}, NotFound, "Kent"),
    ({"area": "Kent", "offence": "raep"}, NotFound, "rape"),
    ({"area": "Kent", "start": "2017/19"}, InvalidParameter, "financial year"),
    ({"area": "Kent", "local_areas": "Ashford,Canterbery"}, NotFound, "Canterbury"),
])
def test_bad_input_lists_the_closest_matches(loaded_home, kwargs, error, needle):
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        with pytest.raises(error) as e:
            build_report(store=s, **kwargs)
    assert needle in str(e.value)


def test_html_page_structure(kent, tmp_path):
    from justicegap.answers.html import write_html

    page = write_html(kent, tmp_path / "kent.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert page.count("<figure") >= 3
    for label in re.findall(r'<svg role="img" aria-labelledby="([^"]+)"', page):
        assert f'<figcaption id="{label}">' in page
    assert page.count("<caption") >= len(kent.tables)
    assert "<main" in page and "<nav" in page and "<header" in page
    assert "Conviction rates by local area" in page
    assert "<dt>Small cells</dt><dd>Shown as published: no count is suppressed." in page
    assert "<th scope=\"col\" class=\"num\">Ratio</th>" in page


# --- the command line -------------------------------------------------------------------------------

def test_cli_report_fails_before_any_work(home, tmp_path):
    from justicegap.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["report", "--area", "Kent", "--out", str(tmp_path / "no" / "such" / "kent.xlsx")])
    assert r.exit_code != 0
    assert "does not exist" in str(r.exception) and "no data loaded" not in str(r.exception)
    r = runner.invoke(app, ["report", "--area", "Kent", "--out", str(tmp_path / "kent.docx")])
    assert r.exit_code != 0 and ".xlsx" in str(r.exception)


def test_cli_report_bad_area(loaded, tmp_path):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "justicegap.cli", "report", "--area", "Kentt", "--out", str(tmp_path / "k.xlsx")],
                       capture_output=True, text=True)
    assert p.returncode == 3
    assert "closest matches" in p.stderr and "Kent" in p.stderr
    assert not (tmp_path / "k.xlsx").exists()


def test_cli_report_writes_what_it_can(loaded, tmp_path):
    import openpyxl

    from justicegap.cli import app

    out = tmp_path / "kent.xlsx"
    r = CliRunner().invoke(app, ["report", "--area", "Kent", "--from", "2013/14", "--to", "2022/23", "--offence", "rape",
                                 "--local", "Ashford,Shepway,Dartford", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "Years missing" in r.output and "2013/14" in r.output
    wb = openpyxl.load_workbook(out)
    assert "Not available" in wb.sheetnames and "Local areas" in wb.sheetnames


def test_cli_pdf_without_chromium_says_how_to_install(home, tmp_path, monkeypatch):
    from justicegap.cli import app

    monkeypatch.setenv("JUSTICEGAP_CHROMIUM", str(tmp_path / "no-chromium"))
    r = CliRunner().invoke(app, ["report", "--area", "Kent", "--out", str(tmp_path / "kent.pdf")])
    assert r.exit_code != 0
    assert "apt-get install chromium" in str(r.exception) and "no data loaded" not in str(r.exception)


def test_html_report_says_flags_and_bases_in_words(kent):
    """The HTML report is read by people: flags and bases in words, as on the pages (a fresh-user
    pass found `negative_published, maturing, event:recording_integrity` in its tables)."""
    import html as H
    import re

    from justicegap.answers.html import render

    text = H.unescape(re.sub(r"<[^>]+>", " ", render(kent)))
    assert "event:" not in text and "negative_published" not in text and "data break: Crime recording improvements" in text
    assert "Basis: recorded_cohort." not in text and "(recorded_cohort, unit" not in text


def test_a_local_report_lists_the_years_its_local_tables_miss(loaded_store):
    """Found by a fresh-user pass: Canterbury's cover said no year was missing while its local
    sheet had none of the years asked (the loaded partnership tables are of later periods)."""
    from justicegap.answers.report import build_report

    r = build_report("Canterbury", start="2017/18", end="2018/19", offence="rape", store=loaded_store)
    assert r.missing["local_years"] == ["2017/18", "2018/19"]
    [local] = [n for n in r.not_available if n["part"].startswith("Recorded offences by local area")]
    assert local["periods"] == ["2017/18, 2018/19"]
