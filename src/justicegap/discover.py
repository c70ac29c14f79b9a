"""Find the current files of a publication from the publisher's own page.

File addresses are never stored: they change with every re-issue. The catalogue
(``reference/sources.csv``) names, for each source, how to discover its files (``discover``), where
(``locator``) and which files are its own (``link_pattern``):

* ``govuk``: ``locator`` is a GOV.UK page path. Its JSON comes from the GOV.UK Content API
  (``{GOVUK_BASE}/api/content{path}``); files are the document's ``details.attachments`` (plus any
  links in ``details.documents`` / ``details.body`` HTML, as older pages have). A collection (or any
  page with ``links.documents``) is followed document by document, newest ``public_updated_at``
  first, until one has files matching the pattern.
* ``html``: ``locator`` is the publication page's URL; files are its ``<a href>`` links.

``link_pattern`` is a regular expression, searched case-insensitively (``re.I | re.M``) in a
three-line text: the file name, the absolute URL and the link's title, one per line. So ``\\.xlsx$``
matches a file name or URL ending in .xlsx, ``^prc-pfa-`` a file name starting so, and look-aheads
such as ``(?s)\\A(?=.*outcomes.by.offence)(?=.*\\.zip$)`` combine the title with the file type.

Environment (so that tests, mirrors and proxies can stand in for the publishers):

* ``JUSTICEGAP_GOVUK_BASE``: the GOV.UK base address (default ``https://www.gov.uk``). Relative
  attachment links are made absolute against it.
* ``JUSTICEGAP_URL_REWRITE``: comma-separated ``prefix=replacement`` pairs applied to every address
  just before it is requested (discovery pages and downloads alike), longest prefix first, e.g.
  ``https://www.cps.gov.uk=http://127.0.0.1:8000/cps,https://www.ons.gov.uk=http://127.0.0.1:8000/ons``.
  The addresses recorded in :class:`RemoteFile` (and so in the provenance of every download) stay
  the publishers' real ones.
"""

