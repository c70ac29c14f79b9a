"""The dashboard in a real browser (Debian's Chromium, headless, driven by Playwright).

The server runs on a free loopback port in a thread, over the store loaded from ../shared/data.
A reader goes home -> Kent -> the comparison -> the metric page; on each page we check what
appears (figures equal to the library's, charts drawn as SVG, data tables, the content note, links
that reproduce the view), that no request leaves loopback, and that axe-core finds no WCAG 2.2 AA
violation. axe-core comes from the npm registry through `make browser` (into .venv/node_modules);
Playwright never downloads a browser.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from browsing import axe, fits, only_loopback, open_page, ready, reproduces, shot
from liveserver import running

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(loaded_home):
    from justicegap.server import create_app

    app = create_app(loaded_home / "justicegap.duckdb")
    with running(app) as base:
        yield {"base": base, "app": app}


@pytest.fixture
def page(browser, server):
    ctx, pg = open_page(browser)
    yield pg
    ctx.close()


def _charts(pg, n: int) -> None:
    assert pg.locator("figure.chart .chart-canvas svg").count() >= n
    assert pg.locator("figure.chart.failed").count() == 0
    sizes = pg.evaluate("Array.from(document.querySelectorAll('figure.chart .chart-canvas svg'))"
                        ".map(s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height])")
    assert all(w > 200 and h > 50 for w, h in sizes), f"charts drawn but not visible: {sizes}"


def test_click_through_home_kent_compare_metric(page, server, browser):
    from justicegap import metrics
    from justicegap.answers.funnel import attrition

    base, svc = server["base"], server["app"].state.service
    pg = page

    # --- home ------------------------------------------------------------------------------
    pg.goto(base + "/")
    ready(pg)
    default = svc.default_period()
    assert pg.locator("h1").inner_text() == f"Rape in England and Wales, {default}"
    note = pg.locator("[data-content-note]")
    assert note.is_visible() and "Content note" in note.inner_text()
    _charts(pg, 2)  # the funnel and the map
    assert pg.locator("#chart-map svg path").count() >= 43
    assert "offences recorded in the period" in pg.locator("#chart-map").get_attribute("aria-label")
    assert pg.locator("table[data-table=map] tbody tr").count() == 43
    axe(pg)

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
    ready(pg)
    assert parse_qs(urlparse(pg.url).query)["period"] == ["2017/18"]
    assert not pg.locator("[data-content-note]").is_visible()  # remembered
    with svc.cursor() as s:
        national = attrition(area="K04000001", period="2017/18", store=s).model_dump()
    recorded = next(st for st in national["stages"] if st["id"] == "recorded")
    assert f"{recorded['volume']:,.0f}" == "54,045"
    assert "54,045" in pg.locator("main").inner_text()

    # --- Kent ------------------------------------------------------------------------------
    pg.click("table[data-table=map] >> text=Kent")
    ready(pg)
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
    reproduces(pg, browser)
    axe(pg)

    # a download behind a chart
    with pg.expect_download() as dl:
        pg.locator("section[aria-labelledby=h-funnel] a[data-download=csv]").click()
    assert "2529" in Path(dl.value.path()).read_text()

    # --- the comparison --------------------------------------------------------------------
    pg.click("text=The full comparison, with the table of every area")
    ready(pg)
    assert urlparse(pg.url).path == "/compare"
    _charts(pg, 1)
    assert pg.locator("table[data-table=compare] tbody tr").count() == 43
    kent_row = pg.locator("table[data-table=compare] tr[data-code=E23000032]")
    assert float(kent_row.locator("td[data-value]").get_attribute("data-value")) == pytest.approx(fig.value)
    reproduces(pg, browser)
    axe(pg)

    # --- the metric ------------------------------------------------------------------------
    pg.click("[data-metric-link]")
    ready(pg)
    assert urlparse(pg.url).path == "/metric/charge_rate_cohort"
    m = metrics.explain("charge_rate_cohort")
    assert pg.locator("[data-field=definition]").inner_text() == m["definition"]
    assert pg.locator("[data-field=unit]").inner_text() == m["unit"]
    assert pg.locator("[data-field=confused_with] li").count() >= len(m["confused_with"])
    axe(pg)

    only_loopback(pg, base)
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
    ready(page)
    assert page.locator("figure.chart.failed").count() == 0
    assert page.locator("[data-content-note]").count() == 1
    axe(page)
    only_loopback(page, server["base"])
    assert page.errors == []


# --- every page type on a phone and a desktop ------------------------------------------------

PAGE_TYPES = {
    "home": "/?period=2017/18",
    "force": "/area/E23000032?period=2017/18",
    "cps-area": "/area/CPS-SE?period=2017/18",
    "partnership": "/area/E22000137",
    "district": "/area/E07000105",
    "nation": "/area/K04000001?period=2017/18",
    "compare": "/compare?period=2017/18&highlight=E23000032",
    "compare-local": "/compare?level=csp&metric=recorded_per_100k&offence=sexual_offences&period=YE+Jun+2025&highlight=E22000137",
    "compare-ratio": "/compare?metric=charge_ratio_period&period=2017/18",
    "metric": "/metric/charge_rate_cohort",
    "metrics": "/metrics",
    "evaluate": "/evaluate",
    "areas": "/areas?q=ash",
    "error": "/area/Nowhere",
    "api-docs": "/api/docs",
}
WIDTHS = (390, 1280)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_page_types_fit_draw_and_pass_axe(browser, server, name, width, tmp_path):
    """On a 390 px phone and a 1280 px desktop: nothing wider than the screen, every chart inside
    the screen with marks drawn and no text cut off at its edges, no console error, no WCAG 2.2
    A/AA violation; a screenshot of each."""
    ctx, pg = open_page(browser, width)
    response = pg.goto(server["base"] + PAGE_TYPES[name])
    ready(pg, timeout=300000)
    assert response.status == (404 if name == "error" else 200)
    # the browser reports the error page's own 404 status: not an error of the page
    errors = [e for e in pg.errors if not (name == "error" and "404" in e)]
    layout = fits(pg, width, server["base"], errors=errors)
    if name in ("home", "force", "compare", "compare-local", "partnership"):
        assert layout["charts"], f"{name} drew no chart"
    shot(pg, f"{name}-{width}", tmp_path)
    ctx.close()


def test_phone_tables_show_key_columns_and_the_rest_in_one_tap(page, server):
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(server["base"] + "/compare?period=2017/18")
    ready(page)
    table = page.locator("table[data-table=compare]")
    assert not table.locator("th.more").first.is_visible()
    assert table.locator("thead th:visible").count() == 3  # area, value, position
    page.locator("button.columns-toggle").first.click()
    assert table.locator("th.more").first.is_visible()
    assert page.locator("button.columns-toggle").first.get_attribute("aria-expanded") == "true"


def test_chart_descriptions_are_heard_once(page, server):
    page.goto(server["base"] + "/area/E23000032?period=2017/18")
    ready(page)
    # the accessibility tree Chromium gives assistive technology: each description in one node only
    cdp = page.context.new_cdp_session(page)
    nodes = [n for n in cdp.send("Accessibility.getFullAXTree")["nodes"] if not n.get("ignored")]
    names = [str((n.get("name") or {}).get("value") or "") for n in nodes]
    alts = [fig.inner_text().strip() for fig in page.locator("figure.chart .chart-alt").all()]
    assert len(alts) >= 4
    for alt in alts:
        heard = [x for x in names if alt[:120] in x]
        assert len(heard) == 1, (alt[:120], len(heard))


def test_local_comparison_and_map_in_two_clicks(page, server):
    """From the comparison page's form: choose Community Safety Partnerships, press Show."""
    page.goto(server["base"] + "/compare")
    ready(page)
    page.select_option("#f-level", "csp")
    page.click("form.selector button[type=submit] >> nth=0")
    ready(page, timeout=300000)
    assert page.locator("table[data-table=compare] tbody tr").count() >= 250
    assert page.locator("#chart-map svg g[class^='mark-'] path").count() >= 250
    assert page.locator("[data-view-note]").count() >= 1


