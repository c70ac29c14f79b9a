"""The case-records pages in Debian's Chromium (Playwright), over the SYNTHETIC Kent records: as
anyone sees them and as an analyst who signed in with the form sees them, on a 390 px phone and a
1280 px desktop: nothing wider than the screen, every chart drawn with marks and no text cut off,
no console error, no request off the machine, no WCAG 2.2 A/AA violation by axe-core."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from analysthome import with_analyst
from browsing import fits, open_page, ready, reproduces, shot
from liveserver import running

pytestmark = pytest.mark.browser
KENT = "/area/E23000032/records"


@pytest.fixture(scope="module")
def server(records_home, tmp_path_factory):
    from justicegap.server import create_app

    with with_analyst(records_home, tmp_path_factory.mktemp("web-records-browser") / "home") as (home, token):
        app = create_app(home / "justicegap.duckdb")
        with running(app) as base:
            yield {"base": base, "token": token, "home": home}


@pytest.mark.parametrize("width", (390, 1280))
def test_records_pages_fit_draw_and_pass_axe(browser, server, width, tmp_path):
    base = server["base"]
    ctx, pg = open_page(browser, width)
    try:
        # anyone: the counts that passed disclosure control, one chart, and the way to sign in
        response = pg.goto(base + KENT + "?period=2017/18")
        ready(pg, timeout=120000)
        assert response.status == 200
        assert pg.locator("[data-synthetic]").is_visible()
        assert pg.locator("[data-cohort-rate]").count() == 0
        fits(pg, width, base, charts=1)
        if width == 1280:  # the link to this view gives the same page in a fresh browser (of the same width)
            reproduces(pg, browser)
        shot(pg, f"records-public-{width}", tmp_path, "section")

        # an analyst signs in with the form: the token is kept in a cookie and the page gives everything
        pg.click("text=Sign in as an analyst")
        pg.wait_for_load_state("load")
        pg.fill("#f-token", server["token"])
        pg.click("form button[type=submit] >> text=Sign in")
        ready(pg, timeout=120000)
        assert urlparse(pg.url).path == KENT and parse_qs(urlparse(pg.url).query)["period"] == ["2017/18"]
        assert pg.locator("[data-signed-in]").is_visible()
        cookie = next(c for c in ctx.cookies() if c["name"] == "justicegap_analyst")
        assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
        assert pg.evaluate("document.cookie") == ""  # not readable by scripts
        assert pg.locator("[data-cohort-rate]").is_visible()
        fits(pg, width, base, charts=5)
        shot(pg, f"records-analyst-{width}", tmp_path, "section[aria-labelledby=h-attrition]")
        # the time to any police outcome, whose median is reached: drawn as a dashed line
        pg.select_option("#f-event", "outcome")
        pg.click("form.selector button[type=submit] >> text=Show")
        ready(pg, timeout=120000)
        assert "days (95% CI" in pg.locator("[data-median]").first.inner_text()
        fits(pg, width, base, charts=5)

        # a sample for case review, listed on its own page
        pg.fill("#f-size", "20")
        pg.select_option("#f-by", "victim_age_band")
        pg.click("text=Draw a sample for case review")
        ready(pg, timeout=120000)
        assert pg.locator("tr[data-sampled]").count() == 20
        fits(pg, width, base, charts=0)
        pg.go_back()
        ready(pg, timeout=120000)

        # signing out forgets the token
        pg.click("text=Sign out")
        ready(pg, timeout=120000)
        assert not [c for c in ctx.cookies() if c["name"] == "justicegap_analyst"]

        # an area whose records are not loaded: said plainly, no empty chart
        response = pg.goto(base + "/area/E23000033/records")
        ready(pg, timeout=120000)
        assert response.status == 200 and pg.locator("[data-not-loaded]").is_visible()
        fits(pg, width, base, charts=0)
    finally:
        ctx.close()


@pytest.mark.parametrize("width", (390, 1280))
def test_one_curve_per_force_fits_and_passes_axe(browser, south_east, width, tmp_path):
    """CPS South East's page with a time-to-charge curve for each of its three forces: drawn, its
    legend inside the chart, nothing wider than the screen, no WCAG violation."""
    from justicegap.server import create_app

    home, token, _folders = south_east
    app = create_app(home / "justicegap.duckdb")
    with running(app) as base:
        ctx, pg = open_page(browser, width)
        try:
            ctx.set_extra_http_headers({"Authorization": f"Bearer {token}"})
            response = pg.goto(base + "/area/CPS-SE/records?period=2017/18&curves=force")
            ready(pg, timeout=120000)
            assert response.status == 200 and pg.locator("tr[data-curve]").count() == 3
            fits(pg, width, base, charts=5)
            shot(pg, f"records-forces-{width}", tmp_path, "section[aria-labelledby=h-survival]")
        finally:
            ctx.close()
    app.state.service.close()
