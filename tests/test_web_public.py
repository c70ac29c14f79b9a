"""The pages and the API's errors speak to the public: no command lines, flags, internal
identifiers or unfilled placeholders; forms offer only what the loaded data can give, and a page
that cannot give what was asked says what it can instead, with links."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from test_web import _check_page, text_of

from justicegap import areas as A
from justicegap import metrics

# one of every page type (and their empty and error states), and the API's errors of every kind
PAGES = ["/", "/?period=2017/18", "/?period=2010/11", "/area/E23000032?period=2017/18", "/area/E22000137", "/area/E07000105",
         "/area/CPS-SE?period=2017/18", "/area/K04000001?period=2017/18", "/compare", "/compare?level=csp",
         "/compare?level=cps_area&period=2017/18", "/compare?metric=charge_ratio_period&period=2017/18",
         "/compare?metric=recorded_per_100k&period=2017/18", "/compare?period=1999/00",
         "/metric/charge_rate_cohort", "/metric/recorded", "/metrics", "/areas", "/areas?q=Brighton", "/api/docs", "/evaluate",
         "/evaluate?metric=cps_conviction_rate&area=West+Midlands&from=2014-01&to=2018-03&intervention=2016-10"
         "&offence=sexual_offences&comparison=named&compare_with=Kent",
         "/area/E23000032/records", "/area/E07000105/records", "/records/sign-in"]
ERRORS = ["/area/Nowhere", "/areas?q=zzzz", "/compare?overdispersion=x", "/metric/nope", "/compare?period=13/14/15",
          "/area/E23000032?edition=nope"]
API_ERRORS = ["/api/v1/figure?metric=recorded&area=Nowhere", "/api/v1/figure?metric=nope&area=Kent",
              "/api/v1/figure?metric=cps_charge_rate&area=Ashford&period=2017/18",
              "/api/v1/compare?metric=charge_rate_cohort&level=csp&period=2017/18",
              "/api/v1/figure?metric=recorded&area=Kent&period=1990/91", "/api/v1/figure?metric=recorded&area=Kent&period=2017/19",
              "/api/v1/figure?metric=cps_charge_rate&area=Kent&period=2017/18", "/api/v1/boundaries?level=nation"]
BASES = "|".join(m["basis"] for m in metrics.registry().values())
DEVELOPER_TEXT = [re.compile(r"justicegap [a-z]"), re.compile(r"(?<![\w-])--[a-z]"), re.compile(r"\{[a-z_]+\}"),
                  re.compile(rf"\b({BASES})\b"), re.compile(r"\bTEXT\b")]


def _visible(html: str) -> str:
    """What a reader sees or hears: the text, the chart specs' words (titles, labels, tooltips) and
    the text alternatives; not the addresses in links or the specs' field names."""
    specs = " ".join(re.findall(r'"(?:text|title|subtitle|label|labels|alt)": ?"([^"]*)"',
                                " ".join(re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S))))
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return text_of(html) + " " + specs + " " + " ".join(re.findall(r'aria-label="([^"]*)"', html))


def _developer_text(text: str) -> list[str]:
    return [m.group(0) for pat in DEVELOPER_TEXT for m in pat.finditer(text)]


@pytest.mark.parametrize("path", PAGES + ERRORS)
def test_pages_speak_public_words(client, path):
    r = client.get(path)
    assert r.status_code in (200, 404, 409, 422), (path, r.status_code)
    assert "Content note" in r.text
    found = _developer_text(_visible(r.text))
    assert found == [], (path, found)