# --- maps by keyboard, and funnel plot names that never overlap -----------------------------

MAPS = {  # a map of each level: force areas, CPS Areas (their forces), partnerships (their districts)
    "pfa": ("/?period=2017/18", "#chart-map", ("charge_rate_cohort", "pfa", "2017/18", "rape")),
    "cps_area": ("/compare?level=cps_area&period=2017/18", "#chart-map-position", ("charge_rate_cohort", "cps_area", "2017/18", "rape")),
    "csp": ("/compare?level=csp&metric=recorded_per_100k&offence=sexual_offences&period=YE+Jun+2025", "#chart-map",
            ("recorded_per_100k", "csp", "YE Jun 2025", "sexual_offences")),
}

TABBABLE = """(map) => {
  const all = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
    .filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden');
  const i = all.findIndex(e => e.closest(map) && e.classList.contains('map-area'));
  return i;
}"""


def _mapped_names(svc, args) -> tuple[dict, set]:
    """The areas the map can draw, worked out from the comparison and the boundaries: each with a
    figure and a shape of its own; a district shared by several partnerships (Cumberland, since
    2023, holds Allerdale, Carlisle and Copeland) is one shape, reached once, naming them all."""
    from justicegap.web.charts import _shapes

    level = args[1]
    cmp = svc.compare(*args, None, None, None, None)
    bounds = {f["properties"]["code"] for f in svc.boundaries("lad" if level == "csp" else "pfa")["features"]}
    shapes = {a["area"]["name"]: [s for s in _shapes(level, a["area"]["code"]) if s in bounds]
              for a in cmp["areas"] if a["value"] is not None}
    owners: dict[str, set] = {}
    for name, codes in shapes.items():
        for code in codes:
            owners.setdefault(code, set()).add(name)
    own = {name for name, codes in shapes.items() if any(len(owners[c]) == 1 for c in codes)}
    shared = [frozenset(names) for names in owners.values() if len(names) > 1]
    return {a["area"]["name"]: a for a in cmp["areas"]}, own | set(shared)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("level", list(MAPS))
