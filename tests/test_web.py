"""The dashboard's pages, rendered on the server against the loaded store (no browser): each page
renders and shows its content, assets are served from the package, downloads parse."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest

from justicegap import metrics
from justicegap.web.labels import edition_name




class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe") and a.get("src"):
            self.refs.append(a["src"])
        if tag == "link" and a.get("href"):
            self.refs.append(a["href"])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _check_page(r) -> str:
    assert r.status_code == 200, r.text[:500]
    html = r.text
    p = _Refs()
    p.feed(html)
    assert p.refs and all(ref.startswith("/") or ref.startswith("data:") for ref in p.refs), p.refs  # nothing from elsewhere
    assert "Content note" in html and "data-dismiss-note" in html
    assert "Traceback" not in html
    assert "default-src 'self'" in r.headers["content-security-policy"]
    return html


def test_kent_page(client, app):
    html = _check_page(client.get("/area/E23000032", params={"period": "2017/18", "offence": "rape", "metric": "charge_rate_cohort"}))
    t = text_of(html)
    assert "Kent: rape, 2017/18" in t
    assert "2,529" in t  # offences recorded, in the funnel table
    with app.state.service.cursor() as s:
        f = metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", store=s)
    assert f"{100 * f.value:.1f}%" in t and f"{f.numerator:,.0f} of {f.denominator:,.0f}" in t
    for chart in ("chart-funnel", "chart-trend-charge_rate_cohort", "chart-funnelplot", "chart-outcomes"):
        assert f'id="{chart}"' in html and f'id="{chart}-spec"' in html
    assert html.count('<table class="data') >= 4
    assert "the victim does not support further police action" in t
    assert "withdrew" not in t.lower()
    assert "Timeliness" in t and "What is not available for Kent, and why" in t
    assert 'href="/area/E23000032?period=2017%2F18&amp;offence=rape&amp;metric=charge_rate_cohort&amp;edition=ho_outcomes-' in html
    assert "/download/funnel.csv?" in html and "/download/funnel.xlsx?" in html


def test_kent_by_name_redirects_to_its_code(client):
    r = client.get("/area/Kent", params={"period": "2017/18"}, follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith("/area/E23000032?period=2017%2F18")


def test_cps_south_east_page(client):
    t = text_of(_check_page(client.get("/area/CPS-SE", params={"period": "2017/18"})))
    assert "CPS South East" in t and "Kent" in t and "Surrey" in t and "Sussex" in t
    assert "against the other CPS Areas" in t


def test_england_and_wales_page(client):
    t = text_of(_check_page(client.get("/area/K04000001", params={"period": "2017/18"})))
    assert "England and Wales: rape, 2017/18" in t
    assert "54,045" in t  # recorded rapes, Police Force Area table
    assert "53,931" in t  # the outcomes cohort: another edition, its own denominator


@pytest.mark.parametrize("where", ["/area/Ashford", "/area/E07000105", "/area/E22000137"])
def test_ashford_page(client, where):
    t = text_of(_check_page(client.get(where)))
    assert "Ashford" in t
    assert "413" in t  # sexual offences recorded in Ashford, year ending June 2025 (ONS table C2)
    assert "police outcomes by police force area only" in t
    assert "Not published for a" in t


def test_home_page(client, app):
    html = _check_page(client.get("/"))
    t = text_of(html)
    period = app.state.service.default_period()
    assert f"Rape in England and Wales, {period}" in t
    assert "Headlines" in t and 'id="chart-funnel"' in html
    assert 'id="chart-map"' in html or "data-map-missing" in html
    assert "basis: offences recorded in the period" in html and "recorded_cohort" not in text_of(html)
    assert html.count("<tr><th scope=\"row\"><a href=\"/area/") == 43


def test_compare_page_is_a_funnel_plot_with_a_table(client):
    html = _check_page(client.get("/compare", params={"metric": "charge_rate_cohort", "period": "2017/18", "level": "pfa"}))
    assert 'id="chart-funnelplot"' in html and 'data-table="compare"' in html
    assert html.count("data-code=") == 43
    assert "not a league table" in text_of(html)


def test_metric_page(client):
    t = text_of(_check_page(client.get("/metric/charge_rate_cohort")))
    m = metrics.explain("charge_rate_cohort")
    assert m["definition"][:60] in t
    assert "offences recorded in the period, with their outcomes so far" in t and "Not to be confused with" in t
    for c in m["confused_with"]:
        assert c["how"][:40] in t


def test_every_metric_has_a_page(client):
    for mid in metrics.registry():
        assert client.get(f"/metric/{mid}").status_code == 200


def test_unknown_pages_say_what_they_could_be(client):
    r = client.get("/area/Kentt")
    assert r.status_code == 404 and "/area/E23000032" in r.text and "Traceback" not in r.text
    r = client.get("/metric/charge_rte_cohort")
    assert r.status_code == 404 and "/metric/charge_rate_cohort" in r.text
    r = client.get("/", params={"period": "next year"})
    assert r.status_code == 422 and "2017/18 Q4" in r.text


def test_downloads_parse(client):
    import openpyxl

    r = client.get("/download/funnel.csv", params={"area": "E23000032", "period": "2017/18", "offence": "rape"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert float(next(x for x in rows if x["stage"] == "recorded")["volume"]) == 2529
    r = client.get("/download/compare.xlsx", params={"metric": "charge_rate_cohort", "level": "pfa", "period": "2017/18"})
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb["compare"]
    header = [c.value for c in ws[1]]
    kent = next(row for row in ws.iter_rows(min_row=2, values_only=True) if row[header.index("area_name")] == "Kent")
    assert kent[header.index("denominator")] == 2529
    assert "notes" in wb.sheetnames
    for chart in ("outcomes", "trend", "timeliness", "figure"):
        r = client.get(f"/download/{chart}.csv", params={"area": "E23000032", "period": "2017/18", "metric": "charge_rate_cohort"})
        assert r.status_code == 200, (chart, r.text[:300])


def test_assets_are_served_locally(client):
    from justicegap.web import assets

    r = client.get(assets.VEGA_PATH, headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert "vegaEmbed" in r.text and "immutable" in r.headers["cache-control"]
    assert client.get(assets.VEGA_PATH, headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    for f in ("/static/app.css", "/static/app.js"):
        assert client.get(f).status_code == 200


# --- what travels with each figure on the pages (review findings) ------------------------------

import html as _html  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402


def spec_of(html: str, chart: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{chart}-spec">(.*?)</script>', html, re.S)
    assert m, f"no spec for {chart}"
    return json.loads(m.group(1))


def alt_of(html: str, chart: str) -> str:
    m = re.search(rf'id="{chart}" role="(?:img|group)" aria-label="([^"]*)"', html)  # a map is a group: its areas take focus
    assert m, f"no text alternative for {chart}"
    return _html.unescape(m.group(1))


def table_of(html: str, name: str) -> str:
    m = re.search(rf'<table class="data[^"]*" data-table="{name}">(.*?)</table>', html, re.S)
    assert m, f"no table {name}"
    return m.group(1)


def stage_rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-stage="([a-z_]+)">(.*?)</tr>', html, re.S))


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _per100(x: float, per: str = "offences recorded") -> str:
    """A ratio as the pages write it: so many per 100 of its denominator's cases (never a %)."""
    return f"{100 * x:,.1f} per 100 {per}"


