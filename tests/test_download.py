"""Discovery and download against a local server serving recorded publisher responses.

The responses are written here, shaped like the real ones: GOV.UK Content API JSON (a statistical
data set page with several attachments, a collection whose ``links.documents`` point at editions,
with ``details.attachments`` fields as Whitehall publishes them), a CPS publication page and an ONS
dataset page. Publisher hosts are mapped onto the local server with ``JUSTICEGAP_GOVUK_BASE`` and
``JUSTICEGAP_URL_REWRITE``; nothing here reaches the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from httpserver import Route, serve  # noqa: E402

from justicegap.discover import RemoteFile, catalogue, discover, filename_from_url, parse_date, rewrite_url  # noqa: E402
from justicegap.download import USER_AGENT, Downloaded, fetch, local_path, rich_progress  # noqa: E402
from justicegap.errors import DownloadError, NotFound  # noqa: E402

ASSETS = "https://assets.publishing.service.gov.uk"
PRC_PATH = "/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables"
CJS_COLLECTION = "/government/collections/criminal-justice-statistics-quarterly"
CPS_Q_PAGE = "https://www.cps.gov.uk/publication/cps-data-summary-quarter-1-2024-2025"
ONS_PFA_PAGE = "https://www.ons.gov.uk/peoplepopulationandcommunity/crimeandjustice/datasets/policeforceareadatatables"


def payload(n: int, seed: int = 7) -> bytes:
    """Deterministic non-repeating bytes (so an offset mistake changes the hash)."""
    out, x = bytearray(), seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(x >> 16 & 0xFF)
    return bytes(out)


def attachment(i, title, url, filename, content_type, size=12345, kind="file"):
    return {"attachment_type": kind, "id": str(i), "title": title, "url": url, "filename": filename,
            "content_type": content_type, "file_size": size, "accessible": False, "locale": "en"}


ODS = "application/vnd.oasis.opendocument.spreadsheet"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PRC_JSON = {
    "base_path": PRC_PATH,
    "content_id": "5d6f1d3e-7631-11e4-a3cb-005056011aef",
    "document_type": "statistical_data_set",
    "schema_name": "statistical_data_set",
    "title": "Police recorded crime and outcomes open data tables",
    "first_published_at": "2014-12-04T09:30:00.000+00:00",
    "public_updated_at": "2026-01-29T09:30:00.000+00:00",
    "details": {
        "attachments": [
            attachment(1, "Police recorded crime open data Police Force Area tables, year ending March 2013 onwards",
                       f"{ASSETS}/media/69779329d345446f8ce71f5e/prc-pfa-mar2013-onwards-tables-290126.ods",
                       "prc-pfa-mar2013-onwards-tables-290126.ods", ODS),
            attachment(2, "Outcomes open data, year ending March 2025",
                       f"{ASSETS}/media/697792f7276692606c013865/prc-outcomes-open-data-mar2025-tables-290126.xlsx",
                       "prc-outcomes-open-data-mar2025-tables-290126.xlsx", XLSX),
            attachment(3, "Outcomes open data, year ending March 2024",
                       f"{ASSETS}/media/697792f7276692606c013864/prc-outcomes-open-data-mar2024-tables-290126.xlsx",
                       "prc-outcomes-open-data-mar2024-tables-290126.xlsx", XLSX),
            attachment(4, "Outcomes for alternate offences open data, year ending March 2017 to year ending March 2026",
                       f"{ASSETS}/media/697792f7276692606c013866/prc-outcomes-alternate-open-data-mar2017-to-mar2026-tables-290126.ods",
                       "prc-outcomes-alternate-open-data-mar2017-to-mar2026-tables-290126.ods", ODS),
            # relative, as older Whitehall attachments are: made absolute against the GOV.UK base
            attachment(5, "Police recorded crime open data Community Safety Partnership tables, year ending March 2016 to year ending March 2020",
                       "/government/uploads/system/uploads/attachment_data/file/1234567/prc-csp-mar16-mar20-tables-290126.ods",
                       "prc-csp-mar16-mar20-tables-290126.ods", ODS),
            attachment(6, "Police recorded crime open data Community Safety Partnership tables, year ending March 2021 to year ending September 2025",
                       f"{ASSETS}/media/6977916e3fd50ac304b79765/prc-csp-mar21-sep25-tables-290126.ods",
                       "prc-csp-mar21-sep25-tables-290126.ods", ODS),
            attachment(7, "Recorded crime data geographical reference table",
                       f"{ASSETS}/media/6977916e3fd50ac304b79700/recrime-geo-pfa.csv", "recrime-geo-pfa.csv", "text/csv"),
            {"attachment_type": "html", "id": "8", "title": "Police recorded crime and outcomes open data tables user guide",
             "url": "/government/statistics/police-recorded-crime-open-data-tables/police-recorded-crime-and-outcomes-open-data-tables-user-guide",
             "locale": "en"},
        ],
    },
    "links": {"organisations": [{"title": "Home Office", "base_path": "/government/organisations/home-office"}]},
}


def cjs_edition(slug, updated, zip_name, with_tool=True):
    path = f"/government/statistics/{slug}"
    atts = [attachment(1, "Criminal Justice System statistics quarterly: bulletin", f"{ASSETS}/media/aa/{slug}.pdf",
                       f"{slug}.pdf", "application/pdf")]
    if with_tool:
        atts.append(attachment(2, "Outcomes by Offence data tool", f"{ASSETS}/media/bb/Outcomes-by-offence-tool-2017-2024.xlsx",
                               "Outcomes-by-offence-tool-2017-2024.xlsx", XLSX))
    atts.append(attachment(3, "Outcomes by offence: CSV data (zip)", f"{ASSETS}/media/cc/{zip_name}", zip_name,
                           "application/zip"))
    atts.append(attachment(4, "Overview tables", f"{ASSETS}/media/dd/overview-tables.zip", "overview-tables.zip",
                           "application/zip"))
    return path, {"base_path": path, "schema_name": "publication", "document_type": "official_statistics",
                  "title": slug.replace("-", " "), "first_published_at": updated, "public_updated_at": updated,
                  "details": {"attachments": atts}}


DEC24_PATH, DEC24 = cjs_edition("criminal-justice-system-statistics-quarterly-december-2024",
                                "2025-05-15T09:30:00.000+01:00", "outcomes-by-offence-2017-2024.zip")
SEP24_PATH, SEP24 = cjs_edition("criminal-justice-system-statistics-quarterly-september-2024",
                                "2025-02-27T09:30:00.000+00:00", "outcomes-by-offence-2017-2024-sep.zip")
GUIDE_PATH = "/government/publications/a-guide-to-criminal-justice-statistics"
GUIDE = {"base_path": GUIDE_PATH, "schema_name": "publication", "title": "A guide to criminal justice statistics",
         "public_updated_at": "2025-06-01T10:00:00.000+01:00",
         "details": {"attachments": [attachment(1, "A guide to criminal justice statistics", f"{ASSETS}/media/ee/guide.pdf",
                                                "guide.pdf", "application/pdf")]}}


def linked(path, doc):
    return {"api_path": f"/api/content{path}", "base_path": path, "content_id": path[-8:],
            "document_type": "official_statistics", "locale": "en", "public_updated_at": doc["public_updated_at"],
            "schema_name": "publication", "title": doc["title"], "api_url": f"https://www.gov.uk/api/content{path}",
            "web_url": f"https://www.gov.uk{path}"}


CJS_COLLECTION_JSON = {
    "base_path": CJS_COLLECTION, "schema_name": "document_collection", "document_type": "document_collection",
    "title": "Criminal justice statistics quarterly", "public_updated_at": "2025-06-01T10:00:00.000+01:00",
    "details": {"collection_groups": [{"title": "Latest", "documents": ["x"]}]},
    # deliberately not newest-first: discovery must sort by public_updated_at
    "links": {"documents": [linked(SEP24_PATH, SEP24), linked(GUIDE_PATH, GUIDE), linked(DEC24_PATH, DEC24)]},
}

CPS_HTML = """<!DOCTYPE html>
<html lang="en"><head><title>CPS data summary Quarter 1 2024-2025 | The Crown Prosecution Service</title>
<meta property="article:published_time" content="2024-10-17T10:00:00+01:00">
</head><body>
<h1>CPS data summary Quarter 1 2024-2025</h1>
<p>Publication date: <time datetime="2024-10-17T10:00:00+01:00">17 October 2024</time></p>
<h2 id="data">Data spreadsheets</h2>
<ul>
<li><a href="/sites/default/files/documents/publications/CPS-Data-Summary-Q1-2024-25-National-Tables.xlsx">National data tables Q1 2024-25 (XLSX)</a></li>
<li><a href="https://www.cps.gov.uk/sites/default/files/documents/publications/CPS-Data-Summary-Q1-2024-25-Area-Tables.xlsx">Area data tables Q1 2024-25 (XLSX)</a></li>
<li><a href="../sites/default/files/documents/publications/understanding-cps-data.pdf">Understanding CPS data (PDF)</a></li>
<li><a href="#data">Back to top</a> <a href="mailto:enquiries@cps.gov.uk">Contact</a></li>
</ul></body></html>
"""

ONS_HTML = """<!DOCTYPE html><html><head><title>Police Force Area data tables - Office for National Statistics</title></head>
<body><div class="meta-wrap"><ul>
<li><span>Release date:</span><br>23 October 2025</li><li><span>Next release:</span><br>29 January 2026</li>
</ul></div>
<a href="/file?uri=/peoplepopulationandcommunity/crimeandjustice/datasets/policeforceareadatatables/yearendingjune2025/pfatablesyejun25.xlsx">Police Force Area data tables: year ending June 2025 edition of this dataset (xlsx, 1.2 MB)</a>
<a href="/peoplepopulationandcommunity/crimeandjustice/datasets/policeforceareadatatables/previous">Previous versions</a>
</body></html>
"""


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Point GOV.UK, the asset host, the CPS and the ONS at a local server (set up by ``start``)."""
    monkeypatch.setenv("JUSTICEGAP_HOME", str(tmp_path / "home"))
    servers = []

    def start(routes):
        cm = serve(routes)
        base = cm.__enter__()
        servers.append(cm)
        monkeypatch.setenv("JUSTICEGAP_GOVUK_BASE", base + "/govuk")
        monkeypatch.setenv("JUSTICEGAP_URL_REWRITE", ",".join([
            f"{ASSETS}={base}/assets",
            f"https://www.cps.gov.uk={base}/cps",
            f"https://www.ons.gov.uk={base}/ons",
        ]))
        return base

    yield start
    for cm in reversed(servers):
        cm.__exit__(None, None, None)