def test_every_map_area_is_reached_by_keyboard_with_its_figures(page, server, level, width):
    """Tab reaches the map; the arrow keys go through every area with a figure, in name order; each
    in focus is ringed, heard with its value, interval, counts and funnel position, and shown them
    beside it; the table is still there."""
    from justicegap.formats import num, pct

    path, map_id, args = MAPS[level]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(server["base"] + path)
    ready(page, timeout=300000)
    by_name, reachable = _mapped_names(server["app"].state.service, args)
    areas = page.locator(f"{map_id} .map-area")
    assert areas.count() == len(reachable)
    assert page.locator(f"{map_id} [tabindex='0']").count() == 1  # one stop in the Tab order
    assert page.locator(f"{map_id} ~ .keys-hint, figure:has({map_id}) .keys-hint").first.is_visible()

    # Tab from the control before the map lands on it
    before = page.evaluate(TABBABLE, map_id)
    assert before > 0
    page.evaluate("([map, i]) => { const all = [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]"
                  ".filter(e => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden');"
                  " all[i - 1].focus(); }", [map_id, before])
    page.keyboard.press("Tab")
    seen = []
    for _ in range(areas.count()):
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert page.evaluate("document.activeElement.classList.contains('map-area')")
        name = label.split("; ")[0]
        together = next((g for g in reachable if isinstance(g, frozenset) and all(n in name for n in g)), None)
        if together is not None:  # one shape for several partnerships: named, with no one figure
            assert "each partnership's figure is in the table" in label and "numerator" not in label
            seen.append(name)
            page.keyboard.press("ArrowRight")
            continue
        a = by_name[name]
        if a["kind"] == "proportion":
            assert f"{pct(a['value'])}" in label and f"{pct(a['ci_low'])}–{pct(a['ci_high'])}" in label
        assert f"numerator: {num(a['numerator'])}" in label and f"denominator: {num(a['denominator'])}" in label
        assert "funnel plot: " in label
        box = page.locator(f"{map_id} .map-focus")
        assert box.is_visible() and box.inner_text().splitlines()[0] == name
        rings = page.evaluate(f"""() => [...document.querySelectorAll('{map_id} .focus-ring')]
                                         .map(r => [r.getAttribute('stroke'), r.getBoundingClientRect().width])""")
        assert any(c == "#ffdd00" and w > 0 for c, w in rings), rings  # the focus ring is drawn
        seen.append(name)
        page.keyboard.press("ArrowRight")
    assert seen == sorted(seen, key=lambda s: s.lower()) or seen == sorted(seen)  # name order
    assert len(set(seen)) == len(reachable)
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").split("; ")[0] == seen[0]  # wraps round
    page.keyboard.press("End")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").split("; ")[0] == seen[-1]
    letter = seen[len(seen) // 2].removeprefix("CPS ")[0].lower()
    page.keyboard.press(letter)  # a letter: the next area whose name starts with it (a CPS Area's after "CPS")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").split("; ")[0] == \
        next(n for n in seen if n.removeprefix("CPS ").lower().startswith(letter))
    table = "map" if level == "pfa" else "compare"
    assert page.locator(f"table[data-table={table}] tbody tr").count() == len(by_name)  # the table alternative
    axe(page)
    assert page.errors == []


LABELS = """(id) => {
  const svg = document.querySelector(id + ' svg');
  const texts = [...svg.querySelectorAll('g.mark-text.role-mark text')];
  const shown = texts.filter(t => getComputedStyle(t).visibility !== 'hidden' && t.textContent.trim());
  const boxes = shown.map(t => { const r = t.getBoundingClientRect(); return {name: t.textContent, l: r.left, t: r.top, r: r.right, b: r.bottom}; });
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) overlaps.push([a.name, b.name]);
  }
  return {shown: boxes.map(b => b.name), hidden: texts.filter(t => !shown.includes(t)).map(t => t.textContent), overlaps};
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["/compare?level=csp&metric=recorded_per_100k&offence=sexual_offences&period=YE+Jun+2025"
                                  "&highlight=E22000137", "/compare?period=2017/18&highlight=E23000032", "/area/E23000032?period=2017/18"])
def test_funnel_plot_names_never_overlap(page, server, path, width):
    """No two names on the funnel plot touch, on a phone and a desktop; the page's own area is always
    named; a name left off is still in the table (and its point has its tooltip)."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(server["base"] + path)
    ready(page, timeout=300000)
    got = page.evaluate(LABELS, "#chart-funnelplot")
    assert got["overlaps"] == [], got
    named = {"E22000137": "Ashford", "E23000032": "Kent"}[next(c for c in ("E22000137", "E23000032") if c in path)]
    assert named in got["shown"]
    assert len(got["shown"]) >= 3, got  # names are still given, not all dropped
    table = page.locator("table[data-table=compare]").inner_text() if page.locator("table[data-table=compare]").count() else \
        page.locator("main").inner_text()
    assert all(name in table for name in got["hidden"]), got["hidden"]
    # zoomed on the crowded part, and after a drag, still none overlaps
    if "compare" in path:
        page.goto(server["base"] + path + "&zoom=dense")
        ready(page, timeout=300000)
        box = page.locator("#chart-funnelplot svg").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 + 30, steps=5)
        page.mouse.up()
        page.wait_for_timeout(300)
        got = page.evaluate(LABELS, "#chart-funnelplot")
        assert got["overlaps"] == [], got
    assert page.errors == []


def test_tab_never_stops_on_a_drawing_or_hidden_content(page, server):
    """Every Tab stop is a control a reader can see and hear: never a chart's drawing (Chromium makes
    an SVG with focus listeners focusable) nor anything hidden from assistive technology; the map's
    areas are one stop."""
    page.goto(server["base"] + "/?period=2017/18")
    ready(page)
    stops = []
    for _ in range(400):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => { const e = document.activeElement;
            return e === document.body ? null : {tag: e.tagName.toLowerCase(), hidden: !!e.closest('[aria-hidden="true"]'),
                                                  text: (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 40)}; }""")
        if info is None or (stops and info == stops[0]):
            break
        stops.append(info)
    assert len(stops) > 20
    assert [s for s in stops if s["tag"] == "svg" or s["hidden"]] == []
    assert sum(s["tag"] == "path" for s in stops) == 1
