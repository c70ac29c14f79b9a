"""The dashboard in a real browser (Debian's Chromium, headless, driven by Playwright).

The server runs on a free loopback port in a thread, over the store loaded from ../shared/data.
A reader goes home -> Kent -> the comparison -> the metric page; on each page we check what
appears (figures equal to the library's, charts drawn as SVG, data tables, the content note, links
that reproduce the view), that no request leaves loopback, and that axe-core finds no WCAG 2.2 AA
violation. axe-core comes from the npm registry through `make browser` (into .venv/node_modules);
Playwright never downloads a browser.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ROOT = Path(__file__).resolve().parents[1]


def _axe_path() -> Path | None:
    for base in (Path(sys.prefix), ROOT / ".venv", ROOT):
        p = base / "node_modules" / "axe-core" / "axe.min.js"
        if p.exists():
            return p
    return None


def _missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: run `make browser`")
    pytest.skip(f"{what} is missing: run `make browser`")


@pytest.fixture(scope="module")
def server(loaded_home):
    import uvicorn

    from justicegap.api import create_app

    app = create_app(loaded_home / "justicegap.duckdb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        assert time.time() < deadline, "the server did not start"
        time.sleep(0.05)
    yield {"base": f"http://127.0.0.1:{port}", "app": app}
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        _missing("Chromium (/usr/bin/chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    axe = _axe_path()
    if axe is None:
        _missing("axe-core (node_modules/axe-core/axe.min.js)")
    # bypass_csp lets the test inject axe-core into pages whose policy forbids inline scripts
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    pg = ctx.new_page()
    pg.requests = []
    pg.errors = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.axe_source = axe.read_text(encoding="utf-8")
    yield pg
    ctx.close()


def _ready(pg) -> None:
    pg.wait_for_load_state("load")
    pg.wait_for_function("document.documentElement.dataset.chartsReady === '1'", timeout=30000)


def _axe(pg) -> None:
    pg.add_script_tag(content=pg.axe_source)
    result = pg.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""", AXE_TAGS)
    assert result == [], f"axe-core violations on {pg.url}: {result}"


def _only_loopback(pg, base: str) -> None:
    outside = [u for u in pg.requests if not (u.startswith(base + "/") or u.startswith("data:") or u.startswith("blob:"))]
    assert outside == [], outside


def _charts(pg, n: int) -> None:
    assert pg.locator("figure.chart .chart-canvas svg").count() >= n
    assert pg.locator("figure.chart.failed").count() == 0
    sizes = pg.evaluate("Array.from(document.querySelectorAll('figure.chart .chart-canvas svg'))"
                        ".map(s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height])")
    assert all(w > 200 and h > 50 for w, h in sizes), f"charts drawn but not visible: {sizes}"


def _reproduces(pg, browser) -> None:
    """The page's 'Link to this view' gives the same page in a fresh browser (no cookies, no storage)."""
    href = pg.locator("[data-permalink]").first.get_attribute("href")
    here = pg.locator("main").inner_text()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    other = ctx.new_page()
    other.goto(urlparse(pg.url)._replace(path="", query="").geturl().rstrip("/") + href)
    _ready(other)
    assert other.locator("main").inner_text() == here
    ctx.close()


