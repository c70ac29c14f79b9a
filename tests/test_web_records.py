"""The case-records pages (web/records.py) over the SYNTHETIC Kent records: figures checked against
a recomputation from the synthetic CSV files with the csv module; nothing record-level without an
analyst's token through any page, download, format or error; every analyst's request audited;
the plain statement when an area's records are not loaded. (The sign-in: test_web_analyst.py.)"""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import re
import shutil
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from analysthome import with_analyst
from test_web import _check_page, text_of

from justicegap import reference

KENT = "/area/E23000032/records"
PERIOD = "2017/18"


@pytest.fixture(scope="module")
def served(records_home, tmp_path_factory):
    """The app over a private copy of the store with the synthetic Kent records and one analyst
    token: (client, token, pseudonymous ids in the store, home)."""
    from fastapi.testclient import TestClient

    from justicegap.server import create_app
    from justicegap.store import Store

    with with_analyst(records_home, tmp_path_factory.mktemp("web-records") / "home") as (home, token):
        with Store(home / "justicegap.duckdb", read_only=True) as s:
            ids = {r[0] for r in s.con.execute("select record_id from rec_offences union all select case_id from rec_cps_cases").fetchall()}
        app = create_app(home / "justicegap.duckdb", warm=False)
        yield TestClient(app, raise_server_exceptions=False), token, ids, home
        app.state.service.close()


@pytest.fixture
def audit(served):
    """The audit log's lines written during one test."""
    p = served[3] / "records-audit.log"
    before = len(p.read_text().splitlines()) if p.exists() else 0

    def lines():
        return [json.loads(x) for x in p.read_text().splitlines()[before:]] if p.exists() else []
    return lines


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- independent figures, from the synthetic CSV files ----------------------------------------

def _day(s: str):
    return date.fromisoformat(s) if s else None


def _quarter(d: date) -> str:
    fy = d.year if d.month >= 4 else d.year - 1
    return f"{fy}/{str(fy + 1)[2:]} Q{(d.month - 4) % 12 // 3 + 1}"