# Research notes: where the catalogue's pages and files were found (stored copies of public pages
# and code, checked for this module; re-check on the live sites, which this machine cannot reach).
# GOV.UK Content API: GET https://www.gov.uk/api/content/<path>; publication JSON has details.attachments[] with attachment_type, id, title, url, content_type, file_size, filename (alphagov/whitehall app/models/file_attachment.rb publishing_api_details; docs.publishing.service.gov.uk/content-schemas/publication.html); public_updated_at / first_published_at top level; collections list links.documents[] (api_path, base_path, public_updated_at, schema_name) (ONS-OpenData/gss-utils gssutils/scrapers/govuk.py).
# Content API items of schema_name "redirect" carry redirects[0].destination (gss-utils govuk.py content_api).
# Home Office PRC open data: /government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables (many independent scripts scrape this page; the old /government/statistics/police-recorded-crime-open-data-tables path only hosts the user guide). Files on assets.publishing.service.gov.uk/media/<id>/: prc-pfa-mar2013-onwards-tables-DDMMYY.ods, prc-outcomes-open-data-marYYYY-tables-DDMMYY.xlsx (one per year ending March; NOT prc-outcomes-alternate-..., which double counts types 1a/2a/3a), prc-csp-mar16-mar20-tables-DDMMYY.ods and prc-csp-mar21-<mon><yy>-tables-DDMMYY.ods.
# MoJ Criminal Justice System statistics quarterly: collection /government/collections/criminal-justice-statistics-quarterly; each edition /government/statistics/criminal-justice-system-statistics-quarterly-<month>-<year> has zip attachments (content_type application/zip) titled "Outcomes by offence ..." holding the CSVs (Prison-Reform-Trust/womens-imprisonment-PFA src/data/raw/data_filters.py); the Outcomes-by-offence-tool-YYYY-YYYY.xlsx is the pivot tool, not the data.
# MoJ Criminal court statistics: collection /government/collections/criminal-court-statistics; editions /government/statistics/criminal-court-statistics-quarterly-<months>-<year> carry tools and CSVs including "Criminal Courts timeliness (CSV)" (gov.uk page, Oct-Dec 2015 and Oct-Dec 2024 editions). Exact current timeliness file names not confirmed.
# ONS PFA data tables: https://www.ons.gov.uk/peoplepopulationandcommunity/crimeandjustice/datasets/policeforceareadatatables; files linked as /file?uri=/peoplepopulationandcommunity/crimeandjustice/datasets/policeforceareadatatables/<edition>/<name>.xlsx; the page shows "Release date:".
# ONS population: https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/populationestimates/datasets/estimatesofthepopulationforenglandandwales; files /file?uri=.../mid20242023localauthorityboundaries/mye24tablesew.xlsx and .../mid2011tomid2024detailedtimeseries/myebtablesenglandwales20112024.xlsx (LA by single year of age and sex).
# CPS quarterly data summaries: one page per quarter, https://www.cps.gov.uk/publication/cps-data-summary-quarter-<n>-<yyyy>-<yyyy> (Q1 2024-2025 confirmed), with a "Data spreadsheets" section; no stable "latest" page found, so the locator must be moved on each quarter.
# CPS case outcomes by principal offence category: monthly CSVs at https://www.cps.gov.uk/sites/default/files/documents/data/case_outcomes/<month-year>/Principal_Offence_Category_<Mon>.csv (seen in analysis scripts); the pre-2018 index page www.cps.gov.uk/publications/performance/case_outcomes/ belongs to the old site; the page that lists them today is unconfirmed (catalogue points at https://www.cps.gov.uk/publication/underlying-data).
# ONS Open Geography Portal (ons_geography): the geoportal search page is a JavaScript app with no file links; the lookup is an ArcGIS feature service (services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/LAD24_CSP24_PFA24_EW_LU/FeatureServer/0/query), which needs its own discovery kind.

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from .addresses import RemoteFile, filename_from_url, govuk_base, rewrite_url, unrewrite_url  # noqa: F401  (named here too)
from .errors import DownloadError, NotFound

MAX_DOCUMENTS = 30  # documents of a collection tried before giving up
MAX_REDIRECTS = 5  # Content API items of schema "redirect" followed in a row


# ---------------------------------------------------------------------------------------------
# catalogue


def catalogue() -> dict[str, dict]:
    """Source id -> catalogue row (``reference/sources.csv``), copies that callers may change."""
    from . import reference

    return {sid: dict(row) for sid, row in reference.sources().items()}


def _row(source_id: str) -> dict:
    rows = catalogue()
    if source_id not in rows:
        raise NotFound("source", source_id, difflib.get_close_matches(source_id, list(rows), n=3, cutoff=0.5))
    return rows[source_id]


# ---------------------------------------------------------------------------------------------
# dates


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}


def parse_date(text) -> date | None:
    """A date from ISO (``2024-07-24``, ``2024-07-24T09:30:00+01:00``), ``24 July 2024`` or ``24/07/2024``."""
    if not text:
        return None
    text = str(text).strip()
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b", text)
    if m and m[2][:3].lower() in _MONTHS:
        try:
            return date(int(m[3]), _MONTHS[m[2][:3].lower()], int(m[1]))
        except ValueError:
            return None
    m = re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text)
    if m:
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            return None
    return None


def _timestamp(text) -> datetime:
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return datetime.min
    return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone().replace(tzinfo=None)


# ---------------------------------------------------------------------------------------------
# HTML