def test_case_records_pages_speak_public_words(records_copy):
    """The case-records pages with records loaded, as anyone and as a signed-in analyst sees them,
    their refusals and their errors."""
    from fastapi.testclient import TestClient

    from justicegap.records import access
    from justicegap.server import create_app
    from justicegap.store import Store

    with Store() as s:
        token = access.add_token(s, "Ana Lyst")
    app = create_app(records_copy / "justicegap.duckdb", warm=False)
    try:
        client = TestClient(app, raise_server_exceptions=False)
        kent = "/area/E23000032/records"
        for path, headers, status in [(kent, {}, 200), (kent + "?offence=rape", {}, 200), (kent, {"Authorization": f"Bearer {token}"}, 200),
                                      (kent + "?event=completion&follow_up=90", {"Authorization": f"Bearer {token}"}, 200),
                                      (kent + "/offences.csv", {}, 401), (kent + "?period=2019/20", {}, 422), (kent + "?follow_up=7", {}, 422),
                                      ("/area/CPS-SE/records", {}, 200),
                                      (kent + "/sample?size=10&by=victim_age_band", {"Authorization": f"Bearer {token}"}, 200),
                                      (kent + "/sample?size=0", {"Authorization": f"Bearer {token}"}, 422)]:
            r = client.get(path, headers=headers)
            assert r.status_code == status, (path, r.status_code)
            assert "Content note" in r.text
            assert _developer_text(_visible(r.text)) == [], (path, _developer_text(_visible(r.text)))
        r = client.post("/records/sign-in", data={"token": "wrong"})
        assert r.status_code == 401 and _developer_text(_visible(r.text)) == []
    finally:
        app.state.service.close()


@pytest.mark.parametrize("path", API_ERRORS)
def test_api_errors_speak_public_words(client, path):
    r = client.get(path)
    assert r.status_code in (404, 409, 422), (path, r.status_code, r.text[:300])
    body = r.json()
    text = " ".join(str(v) for v in body.values() if isinstance(v, (str, list)))
    assert _developer_text(text) == [], (path, body)


def test_the_checks_find_developer_text():
    """The patterns above catch what the pages used to show."""
    for bad in ["load it with `justicegap update`", "--overdispersion multiplicative", "basis: recorded_cohort",
                "Of the {denominator_int} {offence_plural}", "/areas?q=TEXT"]:
        assert _developer_text(bad), bad


def test_error_page_links_the_search_for_what_was_typed(client):
    html = client.get("/area/Brightn").text
    assert 'href="/areas?q=Brightn"' in html
    api = client.get("/api/v1/figure", params={"metric": "recorded", "area": "Brightn"}).json()
    assert "/api/v1/areas?search=Brightn" in api["message"]


def test_area_search_ranks_whole_names_first(client):
    assert A.all_areas(None, "Brighton")[0].name == "Brighton and Hove"
    with pytest.raises(Exception) as e:
        A.resolve("Brighton")
    assert e.value.suggestions[0].startswith("Brighton and Hove")
    found = [a.name for a in A.all_areas("csp", "ash")]
    assert found.index("Ashford") < found.index("Erewash")  # a name that starts with the text before one that holds it
    assert client.get("/areas", params={"q": "Brighton"}, follow_redirects=False).status_code in (200, 302)


def test_area_search_says_what_it_found_in_words(client):
    """A search is not an error: it says what it found ("unknown area 'Brighton'; closest matches"
    was shown above the matches), and when no name holds the text it lists the closest as links."""
    html = _check_page(client.get("/areas", params={"q": "Brighton"}))
    t = text_of(html)
    assert "No area is called \u201cBrighton\u201d exactly; 2 whose name or code contains it:" in t and "unknown area" not in t
    assert html.count('<li><a href="/area/') == 2
    html = _check_page(client.get("/areas", params={"q": "Manchestr"}))
    assert "contains \u201cManchestr\u201d. The closest names:" in text_of(html)
    assert f'href="/area/{A.resolve("Greater Manchester").code}"' in html


def test_metric_page_says_it_with_a_real_sentence(client, app):
    html = _check_page(client.get("/metric/charge_rate_cohort"))
    shown = text_of(re.search(r"<blockquote[^>]*data-example>(.*?)</blockquote>", html, re.S).group(1)).strip()
    period = app.state.service.default_period("charge_rate_cohort")
    with app.state.service.cursor() as s:
        fig = metrics.compute("charge_rate_cohort", area="K04000001", period=period, store=s)
    assert shown == fig.sentence.replace("'", "&#39;") or shown == fig.sentence
    # a measure published only for local areas and forces still gets a real sentence
    html = _check_page(client.get("/metric/recorded_per_100k"))
    assert re.search(r"data-example>[^<{]*\d", html)


# --- forms that offer only what exists -------------------------------------------------------

def _options(html: str, select_id: str) -> list[str]:
    sel = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="([^"]*)"', sel)