def remote(url, name="data.csv", published=None, source="test_source"):
    return RemoteFile(url=url, filename=name, title=name, published=published, page_url=url, source_id=source)


# ---------------------------------------------------------------------------------------------
# helpers


def test_rewrite_uses_the_longest_matching_prefix(monkeypatch):
    monkeypatch.setenv("JUSTICEGAP_URL_REWRITE",
                       "https://www.cps.gov.uk=http://127.0.0.1:1/cps, https://www.cps.gov.uk/sites=http://127.0.0.1:1/files")
    assert rewrite_url("https://www.cps.gov.uk/sites/a.xlsx") == "http://127.0.0.1:1/files/a.xlsx"
    assert rewrite_url("https://www.cps.gov.uk/publication/x") == "http://127.0.0.1:1/cps/publication/x"
    assert rewrite_url("https://www.gov.uk/x") == "https://www.gov.uk/x"


def test_malformed_rewrite_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("JUSTICEGAP_URL_REWRITE", "https://www.cps.gov.uk")
    with pytest.raises(DownloadError, match="prefix=replacement"):
        rewrite_url("https://www.cps.gov.uk/x")


@pytest.mark.parametrize("text, expected", [
    ("2026-01-29T09:30:00.000+00:00", date(2026, 1, 29)),
    ("23 October 2025", date(2025, 10, 23)),
    ("1st Sept. 2024", date(2024, 9, 1)),
    ("17/10/2024", date(2024, 10, 17)),
    ("next year", None),
    (None, None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_ons_file_name_comes_from_the_uri_query():
    url = "https://www.ons.gov.uk/file?uri=/peoplepopulationandcommunity/x/yearendingjune2025/pfatablesyejun25.xlsx"
    assert filename_from_url(url) == "pfatablesyejun25.xlsx"
    assert filename_from_url(f"{ASSETS}/media/ab/prc%20pfa.ods") == "prc pfa.ods"


# ---------------------------------------------------------------------------------------------
# discovery


def test_govuk_page_attachments_pick_each_sources_files(env):
    base = env({f"/govuk/api/content{PRC_PATH}": json.dumps(PRC_JSON)})

    pfa = discover("ho_pfa")
    assert [f.filename for f in pfa] == ["prc-pfa-mar2013-onwards-tables-290126.ods"]
    assert pfa[0].url == f"{ASSETS}/media/69779329d345446f8ce71f5e/prc-pfa-mar2013-onwards-tables-290126.ods"
    assert pfa[0].published == date(2026, 1, 29)  # the page's public_updated_at
    assert pfa[0].page_url == f"{base}/govuk{PRC_PATH}"
    assert pfa[0].source_id == "ho_pfa"
    assert pfa[0].title.startswith("Police recorded crime open data Police Force Area tables")

    outcomes = discover("ho_outcomes")
    # the alternate-offences file (types 1a/2a/3a, already inside 1-3) and the user guide stay out
    assert [f.filename for f in outcomes] == ["prc-outcomes-open-data-mar2025-tables-290126.xlsx",
                                             "prc-outcomes-open-data-mar2024-tables-290126.xlsx"]

    csp = discover("ho_csp")
    assert [f.filename for f in csp] == ["prc-csp-mar16-mar20-tables-290126.ods", "prc-csp-mar21-sep25-tables-290126.ods"]
    # the relative attachment link was made absolute against the GOV.UK base
    assert csp[0].url == f"{base}/govuk/government/uploads/system/uploads/attachment_data/file/1234567/prc-csp-mar16-mar20-tables-290126.ods"


def test_attachment_date_wins_over_the_page_date(env):
    doc = json.loads(json.dumps(PRC_JSON))
    doc["details"]["attachments"][0]["public_updated_at"] = "2025-10-23T09:30:00+01:00"
    env({f"/govuk/api/content{PRC_PATH}": json.dumps(doc)})
    assert discover("ho_pfa")[0].published == date(2025, 10, 23)


def test_collection_follows_the_newest_document_with_matching_files(env):
    collection = Route(json.dumps(CJS_COLLECTION_JSON).encode(), content_type="application/json")
    sep = Route(json.dumps(SEP24).encode(), content_type="application/json")
    env({
        f"/govuk/api/content{CJS_COLLECTION}": collection,
        f"/govuk/api/content{DEC24_PATH}": json.dumps(DEC24),
        f"/govuk/api/content{SEP24_PATH}": sep,
        f"/govuk/api/content{GUIDE_PATH}": json.dumps(GUIDE),
    })
    files = discover("moj_outcomes")
    # newest is the guide (no data), then December 2024: its zip, not the xlsx tool nor the overview zip
    assert [f.filename for f in files] == ["outcomes-by-offence-2017-2024.zip"]
    assert files[0].published == date(2025, 5, 15)
    assert files[0].page_url.endswith(DEC24_PATH)
    assert sep.requests == []  # the older edition was never needed
    assert collection.requests[0]["headers"]["user-agent"] == USER_AGENT


def test_content_api_redirect_items_are_followed(env, monkeypatch):
    old = "/government/statistics/police-recorded-crime-open-data-tables"
    redirect = {"base_path": old, "schema_name": "redirect", "document_type": "redirect",
                "redirects": [{"path": old, "type": "exact", "destination": PRC_PATH}]}
    env({f"/govuk/api/content{old}": json.dumps(redirect), f"/govuk/api/content{PRC_PATH}": json.dumps(PRC_JSON)})
    rows = catalogue()
    rows["ho_pfa"]["locator"] = old
    monkeypatch.setattr("justicegap.discover.catalogue", lambda: rows)
    files = discover("ho_pfa")
    assert [f.filename for f in files] == ["prc-pfa-mar2013-onwards-tables-290126.ods"]
    assert files[0].page_url.endswith(PRC_PATH)


def test_html_page_links_rewritten_and_absolutised(env):
    page = Route(CPS_HTML.encode(), content_type="text/html; charset=utf-8")
    base = env({"/cps/publication/cps-data-summary-quarter-1-2024-2025": page})
    files = discover("cps_quarterly")
    assert [f.url for f in files] == [
        "https://www.cps.gov.uk/sites/default/files/documents/publications/CPS-Data-Summary-Q1-2024-25-National-Tables.xlsx",
        "https://www.cps.gov.uk/sites/default/files/documents/publications/CPS-Data-Summary-Q1-2024-25-Area-Tables.xlsx",
    ]  # the real addresses, not the local ones; the PDF is left out
    assert files[0].title == "National data tables Q1 2024-25 (XLSX)"
    assert files[0].filename == "CPS-Data-Summary-Q1-2024-25-National-Tables.xlsx"
    assert files[0].published == date(2024, 10, 17)
    assert files[0].page_url == CPS_Q_PAGE
    assert len(page.requests) == 1  # the page really came through the rewrite
    assert base.startswith("http://127.0.0.1:")


def test_ons_release_date_and_file_uri(env):
    env({"/ons/peoplepopulationandcommunity/crimeandjustice/datasets/policeforceareadatatables": ONS_HTML})
    files = discover("ons_csp_tables")
    assert len(files) == 1
    assert files[0].filename == "pfatablesyejun25.xlsx"
    assert files[0].url.startswith("https://www.ons.gov.uk/file?uri=/peoplepopulationandcommunity/")
    assert files[0].published == date(2025, 10, 23)  # "Release date:", not "Next release:"


def test_html_page_that_redirects_resolves_links_against_the_final_page(env):
    moved = '<a href="data/CPS-Data-Summary-Q1-2024-25-Area-Tables.xlsx">Area tables</a>'
    env({
        "/cps/publication/cps-data-summary-quarter-1-2024-2025":
            Route(b"", status=301, headers={"Location": "/cps/publication/moved/"}),
        "/cps/publication/moved/": moved,
    })
    files = discover("cps_quarterly")
    assert [f.url for f in files] == [
        "https://www.cps.gov.uk/publication/moved/data/CPS-Data-Summary-Q1-2024-25-Area-Tables.xlsx"]
    assert files[0].page_url == "https://www.cps.gov.uk/publication/moved/"


def test_no_matching_file_names_the_page_and_pattern(env):
    html = CPS_HTML.replace(".xlsx", ".pdf")
    env({"/cps/publication/cps-data-summary-quarter-1-2024-2025": html})
    with pytest.raises(DownloadError) as e:
        discover("cps_quarterly")
    assert "no file matching" in str(e.value)
    assert CPS_Q_PAGE in str(e.value)
    assert "\\.xlsx$" in str(e.value)


def test_discovery_http_error_names_the_address(env):
    base = env({})
    with pytest.raises(DownloadError) as e:
        discover("ho_pfa")
    assert f"{base}/govuk/api/content{PRC_PATH}" in str(e.value)
    assert "404" in str(e.value)


def test_unknown_source_suggests_close_names():
    with pytest.raises(NotFound) as e:
        discover("ho_pfaa")
    assert "ho_pfa" in e.value.suggestions


# ---------------------------------------------------------------------------------------------
# download


def test_download_records_provenance_and_sha256(env, tmp_path):
    data = payload(200_000)
    route = Route(data, content_type="text/csv")
    base = env({"/assets/media/aa/data.csv": route})
    seen = []
    got = fetch(remote(f"{ASSETS}/media/aa/data.csv", published=date(2025, 1, 30)),
                dest_dir=tmp_path / "dl", backoff=0.01, progress=lambda d, t: seen.append((d, t)))
    assert isinstance(got, Downloaded)
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert got.path.read_bytes() == data
    assert got.size == len(data)
    assert got.url == f"{ASSETS}/media/aa/data.csv"  # the publisher's address, not the local one
    assert got.published == date(2025, 1, 30)
    assert got.filename == "data.csv"
    assert got.retrieved_at.tzinfo is not None
    assert got.path.parent == tmp_path / "dl" / "test_source"
    assert not list(got.path.parent.glob("*.part"))
    meta = json.loads(got.path.with_name(got.path.name + ".meta.json").read_text())
    assert meta["sha256"] == got.sha256 and meta["url"] == got.url and meta["published"] == "2025-01-30"
    assert seen[-1] == (len(data), len(data))
    assert route.requests[0]["headers"]["user-agent"] == USER_AGENT
    assert base


def test_default_destination_is_the_cache(env, tmp_path):
    env({"/assets/x.csv": b"a,b\n1,2\n"})
    got = fetch(remote(f"{ASSETS}/x.csv", "x.csv"))
    assert got.path.is_relative_to(tmp_path / "home" / "cache" / "downloads")
    assert got.path == local_path(remote(f"{ASSETS}/x.csv", "x.csv"))


def test_same_name_from_two_addresses_does_not_collide(tmp_path):
    a = local_path(remote("https://www.cps.gov.uk/2018/Principal_Offence_Category_Mar.csv", "Principal_Offence_Category_Mar.csv"), tmp_path)
    b = local_path(remote("https://www.cps.gov.uk/2019/Principal_Offence_Category_Mar.csv", "Principal_Offence_Category_Mar.csv"), tmp_path)
    assert a != b and a.name.endswith("Principal_Offence_Category_Mar.csv")


def test_500_then_200_is_retried(env, tmp_path):
    data = payload(5000)
    route = Route(data, statuses=[500, 503])
    env({"/assets/f.ods": route})
    got = fetch(remote(f"{ASSETS}/f.ods", "f.ods"), dest_dir=tmp_path, backoff=0.01)
    assert len(route.requests) == 3
    assert got.path.read_bytes() == data


def test_dropped_connection_is_resumed_with_range(env, tmp_path):
    data = payload(300_000)
    route = Route(data, drop_after=120_000)
    env({"/assets/big.xlsx": route})
    got = fetch(remote(f"{ASSETS}/big.xlsx", "big.xlsx"), dest_dir=tmp_path, backoff=0.01)
    assert route.range_requests == ["bytes=120000-"]
    assert got.path.read_bytes() == data
    assert got.sha256 == hashlib.sha256(data).hexdigest()


def test_partial_file_from_an_earlier_run_is_resumed(env, tmp_path):
    data = payload(50_000)
    route = Route(data)
    env({"/assets/p.csv": route})
    r = remote(f"{ASSETS}/p.csv", "p.csv")
    part = local_path(r, tmp_path)
    part = part.with_name(part.name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(data[:10_000])
    got = fetch(r, dest_dir=tmp_path, backoff=0.01)
    assert route.range_requests == ["bytes=10000-"]
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert not part.exists()


def test_server_ignoring_range_restarts_cleanly(env, tmp_path):
    data = payload(100_000)
    route = Route(data, drop_after=40_000, honour_range=False)
    env({"/assets/noranges.ods": route})
    got = fetch(remote(f"{ASSETS}/noranges.ods", "noranges.ods"), dest_dir=tmp_path, backoff=0.01)
    assert route.range_requests == ["bytes=40000-"]  # asked to resume, got the whole file (200)
    assert got.path.read_bytes() == data  # not 40,000 stale bytes + the whole file
    assert got.size == len(data)


def test_complete_part_answered_416_is_finished(env, tmp_path):
    data = payload(8000)
    route = Route(data)
    env({"/assets/done.csv": route})
    r = remote(f"{ASSETS}/done.csv", "done.csv")
    part = local_path(r, tmp_path).with_name(local_path(r, tmp_path).name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(data)
    got = fetch(r, dest_dir=tmp_path, backoff=0.01)
    assert route.range_requests == ["bytes=8000-"]
    assert got.sha256 == hashlib.sha256(data).hexdigest() and got.size == len(data)


def test_404_fails_at_once_naming_the_url(env, tmp_path):
    route = Route(b"", status=404)
    env({"/assets/gone.xlsx": route})
    with pytest.raises(DownloadError) as e:
        fetch(remote(f"{ASSETS}/gone.xlsx", "gone.xlsx"), dest_dir=tmp_path, backoff=0.01)
    assert f"{ASSETS}/gone.xlsx" in str(e.value)
    assert "404" in str(e.value)
    assert len(route.requests) == 1  # no retries for a 4xx


def test_all_retries_failing_leaves_no_final_file(env, tmp_path):
    data = payload(20_000)
    # every answer is cut short: nothing complete ever arrives
    route = Route(data, drop_after=1000, drop_count=99, honour_range=False)
    env({"/assets/flaky.ods": route})
    r = remote(f"{ASSETS}/flaky.ods", "flaky.ods")
    with pytest.raises(DownloadError) as e:
        fetch(r, dest_dir=tmp_path, retries=2, backoff=0.01)
    message = str(e.value)
    assert f"{ASSETS}/flaky.ods" in message
    assert "3 attempts" in message
    assert len(route.requests) == 3
    final = local_path(r, tmp_path)
    assert not final.exists()
    assert not final.with_name(final.name + ".meta.json").exists()
    part = final.with_name(final.name + ".part")
    assert part.exists() and str(part) in message  # kept for the next run to resume


def test_5xx_every_time_reports_the_last_reason(env, tmp_path):
    env({"/assets/down.csv": Route(b"x", status=503)})
    with pytest.raises(DownloadError, match=r"503"):
        fetch(remote(f"{ASSETS}/down.csv", "down.csv"), dest_dir=tmp_path, retries=1, backoff=0.01)
    assert not list(tmp_path.rglob("down.csv"))


def test_connection_refused_is_a_download_error(tmp_path, monkeypatch):
    with serve({}) as base:
        pass  # the port is now closed
    with pytest.raises(DownloadError) as e:
        fetch(remote(f"{base}/nothing.csv", "nothing.csv"), dest_dir=tmp_path, retries=1, backoff=0.01)
    assert f"{base}/nothing.csv" in str(e.value)


def test_content_length_mismatch_is_detected(env, tmp_path):
    data = payload(3000)
    route = Route(data, declared_length=5000, honour_range=False)
    env({"/assets/short.csv": route})
    r = remote(f"{ASSETS}/short.csv", "short.csv")
    with pytest.raises(DownloadError) as e:
        fetch(r, dest_dir=tmp_path, retries=1, backoff=0.01)
    assert "3000 of 5000 bytes" in str(e.value)
    assert not local_path(r, tmp_path).exists()


def test_wrong_content_range_restarts(env, tmp_path):
    data = payload(10_000)
    r = remote(f"{ASSETS}/odd.csv", "odd.csv")
    part = local_path(r, tmp_path)
    part = part.with_name(part.name + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\0" * 4000)
    # a server answering 206 for bytes 0- whatever was asked, then a plain 200
    route = Route(data, honour_range=False, statuses=[206, 200],
                  headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
    env({"/assets/odd.csv": route})
    got = fetch(r, dest_dir=tmp_path, backoff=0.01)
    assert route.range_requests == ["bytes=4000-"]  # then the stale .part was dropped, no Range
    assert len(route.requests) == 2
    assert got.path.read_bytes() == data


def test_rich_progress_drives_a_bar():
    from io import StringIO

    from rich.console import Console

    console = Console(file=StringIO(), force_terminal=False, width=100)
    with rich_progress("prc-pfa.ods", console=console) as update:
        update(512, 1024)
        update(1024, 1024)
    out = console.file.getvalue()
    assert "prc-pfa.ods" in out
    assert "1.0" in out and "kB" in out


def test_end_to_end_discover_then_fetch_through_rewrite(env, tmp_path):
    national = payload(70_000, seed=1)
    area = payload(30_000, seed=2)
    env({
        "/cps/publication/cps-data-summary-quarter-1-2024-2025": CPS_HTML,
        "/cps/sites/default/files/documents/publications/CPS-Data-Summary-Q1-2024-25-National-Tables.xlsx": national,
        "/cps/sites/default/files/documents/publications/CPS-Data-Summary-Q1-2024-25-Area-Tables.xlsx": area,
    })
    got = [fetch(f, dest_dir=tmp_path, backoff=0.01) for f in discover("cps_quarterly")]
    assert [g.sha256 for g in got] == [hashlib.sha256(national).hexdigest(), hashlib.sha256(area).hexdigest()]
    assert all(g.published == date(2024, 10, 17) for g in got)
    assert all(os.path.basename(g.path).endswith(g.filename) for g in got)


@pytest.mark.parametrize("source, filename, title, wanted", [
    ("ho_pfa", "prc-pfa-mar2013-onwards-tables-230726.ods", "Police recorded crime open data Police Force Area tables", True),
    ("ho_pfa", "prc-pfa-mar2013-onwards-tables-230726-accessible-summary.pdf", "x", False),
    ("ho_outcomes", "prc-outcomes-open-data-mar2015-tables-241024.xlsx", "Outcomes open data year ending March 2015", True),
    ("ho_outcomes", "prc-outcomes-alternate-open-data-mar2017-to-mar2026-tables-230726.ods", "Outcomes for alternate offences", False),
    ("ho_outcomes", "prc-supplementary-crime-outcomes-metrics-230726.xlsx", "Supplementary crime outcomes metrics", False),
    ("ho_csp", "prc-csp-mar21-sep25-tables-290126.ods", "CSP tables", True),
    ("ho_csp", "recrime-geo-pfa.csv", "Recorded crime data geographical reference table", False),
    ("moj_outcomes", "outcomes-by-offence-2017-2024.zip", "Outcomes by offence: CSV data (zip)", True),
    ("moj_outcomes", "cjs-csv-files-dec-2024.zip", "Outcomes by Offence data (CSV files)", True),  # title carries it
    ("moj_outcomes", "Outcomes-by-offence-tool-2017-2024.xlsx", "Outcomes by Offence data tool", False),
    ("moj_outcomes", "overview-tables.zip", "Overview tables", False),
    ("moj_timeliness", "timeliness_csv_2024Q4.csv", "Criminal Courts timeliness (CSV)", True),
    ("moj_timeliness", "ccsq_timeliness_tool_2024q4.xlsx", "Timeliness tool", False),
    ("ons_population", "mye24tablesew.xlsx", "Mid-2024: 2023 local authority boundaries", True),
    ("ons_population", "myebtablesenglandwales20112024.xlsx", "Mid-2011 to mid-2024 detailed time series", True),
    ("ons_population", "mye24tablesew.csv", "x", False),
    ("cps_case_outcomes", "Principal_Offence_Category_Mar.csv", "March 2018", True),
    ("cps_case_outcomes", "principal_offence_category_march_2017.csv", "x", True),
    ("cps_case_outcomes", "Area_Outcomes_Mar.csv", "x", False),
])
def test_catalogue_patterns_pick_the_published_names(source, filename, title, wanted):
    from justicegap.discover import _compile, _matches

    row = catalogue()[source]
    url = f"https://example.org/media/abc/{filename}"
    assert _matches(_compile(row), filename, url, title) is wanted