class _PageParser(HTMLParser):
    """Links (href, text), <base href>, date metadata and the page's text."""

    _META_DATE = re.compile(r"(date|modified|published|issued)", re.I)

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self._links: list[dict] = []
        self.base: str | None = None
        self.meta_dates: list[str] = []
        self.time_dates: list[str] = []
        self.text: list[str] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self._open = {"href": a["href"].strip(), "title": a.get("title", ""), "text": []}
            self._links.append(self._open)
        elif tag == "base" and a.get("href") and self.base is None:
            self.base = a["href"].strip()
        elif tag == "meta":
            key = a.get("name") or a.get("property") or a.get("itemprop") or ""
            if self._META_DATE.search(key) and a.get("content"):
                self.meta_dates.append(a["content"])
        elif tag == "time" and a.get("datetime"):
            self.time_dates.append(a["datetime"])

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None

    def handle_data(self, data):
        self.text.append(data)
        if self._open is not None:
            self._open["text"].append(data)

    def links(self) -> list[tuple[str, str]]:
        """(href, title): the link's text, or its title attribute when it has none."""
        out = []
        for link in self._links:
            text = " ".join(" ".join(link["text"]).split()) or " ".join(link["title"].split())
            out.append((link["href"], text))
        return out

    def page_date(self) -> date | None:
        text = " ".join(" ".join(self.text).split())
        m = re.search(r"Release date:?\s*(.{6,40})", text, re.I)
        for candidate in ([m[1]] if m else []) + self.meta_dates + self.time_dates:
            d = parse_date(candidate)
            if d:
                return d
        return None


def _html_links(html: str) -> tuple[_PageParser, list[tuple[str, str]]]:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser, parser.links()


# ---------------------------------------------------------------------------------------------
# matching


def _matches(pattern: re.Pattern, filename: str, url: str, title: str) -> bool:
    return bool(pattern.search(f"{filename}\n{url}\n{title}"))


def _compile(row: dict) -> re.Pattern:
    try:
        return re.compile(row["link_pattern"], re.I | re.M)
    except re.error as e:
        raise DownloadError(f"source {row['id']}: link_pattern {row['link_pattern']!r} is not a valid "
                            f"regular expression: {e}") from None


# ---------------------------------------------------------------------------------------------
# discovery


def discover(source_id: str, *, client=None) -> list[RemoteFile]:
    """The files of a catalogued source, as its publisher lists them today.

    Raises ``NotFound`` for an unknown source and ``DownloadError`` for a network failure, an
    unexpected answer, or a page with no file matching the source's ``link_pattern``.
    """
    row = _row(source_id)
    pattern = _compile(row)
    kind = (row.get("discover") or "").strip()
    from .download import make_client

    own = client is None
    client = client or make_client()
    try:
        if kind == "govuk":
            files, page = _discover_govuk(row, pattern, client)
        elif kind == "html":
            files, page = _discover_html(row, pattern, client)
        else:
            raise DownloadError(f"source {source_id}: unknown discovery kind '{kind}' in the catalogue")
    finally:
        if own:
            client.close()
    if not files:
        raise DownloadError(f"no file matching {row['link_pattern']!r} on {page} (source {source_id})")
    return files


def _get(client, url: str):
    from .download import request

    return request(client, url)


def _get_json(client, url: str) -> dict:
    response = _get(client, url)
    try:
        data = response.json()
    except ValueError:
        raise DownloadError(f"{url}: the GOV.UK Content API did not answer with JSON") from None
    if not isinstance(data, dict):
        raise DownloadError(f"{url}: unexpected JSON from the GOV.UK Content API")
    return data


def _content(client, base: str, path: str) -> tuple[dict, str]:
    """A Content API item and the API address it came from, following ``redirect`` items."""
    if not path.startswith("/"):
        path = "/" + path
    for _ in range(MAX_REDIRECTS + 1):
        api = f"{base}/api/content{path}"
        data = _get_json(client, api)
        if data.get("schema_name") != "redirect":
            return data, api
        targets = [r.get("destination") for r in data.get("redirects") or [] if r.get("destination")]
        if not targets:
            raise DownloadError(f"{api}: GOV.UK says the page moved but gives no destination")
        path = urlsplit(targets[0]).path or "/"
    raise DownloadError(f"{base}/api/content{path}: too many redirects")


