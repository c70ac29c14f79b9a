"""The HTTP API against the store loaded from ../shared/data: every endpoint gives the library's own
answer, errors are declared and plain (never a traceback), CSV parses, and request text never
reaches SQL."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from justicegap import metrics, reference
from justicegap.periods import FORMS

API = "/api/v1"




@pytest.fixture
def lib_store(app):
    with app.state.service.cursor() as s:
        yield s


def _same(payload, expected) -> None:
    """The API's JSON is the library's result (a model, or a figure's dict) as JSON."""
    if hasattr(expected, "model_dump"):
        expected = expected.model_dump(mode="json")
    assert payload == json.loads(json.dumps(expected, default=str))


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text
    assert 'File "' not in text
    assert ".py\", line" not in text


# --- figures ---------------------------------------------------------------------------------

def test_figure_kent_recorded_2017_18(client, lib_store):
    r = client.get(f"{API}/figure", params={"metric": "recorded", "area": "Kent", "period": "2017/18", "offence": "rape"})
    assert r.status_code == 200
    d = r.json()
    assert d["value"] == 2529
    assert d["area"]["code"] == "E23000032" and d["unit"] == "offences" and d["basis"] == "recorded_in_period"
    _same(d, metrics.compute("recorded", area="Kent", period="2017/18", offence="rape", store=lib_store).to_dict())


@pytest.mark.parametrize("params", [
    {"metric": "charge_rate_cohort", "area": "Kent", "period": "2017/18"},
    {"metric": "charge_rate_cohort", "area": "England and Wales", "period": "2017/18"},
    {"metric": "charge_rate_closed", "area": "CPS South East", "period": "2017/18 Q4"},
    {"metric": "outcome_share_cohort", "area": "E23000032", "period": "2017/18", "outcome": "victim_does_not_support"},
])
def test_figure_equals_library(client, lib_store, params):
    r = client.get(f"{API}/figure", params=params)
    assert r.status_code == 200, r.text
    expected = metrics.compute(params["metric"], area=params["area"], period=params["period"], outcome=params.get("outcome"),
                               store=lib_store).to_dict()
    _same(r.json(), expected)


def test_national_charge_rate_matches_published_counts(client):
    d = client.get(f"{API}/figure", params={"metric": "charge_rate_cohort", "area": "K04000001", "period": "2017/18"}).json()
    assert (d["numerator"], d["denominator"]) == (2238, 53931)


def test_figure_without_period_uses_latest_with_data(client, app):
    d = client.get(f"{API}/figure", params={"metric": "charge_rate_cohort", "area": "Kent"}).json()
    assert d["period"]["label"] == app.state.service.default_period()
    assert d["value"] is not None


def test_funnel_equals_library(client, lib_store):
    from justicegap.answers.funnel import attrition

    r = client.get(f"{API}/funnel", params={"area": "Kent", "period": "2017/18", "offence": "rape"})
    assert r.status_code == 200
    _same(r.json(), attrition(area="Kent", period="2017/18", offence="rape", store=lib_store))
    stages = {s["id"]: s for s in r.json()["stages"]}
    assert stages["recorded"]["volume"] == 2529


def test_compare_equals_library_and_is_not_a_league_table(client, lib_store):
    from justicegap.answers.compare import compare

    params = {"metric": "charge_rate_cohort", "level": "pfa", "period": "2017/18"}
    r = client.get(f"{API}/compare", params=params)
    assert r.status_code == 200
    d = r.json()
    _same(d, compare("charge_rate_cohort", level="pfa", period="2017/18", store=lib_store))
    names = [a["area"]["name"] for a in d["areas"]]
    assert names == sorted(names)  # name order unless a sort is asked for
    assert all(a["rank"] is None for a in d["areas"])  # no ranks unless a sort by value is asked for
    assert d["target"] == pytest.approx(d["target_numerator"] / d["target_denominator"])
    ranked = client.get(f"{API}/compare", params={**params, "sort": "value"}).json()
    assert all(a["rank_low"] <= a["rank"] <= a["rank_high"] for a in ranked["areas"])


def test_compare_cps_areas(client):
    d = client.get(f"{API}/compare", params={"metric": "charge_rate_cohort", "level": "cps_area", "period": "2017/18"}).json()
    assert any(a["area"]["name"] == "CPS South East" for a in d["areas"])


# --- areas, metrics, catalogue ---------------------------------------------------------------

def test_areas_by_level_and_search(client):
    d = client.get(f"{API}/areas", params={"level": "pfa"}).json()
    assert len(d) == 43 and {"code", "name", "level", "level_name"} <= set(d[0])
    found = client.get(f"{API}/areas", params={"search": "ashford"}).json()
    assert {a["level"] for a in found} >= {"csp", "lad"}


def test_area_detail(client):
    kent = client.get(f"{API}/areas/E23000032").json()
    assert kent["name"] == "Kent" and "charge_rate_cohort" in kent["metrics"]
    assert any(c["name"] == "Ashford" for c in kent["children"])
    ashford = client.get(f"{API}/areas/E07000105").json()
    assert ashford["level"] == "lad" and ashford["parent_area"]["name"] == "Kent"
    reasons = {n["metric"]: n["reason"] for n in ashford["not_published"]}
    assert "police force area only" in reasons["charge_rate_cohort"]
    cps = client.get(f"{API}/areas/CPS-SE").json()
    assert {m["name"] for m in cps["members"]} == {"Kent", "Surrey", "Sussex"}


def test_metrics_list_whatever_the_registry_holds(client):
    d = client.get(f"{API}/metrics").json()
    assert [m["id"] for m in d] == list(metrics.registry())
    one = client.get(f"{API}/metrics/charge_rate_cohort").json()
    assert one == json.loads(json.dumps(metrics.explain("charge_rate_cohort")))
    assert any(c["metric"] == "charge_rate_closed" for c in one["confused_with"])


def test_catalogue_endpoints(client, app):
    eds = client.get(f"{API}/editions").json()
    assert {e["edition"] for e in eds} == {e.edition for e in app.state.service.editions}
    srcs = client.get(f"{API}/sources").json()
    assert {s["id"] for s in srcs} == set(reference.sources())
    evs = client.get(f"{API}/events").json()
    assert {e["id"] for e in evs} == {e["id"] for e in reference.table("events")}
    assert all(isinstance(e["datasets"], list) for e in evs)


# --- errors ----------------------------------------------------------------------------------

def test_unknown_area_is_404_with_closest_matches(client):
    r = client.get(f"{API}/figure", params={"metric": "recorded", "area": "Kentt", "period": "2017/18"})
    assert r.status_code == 404
    d = r.json()
    assert d["error"] == "NotFound" and d["kind"] == "area"
    assert any(s.startswith("Kent") for s in d["suggestions"])
    r = client.get(f"{API}/areas/Kentt")
    assert r.status_code == 404 and any(s.startswith("Kent") for s in r.json()["suggestions"])


def test_unknown_metric_is_404_with_closest_matches(client):
    r = client.get(f"{API}/metrics/charge_rate_cohrt")
    assert r.status_code == 404
    assert "charge_rate_cohort" in r.json()["suggestions"]
    r = client.get(f"{API}/figure", params={"metric": "chrge_rate_cohort", "area": "Kent", "period": "2017/18"})
    assert r.status_code == 404 and "charge_rate_cohort" in r.json()["suggestions"]


def test_malformed_period_is_422_naming_the_accepted_forms(client):
    r = client.get(f"{API}/figure", params={"metric": "recorded", "area": "Kent", "period": "2017-18x"})
    assert r.status_code == 422
    d = r.json()
    assert d["error"] == "InvalidParameter" and d["parameter"] == "period"
    assert all(f in d["message"] for f in FORMS)
    r = client.get(f"{API}/funnel", params={"area": "Kent", "period": "last year"})
    assert r.status_code == 422 and "2017/18 Q4" in r.json()["message"]


def test_not_available_at_level_is_409_with_the_reason(client):
    r = client.get(f"{API}/figure", params={"metric": "charge_rate_cohort", "area": "Ashford", "period": "2017/18"})
    assert r.status_code == 409
    d = r.json()
    assert d["error"] == "NotAvailable"
    assert "police force area only" in d["message"]
    assert d["holder"].startswith("Kent Police")
    assert any("Kent" in a for a in d["available"])


def test_invalid_enum_is_422_in_the_same_shape(client):
    r = client.get(f"{API}/compare", params={"metric": "charge_rate_cohort", "level": "galaxy", "period": "2017/18"})
    assert r.status_code == 422
    assert r.json()["parameter"] == "level" and "pfa" in r.json()["message"]


BAD = [
    ("/figure", {"metric": "recorded", "area": "Kentt", "period": "2017/18"}),
    ("/figure", {"metric": "recorded", "area": "Kent", "period": "13/14/15"}),
    ("/figure", {"metric": "recorded", "area": "Kent", "period": "2017/18", "edition": "nonesuch"}),
    ("/figure", {"metric": "recorded", "area": "Kent", "period": "2017/18", "offence": "burglary"}),
    ("/figure", {"metric": "outcome_share_cohort", "area": "Kent", "period": "2017/18", "outcome": "99"}),
    ("/figure", {"metric": "charge_rate_cohort", "area": "Ashford", "period": "2017/18"}),
    ("/figure", {"area": "Kent"}),
    ("/funnel", {"area": "", "period": "2017/18"}),
    ("/compare", {"metric": "recorded", "level": "pfa", "period": "1991/92"}),
    ("/compare", {"metric": "charge_rate_cohort", "level": "pfa", "period": "2017/18", "overdispersion": "lots"}),
    ("/areas", {"level": "planet"}),
    ("/areas/" + "x" * 500, {}),
    ("/metrics/%00", {}),
    ("/nowhere", {}),
]


@pytest.mark.parametrize("path,params", BAD)
def test_errors_are_plain_json_without_traceback(client, path, params):
    r = client.get(API + path, params=params)
    assert 400 <= r.status_code < 500, r.text
    assert r.headers["content-type"].startswith("application/json")
    _no_traceback(r.text)
    d = r.json()
    assert set(d) >= {"error", "message"}


def test_internal_errors_are_plain_and_logged(app, client, monkeypatch, caplog):
    def broken(*a, **k):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(app.state.service, "figure", broken)
    with caplog.at_level("ERROR", logger="justicegap.server"):
        r = client.get(f"{API}/figure", params={"metric": "recorded", "area": "Kent", "period": "2014/15"})
    assert r.status_code == 500
    assert r.json() == {"error": "InternalError", "message": "Something went wrong on the server; it has been logged."}
    _no_traceback(r.text)
    assert "secret" not in r.text
    assert any("secret internals" in (rec.exc_text or "") or rec.exc_info for rec in caplog.records)


# --- injection -------------------------------------------------------------------------------

INJECTIONS = ["Kent'; drop table facts;--", "Kent\" or 1=1 --", "'); delete from editions; --", "E23000032' union select 1--"]


def _facts(lib_store) -> tuple:
    return lib_store.con.execute("select count(*), sum(value) from facts").fetchone()


@pytest.mark.parametrize("text", INJECTIONS)
def test_sql_in_parameters_is_harmless(client, lib_store, text):
    before = _facts(lib_store)
    r = client.get(f"{API}/figure", params={"metric": "recorded", "area": text, "period": "2017/18"})
    assert r.status_code == 404
    _no_traceback(r.text)
    for path, params in [("/figure", {"metric": text, "area": "Kent", "period": "2017/18"}),
                         ("/figure", {"metric": "recorded", "area": "Kent", "period": text}),
                         ("/figure", {"metric": "recorded", "area": "Kent", "period": "2017/18", "edition": text}),
                         ("/funnel", {"area": text, "period": "2017/18"}),
                         ("/compare", {"metric": text, "period": "2017/18"}),
                         ("/areas", {"search": text}),
                         ("/areas/" + text, {})]:
        r = client.get(API + path, params=params)
        assert r.status_code in (200, 404, 422), (path, r.status_code, r.text)
        _no_traceback(r.text)
    assert _facts(lib_store) == before
    again = client.get(f"{API}/figure", params={"metric": "recorded", "area": "Kent", "period": "2017/18"}).json()
    assert again["value"] == 2529


def test_no_request_text_is_formatted_into_sql():
    """The server's own SQL is constant text with bound parameters (the library's is checked by its own tests)."""
    import re
    from pathlib import Path

    import justicegap.api as api_pkg
    import justicegap.web as web_pkg

    for pkg in (api_pkg, web_pkg):
        for f in Path(pkg.__file__).parent.glob("*.py"):
            for line in f.read_text().splitlines():
                if "execute(" in line:
                    assert not re.search(r"execute\(\s*f[\"']", line), f"{f.name}: {line.strip()}"
                    assert ".format(" not in line and "%" not in line.split("execute(")[1].split(",")[0], f"{f.name}: {line.strip()}"


# --- CSV -------------------------------------------------------------------------------------

def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_by_format_parameter(client):
    r = client.get(f"{API}/figure", params={"metric": "recorded", "area": "Kent", "period": "2017/18", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _rows(r.text)
    assert len(rows) == 1 and float(rows[0]["value"]) == 2529 and rows[0]["area_code"] == "E23000032"


def test_csv_by_accept_header(client):
    r = client.get(f"{API}/compare", params={"metric": "charge_rate_cohort", "period": "2017/18"}, headers={"Accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = _rows(r.text)
    assert len(rows) == 43
    kent = next(x for x in rows if x["area_name"] == "Kent")
    assert float(kent["denominator"]) == 2529 and kent["basis"] == "recorded_cohort"


@pytest.mark.parametrize("path,params", [
    ("/areas", {"level": "cps_area"}), ("/areas/E23000032", {}), ("/metrics", {}), ("/metrics/recorded", {}),
    ("/funnel", {"area": "Kent", "period": "2017/18"}), ("/editions", {}), ("/sources", {}), ("/events", {}),
])
def test_every_endpoint_gives_csv(client, path, params):
    r = client.get(API + path, params={**params, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = _rows(r.text)
    assert rows and all(len(x) == len(rows[0]) for x in rows)


# --- the OpenAPI description and the cache ---------------------------------------------------

def test_openapi_declares_models_and_errors(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for p in ["/areas", "/areas/{code}", "/metrics", "/metrics/{metric_id}", "/figure", "/funnel", "/compare",
              "/editions", "/sources", "/events"]:
        op = paths[API + p]["get"]
        ok = op["responses"]["200"]["content"]
        assert "application/json" in ok and "text/csv" in ok
        assert "$ref" in json.dumps(ok["application/json"]["schema"])
        assert "422" in op["responses"] and "500" in op["responses"]
    for p in ["/figure", "/funnel", "/compare"]:
        assert {"404", "409", "422"} <= set(paths[API + p]["get"]["responses"])
    schemas = spec["components"]["schemas"]
    assert {"Figure", "Attrition", "Comparison", "NotFoundError", "InvalidParameterError", "NotAvailableError"} <= set(schemas)
    assert "suggestions" in schemas["NotFoundError"]["properties"]
    assert not any(p.startswith("/area/") or p == "/" for p in paths)  # pages are not API


def test_answers_are_cached(client, app):
    params = {"metric": "charge_rate_closed", "area": "Surrey", "period": "2017/18"}
    client.get(f"{API}/figure", params=params)
    hits = app.state.service.cache.hits
    for _ in range(3):
        assert client.get(f"{API}/figure", params=params).status_code == 200
    assert app.state.service.cache.hits >= hits + 3


# --- errors worded for the API, not the command line ------------------------------------------

def test_errors_name_query_parameters_not_cli_flags(client, lib_store):
    from justicegap.errors import InvalidParameter

    # the library names the parameter itself, in no skin's spelling...
    with pytest.raises(InvalidParameter) as lib_err:
        metrics.compute("outcome_share_cohort", area="Kent", period="2017/18", store=lib_store)
    assert lib_err.value.parameter == "outcome"
    from justicegap import wording

    assert wording.text(lib_err.value, "cli").startswith("--outcome: ")
    # ...the API names its own query parameter
    r = client.get(f"{API}/figure", params={"metric": "outcome_share_cohort", "area": "Kent", "period": "2017/18"})
    assert r.status_code == 422
    d = r.json()
    assert d["parameter"] == "outcome"
    assert d["message"] == "outcome: " + lib_err.value.message
    r = client.get(f"{API}/figure", params={"metric": "recorded", "area": "Kent", "period": "2017/18", "outcome": "14"})
    assert r.status_code == 422 and r.json()["parameter"] == "outcome" and r.json()["message"].startswith("outcome: ")
    for resp in (client.get(f"{API}/figure", params={"metric": "recorded", "area": "Kentt", "period": "2017/18"}),
                 client.get(f"{API}/areas/Kentt")):
        assert resp.status_code == 404
        assert "justicegap areas" not in resp.json()["message"] and f"{API}/areas?search=" in resp.json()["message"]
    r = client.get(f"{API}/figure", params={"metric": "outcome_share_cohort", "area": "Kent", "period": "2017/18",
                                             "format": "csv"})
    assert r.status_code == 422 and r.json()["parameter"] == "outcome"


def test_partial_period_error_carries_its_action_as_data(client, lib_store):
    """The library's error says what can be done as data (allow a partial figure); the command line
    words it as its flag, the API (which has no such parameter for /figure) says nothing of it."""
    from justicegap.errors import NotAvailable

    params = {"metric": "cps_conviction_rate", "area": "Kent", "period": "2017/18", "offence": "sexual_offences"}
    with pytest.raises(NotAvailable) as lib_err:
        metrics.compute(params["metric"], area="Kent", period="2017/18", offence="sexual_offences", store=lib_store)
    assert "--" not in str(lib_err.value) and lib_err.value.actions == ("allow_partial",)
    assert lib_err.value.code == "partial_period"
    from justicegap import wording

    assert wording.text(lib_err.value, "cli").endswith("Use --allow-partial for a flagged partial figure.")
    r = client.get(f"{API}/figure", params=params)
    assert r.status_code == 409
    d = r.json()
    assert "--" not in d["message"] and "allow" not in d["message"]
    assert "April 2017 to June 2017 (2017/18 Q1) is missing, so no figure is given for the whole period. Available instead: " in d["message"]
    assert d["available"] == lib_err.value.available and d["holder"] == (lib_err.value.holder or None)  # none named: null
    assert d["message"] == str(lib_err.value) and d["code"] == "partial_period"


def test_error_wording_for_http():
    from justicegap import wording as messages
    from justicegap.errors import InvalidParameter, NotAvailable

    assert messages.parameter("allow_partial") == "allow_partial" and messages.parameter("allow_partial", "cli") == "--allow-partial"
    assert messages.parameter("period") == "period" and messages.parameter(None) is None
    body = messages.error_body(InvalidParameter("level", "use pfa, cps_area or csp"))
    assert body == {"error": "InvalidParameter", "message": "level: use pfa, cps_area or csp", "parameter": "level", "code": "invalid_parameter"}
    assert messages.text(InvalidParameter("level", "use pfa, cps_area or csp"), "cli") == "--level: use pfa, cps_area or csp"
    # what the user can do next is worded by each skin: a command on the command line, a route in the API
    e = NotAvailable("No edition is loaded.").with_actions("load_data")
    assert "justicegap update" in messages.text(e, "cli")
    assert "justicegap" not in messages.error_body(e)["message"] and "--" not in messages.text(e, "web")


# --- the area detail and the service use the library, not copies or computations of it --------

def test_area_detail_reasons_are_the_library_level_messages_without_computing(loaded_home, lib_store, monkeypatch):
    from fastapi.testclient import TestClient

    from justicegap import areas as A
    from justicegap.server import create_app
    from justicegap.errors import NotAvailable

    ashford = A.get("E07000105")
    expected = {}
    for k, m in metrics.registry().items():
        if ashford.level in m["levels"]:
            continue
        with pytest.raises(NotAvailable) as e:  # what compute says, at any period
            metrics.compute(k, area=ashford, period="2018/19", outcome="14" if m.get("needs_outcome") else None, store=lib_store)
        expected[k] = str(e.value)
    assert expected

    def no_computing(*a, **k):
        raise AssertionError("the area detail computed a figure to find a level message")

    monkeypatch.setattr(metrics, "compute", no_computing)
    fresh = create_app(loaded_home / "justicegap.duckdb", warm=False)  # nothing cached
    try:
        r = TestClient(fresh, raise_server_exceptions=False).get(f"{API}/areas/E07000105")
    finally:
        fresh.state.service.close()
    assert r.status_code == 200, r.text
    assert {n["metric"]: n["reason"] for n in r.json()["not_published"]} == expected
    assert all("police force area only" in expected[k] for k, m in metrics.registry().items()
               if m["stage"] == "police" and k in expected)


def test_boundaries_are_the_library_boundaries_with_their_edition(client, lib_store):
    from justicegap.sources import ons_geography

    lib = ons_geography.boundaries(lib_store, "pfa")
    d = client.get(f"{API}/boundaries", params={"level": "pfa"}).json()
    assert d["type"] == "FeatureCollection" and d["edition"] == lib["edition"]
    assert [(f["properties"]["code"], f["properties"]["name"]) for f in d["features"]] == \
        [(f["properties"]["code"], f["properties"]["name"]) for f in lib["features"]]
    assert len(d["features"]) >= 43


def test_service_tiles_a_period_as_the_library_does():
    from datetime import date

    from justicegap.service import tiles
    from justicegap.periods import financial_quarter, financial_year

    fy = financial_year(2017)
    qs = [(q.start, q.end) for q in (financial_quarter(2017, i) for i in (1, 2, 3, 4))]
    assert tiles(qs, fy)
    assert not tiles(qs[1:], fy)
    months = [(date(2017, m, 1), date(2017, m, 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31)) for m in range(4, 13)]
    assert tiles(months + [qs[3]], fy)
    # a year published whole answers for the year, whatever finer rows lie beside it (as in gather)
    assert tiles([qs[0], (fy.start, fy.end)], fy)


# --- QA review ---------------------------------------------------------------------------------

def test_every_openapi_parameter_is_described(client):
    doc = client.get("/openapi.json").json()
    missing = [(path, op, p["name"]) for path, ops in doc["paths"].items() for op, spec in ops.items()
               for p in spec.get("parameters", []) if not (p.get("description") or "").strip()]
    assert not missing


def test_not_available_holder_is_null_when_none_is_named(client):
    # (calendar 2018 is answered now, from the outcomes data's recorded offences: no recorded-crime table covers it)
    r = client.get(f"{API}/figure", params={"metric": "recorded", "area": "England and Wales", "period": "2016"})
    assert r.status_code == 409
    assert r.json()["holder"] is None


def test_area_search_finds_what_the_web_search_finds(client):
    found = [a["code"] for a in client.get(f"{API}/areas", params={"search": "City of London"}).json()]
    assert found[0] == "E23000034"
    r = client.get("/areas", params={"q": "City of London"}, follow_redirects=False)
    assert r.headers["location"] == f"/area/{found[0]}"
    from justicegap.areas import all_areas

    assert [a.code for a in all_areas(None, "City of London")] == found
    assert client.get(f"{API}/figure?metric=recorded&metric=recorded&area=Kent").json()["parameter"] == "metric"


# --- the HTTP surface: unknown parameters, HEAD, ETag ---------------------------------------------

@pytest.mark.parametrize("path, query, wrong, right", [
    ("/api/v1/figure", "metric=recorded&area=Kent&perod=2017/18", "perod", "period"),
    ("/api/v1/figure", "metric=recorded&area=Kent&period=2017/18&ofence=sexual_offences", "ofence", "offence"),
    ("/api/v1/compare", "metric=charge_rate_cohort&period=2018/19&levle=pfa", "levle", "level"),
    ("/api/v1/areas", "levl=pfa", "levl", "level"),
])
def test_unknown_parameter_is_refused_with_the_nearest(client, path, query, wrong, right):
    r = client.get(f"{path}?{query}")
    assert r.status_code == 422
    body = r.json()
    assert body["parameter"] == wrong and f"did you mean '{right}'?" in body["message"]


@pytest.mark.parametrize("path, wrong", [("/compare?metric=charge_rate_cohort&perod=2018/19", "perod"),
                                         ("/evaluate?metric=recorded&area=Kent&compare_wth=Essex", "compare_wth")])
def test_unknown_parameter_on_a_page(client, path, wrong):
    """A page names what was typed and says what to do in words: its parameter names are ids, not
    listed (found by a fresh-user pass: the evaluate page listed `compare_with`)."""
    r = client.get(path)
    assert r.status_code == 422
    main = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(r.text.split("<main", 1)[1].split("</main>", 1)[0])))
    assert f"This page's address has a part the page does not use (“{wrong}”)." in main
    assert not re.search(r"\b(compare_with|did you mean|it takes)\b", main), main
    assert client.get(path.replace(wrong, {"perod": "period", "compare_wth": "compare_with"}[wrong])).status_code == 200


def test_unknown_parameter_carries_what_the_address_takes(client):
    """The API's refusal lists the accepted names and the nearest as data, not only in its sentence."""
    body = client.get("/api/v1/figure?metric=recorded&area=Kent&perod=2017/18").json()
    assert body["code"] == "invalid_parameter" and body["near"] == "period"
    assert body["accepted"] == sorted(p["name"] for p in client.get("/openapi.json").json()["paths"]["/api/v1/figure"]["get"]["parameters"]
                                      if p["in"] == "query")


def test_head_on_pages_and_every_api_route(client, app):
    values = {"metric": "charge_rate_cohort", "area": "Kent", "code": "E23000032", "metric_id": "charge_rate_cohort"}
    paths = ["/", "/compare", "/area/E23000032", "/metrics"]
    for path, ops in app.openapi()["paths"].items():
        if not path.startswith("/api/v1") or path.startswith("/api/v1/records"):  # records: analysts only, no-store
            continue
        assert "get" in ops, path
        required = [p["name"] for p in ops["get"].get("parameters", []) if p.get("required") and p["in"] == "query"]
        if set(required) - set(values):  # /evaluate: a question of its own, tested with it
            continue
        url = path.format(**values) + ("?" + "&".join(f"{k}={values[k]}" for k in required) if required else "")
        paths.append(url)
    assert len(paths) >= 4 + 10
    for path in paths:
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"" and head.headers["content-length"] == get.headers["content-length"], path
        assert head.headers["etag"] == get.headers["etag"], path


def test_etag_is_keyed_to_the_editions(client, app):
    url = "/api/v1/figure?metric=recorded&area=Kent&period=2017/18"
    r = client.get(url)
    etag = r.headers["etag"]
    assert r.headers["cache-control"] == "no-cache"
    assert app.state.service.fingerprint in etag
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/api/v1/figure?metric=recorded&area=Kent&period=2017/18&format=csv")
    assert other.headers["etag"] != etag and client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    page = client.get("/")
    assert page.headers["cache-control"] == "no-cache" and app.state.service.fingerprint in page.headers["etag"]


def test_every_error_carries_a_stable_code_and_a_missing_parameter_says_so(client):
    r = client.get(f"{API}/figure", params={"metric": "recorded", "area": "Narnia", "period": "2017/18"})
    assert r.status_code == 404 and r.json()["code"] == "unknown_area"
    r = client.get(f"{API}/figure", params={"metric": "recorded", "area": "Kent", "period": "2031/32"})
    assert r.status_code in (409, 422) and r.json()["code"] in ("not_available", "invalid_parameter")
    r = client.get(f"{API}/figure", params={"area": "Kent", "period": "2017/18"})
    assert r.status_code == 422 and r.json()["parameter"] == "metric" and r.json()["code"] == "invalid_parameter"
    assert "required" in r.json()["message"] and "Field required" not in r.json()["message"]


def test_funnel_volumes_are_whole_numbers(client):
    d = client.get(f"{API}/funnel", params={"area": "Kent", "period": "2017/18", "offence": "rape"}).json()
    recorded = next(s for s in d["stages"] if s["id"] == "recorded")
    assert recorded["volume"] == 2529 and isinstance(recorded["volume"], int)


@pytest.mark.parametrize("params,parameter", [
    ({"metric": "recorded", "area": "Narnia", "period": "2017/18"}, "area"),
    ({"metric": "chrge_rate_cohort", "area": "Kent", "period": "2017/18"}, "metric"),
    ({"metric": "recorded", "area": "Kent", "period": "2017/18", "edition": "xx"}, "edition"),
    ({"metric": "outcome_share_cohort", "area": "Kent", "period": "2017/18", "outcome": "99"}, "outcome"),
    ({"metric": "cps_conviction_rate", "area": "Kent", "period": "2017/18", "offence": "sexual_offences"}, "period"),
])
def test_an_error_about_one_value_names_its_parameter(client, params, parameter):
    """The API names the query parameter of an unknown name (as the command line names its flag,
    from the same library mapping) and of a period the data cover only in part."""
    r = client.get(f"{API}/figure", params=params)
    assert r.status_code in (404, 409), r.json()
    assert r.json()["parameter"] == parameter