@pytest.fixture
def lib(app):
    with app.state.service.cursor() as s:
        yield s


def test_compare_page_of_rates_per_resident_has_its_funnel_plot(client, lib):
    from justicegap.answers.compare import compare

    html = _check_page(client.get("/compare", params={"metric": "recorded_per_100k", "period": "2017/18", "level": "pfa"}))
    expected = compare("recorded_per_100k", level="pfa", period="2017/18", store=lib).model_dump()
    assert 'id="chart-funnelplot"' in html and "data-no-limits" not in html
    t = text_of(html)
    pooled = f"{expected['target']:,.1f} per 100,000"
    assert f"all areas together: {pooled} ({expected['target_numerator']:,} offences among {expected['target_denominator']:,} residents)" in t
    assert "%" not in t.split("all areas together:")[1].split(";")[0]
    kent = next(a for a in expected["areas"] if a["area"]["name"] == "Kent")
    row = re.search(r'<tr[^>]*data-code="E23000032".*?</tr>', html, re.S).group(0)
    assert kent["position"] in row and f"{kent['value']:,.1f} per 100,000" in row


def test_compare_page_of_a_ratio_has_no_limits_and_says_why(client, lib):
    """charge_ratio_period has no pooled target: the page gave a 500 reading cmp.target."""
    from justicegap.answers.compare import compare

    r = client.get("/compare", params={"metric": "charge_ratio_period", "period": "2017/18", "level": "pfa"})
    html = _check_page(r)
    expected = compare("charge_ratio_period", level="pfa", period="2017/18", store=lib).model_dump()
    assert expected["target"] is None and expected["method"] is None  # no pooled target for a ratio
    assert 'id="chart-funnelplot"' not in html and "data-no-limits" in html
    t = text_of(html)
    assert "No funnel plot" in t and "a ratio of two counts of different cases" in t
    from justicegap.web.labels import caveat_text

    for c in expected["caveats"]:
        assert _html.escape(caveat_text(c, expected)) in html
    # the caveat is worded for a ratio: there are no rates to compare
    assert "volumes and rates" not in t
    assert "different cases" in caveat_text("X: compare volumes and rates with care.", expected)
    assert html.count("data-code=") == len(expected["areas"]) == 43
    assert "Against the 99.8% limits" not in t  # no limits, so no position against them
    kent = next(a for a in expected["areas"] if a["area"]["name"] == "Kent")
    row = re.search(r'data-code="E23000032">(.*?)</tr>', html, re.S).group(1)
    assert f"{kent['numerator']:,.0f}" in row and f"{kent['denominator']:,.0f}" in row
    assert _per100(kent["numerator"] / kent["denominator"]) in text_of(row) and "%" not in text_of(row)
    assert "Value (ratio)" in t
    assert expected["editions"] == ["ho_outcomes-20440511f940"]
    assert "edition: Crime outcomes open data (prc-outcomes-2017-18.csv.gz)" in t  # named, not by its id