def _discover_govuk(row: dict, pattern: re.Pattern, client) -> tuple[list[RemoteFile], str]:
    base = govuk_base()
    locator = row["locator"].strip()
    if locator.startswith(("http://", "https://")):
        locator = urlsplit(locator).path
    doc, _ = _content(client, base, locator)
    page = base + (doc.get("base_path") or locator)
    files = _govuk_files(doc, pattern, base, row["id"])
    if files:
        return files, page
    documents = (doc.get("links") or {}).get("documents") or []
    documents = sorted(documents, key=lambda d: _timestamp(d.get("public_updated_at")), reverse=True)
    for linked in documents[:MAX_DOCUMENTS]:
        path = linked.get("base_path") or urlsplit(linked.get("api_path") or linked.get("web_url") or "").path
        if path.startswith("/api/content"):
            path = path[len("/api/content"):]
        if not path:
            continue
        child, _ = _content(client, base, path)
        files = _govuk_files(child, pattern, base, row["id"])
        if files:
            return files, base + (child.get("base_path") or path)
    if documents:
        page = f"{page} (and the {min(len(documents), MAX_DOCUMENTS)} newest documents it links to)"
    return [], page


def _govuk_url(base: str, href: str) -> str:
    """An attachment link made absolute against the GOV.UK base (which may carry a path prefix)."""
    href = href.strip()
    if href.startswith("/") and not href.startswith("//"):
        return base + href
    return urljoin(base + "/", href)


def _govuk_files(doc: dict, pattern: re.Pattern, base: str, source_id: str) -> list[RemoteFile]:
    details = doc.get("details") or {}
    doc_date = parse_date(doc.get("public_updated_at")) or parse_date(doc.get("first_published_at"))
    page = base + (doc.get("base_path") or "")
    out: dict[str, RemoteFile] = {}
    for att in details.get("attachments") or []:
        if not isinstance(att, dict) or not att.get("url"):
            continue
        url = _govuk_url(base, att["url"])
        filename = att.get("filename") or filename_from_url(url)
        title = " ".join(str(att.get("title") or "").split())
        own_date = (parse_date(att.get("public_updated_at")) or parse_date(att.get("updated_at"))
                    or parse_date(att.get("published_at")))
        if url not in out and _matches(pattern, filename, url, title):
            out[url] = RemoteFile(url, filename, title, own_date or doc_date, page, source_id)
    # older pages (and statistical data sets) carry their attachments as HTML
    snippets = [s for s in details.get("documents") or [] if isinstance(s, str)]
    if isinstance(details.get("body"), str):
        snippets.append(details["body"])
    for snippet in snippets:
        _, links = _html_links(snippet)
        for href, text in links:
            url = _govuk_url(base, href)
            if not urlsplit(url).scheme.startswith("http"):
                continue
            filename = filename_from_url(url)
            if url not in out and _matches(pattern, filename, url, text):
                out[url] = RemoteFile(url, filename, text, doc_date, page, source_id)
    return list(out.values())


def _discover_html(row: dict, pattern: re.Pattern, client) -> tuple[list[RemoteFile], str]:
    page = row["locator"].strip()
    response = _get(client, page)
    requested = rewrite_url(page)
    final = str(response.url)
    landed = page if final == requested else unrewrite_url(final)  # after any redirect
    page_base = landed
    parser, links = _html_links(response.text)
    if parser.base:
        page_base = unrewrite_url(urljoin(page_base, parser.base))
    published = parser.page_date()
    out: dict[str, RemoteFile] = {}
    for href, text in links:
        if href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        url = urljoin(page_base, href).split("#", 1)[0]
        if not urlsplit(url).scheme.startswith("http"):
            continue
        filename = filename_from_url(url)
        if url not in out and _matches(pattern, filename, url, text):
            out[url] = RemoteFile(url, filename, text, published, landed, row["id"])
    return list(out.values()), page
