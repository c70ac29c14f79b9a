"""What the browser tests share: Debian's Chromium driven by Playwright (never a browser download),
pages opened with their console errors and requests recorded, axe-core's WCAG 2.2 A/AA rules, and
the layout every page must keep (nothing wider than the screen, charts drawn inside it)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from justicegap.answers.html import CHROMIUM_ARGS

CHROMIUM = os.environ.get("JUSTICEGAP_CHROMIUM", "/usr/bin/chromium")
ARGS = [*CHROMIUM_ARGS, "--disable-quic"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ROOT = Path(__file__).resolve().parents[1]
# Where the screenshots go: docs/screens (shown in the README) when JUSTICEGAP_SCREENSHOTS names it,
# else a temporary folder (the test still takes them, and a failing page can be looked at).
SHOTS = os.environ.get("JUSTICEGAP_SCREENSHOTS")

LAYOUT = """() => {
  const vw = window.innerWidth, out = [];
  for (const fig of document.querySelectorAll('figure.chart')) {
    const canvas = fig.querySelector('.chart-canvas'), svg = canvas.querySelector('svg');
    if (!svg) { out.push({id: canvas.id, svg: false}); continue; }
    const r = svg.getBoundingClientRect(), clipped = [];
    for (const t of svg.querySelectorAll('text')) {
      const b = t.getBoundingClientRect();
      if (!t.textContent.trim() || b.width === 0) continue;
      if (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1) clipped.push(t.textContent);
    }
    const marks = svg.querySelectorAll('g[class^="mark-"] path, g[class^="mark-"] line').length;
    out.push({id: canvas.id, svg: true, left: r.left, right: r.right, width: r.width, vw, clipped, marks});
  }
  return {charts: out, scroll: document.documentElement.scrollWidth, vw};
}"""


def axe_path() -> Path | None:
    for base in (Path(sys.prefix), ROOT / ".venv", ROOT):
        p = base / "node_modules" / "axe-core" / "axe.min.js"
        if p.exists():
            return p
    return None


def missing(what: str):
    """A browser test without its tools: a failure in CI, a skip on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing: run `make browser`")
    pytest.skip(f"{what} is missing: run `make browser`")


def launched():
    """Debian's Chromium, headless, for one test module (the ``browser`` fixture in conftest.py)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        missing(f"Chromium ({CHROMIUM})")
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def open_page(browser, width: int = 1280):
    """A fresh context and page that record console errors, page errors and every request, with
    axe-core ready to inject (bypass_csp: the pages' policy forbids inline scripts)."""
    axe = axe_path()
    if axe is None:
        missing("axe-core (node_modules/axe-core/axe.min.js)")
    ctx = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    pg = ctx.new_page()
    pg.axe_source = axe.read_text(encoding="utf-8")
    pg.errors, pg.requests = [], []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("request", lambda r: pg.requests.append(r.url))
    return ctx, pg


def ready(pg, timeout: int = 30000) -> None:
    """Loaded and every chart drawn (a page whose comparison is still being prepared reloads itself
    until it is there, and only then says it is ready)."""
    pg.wait_for_load_state("load")
    pg.wait_for_function("document.documentElement.dataset.chartsReady === '1' || document.documentElement.dataset.docsReady === '1'",
                         timeout=timeout)


def axe(pg) -> int:
    """No WCAG 2.2 A/AA violation; the number of rules that passed (axe really ran)."""
    pg.add_script_tag(content=pg.axe_source)
    result = pg.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return {passes: r.passes.length, violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))};
    }""", AXE_TAGS)
    assert result["violations"] == [], f"axe-core violations on {pg.url}: {result['violations']}"
    return result["passes"]


def only_loopback(pg, base: str) -> None:
    outside = [u for u in pg.requests if not (u.startswith(base + "/") or u.startswith("data:") or u.startswith("blob:"))]
    assert outside == [], outside


def fits(pg, width: int, base: str, charts: int | None = None, errors: list[str] | None = None) -> dict:
    """Nothing wider than the screen; every chart inside it, drawn, with marks and no text cut off
    at its edges (``charts``: how many there must be); no console error; no WCAG violation; no
    request off the machine."""
    layout = pg.evaluate(LAYOUT)
    assert layout["scroll"] <= width, f"{pg.url} at {width}px is {layout['scroll']}px wide"
    if charts is not None:
        assert len(layout["charts"]) == charts, layout["charts"]
    for c in layout["charts"]:
        assert c["svg"], f"{c['id']} was not drawn"
        assert c["left"] >= -1 and c["right"] <= width + 1, f"{c['id']} is wider than the screen: {c}"
        assert c["marks"] > 0, f"{c['id']} has no marks"
        assert c["clipped"] == [], f"{c['id']}: text cut off at the chart's edge: {c['clipped']}"
    errors = pg.errors if errors is None else errors
    assert errors == [], errors
    axe(pg)
    only_loopback(pg, base)
    return layout


def shot(pg, name: str, tmp_path: Path, section: str = "") -> None:
    """A screenshot scrolled to the first chart's section under ``section`` (or the main heading),
    the content note hidden."""
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    if pg.locator("[data-dismiss-note]").is_visible():
        pg.locator("[data-dismiss-note]").click()
    pg.evaluate("(s) => { const f = document.querySelector((s ? s + ' ' : '') + 'figure.chart');"
                " (f ? (f.closest('section') || f) : document.querySelector('main')).scrollIntoView(); }", section)
    pg.screenshot(path=str(folder / f"{name}.png"))


def reproduces(pg, browser) -> None:
    """The page's 'Link to this view' gives the same page in a fresh browser (no cookies, no storage)."""
    href = pg.locator("[data-permalink]").first.get_attribute("href")
    here = pg.locator("main").inner_text()
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    other = ctx.new_page()
    other.goto(urlparse(pg.url)._replace(path="", query="").geturl().rstrip("/") + href)
    ready(other)
    assert other.locator("main").inner_text() == here
    ctx.close()