def test_ratio_map_and_trend_read_as_ratios_per_100(client, lib):
    """A ratio was formatted as a count ('0 in London, City of to 0 in Derbyshire'), then as a
    percentage of a cohort ('3.8%'): it is so many per 100 offences recorded, everywhere."""
    from justicegap.answers.compare import compare

    html = _check_page(client.get("/", params={"metric": "charge_ratio_period", "period": "2017/18"}))
    cmp = compare("charge_ratio_period", level="pfa", period="2017/18", store=lib).model_dump()
    known = [a for a in cmp["areas"] if a["value"] is not None]
    lo = min(known, key=lambda a: a["numerator"] / a["denominator"])
    hi = max(known, key=lambda a: a["numerator"] / a["denominator"])
    if 'id="chart-map"' in html:
        spec = spec_of(html, "chart-map")
        enc = spec["layer"][1]["encoding"]
        assert "per 100 offences recorded" in enc["color"]["title"][0]  # classes of the ratio per 100, in the legend's words
        assert all(re.fullmatch(r"\d+\.\d( to \d+\.\d)?", label) for label in enc["color"]["scale"]["domain"])
        assert next(x for x in enc["tooltip"] if x["field"] == "value")["format"] == ",.1f"
        shown = {v["code"]: v["value"] for v in spec["transform"][0]["from"]["data"]["values"]}
        assert shown["E23000032"] == pytest.approx(100 * next(a for a in cmp["areas"] if a["area"]["code"] == "E23000032")["value"])
        alt = alt_of(html, "chart-map")
        assert f"from {_per100(lo['numerator'] / lo['denominator'])} in {lo['area']['name']}" in alt
        assert f"to {_per100(hi['numerator'] / hi['denominator'])} in {hi['area']['name']}" in alt
        assert "Crime outcomes open data (prc-outcomes-2017-18.csv.gz)" in alt
    derbyshire = next(a for a in cmp["areas"] if a["area"]["name"] == "Derbyshire")
    assert _per100(derbyshire["numerator"] / derbyshire["denominator"]) in table_of(html, "map")
    assert "%" not in text_of(table_of(html, "map"))

    html = _check_page(client.get("/area/E23000032", params={"metric": "charge_ratio_period", "period": "2017/18"}))
    spec = spec_of(html, "chart-trend-charge_ratio_period")
    line = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")
    assert line["encoding"]["y"]["axis"]["format"] == ",.1f" and "per 100 offences recorded" in line["encoding"]["y"]["title"]
    pts = [layer for layer in spec["layer"] if layer["mark"]["type"] == "point"]
    assert pts and all(next(x for x in p["encoding"]["tooltip"] if x["field"] == "shown")["format"] == ",.1f" for p in pts)
    alt = alt_of(html, "chart-trend-charge_ratio_period")
    q1 = metrics.compute("charge_ratio_period", area="Kent", period="2017/18 Q1", store=lib)
    assert f"2017/18 Q1 {_per100(q1.numerator / q1.denominator)}" in alt
    assert next(p for p in spec["data"]["values"] if p["period"] == "2017/18 Q1")["shown"] == pytest.approx(100 * q1.value)
    fig = metrics.compute("charge_ratio_period", area="Kent", period="2017/18", store=lib)
    t = text_of(html)
    # the headline and the area against the others: a ratio, with its two counts
    assert f"{fig.numerator:,.0f} against {fig.denominator:,.0f} offences; a ratio, not a share" in t