def test_local_comparison_is_two_clicks_from_the_form(client):
    """On /compare, choosing Community Safety Partnerships and pressing Show gives a comparison of
    299 local areas (the form sends the measure and period it showed: they give way, with notes)."""
    html = _check_page(client.get("/compare"))
    assert "csp" in _options(html, "f-level")
    sent = {"period": re.search(r'<option value="([^"]*)" selected', html.split('id="f-period"')[1]).group(1),
            "offence": "rape", "metric": "charge_rate_cohort", "level": "csp", "overdispersion": "", "sort": "", "edition": ""}
    html = _check_page(client.get("/compare", params=sent))
    rows = re.findall(r'<tr[^>]*data-code="(E22\d{6}[^"]*)"', html)
    assert len(rows) >= 250, len(rows)
    notes = " ".join(text_of(n) for n in re.findall(r"data-view-note>(.*?)</p>", html, re.S))
    assert "not published for Community Safety Partnerships" in notes and "YE Jun 2025" in notes
    # the form at that level offers the period the local figures are for, and only local measures
    assert _options(html, "f-period")[0] == "YE Jun 2025"
    assert set(_options(html, "f-metric")) <= {k for k, m in metrics.registry().items() if "csp" in m["levels"]}


def test_periods_offered_are_those_that_answer(client, app):
    html = _check_page(client.get("/compare", params={"level": "csp", "metric": "recorded", "offence": "sexual_offences"}))
    offered = _options(html, "f-period")
    assert offered and "2017/18" not in offered
    for p in offered:
        r = client.get("/api/v1/compare", params={"metric": "recorded", "level": "csp", "period": p, "offence": "sexual_offences"})
        assert r.status_code == 200, (p, r.text[:200])


def test_a_period_asked_stays_in_its_own_request(client):
    """The period a visitor types is offered back in that visitor's form only: another page's form
    (sharing the server's cached list of periods) never offers it (a fresh-user pass found every
    period anyone had asked added to everyone's dropdowns)."""
    before = {path: _options(_check_page(client.get(path)), "f-period") for path in ("/area/E23000032", "/compare", "/")}
    asked = client.get("/area/E23000036", params={"period": "2031/32"})
    assert "2031/32" in _options(asked.text, "f-period")
    for path, offered in before.items():
        assert _options(_check_page(client.get(path)), "f-period") == offered, path


@pytest.mark.parametrize("path", ["/", "/area/E23000032", "/area/E23000032?metric=cps_conviction_rate&offence=sexual_offences",
                                  "/compare", "/compare?level=cps_area&metric=cps_conviction_rate&offence=sexual_offences&period=2016/17",
                                  "/area/E22000137", "/area/K04000001", "/metric/charge_rate_cohort"])
def test_editions_are_named_by_publication_and_file_not_by_id(client, app, path):
    """A page names each edition as its publication and file ("Crime outcomes open data
    (prc-outcomes-2018-19.csv.gz)"), never by its id (found by a fresh-user pass); the downloads
    keep the ids, which are data."""
    from justicegap.web.labels import edition_name

    ids = {e.edition for e in app.state.service.editions}
    text = text_of(_check_page(client.get(path)))
    shown = set(re.findall(r"\b[a-z_]+-[0-9a-f]{12}\b", text)) & ids
    assert not shown, shown
    if not path.startswith("/metric/"):  # a metric's page describes it, citing no edition
        assert any(edition_name(e) in text for e in ids), path


def test_home_offers_the_periods_its_measure_has(client):
    """The home page's period list is the chosen measure's (for rape charge rates, the outcomes
    years), not every year any publication covers: each one offered draws its chart (a fresh-user
    pass chose 2016/17, a CPS year, and got "No figure")."""
    html = _check_page(client.get("/", params={"metric": "charge_rate_cohort", "offence": "rape"}))
    offered = _options(html, "f-period")
    assert offered and "2016/17" not in offered and "2014/15" not in offered
    for p in offered[:4]:
        assert 'id="chart-map"' in _check_page(client.get("/", params={"period": p, "metric": "charge_rate_cohort", "offence": "rape"})), p


