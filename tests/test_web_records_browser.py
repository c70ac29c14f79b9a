"""The case-records pages in Debian's Chromium (Playwright), over the SYNTHETIC Kent records: as
anyone sees them and as an analyst who signed in with the form sees them, on a 390 px phone and a
1280 px desktop: nothing wider than the screen, every chart drawn with marks and no text cut off,
no console error, no request off the machine, no WCAG 2.2 A/AA violation by axe-core."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from analysthome import with_analyst
from liveserver import running
from test_web_browser import (  # noqa: F401 (a fixture)
    LAYOUT,
    _axe,
    _axe_path,
    _missing,
    _only_loopback,
    _ready,
    _reproduces,
    browser,
)

pytestmark = pytest.mark.browser
KENT = "/area/E23000032/records"
SHOTS = os.environ.get("JUSTICEGAP_SCREENSHOTS")


@pytest.fixture(scope="module")
def server(records_home, tmp_path_factory):
    from justicegap.server import create_app

    with with_analyst(records_home, tmp_path_factory.mktemp("web-records-browser") / "home") as (home, token):
        app = create_app(home / "justicegap.duckdb")
        with running(app) as base:
            yield {"base": base, "token": token, "home": home}


def _page(browser, width: int):
    axe = _axe_path()
    if axe is None:
        _missing("axe-core (node_modules/axe-core/axe.min.js)")
    ctx = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    pg = ctx.new_page()
    pg.axe_source = axe.read_text(encoding="utf-8")
    pg.errors, pg.requests = [], []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    return ctx, pg


def _fits(pg, width: int, charts: int, base: str) -> None:
    layout = pg.evaluate(LAYOUT)
    assert layout["scroll"] <= width, f"{pg.url} at {width}px is {layout['scroll']}px wide"
    assert len(layout["charts"]) == charts, layout["charts"]
    for c in layout["charts"]:
        assert c["svg"], f"{c['id']} was not drawn"
        assert c["left"] >= -1 and c["right"] <= width + 1, f"{c['id']} is wider than the screen: {c}"
        assert c["marks"] > 0, f"{c['id']} has no marks"
        assert c["clipped"] == [], f"{c['id']}: text cut off at the chart's edge: {c['clipped']}"
    assert pg.errors == [], pg.errors
    _axe(pg)
    _only_loopback(pg, base)


def _shot(pg, name: str, tmp_path: Path, section: str = "section") -> None:
    """A screenshot of the page at its first chart's section (or ``section``), the content note hidden."""
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    if pg.locator("[data-dismiss-note]").is_visible():
        pg.locator("[data-dismiss-note]").click()
    pg.evaluate("(s) => (document.querySelector(s + ' figure.chart') ? document.querySelector(s + ' figure.chart').closest('section') : "
                "document.querySelector('main')).scrollIntoView()", section)
    pg.screenshot(path=str(folder / f"{name}.png"))


@pytest.mark.parametrize("width", (390, 1280))
def test_records_pages_fit_draw_and_pass_axe(browser, server, width, tmp_path):
    base = server["base"]
    ctx, pg = _page(browser, width)
    try:
        # anyone: the counts that passed disclosure control, one chart, and the way to sign in
        response = pg.goto(base + KENT + "?period=2017/18")
        _ready(pg, timeout=120000)
        assert response.status == 200
        assert pg.locator("[data-synthetic]").is_visible()
        assert pg.locator("[data-cohort-rate]").count() == 0
        _fits(pg, width, 1, base)
        if width == 1280:  # the link to this view gives the same page in a fresh browser (of the same width)
            _reproduces(pg, browser)
        _shot(pg, f"records-public-{width}", tmp_path)

        # an analyst signs in with the form: the token is kept in a cookie and the page gives everything
        pg.click("text=Sign in as an analyst")
        pg.wait_for_load_state("load")
        pg.fill("#f-token", server["token"])
        pg.click("form button[type=submit] >> text=Sign in")
        _ready(pg, timeout=120000)
        assert urlparse(pg.url).path == KENT and parse_qs(urlparse(pg.url).query)["period"] == ["2017/18"]
        assert pg.locator("[data-signed-in]").is_visible()
        cookie = next(c for c in ctx.cookies() if c["name"] == "justicegap_analyst")
        assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
        assert pg.evaluate("document.cookie") == ""  # not readable by scripts
        assert pg.locator("[data-cohort-rate]").is_visible()
        _fits(pg, width, 5, base)
        _shot(pg, f"records-analyst-{width}", tmp_path, "section[aria-labelledby=h-attrition]")
        # the time to any police outcome, whose median is reached: drawn as a dashed line
        pg.select_option("#f-event", "outcome")
        pg.click("form.selector button[type=submit] >> text=Show")
        _ready(pg, timeout=120000)
        assert "days (95% CI" in pg.locator("[data-median]").first.inner_text()
        _fits(pg, width, 5, base)

        # a sample for case review, listed on its own page
        pg.fill("#f-size", "20")
        pg.select_option("#f-by", "victim_age_band")
        pg.click("text=Draw a sample for case review")
        _ready(pg, timeout=120000)
        assert pg.locator("tr[data-sampled]").count() == 20
        _fits(pg, width, 0, base)
        pg.go_back()
        _ready(pg, timeout=120000)

        # signing out forgets the token
        pg.click("text=Sign out")
        _ready(pg, timeout=120000)
        assert not [c for c in ctx.cookies() if c["name"] == "justicegap_analyst"]

        # an area whose records are not loaded: said plainly, no empty chart
        response = pg.goto(base + "/area/E23000033/records")
        _ready(pg, timeout=120000)
        assert response.status == 200 and pg.locator("[data-not-loaded]").is_visible()
        _fits(pg, width, 0, base)
    finally:
        ctx.close()