@pytest.fixture(scope="module")
def moj_client(loaded_home, tmp_path_factory):
    """The loaded store plus an MoJ Outcomes by Offence file in the official layout (no real copy
    exists), so that the funnel has its ratio stages: the court's conviction ratio and
    convictions per offence recorded."""
    from fastapi.testclient import TestClient
    from test_sources_moj_outcomes import COUNT_HEADER, count_rows, write_csv

    from justicegap import update
    from justicegap.server import create_app
    from justicegap.store import Store

    home = tmp_path_factory.mktemp("moj-home")
    shutil.copy(loaded_home / "justicegap.duckdb", home / "justicegap.duckdb")
    with Store(home / "justicegap.duckdb") as s:
        update.load_file(s, write_csv(home / "outcomes.csv", COUNT_HEADER, count_rows()))
    app = create_app(home / "justicegap.duckdb", warm=False)
    yield TestClient(app, raise_server_exceptions=False)
    app.state.service.close()


def test_stage_table_labels_ratios_as_ratios(moj_client):
    """The funnel's 'Rate' column held moj_conviction_ratio and conviction_to_recorded_ratio."""
    funnel = moj_client.get("/api/v1/funnel", params={"area": "Kent", "period": "2017/18"}).json()
    stages = {s["id"]: s for s in funnel["stages"] if s["available"]}
    ratios = [i for i, s in stages.items() if s["kind"] == "ratio"]
    assert {stages[i]["metric"] for i in ratios} == {"moj_conviction_ratio", "conviction_to_recorded_ratio"}
    html = _check_page(moj_client.get("/area/E23000032", params={"period": "2017/18", "offence": "rape"}))
    assert '<th scope="col" class="num">Rate</th>' not in html
    assert "Rate or ratio" in html
    rows = stage_rows(html)
    for i in ratios:
        s = stages[i]
        cells = text_of(rows[i])
        per = "offences recorded" if s["metric"] == "conviction_to_recorded_ratio" else "defendants proceeded against"
        assert f"{_per100(s['numerator'] / s['denominator'], per)} ratio" in cells and " rate" not in cells
        assert f"{s['denominator']:,.0f}" in cells
    assert f"{_pct(stages['police_charged']['value'])} rate; 95% CI" in text_of(rows["police_charged"])
    alt = alt_of(html, "chart-funnel")
    s = stages["moj_convicted"]
    assert (f"{s['volume']:,.0f} defendants (ratio: {_per100(s['value'], 'defendants proceeded against')}, "
            f"against {s['denominator']:,.0f})") in alt
    assert f"({_pct(s['value'])} of" not in alt  # a ratio is not a share of its denominator