def test_a_district_sharing_its_partnership_points_to_it(client):
    """Dartford's recorded crime is published with Gravesham's: its page says so at the top and
    links the partnership's page, where the figures are; a district with a partnership of its own
    (Ashford) has no such note."""
    csp = A.get(A.get("E07000107").csps[0])
    assert set(csp.lads) == {"E07000107", "E07000109"}  # Dartford and Gravesham, from the reference lookup
    html = _check_page(client.get("/area/E07000107"))
    note = re.search(r'<p class="notice" data-shared>(.*?)</p>', html).group(1)
    assert "shares its Community Safety Partnership with Gravesham" in note and f'href="/area/{csp.code}"' in note
    assert 'data-figure="recorded"' in _check_page(client.get(f"/area/{csp.code}"))  # the figures are there
    assert "data-shared" not in _check_page(client.get("/area/E07000105"))


def test_ashford_opens_on_a_measure_it_has(client):
    html = _check_page(client.get("/area/E22000137"))
    head = re.search(r'<section aria-labelledby="h-headline".*?</section>', html, re.S).group(0)
    assert 'data-figure="recorded"' in head and 'class="notice"' not in head
    assert set(_options(html, "f-metric")) <= {k for k, m in metrics.registry().items() if "csp" in m["levels"]}


def test_empty_results_say_what_is_available_and_draw_nothing(client):
    html = _check_page(client.get("/", params={"period": "2010/11"}))
    funnel = re.search(r'id="h-funnel">.*?</section>', html, re.S).group(0)
    assert "data-empty" in funnel and "<figure" not in funnel and "<table" not in funnel and "/download/" not in funnel
    links = re.findall(r'<ul class="instead" data-instead>(.*?)</ul>', funnel, re.S)[0]
    periods = [parse_qs(urlparse(h.replace("&amp;", "&")).query)["period"][0] for h in re.findall(r'href="([^"]*)"', links)]
    assert periods and all(_check_page(client.get("/", params={"period": p})).count("<figure") >= 1 for p in periods[:2])
    html = _check_page(client.get("/compare", params={"period": "1999/00", "metric": "cps_charge_rate", "level": "cps_area"}))
    assert "<figure" not in html and "data-table=\"compare\"" not in html and "/download/" not in html


# --- charts that read as what they show ------------------------------------------------------

def _spec(html: str, chart: str) -> dict:
    import json

    return json.loads(re.search(rf'<script type="application/json" id="{chart}-spec">(.*?)</script>', html, re.S).group(1))


def test_trend_is_plotted_by_period_with_breaks_as_bands(client):
    from datetime import date

    html = _check_page(client.get("/area/E23000032", params={"period": "2017/18"}))
    spec = _spec(html, "chart-trend-charge_rate_cohort")
    points = spec["data"]["values"]
    for p in points:  # each quarter at its middle, named as the period it is
        assert date.fromisoformat(p["start"]) < date.fromisoformat(p["mid"]) < date.fromisoformat(p["end"])
        assert re.fullmatch(r"\d{4}/\d{2} Q[1-4]", p["period"])
    kinds = [layer["mark"]["type"] for layer in spec["layer"]]
    assert "text" not in kinds and "rect" in kinds  # breaks are bands with a legend, not labels over the data
    bands = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rect")
    assert bands["encoding"]["color"]["legend"] and {b["break"] for b in bands["data"]["values"]}
    x = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")["encoding"]["x"]
    assert x["field"] == "mid" and all(v["month"] == 10 and v["date"] == 1 for v in x["axis"]["values"])  # ticks mid-year


def test_map_classes_hold_about_equal_numbers_of_areas(client):
    html = _check_page(client.get("/", params={"period": "2017/18", "metric": "recorded_per_100k"}))
    spec = _spec(html, "chart-map")
    values = {v["name"]: v for v in spec["transform"][0]["from"]["data"]["values"]}
    api = client.get("/api/v1/compare", params={"metric": "recorded_per_100k", "period": "2017/18"}).json()
    known = sorted((a["value"], a["area"]["name"]) for a in api["areas"] if a["value"] is not None)
    sizes = {}
    for _, name in known:
        sizes[values[name]["class"]] = sizes.get(values[name]["class"], 0) + 1
    assert len(sizes) == 5 and max(sizes.values()) - min(sizes.values()) <= 1, sizes
    top = known[-1][1]  # the highest (City of London) shares its class with others: it cannot flatten the scale
    assert sizes[values[top]["class"]] > 1
    legend = spec["layer"][1]["encoding"]["color"]
    assert "classes" in legend["title"][1] and legend["scale"]["domain"] == list(dict.fromkeys(values[n]["class"] for _, n in known))