def test_click_through_home_kent_compare_metric(page, server, browser):
    from justicegap import metrics
    from justicegap.answers.funnel import attrition

    base, svc = server["base"], server["app"].state.service
    pg = page

    # --- home ------------------------------------------------------------------------------
    pg.goto(base + "/")
    _ready(pg)
    default = svc.default_period()
    assert pg.locator("h1").inner_text() == f"Rape in England and Wales, {default}"
    note = pg.locator("[data-content-note]")
    assert note.is_visible() and "Content note" in note.inner_text()
    _charts(pg, 2)  # the funnel and the map
    assert pg.locator("#chart-map svg path").count() >= 43
    assert "basis: recorded cohort" in pg.locator("#h-map ~ figure, #chart-map").first.inner_text() or \
        "basis: recorded cohort" in pg.locator("#chart-map svg").inner_html()
    assert pg.locator("table[data-table=map] tbody tr").count() == 43
    _axe(pg)

    # the content note: not a modal, the skip link comes first, dismissable by keyboard, remembered
    assert pg.get_attribute("[data-content-note]", "aria-modal") is None
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.className") == "skip-link"
    pg.locator("[data-dismiss-note]").focus()
    pg.keyboard.press("Enter")
    assert not note.is_visible()

    # choose 2017/18 with the form
    pg.select_option("#f-period", "2017/18")
    pg.click("form.selector button[type=submit] >> nth=0")
    _ready(pg)
    assert parse_qs(urlparse(pg.url).query)["period"] == ["2017/18"]
    assert not pg.locator("[data-content-note]").is_visible()  # remembered
    with svc.cursor() as s:
        national = attrition(area="K04000001", period="2017/18", store=s)
    recorded = next(st for st in national["stages"] if st["id"] == "recorded")
    assert f"{recorded['volume']:,.0f}" == "54,045"
    assert "54,045" in pg.locator("main").inner_text()

    # --- Kent ------------------------------------------------------------------------------
    pg.click("table[data-table=map] >> text=Kent")
    _ready(pg)
    assert urlparse(pg.url).path == "/area/E23000032"
    assert pg.locator("h1").inner_text() == "Kent: rape, 2017/18"
    with svc.cursor() as s:
        fig = metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", store=s)
    shown = pg.locator("[data-figure=charge_rate_cohort]")
    assert float(shown.get_attribute("data-value")) == pytest.approx(fig.value)
    assert f"{100 * fig.value:.1f}%" in shown.inner_text()
    assert pg.locator("tr[data-stage=recorded] td").first.inner_text() == "2,529"
    _charts(pg, 4)  # funnel, trend(s), funnel plot, outcomes
    assert pg.locator("table.data").count() >= 4
    assert "the victim does not support further police action" in pg.locator("table[data-table=outcomes]").inner_text()
    for fig_el in pg.locator("figure.chart").all():
        assert fig_el.locator(".chart-canvas").get_attribute("role") == "img"
        assert len(fig_el.locator(".chart-canvas").get_attribute("aria-label")) > 40
    q = parse_qs(urlparse(pg.locator("[data-permalink]").get_attribute("href")).query)
    assert q["period"] == ["2017/18"] and q["offence"] == ["rape"] and q["metric"] == ["charge_rate_cohort"]
    assert q["edition"][0].startswith("ho_outcomes-")
    _reproduces(pg, browser)
    _axe(pg)

    # a download behind a chart
    with pg.expect_download() as dl:
        pg.locator("section[aria-labelledby=h-funnel] a[data-download=csv]").click()
    assert "2529" in Path(dl.value.path()).read_text()

    # --- the comparison --------------------------------------------------------------------
    pg.click("text=The full comparison, with the table of every area")
    _ready(pg)
    assert urlparse(pg.url).path == "/compare"
    _charts(pg, 1)
    assert pg.locator("table[data-table=compare] tbody tr").count() == 43
    kent_row = pg.locator("table[data-table=compare] tr[data-code=E23000032]")
    assert float(kent_row.locator("td[data-value]").get_attribute("data-value")) == pytest.approx(fig.value)
    _reproduces(pg, browser)
    _axe(pg)

    # --- the metric ------------------------------------------------------------------------
    pg.click("[data-metric-link]")
    _ready(pg)
    assert urlparse(pg.url).path == "/metric/charge_rate_cohort"
    m = metrics.explain("charge_rate_cohort")
    assert pg.locator("[data-field=definition]").inner_text() == m["definition"]
    assert pg.locator("[data-field=unit]").inner_text() == m["unit"]
    assert pg.locator("[data-field=confused_with] li").count() >= len(m["confused_with"])
    _axe(pg)

    _only_loopback(pg, base)
    assert pg.errors == []


@pytest.mark.parametrize("path", ["/area/CPS-SE?period=2017/18", "/area/K04000001?period=2017/18", "/area/E07000105",
                                  "/area/E22000137", "/metrics", "/areas?q=ash", "/compare?level=cps_area&period=2017/18",
                                  # partial CPS stages with nine editions each; a ratio, which has no funnel limits
                                  "/area/E23000032?period=2017/18&offence=sexual_offences",
                                  "/compare?metric=charge_ratio_period&period=2017/18",
                                  "/?metric=charge_ratio_period&period=2017/18",
                                  # an evaluation with its chart, tables and comparison
                                  "/evaluate?metric=cps_conviction_rate&area=West+Midlands&from=2014-01&to=2018-03"
                                  "&intervention=2016-10&offence=sexual_offences&comparison=named&compare_with=Kent", "/evaluate"])
def test_other_pages_draw_and_pass_axe(page, server, path):
    response = page.goto(server["base"] + path)
    assert response.status == 200
    _ready(page)
    assert page.locator("figure.chart.failed").count() == 0
    assert page.locator("[data-content-note]").count() == 1
    _axe(page)
    _only_loopback(page, server["base"])
    assert page.errors == []