def test_funnel_shows_each_stage_edition_and_flags(client):
    """A CPS year with three months missing was shown as '2017/18' with no mark."""
    params = {"area": "E23000032", "period": "2017/18", "offence": "sexual_offences"}
    funnel = client.get("/api/v1/funnel", params={"area": "Kent", "period": "2017/18", "offence": "sexual_offences"}).json()
    stages = {s["id"]: s for s in funnel["stages"] if s["available"]}
    partial = [s for s in stages.values() if "partial" in s["flags"]]
    assert {s["id"] for s in partial} >= {"cps_completed", "cps_convicted"}
    html = _check_page(client.get("/area/E23000032", params={**params, "metric": "charge_rate_cohort"}))
    rows = stage_rows(html)
    alt = alt_of(html, "chart-funnel")
    chart = {r["stage"]: r for r in spec_of(html, "chart-funnel")["data"]["values"]}
    for s in stages.values():
        cells = text_of(rows[s["id"]])
        for e in s["editions"]:
            assert edition_name(e) in cells
        if len(s["editions"]) > 2:
            from justicegap import reference

            said = f"{len(s['editions'])} editions of {reference.sources()['cps_case_outcomes']['title']}"  # its title, not its id
            assert said in cells
            assert f"{s['label']}: " in alt and said in alt
        else:
            assert f"(edition: {', '.join(edition_name(e) for e in s['editions'])})" in alt
        for flag, words in (("partial", "partial"), ("provisional", "provisional"), ("maturing", "maturing"),
                            ("low_count", "low count"), ("excludes_areas", "excludes")):
            assert (words in cells) == (flag in s["flags"]), (s["id"], flag)
            assert (words in chart[s["label"]]["text"]) == (flag in s["flags"]), (s["id"], flag)
    for s in partial:
        months = s["figure"]["missing"]["periods"]
        assert months == "April 2017 to June 2017 (2017/18 Q1)"
        assert f"partial: no data for {months}" in text_of(rows[s["id"]])
        assert f"{s['period']['label']} (partial)" in text_of(rows[s["id"]])
        assert f"partial: no data for {months}" in chart[s["label"]]["flags"]
        assert f"partial: no data for {months}" in alt


def test_funnel_downloads_carry_flags_missing_periods_caveats_and_editions(client):
    params = {"area": "E23000032", "period": "2017/18", "offence": "sexual_offences"}
    funnel = client.get("/api/v1/funnel", params=params).json()
    stages = {s["id"]: s for s in funnel["stages"]}
    for r in (client.get("/api/v1/funnel", params={**params, "format": "csv"}), client.get("/download/funnel.csv", params=params)):
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = {x["stage"]: x for x in csv.DictReader(io.StringIO(r.text))}
        assert {"flags", "missing_periods", "caveats", "edition", "kind"} <= set(next(iter(rows.values())))
        for sid, row in rows.items():
            s = stages[sid]
            assert row["edition"].split("; ") == (s.get("editions") or [""])
            assert row["flags"] == "; ".join(s.get("flags") or [])
            assert row["caveats"] == "; ".join(s.get("caveats") or [])
            assert row["missing_periods"] == ((s.get("figure") or {}).get("missing") or {}).get("periods", "")
        cps = rows["cps_convicted"]
        assert "partial" in cps["flags"].split("; ") and "provisional" in cps["flags"].split("; ")
        assert cps["missing_periods"] == "April 2017 to June 2017 (2017/18 Q1)"
        assert cps["caveats"].startswith("PARTIAL: the data do not cover April 2017 to June 2017")
        assert len(cps["edition"].split("; ")) == 9