def test_funnel_plot_names_only_areas_outside_the_limits(client):
    html = _check_page(client.get("/compare", params={"period": "2017/18", "highlight": "Kent"}))
    spec = _spec(html, "chart-funnelplot")
    api = client.get("/api/v1/compare", params={"metric": "charge_rate_cohort", "period": "2017/18"}).json()
    outside = {a["area"]["name"] for a in api["areas"] if a["position"] in ("above", "below")}
    named = {row["area"] for layer in spec["layer"] if layer["mark"]["type"] == "text" and layer["mark"].get("color") != "#d4351c"
             for row in layer["data"]["values"]}
    assert named == outside - {"Kent"} and 0 < len(named) < 43
    kent = [layer for layer in spec["layer"] if layer["mark"].get("color") == "#d4351c"]
    assert kent and all(layer["data"]["values"][0]["area"] == "Kent" for layer in kent)
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "point" and "params" in layer)
    assert len(points["data"]["values"]) == 43 and points["encoding"]["tooltip"]
    # every point reachable from the table: each row links to the plot with that area picked out
    assert len(re.findall(r'class="on-plot" href="[^"]*highlight=[EW]\d+', html)) == 43
    assert 'class="highlight" data-code="E23000032"' in html
    zoomed = _spec(_check_page(client.get("/compare", params={"period": "2017/18", "zoom": "dense"})), "chart-funnelplot")
    assert zoomed["layer"][0]["encoding"]["x"]["scale"]["domain"][1] < max(a["denominator"] for a in api["areas"])


def test_api_docs_are_served_from_the_package(client):
    html = _check_page(client.get("/api/docs"))
    assert '<html lang="en-GB">' in html and "<main" in html and "<h1>The HTTP API</h1>" in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html) + re.findall(r'<link[^>]*href="([^"]+\.css)"', html)
    assert any("swagger-ui-bundle.js" in s for s in scripts) and all(s.startswith("/") for s in scripts)
    for s in scripts:
        assert client.get(s).status_code == 200, s
    assert client.get("/openapi.json").json()["paths"]


def test_chart_description_is_read_once(client):
    html = _check_page(client.get("/area/E23000032", params={"period": "2017/18"}))
    for fig in re.findall(r'<figure class="chart".*?</figure>', html, re.S):
        label = re.search(r'role="img" aria-label="([^"]*)"', fig).group(1)
        caption = re.search(r"<figcaption([^>]*)>", fig).group(1)
        assert len(label) > 40 and 'aria-hidden="true"' in caption


def test_a_rate_per_resident_names_its_population_on_the_page(client):
    """The comparison's caption says what the pooled rate divides by: women aged 16 and over for
    adult female rape (a fresh-user pass saw "residents" there beside a caveat naming women)."""
    html = _check_page(client.get("/compare", params={"metric": "recorded_per_100k", "level": "cps_area", "period": "2017/18",
                                                      "offence": "rape_adult_female"}))
    caption = text_of(re.search(r"<caption>.*?</caption>", html, re.S).group(0))
    assert re.search(r"among [\d,]+ women aged 16 and over\)", caption) and "residents)" not in caption


def test_an_unknown_edition_is_answered_with_edition_names(client, app):
    """An edition that is not loaded: the page says so and offers the loaded ones by publication and
    file, with no edition ids in what it shows (a fresh-user pass saw "ho_outcomes-c3bdc40224c8")."""
    from justicegap.web.labels import edition_name

    r = client.get("/area/E23000032", params={"period": "2017/18", "edition": "foo"})
    t = text_of(r.text)
    assert r.status_code == 404 and "No edition called \u201cfoo\u201d is loaded on this site." in t
    ids = {e.edition for e in app.state.service.editions}
    assert not set(re.findall(r"\b[a-z_]+-[0-9a-f]{12}\b", t)) & ids
    assert edition_name("ho_outcomes-c3bdc40224c8") in t