@pytest.fixture(scope="module")
def raw(synth_kent: Path) -> dict:
    """The synthetic files read with the csv module: the family's crime records recorded in 2017/18,
    each with its charge date (police outcome 1/1A, or the first CPS decision to charge in a linked case)."""
    codes = reference.family_codes()["sexual_offences"]
    extract = date.fromisoformat(json.loads((synth_kent / "manifest.json").read_text())["extract_date"])
    cps_charge: dict[str, date] = {}
    with open(synth_kent / "cps_cases.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["charging_decision"] == "charge":
                for rid in filter(None, row["record_ids"].split(";")):
                    d = _day(row["decision_date"])
                    cps_charge[rid] = min(d, cps_charge.get(rid, d))
    records = []
    with open(synth_kent / "offences.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["offence_code"] not in codes or not date(2017, 4, 1) <= _day(row["date_recorded"]) <= date(2018, 3, 31):
                continue
            police = _day(row["outcome_date"]) if row["outcome_type"] in ("1", "1A") else None
            charged = [d for d in (police, cps_charge.get(row["record_id"])) if d]
            records.append({**row, "recorded": _day(row["date_recorded"]), "charge": min(charged) if charged else None})
    return {"extract": extract, "records": records, "crimes": [r for r in records if r["status"] == "recorded"]}


def test_analyst_page_against_the_csv_files(served, raw, audit):
    client, token, _ids, _home = served
    r = client.get(KENT, params={"period": PERIOD}, headers=bearer(token))
    html = _check_page(r)
    assert r.headers["cache-control"] == "no-store, private"
    crimes, extract = raw["crimes"], raw["extract"]
    # the charge rate with equal follow-up: charged within 365 days, of those followed for 365 days
    eligible = [c for c in crimes if c["recorded"] + timedelta(days=365) <= extract]
    charged = [c for c in eligible if c["charge"] and (c["charge"] - c["recorded"]).days <= 365]
    m = re.search(r'data-cohort-rate data-numerator="(\d+)" data-denominator="(\d+)"', html)
    assert (int(m.group(1)), int(m.group(2))) == (len(charged), len(eligible))
    assert 0 < len(charged) < len(eligible) < len(crimes)
    t = text_of(html).replace("&#39;", "'")
    assert f"{100 * len(charged) / len(eligible):.1f}% ({len(charged):,} of {len(eligible):,}" in t
    assert f"Left out for shorter follow-up: {len(crimes) - len(eligible):,}" in t and "Records extracted on 2018-06-30" in t
    # time to charge: charged by the extract date are events, every other crime is censored
    events = sum(1 for c in crimes if c["charge"])
    assert f'data-events="{events}"' in html and f'data-censored="{len(crimes) - events}"' in html
    # cancelled and transferred shares, and the attrition of the same records
    status = Counter(rec["status"] for rec in raw["records"])
    assert re.search(rf'data-status="cancelled"><th scope="row">[^<]*</th><td class="num">{status["cancelled"]:,}<', html)
    assert re.search(rf'data-stage="reported"><th scope="row">[^<]*</th><td class="num">{len(raw["records"]):,}<', html)
    assert re.search(rf'data-stage="charged"><th scope="row">[^<]*</th><td class="num">{events:,}<', html)
    # the reconciliation with the Home Office edition: the synthetic records reproduce it
    assert f'data-records="{len(crimes)}"' in html
    for chart in ("chart-records-aggregates", "chart-records-km", "chart-records-incidence", "chart-records-attrition", "chart-records-withdrawal"):
        assert f'id="{chart}-spec"' in html
    assert "Synthetic records: not real cases" in t and "data-signed-in" in html
    # the form offers only the follow-ups some crimes of the year had had by the extract date
    offered = re.findall(r'<option value="(\d+)"', html.split('id="f-follow"')[1].split("</select>")[0])
    assert [int(d) for d in offered] == [d for d in (90, 180, 365, 730) if d <= (extract - date(2017, 4, 1)).days] == [90, 180, 365]
    lines = audit()
    assert len(lines) == 1 and lines[0]["user"] == "Ana Lyst" and lines[0]["role"] == "analyst"
    assert lines[0]["what"].startswith("case records page area=E23000032 period=2017/18") and lines[0]["rows"] == len(raw["records"])


def test_analyst_page_states_each_linkage_check_with_its_count(loaded_home, synth_kent, tmp_path, monkeypatch):
    """The linkage report (which `records linkage` prints) is on the analyst's page: every check in
    words with the number of records it finds. Records with two anomalies made on purpose (a CPS case
    naming no crime record, a charging decision dated before its referral) show 1 on those checks
    and 0 on every other; anyone else sees none of it."""
    from fastapi.testclient import TestClient

    from justicegap.records import access
    from justicegap.records.load import load_records
    from justicegap.server import create_app
    from justicegap.store import Store
    from test_records_load import rows, write

    d = tmp_path / "records"
    shutil.copytree(synth_kent, d)
    cases = rows(d / "cps_cases.csv")
    unnamed = next(c for c in cases if c["charging_decision"] != "charge")
    unnamed["record_ids"] = ""
    swapped = next(c for c in cases if c is not unnamed and c["decision_date"] and c["referral_date"] < c["decision_date"])
    swapped["decision_date"], swapped["referral_date"] = swapped["referral_date"], swapped["decision_date"]
    write(d / "cps_cases.csv", cases)
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(loaded_home / "justicegap.duckdb", home / "justicegap.duckdb")
    monkeypatch.setenv("JUSTICEGAP_HOME", str(home))
    monkeypatch.delenv("JUSTICEGAP_RECORDS_KEY", raising=False)
    with Store(home / "justicegap.duckdb") as s:
        load_records(s, d)
        token = access.add_token(s, "Ana Lyst")
    app = create_app(home / "justicegap.duckdb", warm=False)
    try:
        client = TestClient(app)
        html = client.get(KENT, params={"period": PERIOD}, headers=bearer(token)).text
        found = dict(re.findall(r'data-rule="([a-z_]+)"><th scope="row">[^<]*</th><td class="num">([\d,]+)<', html))
        assert len(found) >= 10 and found.pop("cps_unmatched") == "1" and found.pop("decision_before_referral") == "1"
        assert set(found.values()) == {"0"}, found
        assert f'data-offences="{len(rows(d / "offences.csv"))}" data-cases="{len(cases)}"' in html
        assert "data-linkage" not in client.get(KENT, params={"period": PERIOD}).text
    finally:
        app.state.service.close()


def test_public_page_shows_only_counts_that_passed_disclosure_control(served, raw, audit):
    client, _token, ids, _home = served
    r = client.get(KENT, params={"period": PERIOD, "offence": "rape"})
    html = _check_page(r)
    assert r.headers["cache-control"] == "no-cache" and "Cookie" in r.headers["vary"]
    rape = reference.family_codes()["rape"]
    groups = {k: v["group"] for k, v in reference.outcomes().items()}
    truth: dict[tuple, int] = defaultdict(int)
    totals: Counter = Counter()
    for c in raw["crimes"]:
        if c["offence_code"] in rape:
            q = _quarter(c["recorded"])
            truth[(q, groups[c["outcome_type"] or "0"])] += 1
            totals[q] += 1
    cells = re.findall(r'<td class="num" data-quarter="([^"]+)" data-group="([^"]+)"( data-suppressed)?><span data-count>([^<]*)</span>', html)
    assert len(cells) > 20
    hidden = set()
    for q, g, suppressed, shown in cells:
        if suppressed:
            hidden.add((q, g))
            assert shown == "hidden"
        else:
            assert int(shown.replace(",", "")) == truth.get((q, g), 0), (q, g)
    small = {k for k, n in truth.items() if 1 <= n <= 4}
    assert small and small <= hidden  # every count of 1 to 4 is hidden (and more, so none follows from the totals)
    by_q = Counter(q for q, _g, s, _ in cells if s)
    assert all(n != 1 for n in by_q.values())  # one hidden cell per quarter would follow from its total
    for q, n in totals.items():
        assert f'data-quarter-total="{q}">{n:,}</td>' in html
    assert "Synthetic records: not real cases" in text_of(html)
    assert "data-cohort-rate" not in html and "offences.csv" not in html and "data-public" in html
    assert not set(re.findall(r"\b[0-9a-f]{20}\b", html)) & ids
    assert audit() == []


def test_the_public_page_says_what_anyone_can_have_and_the_comparison_says_synthetic(served):
    """The page's words are true: the record-based measures anyone is given (a whole year, small
    counts not shown) are listed, each linked to a comparison that gives it to anyone; that
    comparison says the records are synthetic, as the records page does, and a published one does not."""
    from justicegap import metrics

    client = served[0]
    html = _check_page(client.get(KENT, params={"period": PERIOD, "offence": "rape"}))
    public = re.search(r"<div class=\"notice\" data-public>(.*?)</div>", html, re.S)[1]
    words = text_of(public)
    assert "single figure for a whole financial year" in words and "count of 1 to 4" in words
    assert "samples for case review" in words and "downloads of the records" in words
    links = dict((html_lib.unescape(text_of(n)).strip(), html_lib.unescape(h)) for h, n in re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', public))
    record_metrics = {m["name"]: k for k, m in metrics.registry().items() if m.get("records")}
    assert set(links) == set(record_metrics) and len(links) == 6
    rate = client.get(links["Charge rate within 365 days (case records)"])
    page = text_of(_check_page(rate))
    assert "Synthetic records: not real cases" in page and "Kent" in page
    for name, href in links.items():
        assert f"metric={record_metrics[name]}" in href and "period=2017%2F18" in href and "offence=rape" in href
        assert client.get(href).status_code == 200, name
    published = text_of(_check_page(client.get("/compare", params={"metric": "charge_rate_cohort", "period": PERIOD})))
    assert "Synthetic records" not in published


def test_a_refused_offence_still_says_the_extract_date_and_synthetic(served, raw):
    """The extract date and the synthetic notice come from the loads, not from the refused answer;
    anyone's form offers only the offences anyone may ask, an analyst's every one."""
    client, token = served[0], served[1]
    html = _check_page(client.get(KENT, params={"offence": "rape_adult_male"}))
    words = text_of(html)
    assert "subtraction" in words  # the section is refused ...
    assert f"The records were extracted on {raw['extract'].isoformat()}" in words and "None" not in words  # ... not the records' facts
    assert "Synthetic records: not real cases" in words
    options = re.findall(r'<option value="([a-z_]+)"', re.search(r'<select id="f-offence".*?</select>', html, re.S)[0])
    assert options == ["rape", "other_sexual"]
    html = client.get(KENT, params={"offence": "rape_adult_male"}, headers=bearer(token)).text
    options = re.findall(r'<option value="([a-z_]+)"', re.search(r'<select id="f-offence".*?</select>', html, re.S)[0])
    assert options == list(reference.families()) and len(options) > 2


def test_a_token_not_recognised_is_said_on_the_page(served, audit):
    """A page asked with a token that is no analyst's says so, and shows what anyone sees (nothing
    record-level, nothing audited); no token, or an analyst's, gets no such notice."""
    client, token = served[0], served[1]
    for headers in (bearer("jg_not-a-token"), bearer(token + "x"), {"Cookie": "justicegap_analyst=jg_ended"}):
        html = _check_page(client.get(KENT, params={"period": PERIOD}, headers=headers))
        assert "data-token-unrecognised" in html and "was not recognised" in text_of(html), headers
        assert "data-public" in html and "data-signed-in" not in html and "data-cohort-rate" not in html
    assert audit() == []
    assert "data-token-unrecognised" not in client.get(KENT, params={"period": PERIOD}).text
    assert "data-token-unrecognised" not in client.get(KENT, params={"period": PERIOD}, headers=bearer(token)).text


ROUTES = [KENT, KENT + "/aggregates.csv", KENT + "/offences.csv", KENT + "/sample.xlsx", KENT + "/sample", "/area/Kent/records",
          "/area/E23000033/records", "/area/CPS-SE/records/offences.csv", "/records/sign-in"]
QUERIES = ["", f"?period={PERIOD}", f"?period={PERIOD}&offence=rape", "?period=2099/00", "?period=nonsense", "?offence=nope",
           "?size=10&by=outcome&seed=2", "?size=10&by=record_id", "?follow_up=90&event=outcome", "?perod=2017/18", "?format=csv"]
FIELDS = ("support_withdrawn_date", "suspect_identified", "victim_age_band", "record_id", "date_offence", "SYN-K-", "SYN-URN-")


def test_nothing_record_level_without_a_token(served, audit):
    """Every case-records address, every query and every way of presenting a token that is not an
    analyst's: no pseudonym, no record field, and the record-level downloads refused with 401
    before any parameter is looked at. Nothing is audited, since nothing was shown."""
    client, token, ids, _home = served
    checked = 0
    for path in ROUTES:
        for q in QUERIES:
            for headers in ({}, {"Accept": "text/csv"}, bearer("jg_not-a-token"), {"Authorization": "Basic abc"},
                            {"Cookie": "justicegap_analyst=jg_not-a-token"}, {"Cookie": f"justicegap_analyst={token}x"}):
                for method in ("GET", "HEAD"):
                    resp = client.request(method, path + q, headers=headers, follow_redirects=True)
                    body = resp.content.decode("utf-8", "replace") if not resp.content.startswith(b"PK") else ""
                    assert not resp.content.startswith(b"PK"), (path, q, headers)  # no workbook
                    assert not set(re.findall(r"\b[0-9a-f]{20}\b", body)) & ids, (path, q, headers)
                    for field in FIELDS:
                        assert field not in body, (path, q, headers, field)
                    if path.endswith(("offences.csv", "sample.xlsx", "sample")):
                        assert resp.status_code == 401, (path, q, resp.status_code)
                        assert method == "HEAD" or "only for the force" in text_of(body)
                    checked += 1
    assert checked > 1000
    # the public download: only counts that passed disclosure control
    rows = list(csv.DictReader(io.StringIO(client.get(KENT + "/aggregates.csv", params={"period": PERIOD, "offence": "rape"}).text)))
    assert rows and all(r["synthetic"] == "true" for r in rows)
    assert not any(r["crimes"] and 1 <= int(r["crimes"]) <= 4 for r in rows)
    assert all(r["share_of_quarter"] == "" for r in rows if r["suppressed"] == "true") and any(r["suppressed"] == "true" for r in rows)
    assert audit() == []


def test_analyst_downloads_are_audited(served, raw, audit):
    from openpyxl import load_workbook

    client, token, ids, _home = served
    r = client.get(KENT + "/offences.csv", params={"period": PERIOD}, headers=bearer(token))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store, private"
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == len(raw["records"]) and {x["record_id"] for x in rows} <= ids
    assert Counter(x["status"] for x in rows) == Counter(x["status"] for x in raw["records"])
    r = client.get(KENT + "/sample.xlsx", params={"period": PERIOD, "size": 12, "by": "outcome_group", "seed": 3}, headers=bearer(token))
    assert r.status_code == 200 and "SYNTHETIC" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    assert wb["Cover"]["A2"].value.startswith("SYNTHETIC") and len(list(wb["Sample"].iter_rows())) == 13
    bad = client.get(KENT + "/sample.xlsx", params={"period": PERIOD, "size": 10 ** 5}, headers=bearer(token))
    assert bad.status_code == 422 and "size" in text_of(bad.text) and "--" not in text_of(bad.text)
    refused = client.get(KENT, params={"period": "2099/00"}, headers=bearer(token))
    assert refused.status_code == 422
    # the same sample as a list on a page: the same crimes as the workbook's, pseudonymous ids only
    page = client.get(KENT + "/sample", params={"period": PERIOD, "size": 12, "by": "outcome_group", "seed": 3}, headers=bearer(token))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store, private"
    listed = re.findall(r'<tr data-sampled><th scope="row">([0-9a-f]{20})</th>', page.text)
    assert sorted(listed) == sorted(r[1] for r in list(wb["Sample"].iter_rows(values_only=True))[1:])
    assert set(listed) <= ids and "Synthetic records: not real cases" in text_of(page.text)
    lines = audit()
    assert [x["rows"] for x in lines] == [len(raw["records"]), 12, 0, 0, 12]
    assert lines[4]["what"].startswith("case records sample list area=E23000032 period=2017/18")
    assert lines[0]["what"].startswith("case records download offences area=E23000032")
    assert "sample" in lines[1]["what"] and "refused: InvalidParameter" in lines[2]["what"]
    assert lines[3]["what"].startswith("case records page area=E23000032 period=2099") and "refused: InvalidParameter" in lines[3]["what"]


def test_the_area_page_links_the_records_only_when_they_are_loaded(served, client):
    records_client = served[0]
    assert f'href="{KENT}"' in records_client.get("/area/E23000032", params={"period": PERIOD}).text
    assert "/records" not in records_client.get("/area/CPS-SE", params={"period": PERIOD}).text.replace("/records/", "")
    assert f'href="{KENT}"' not in client.get("/area/E23000032", params={"period": PERIOD}).text


@pytest.mark.parametrize("path,holders", [("/area/E23000032/records", ["Kent Police", "CPS South East"]),
                                          ("/area/CPS-SE/records", ["Kent Police", "Surrey Police", "Sussex Police", "CPS South East"]),
                                          ("/area/E07000105/records", ["Kent Police", "CPS South East"]),
                                          ("/area/K04000001/records", ["each police force", "each CPS Area"])])
def test_not_loaded_says_who_holds_the_records_and_draws_nothing(client, path, holders):
    html = _check_page(client.get(path))
    t = text_of(html)
    assert re.search(r"The case records of [A-Za-z ]+ are not loaded on this site\.", t)
    assert all(h in t for h in holders), t
    assert "<figure" not in html and "<table" not in html and "data-download" not in html


def test_an_area_of_several_forces_links_those_whose_records_are_loaded(served):
    client = served[0]
    for path in ("/area/CPS-SE/records", "/area/K04000001/records"):
        html = _check_page(client.get(path))
        assert re.search(r"The case records of [A-Za-z ]+ are not loaded on this site\.", text_of(html))
        assert re.search(rf'data-loaded-forces>The case records of <a href="{KENT}">Kent</a> are loaded', html), path
        assert "<figure" not in html


def test_a_period_the_records_do_not_cover_is_refused_in_words(served):
    client, token = served[0], served[1]
    r = client.get(KENT, params={"period": "2019/20"})  # it ends after the records were extracted
    assert r.status_code == 422
    assert re.search(r"period: figures from the case records of Kent are given to everyone only for a whole financial year "
                     r"the records cover: [0-9/, ]*2017/18", text_of(r.text))
    r = client.get(KENT, params={"period": "2019/20"}, headers=bearer(token))
    assert r.status_code == 422
    assert re.search(r"period: the case records loaded for Kent cover [0-9/, ]*2017/18", text_of(r.text))


def test_no_hidden_count_from_overlapping_periods(served):
    """QA's attack: May's hidden count as April-May minus April. Anyone's page and download are
    given whole financial years only, and say why; the year itself is given."""
    client = served[0]
    for period in ("2017-05", "2017-04", "2017-04..2017-05", "2017/18 Q1", "2017"):
        for path in (KENT, KENT + "/aggregates.csv"):
            r = client.get(path, params={"period": period, "offence": "rape"})
            words = text_of(r.text)
            assert r.status_code == 422 and "<table" not in r.text, (path, period)
            assert "whole financial year the records cover: 2017/18" in words and "subtracting" in words, (path, period)
    assert client.get(KENT + "/aggregates.csv", params={"period": PERIOD, "offence": "rape"}).status_code == 200


def test_no_hidden_count_by_subtraction(served, raw):
    """Anyone gets rape and other sexual offences, each on its own: never two groups of offences
    one inside the other, whose difference would be a hidden count (QA found child rape = rape
    minus adult rape)."""
    client, _token, _ids, _home = served
    for family in ("rape_child", "rape_adult", "sexual_offences"):
        page = client.get(KENT, params={"period": PERIOD, "offence": family})
        assert "subtraction" in text_of(page.text) and 'id="chart-records-aggregates-spec"' not in page.text
        assert client.get(KENT + "/aggregates.csv", params={"period": PERIOD, "offence": family}).status_code == 409
    page = client.get(KENT, params={"period": PERIOD})
    assert 'id="chart-records-aggregates-spec"' in page.text  # rape, the public default


@pytest.fixture(scope="module")
def south_east_client(south_east):
    from fastapi.testclient import TestClient

    from justicegap.server import create_app

    home, token, folders = south_east
    app = create_app(home / "justicegap.duckdb", warm=False)
    yield TestClient(app), token, folders
    app.state.service.close()


def test_an_area_of_several_forces_draws_one_curve_per_force(south_east_client):
    """CPS South East's analyst page offers one time-to-charge curve for each force: each curve's
    crimes are that force's recorded in 2017/18, counted from its own synthetic file; all together
    they are the one curve the page draws by default. A single force is not offered the choice."""
    client, token, folders = south_east_client
    codes = reference.family_codes()["sexual_offences"]

    def crimes(folder):
        with open(folder / "offences.csv", newline="") as f:
            return sum(1 for r in csv.DictReader(f) if r["offence_code"] in codes and r["status"] == "recorded"
                       and r["synthetic_earlier"] != "true" and date(2017, 4, 1) <= _day(r["date_recorded"]) <= date(2018, 3, 31))

    expected = {force: crimes(folder) for force, folder in folders.items()}
    page = client.get("/area/CPS-SE/records", params={"period": PERIOD, "curves": "force"}, headers=bearer(token)).text
    rows = re.findall(r'<tr data-curve><th scope="row">([^<]+)</th>.*?<td class="num more">([\d,]+)</td>', page)
    assert {name: int(n.replace(",", "")) for name, n in rows} == expected and min(expected.values()) > 0
    assert 'value="force" selected' in page and "curves=force" in page  # the form and the link to this view keep it
    page = client.get("/area/CPS-SE/records", params={"period": PERIOD}, headers=bearer(token)).text
    rows = re.findall(r'<tr data-curve><th scope="row">([^<]+)</th>.*?<td class="num more">([\d,]+)</td>', page)
    assert rows == [("All crimes recorded", f"{sum(expected.values()):,}")]
    kent = client.get(KENT, params={"period": PERIOD}, headers=bearer(token))
    assert 'id="f-curves"' not in kent.text
    refused = client.get(KENT, params={"period": PERIOD, "curves": "force"}, headers=bearer(token))
    assert refused.status_code == 422 and "one force" in refused.text


def test_an_area_page_of_a_record_based_measure_opens_on_a_year_the_records_cover(served):
    """Kent's page asked for a measure from case records, with no period, opens on 2017/18 (the
    year the records cover), not on the newest published year, which anyone is refused; a force
    whose records are not loaded says who holds them, on a page, not an error (a fresh-user pass
    got "That request could not be understood" on both)."""
    client, _token, _ids, _home = served
    html = client.get("/area/E23000032", params={"metric": "records_cancelled_share", "offence": "rape"})
    assert html.status_code == 200
    head = text_of(re.search(r'<section aria-labelledby="h-headline".*?</section>', html.text, re.S).group(0))
    assert "made by Kent Police in 2017/18" in head
    other = client.get("/area/E23000033", params={"metric": "records_cancelled_share", "offence": "rape"})
    assert other.status_code == 200 and "which are not loaded here" in text_of(other.text)
    c = client.get("/api/v1/compare", params={"metric": "records_cancelled_share", "offence": "rape", "level": "pfa", "period": "2018/19"})
    assert c.status_code == 409 and "only for a whole financial year the records cover: 2017/18" in c.json()["message"]


def test_a_comparison_of_case_records_names_their_load_not_its_id(served):
    """The comparison page names the records a figure comes from as case records, not by the
    load's id (a fresh-user pass saw "Edition: records-b85ef579669b")."""
    client, _token, _ids, _home = served
    html = client.get("/compare", params={"metric": "records_cancelled_share", "level": "pfa", "period": PERIOD, "offence": "rape"})
    t = text_of(html.text)
    assert html.status_code == 200 and "edition: Case records" in t
    assert not re.search(r"\brecords-[0-9a-f]{12}\b", t)