def test_comparisons_show_their_editions(client, lib):
    from justicegap.answers.compare import compare

    cmp = compare("charge_rate_cohort", level="pfa", period="2017/18", store=lib).model_dump()
    for url in ("/", "/compare"):
        html = _check_page(client.get(url, params={"period": "2017/18", "metric": "charge_rate_cohort"}))
        shown = re.search(r"<span data-editions>(.*?)</span>", html).group(1)
        assert cmp["editions"] == ["ho_outcomes-20440511f940"]
        assert shown == "Crime outcomes open data (prc-outcomes-2017-18.csv.gz)"
    # many editions (a CPS year of monthly files): counted in the caption, every one listed
    cmp = compare("cps_conviction_rate", level="pfa", period="2016/17", offence="sexual_offences", store=lib).model_dump()
    assert len(cmp["editions"]) == 12
    html = _check_page(client.get("/compare", params={"period": "2016/17", "metric": "cps_conviction_rate",
                                                      "offence": "sexual_offences"}))
    assert re.search(r"<span data-editions>(.*?)</span>", html).group(1) == "12 editions of CPS case outcomes by principal offence category (monthly)"
    assert all(edition_name(e) in html for e in cmp["editions"])


def test_outcome_groups_show_their_denominator_and_edition(client, lib):
    html = _check_page(client.get("/area/E23000032", params={"period": "2017/18", "offence": "sexual_offences"}))
    table = table_of(html, "outcomes")
    fig = metrics.compute("outcome_share_cohort", area="Kent", period="2017/18", offence="sexual_offences",
                          outcome="charged", store=lib)
    caption = text_of(re.search(r"<caption>(.*?)</caption>", table, re.S).group(1))
    assert f"of the {fig.denominator:,.0f} offences (sexual offences) recorded in Kent in 2017/18" in caption
    assert "sexual offences offences" not in caption
    assert edition_name(fig.edition) in caption
    assert table.count(f'data-denominator="{fig.denominator}"') == len(re.findall(r"<tr><th scope=\"row\">", table))
    alt = alt_of(html, "chart-outcomes")
    assert f"as shares of the {fig.denominator:,.0f} offences recorded" in alt and edition_name(fig.edition) in alt


def test_area_on_the_funnel_plot_has_its_numerator_denominator_and_edition(client, lib):
    from justicegap.answers.compare import compare

    html = _check_page(client.get("/area/E23000032", params={"period": "2017/18", "metric": "charge_rate_cohort"}))
    cmp = compare("charge_rate_cohort", level="pfa", period="2017/18", store=lib).model_dump()
    kent = next(a for a in cmp["areas"] if a["area"]["code"] == "E23000032")
    para = text_of(re.search(r"<p data-position=[^>]*>(.*?)</p>", html, re.S).group(1))
    assert (f"Kent: {_pct(kent['value'])} ({kent['numerator']:,.0f} of {kent['denominator']:,.0f} offences; "
            f"edition {edition_name(kent['edition'])}), {kent['position']} the 99.8% control limits around the "
            f"{100 * cmp['target']:.2f}% rate of all 43 areas ({cmp['target_numerator']:,.0f} of "
            f"{cmp['target_denominator']:,.0f})") in para
    assert (kent["numerator"], kent["denominator"]) == (42, 2529)
    alt = alt_of(html, "chart-funnelplot")
    assert f"42 of 2,529 offences; edition {edition_name(kent['edition'])}" in alt


