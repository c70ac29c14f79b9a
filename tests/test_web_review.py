"""QA review of the dashboard and its downloads: partial headlines, flags on every table, what the
downloads hold and are called, ratios read per 100, repeated parameters, links and wording."""

from __future__ import annotations

import csv
import html
import io
import json
import re

from test_web import _check_page, alt_of, spec_of, table_of, text_of

from justicegap import metrics


def test_home_headline_gives_no_partial_figure_but_the_api_reason(client):
    # calendar 2019: the outcomes data's recorded offences cover January to March only
    params = {"period": "2019", "metric": "recorded"}
    api = client.get("/api/v1/figure", params={**params, "area": "England and Wales"})
    assert api.status_code == 409
    reason = api.json()["message"]
    html = _check_page(client.get("/", params=params))
    headlines = text_of(re.search(r'id="h-headlines">.*?</section>', html, re.S).group(0))
    funnel = client.get("/api/v1/funnel", params={"area": "K04000001", "period": "2019"}).json()
    rec = next(s for s in funnel["stages"] if s["id"] == "recorded")
    assert "partial" in rec["flags"]
    assert f"{rec['volume']:,.0f}" not in headlines  # no number for a partial period
    assert reason in headlines
    # the funnel keeps the stage, flagged partial with the months it lacks and the months it covers
    covered = re.search(r"'Offences recorded by the police' covers only (.*?) of 2019", " ".join(funnel["statements"])).group(1)
    row = text_of(re.search(r'<tr data-stage="recorded">(.*?)</tr>', html, re.S).group(1))
    assert f"partial: no data for {rec['figure']['missing']['periods']}; covers only {covered}" in row
    # the area page's headline is the same notice
    html = _check_page(client.get("/area/E23000032", params=params))
    kent = client.get("/api/v1/figure", params={**params, "area": "E23000032"})
    assert kent.status_code == 409
    assert kent.json()["message"] in text_of(re.search(r'id="h-headline">.*?</section>', html, re.S).group(0))


def test_trend_and_map_tables_carry_flags(client):
    html = _check_page(client.get("/area/E23000034", params={"period": "2017/18", "metric": "charge_rate_cohort"}))
    trend = client.get("/download/trend.csv", params={"area": "E23000034", "metric": "charge_rate_cohort"})
    rows = list(csv.DictReader(io.StringIO(trend.text)))
    low = [r for r in rows if "low_count" in r["flags"].split("; ")]
    assert low  # City of London: a handful of offences a quarter
    table = table_of(html, "trend-charge_rate_cohort")
    assert re.search(r'<th scope="col"( class="more")?>Flags</th>', table)
    for r in low:
        cells = text_of(re.search(rf'<tr data-period="{re.escape(r["period"])}">(.*?)</tr>', table, re.S).group(1))
        assert "low count (denominator under 30)" in cells
    spec = spec_of(html, "chart-trend-charge_rate_cohort")
    hollow = [layer for layer in spec["layer"] if layer["mark"]["type"] == "point" and layer["mark"].get("filled") is False]
    assert hollow and hollow[0]["transform"] == [{"filter": "datum.flagged"}]
    assert {p["period"] for p in spec["data"]["values"] if p["flagged"]} >= {r["period"] for r in low}
    alt = alt_of(html, "chart-trend-charge_rate_cohort")
    assert f"{low[0]['period']} 0.0% (low count" in alt and "hollow points" in alt

    html = _check_page(client.get("/", params={"period": "2017/18", "metric": "charge_rate_cohort"}))
    cmp = client.get("/api/v1/compare", params={"metric": "charge_rate_cohort", "period": "2017/18"}).json()
    city = next(a for a in cmp["areas"] if a["area"]["code"] == "E23000034")
    assert "low_count" in city["flags"]
    table = table_of(html, "map")
    assert re.search(r'<th scope="col"( class="more")?>Flags</th>', table)
    row = text_of(re.search(r'London, City of</a></th>(.*?)</tr>', table, re.S).group(1))
    assert "low count (denominator under 30)" in row
    if 'id="chart-map"' in html:
        alt = alt_of(html, "chart-map")
        assert f"in London, City of (a low count: {city['numerator']:,.0f} against a denominator of {city['denominator']:,.0f}" in alt


