"""The dashboard's pages, rendered on the server against the loaded store (no browser): each page
renders and shows its content, assets are served from the package, downloads parse."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest

from justicegap import metrics




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
    assert html.count('<table class="data"') >= 4
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
    assert "basis: recorded cohort" in html
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
    assert "recorded cohort" in t and "Not to be confused with" in t
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