def test_other_figures_carry_basis_population_and_flags(client, lib):
    # a rate per 100,000 with its count and population
    html = _check_page(client.get("/area/E23000032", params={"period": "2017/18", "metric": "recorded_per_100k"}))
    fig = metrics.compute("recorded_per_100k", area="Kent", period="2017/18", store=lib)
    t = text_of(html)
    assert f"{fig.numerator:,.0f} offences; population {fig.denominator:,.0f}" in t
    assert fig.population["note"] in t
    # timeliness: each average with its basis
    html = _check_page(client.get("/area/K04000001", params={"period": "2018/19"}))
    timely = table_of(html, "timeliness")
    with_basis = re.findall(r'<tr><th scope="row">(.*?)</th><td class="num">.*?</td><td>(.*?)</td><td>(.*?)</td>', timely)
    assert with_basis and all(basis == "cases completed in the period" for _, _, basis in with_basis)
    # and a measure the table gives (for 2018, overlapping 2018/19) is not also listed as missing
    missing = html.split("What is not available for England and Wales")[1]
    assert [name for name, _, _ in with_basis if f"{name} :" in text_of(missing) or f"{name}:" in text_of(missing)] == []
    # a partial figure's reason on a page names no command-line flag
    html = _check_page(client.get("/area/E23000032", params={"period": "2017/18", "offence": "sexual_offences",
                                                             "metric": "cps_conviction_rate"}))
    t = text_of(html)
    assert "April 2017 to June 2017 (2017/18 Q1) is missing" in t
    assert "--allow-partial" not in t


def test_metric_pages_list_each_neighbour_once(client):
    """A metric named on both sides (each names the other as confused with it) is listed once."""
    import re

    for mid in metrics.registry():
        html = client.get(f"/metric/{mid}").text
        block = html.split('data-field="confused_with"', 1)[1].split("</ul>", 1)[0] if 'data-field="confused_with"' in html else ""
        links = re.findall(r'<li><a href="/metric/([a-z0-9_]+)"', block)
        assert len(links) == len(set(links)), (mid, links)


def test_a_district_shared_by_partnerships_takes_none_of_their_colours(client):
    """Cumberland (E06000063) is the district of Allerdale, Carlisle and Copeland since 2023: its
    shape on the partnerships' map carries their names and no one partnership's figure; the text
    alternative says so, and the table gives each its own figure."""
    from justicegap import areas as A

    html = _check_page(client.get("/compare", params={"level": "csp", "metric": "recorded_per_100k", "offence": "sexual_offences",
                                                      "period": "YE Jun 2025"}))
    sharing = sorted(a.name for a in A.all_areas("csp") if "E06000063" in a.lads)
    assert sharing == ["Allerdale", "Carlisle", "Copeland"]
    for chart in ("chart-map", "chart-map-position"):
        rows = [v for v in spec_of(html, chart)["transform"][0]["from"]["data"]["values"] if v["code"] == "E06000063"]
        assert len(rows) == 1 and rows[0]["value"] is None and rows[0]["class"] is None and rows[0]["position"] is None
        assert all(name in rows[0]["name"] for name in sharing)
        assert "Allerdale, Carlisle and Copeland share one district's shape" in alt_of(html, chart)
    table = table_of(html, "compare")
    assert all(f">{name}<" in table for name in sharing)


def test_area_trend_names_the_quarters_it_has_no_figure_for(client, lib):
    """Kent's CPS conviction rate by quarter skips three quarters: the page names each, with the
    library's reason, under the table (left out, not zero)."""
    from justicegap.answers.trend import trend

    s = trend("cps_conviction_rate", area="Kent", offence="sexual_offences", store=lib)
    assert len(s.missing) == 3
    html = _check_page(client.get("/area/E23000032", params={"metric": "cps_conviction_rate", "offence": "sexual_offences"}))
    block = re.search(r"<p data-missing-quarters>(.*?)</ul>", html, re.S).group(1)
    t = _html.unescape(text_of(block))  # tags become spaces: "<strong>2015/16 Q3</strong>: why" reads "2015/16 Q3 : why"
    assert "No figure for 3 quarters" in t
    for gap in s.missing:
        assert f"{gap.period} : {gap.reason}" in t, gap.period