def test_downloads_hold_what_they_say(client, app):
    r = client.get("/download/trend.csv", params={"area": "E23000032", "metric": "charge_rate_cohort", "offence": "rape"})
    assert next(csv.DictReader(io.StringIO(r.text)))["offence"] == "rape"
    assert 'filename="justicegap-trend-E23000032-charge_rate_cohort-rape.csv"' in r.headers["content-disposition"]
    import openpyxl

    x = client.get("/download/trend.xlsx", params={"area": "E23000032", "metric": "charge_rate_cohort"})
    assert "offence" in [c.value for c in openpyxl.load_workbook(io.BytesIO(x.content))["trend"][1]]

    r = client.get("/download/timeliness.csv", params={"area": "K04000001", "period": "2018/19"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and {"area_code", "area_name", "offence", "defendants"} <= set(rows[0])
    fig = client.get("/api/v1/figure", params={"metric": rows[0]["metric"], "area": "K04000001", "period": rows[0]["period"]}).json()
    with app.state.service.cursor() as s:
        p = fig["period"]
        sums = {v for (v,) in s.con.execute(
            "select sum(value) from facts where edition = ? and measure = 'defendants' and area = 'K04000001' "
            "and period_start >= cast(? as date) and period_end <= cast(? as date) group by offence",
            [fig["edition"], p["start"], p["end"]]).fetchall()}
    assert float(rows[0]["defendants"]) in sums and rows[0]["area_code"] == "K04000001" and rows[0]["offence"] == "rape"

    r = client.get("/download/outcomes.csv", params={"area": "E23000034", "period": "2017/18"})
    rows = {x["group"]: x for x in csv.DictReader(io.StringIO(r.text))}
    assert rows["charged"]["offences"] == "0" and rows["charged"]["label"] == "Charged or summonsed"
    assert not re.search(r"(^|,)\d+\.0(,|$)", r.text, re.M)  # counts as integers, never 34.0
    r = client.get("/download/funnel.csv", params={"area": "E23000032", "period": "2017/18"})
    assert not re.search(r"(^|,)\d+\.0(,|$)", r.text, re.M)
    r = client.get("/download/funnel.xlsx", params={"area": "E23000032", "period": "2017/18", "offence": "rape"})
    assert 'filename="justicegap-funnel-E23000032-2017-18-rape.xlsx"' in r.headers["content-disposition"]


def test_repeated_parameters_are_refused(client):
    r = client.get("/api/v1/figure?metric=recorded&metric=charge_rate_cohort&area=Kent")
    assert r.status_code == 422 and r.json()["parameter"] == "metric" and "more than once" in r.json()["message"]
    assert r.json()["code"] == "invalid_parameter"  # as every other 422 (found by a fresh-user pass)
    r = client.get("/area/E23000032?period=2017/18&period=2018/19")
    assert r.status_code == 422 and "text/html" in r.headers["content-type"]
    assert "period: given more than once" in text_of(r.text) and "Traceback" not in r.text


def test_links_and_words(client, app):
    ed = "ho_outcomes-20440511f940"
    html = _check_page(client.get("/", params={"period": "2017/18", "metric": "charge_rate_cohort", "edition": ed}))
    links = re.findall(r"<a href=\"(/area/[^\"]*)\">", table_of(html, "map"))
    assert len(links) == 43 and all(f"edition={ed}" in x and "metric=charge_rate_cohort" in x for x in links)
    html = _check_page(client.get("/compare", params={"period": "2017/18", "metric": "charge_rate_cohort"}))
    # the funnel plot's title is the page's (where it wraps); its caption names the basis in words
    assert "title" not in spec_of(html, "chart-funnelplot")
    caption = re.search(r'<table class="data[^"]*" data-table="compare">\s*.*?<caption>(.*?)</caption>', html, re.S).group(1)
    assert "recorded_cohort" not in caption and "offences recorded in the period" in caption
    # funnel bar labels start at the axis, over and under each bar, cut at the chart's width (never past it)
    html = _check_page(client.get("/area/E23000032", params={"period": "2017/18"}))
    texts = [layer for layer in spec_of(html, "chart-funnel")["layer"] if layer["mark"]["type"] == "text"]
    assert len(texts) == 2 and all(t["encoding"]["x"] == {"datum": 0, "type": "quantitative"} for t in texts)
    assert all(t["mark"]["limit"] == {"expr": "width"} for t in texts)
    # errors link to the metrics page, not a command
    r = client.get("/", params={"metric": "charge_rte"})
    assert r.status_code == 404 and "justicegap metrics" not in r.text and '<a href="/metrics">' in r.text
    assert "/api/v1/metrics" in client.get("/api/v1/figure", params={"metric": "zz", "area": "Kent"}).json()["message"]
    # an unknown edition suggests editions of the metric's datasets only
    r = client.get("/area/E23000032", params={"metric": "charge_rate_cohort", "edition": "nonsense"})
    assert r.status_code == 404
    from html import unescape

    from justicegap.web.labels import edition_name

    named = {edition_name(e.edition): e.dataset for e in app.state.service.editions}
    sugg = [unescape(x) for x in re.findall(r"<li>([^<]+)</li>", r.text) if unescape(x) in named]
    assert sugg and {named[x] for x in sugg} <= set(metrics.get("charge_rate_cohort")["datasets"])  # named, not by id
    # the metric's name, not lowercased acronyms
    html = _check_page(client.get("/", params={"period": "2016/17", "metric": "cps_conviction_rate", "offence": "sexual_offences"}))
    if 'id="chart-map"' in html:
        assert "coloured by CPS conviction rate" in alt_of(html, "chart-map")
    t = text_of(_check_page(client.get("/metric/charge_rate_cohort")))
    assert "Link to this view (the metric in the address)" in t and "area, period, offence" not in t


def test_pages_refer_to_nothing_outside(client):
    for url, params in (("/", {"period": "2017/18"}), ("/area/E23000032", {"period": "2017/18"}),
                        ("/compare", {"period": "2017/18", "metric": "charge_rate_cohort"})):
        html = _check_page(client.get(url, params=params))
        specs = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
        assert specs and all("$schema" not in s and "http" not in s for s in specs)
        assert "https://rapecrisis.org.uk/" in html  # the support services stay in the content note


def test_error_pages_say_things_once_and_in_words(client):
    """Found by a fresh-user pass: metric ids offered as suggestions, and the area search offered
    twice (as a sentence and as its link)."""
    r = client.get("/compare?metric=recorded_rate&level=csp")
    assert r.status_code == 404
    offered = re.findall(r'<a href="/metric/([a-z0-9_]+)">([^<]+)</a>', r.text)
    assert offered and all(html.unescape(text) == metrics.registry()[mid]["name"] for mid, text in offered)
    r = client.get("/area/E99999999")
    assert r.status_code == 404 and text_of(r.text).count("Try the area search") == 1


def test_the_compare_form_offers_only_what_the_level_publishes(client):
    """Found by a fresh-user pass: at partnership level the form offered rape (not published for
    partnerships) and the police outcomes editions; the editions were named by their dataset ids."""
    r = client.get("/compare?metric=recorded&level=csp")
    sel = re.search(r'<select[^>]*name="offence"[^>]*>(.*?)</select>', r.text, re.S).group(1)
    assert re.findall(r'<option[^>]*value="([a-z_]+)"', sel) == ["sexual_offences"]
    eds = re.search(r'<select[^>]*name="edition"[^>]*>(.*?)</select>', r.text, re.S)
    assert eds is None or "prc-outcomes" not in eds.group(1)
    kent = client.get("/area/E23000032").text
    assert "(ho_outcomes)" not in kent and "(Crime outcomes open data)" in kent
