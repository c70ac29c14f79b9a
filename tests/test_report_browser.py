"""The HTML report in a real headless Chromium: it renders, its charts show, and axe-core finds no
WCAG 2.2 AA violations; the PDF prints. Debian's Chromium only (Playwright never downloads one);
axe-core comes from `make browser` (npm, into .venv/node_modules)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browsing import CHROMIUM, axe, missing, open_page
from test_report import KENT_LOCAL

from justicegap.answers.html import write_html
from justicegap.answers.report import build_report
from justicegap.store import Store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(loaded_home):
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        return build_report("Kent", start="2013/14", end="2022/23", offence="sexual_offences", local_areas=KENT_LOCAL, store=s)


@pytest.fixture
def page(browser, report, tmp_path):
    path = write_html(report, tmp_path / "kent.html")
    ctx, pg = open_page(browser)
    pg.goto(path.as_uri())
    yield pg
    ctx.close()


def test_renders_with_visible_charts(page, report):
    assert page.title().startswith("Sexual offences in Kent")
    assert page.locator("h1").inner_text().startswith("Sexual offences in Kent")
    figures = page.locator("figure")
    assert figures.count() >= 3
    for i in range(figures.count()):
        fig = figures.nth(i)
        svg = fig.locator("svg").first
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50
        label = svg.get_attribute("aria-labelledby")
        caption = fig.locator("figcaption")
        assert caption.get_attribute("id") == label and len(caption.inner_text()) > 40
        assert svg.locator("path, rect, line, text").count() > 5  # something was drawn
    assert page.locator("table caption").count() >= len(report.tables)
    assert page.locator("#not-available + p + div table tbody tr").count() == len(report.not_available)


def test_axe_finds_no_wcag_22_aa_violations(page):
    assert axe(page) > 10  # no violation, and axe really ran its rules
    assert page.errors == [] and all(u.startswith(("file:", "data:", "blob:")) for u in page.requests), page.requests


def test_pdf_prints(loaded, tmp_path):
    # in a fresh process: the module's browser holds Playwright's event loop in this one
    import subprocess
    import sys

    if not Path(CHROMIUM).exists():
        missing(f"Chromium ({CHROMIUM})")
    out = tmp_path / "kent.pdf"
    p = subprocess.run([sys.executable, "-m", "justicegap.cli", "report", "--area", "Kent", "--from", "2016/17", "--to", "2018/19",
                        "--offence", "rape", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") > 3
