"""A report as one self-contained, accessible HTML page, and as PDF printed from it.

The page has no scripts and loads nothing: the charts are SVG drawn by vl-convert (which bundles
Vega) and inlined, each in a ``<figure>`` whose ``<figcaption>`` is its text alternative and whose
SVG is labelled by it. Tables have captions and header scopes; the page has a language, landmarks
and text colours that meet WCAG AA contrast.

The PDF is the same page printed by Debian's Chromium through Playwright; Playwright is never
allowed to download a browser of its own.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from ..errors import JusticegapError
from ..formats import num, pct
from .report import Report

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
COLOURS = ["#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#b58840", "#505a5f"]


# --- charts ----------------------------------------------------------------------------------

def _svg(spec: dict, label_id: str) -> str:
    """Vega-Lite -> inline SVG labelled by the figure's caption (inner ARIA roles removed)."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec)
    svg = re.sub(r'\s(role|aria-[a-z]+)="[^"]*"', "", svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{label_id}" focusable="false" '
                               'style="max-width:100%;height:auto" ', 1)
    return svg


def value_axis_title(kinds) -> str:
    """The value axis named by what is on it: 'Rate' for proportions, 'Ratio' for ratios (two
    different sets of cases, not a share), and both named when a chart holds both."""
    kinds = set(kinds)
    if kinds == {"proportion"}:
        return "Rate"
    if kinds == {"ratio"}:
        return "Ratio"
    return "Rate or ratio (see the legend)"


def trend_chart(trend: dict) -> tuple[dict, str] | None:
    """Charge rates and ratios by basis over the years asked, with data breaks marked; and its text."""
    pts = [p for p in trend.get("points", []) if p["kind"] in ("proportion", "ratio") and p["value"] is not None]
    if not pts:
        return None
    kinds = {p["kind"] for p in pts}
    if len(kinds) > 1:  # the legend says which series is a ratio
        pts = [{**p, "series": p["series"] + (" (a ratio, not a rate)" if p["kind"] == "ratio" else " (a rate)")} for p in pts]
    y_title = value_axis_title(kinds)
    years = trend["years"]
    events = [e for e in trend.get("events", [])]
    layers = [
        {"data": {"values": pts}, "mark": {"type": "line", "point": {"filled": True, "size": 60}},
         "encoding": {"x": {"field": "year", "type": "ordinal", "scale": {"domain": years}, "title": "Financial year",
                            "axis": {"labelAngle": -40}},
                      "y": {"field": "value", "type": "quantitative", "axis": {"format": ".1%"}, "title": y_title},
                      "color": {"field": "series", "type": "nominal", "title": "Basis",
                                "scale": {"range": COLOURS}, "legend": {"orient": "bottom", "columns": 1, "labelLimit": 520}}}},
        {"data": {"values": [p for p in pts if p.get("ci_low") is not None]}, "mark": {"type": "rule", "strokeWidth": 2},
         "encoding": {"x": {"field": "year", "type": "ordinal", "scale": {"domain": years}},
                      "y": {"field": "ci_low", "type": "quantitative"}, "y2": {"field": "ci_high"},
                      "color": {"field": "series", "type": "nominal", "scale": {"range": COLOURS}, "legend": None}}},
    ]
    marks = []
    for e in events:
        y = _year_of(e["start"], years)
        if y:
            same = next((m for m in marks if m["year"] == y), None)
            if same:
                same["label"] += f" / {e['title']}"
            else:
                marks.append({"year": y, "label": e["title"]})
    if marks:
        layers.append({"data": {"values": marks}, "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#0b0c0c"},
                       "encoding": {"x": {"field": "year", "type": "ordinal", "scale": {"domain": years}}}})
        layers.append({"data": {"values": marks}, "mark": {"type": "text", "angle": -90, "align": "left", "baseline": "bottom",
                                                           "dx": 0, "dy": -3, "fontSize": 10, "color": "#0b0c0c", "limit": 285},
                       "encoding": {"x": {"field": "year", "type": "ordinal", "scale": {"domain": years}},
                                    "y": {"value": 290}, "text": {"field": "label"}}})
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 620, "height": 300,
            "title": {"text": f"Charges on each basis: {trend['offence'].lower()}, {trend['area']}", "color": "#0b0c0c"},
            "config": {"axis": {"labelColor": "#0b0c0c", "titleColor": "#0b0c0c"}, "legend": {"labelColor": "#0b0c0c", "titleColor": "#0b0c0c"}},
            "layer": layers}
    by_series: dict[str, list[str]] = {}
    for p in pts:
        ci = f" (95% CI {pct(p['ci_low'])} to {pct(p['ci_high'])})" if p.get("ci_low") is not None else ""
        by_series.setdefault(p["series"], []).append(f"{p['year']} {pct(p['value'])}{ci}")
    have = sorted({p["year"] for p in pts}, key=years.index)
    lacking = [y for y in years if y not in have]
    text = (f"Line chart of charges on each basis for {trend['offence'].lower()} in {trend['area']}, by financial year; "
            f"value axis: {y_title.lower()}. "
            + " ".join(f"{s}: {', '.join(v)}." for s, v in by_series.items())
            + (f" No data for {', '.join(lacking)}: those years are left empty, not filled." if lacking else "")
            + (" Dashed vertical lines mark data breaks: " + "; ".join(f"{m['label']} ({m['year']})" for m in marks) + "." if marks else ""))
    return spec, text


def _year_of(day: str, years: list[str]) -> str | None:
    d = date.fromisoformat(day)
    fy = d.year if d.month >= 4 else d.year - 1
    label = f"{fy}/{(fy + 1) % 100:02d}"
    return label if label in years else None


def attrition_chart(att: dict) -> tuple[dict, str] | None:
    """The attrition funnel: one bar per available stage, volumes with their units."""
    stages = [s for s in att.get("stages", []) if s.get("available") and s.get("volume") is not None]
    if not stages:
        return None
    values = [{"stage": f"{i + 1}. {s['label']}", "volume": s["volume"], "unit": s["unit"], "period": s["period"]["label"],
               "label": f"{s['volume']:,.0f} {s['unit']}"} for i, s in enumerate(stages)]
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 420, "height": 36 * len(values),
            "title": {"text": f"Attrition: {att['offence']['label'].lower()}, {att['area']['name']}, {att['period']['label']}", "color": "#0b0c0c"},
            "config": {"axis": {"labelColor": "#0b0c0c", "titleColor": "#0b0c0c", "labelLimit": 360}},
            "data": {"values": values},
            "layer": [{"mark": {"type": "bar", "color": "#1d70b8"},
                       "encoding": {"y": {"field": "stage", "type": "nominal", "sort": None, "title": None},
                                    "x": {"field": "volume", "type": "quantitative", "title": "Volume (units differ by stage)"}}},
                      {"mark": {"type": "text", "align": "left", "dx": 4, "color": "#0b0c0c"},
                       "encoding": {"y": {"field": "stage", "type": "nominal", "sort": None},
                                    "x": {"field": "volume", "type": "quantitative"}, "text": {"field": "label"}}}]}
    text = (f"Bar chart of the stages of attrition for {att['offence']['label'].lower()} in {att['area']['name']}, {att['period']['label']}: "
            + "; ".join(f"{v['stage']}: {v['label']} ({v['period']})" for v in values) + ". "
            + " ".join(att.get("statements") or []))
    return spec, text


def position_chart(result: dict, code: str) -> tuple[dict, str] | None:
    """The funnel plot of all areas with the report's area picked out."""
    from . import plots

    if result.get("target") is None:
        return None
    spec = plots.funnel_plot(result)
    me = [a for a in result["areas"] if a["area"]["code"] == code]
    if me:
        a = me[0]
        spec["layer"].append({"data": {"values": [{"n": a["denominator"], "rate": a["value"], "area": a["area"]["name"]}]},
                              "mark": {"type": "point", "shape": "diamond", "size": 260, "filled": False, "strokeWidth": 3,
                                       "color": "#d4351c"},
                              "encoding": {"x": {"field": "n", "type": "quantitative"}, "y": {"field": "rate", "type": "quantitative"}}})
    spec["config"] = {"axis": {"labelColor": "#0b0c0c", "titleColor": "#0b0c0c"}, "legend": {"labelColor": "#0b0c0c", "titleColor": "#0b0c0c"},
                      "title": {"color": "#0b0c0c", "subtitleColor": "#0b0c0c"}}
    text = plots.funnel_plot_text(result)
    if me:
        a = me[0]
        text += (f" {a['area']['name']} (marked with a red diamond): {pct(a['value'])} of {num(a['denominator'])}, "
                 f"{a.get('position', 'not placed')} the 99.8% limits (which at its size run from {pct(a.get('lower998'))} to {pct(a.get('upper998'))}).")
    return spec, text


def charts(report: Report) -> list[dict]:
    """Every chart of the report as {id, title, svg, text}."""
    out = []
    built = []
    tr = trend_chart(report.charts.get("trend") or {}) if report.charts.get("trend") else None
    if tr:
        built.append(("trend", "Charges on each basis, by year", tr))
    at = attrition_chart(report.charts["attrition"]) if report.charts.get("attrition") else None
    if at:
        built.append(("attrition", "The attrition funnel, latest year with police outcomes", at))
    code = report.question["police_area"]["code"]
    for mid, res in (report.charts.get("compare") or {}).items():
        pc = position_chart(res, code)
        if pc:
            built.append((f"position-{mid}", f"{res['name']}: {report.question['police_area']['name']} among all areas", pc))
    for cid, title, (spec, text) in built:
        label = f"cap-{cid}"
        out.append({"id": cid, "title": title, "label_id": label, "svg": _svg(spec, label), "text": text, "spec": spec})
    return out


# --- values ----------------------------------------------------------------------------------

def cell(value, col) -> str:
    if value is None:
        return ""
    if col.name == "Basis":  # a reader's words, as the pages give them, not the registry's ids
        return basis_text(value)
    if col.name == "Flags":
        return flag_words(value)
    if col.type == "percent":
        return pct(value)
    if col.type == "integer":
        return f"{value:,.0f}"
    if col.type == "number":
        return f"{value:,.1f}"
    return str(value)


def basis_text(basis: str) -> str:
    from .sentences import basis_text

    return basis_text(basis)


def flag_words(flags: str) -> str:
    """A table's flags cell ("maturing, event:covid_19") in words."""
    from .. import reference
    from ..metrics.wording import FLAG_WORDS

    titles = {e["id"]: e["title"] for e in reference.table("events")}
    out = []
    for f in (x.strip() for x in str(flags).split(",") if x.strip()):
        if f.startswith("event:"):
            out.append("data break: " + titles.get(f[6:], f[6:].replace("_", " ")))
        else:
            out.append(FLAG_WORDS.get(f, f.replace("_", " ")))
    return "; ".join(out)


def render(report: Report) -> str:
    """The report as an HTML string."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("justicegap.answers", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = cell
    env.filters["basis"] = basis_text
    return env.get_template("report.html").render(r=report, q=report.question, charts=charts(report))


def write_html(report: Report, path) -> Path:
    path = Path(path)
    path.write_text(render(report), encoding="utf-8")
    return path


def chromium_path() -> str:
    """Debian's Chromium (or $JUSTICEGAP_CHROMIUM); a clear error when it is not installed."""
    exe = os.environ.get("JUSTICEGAP_CHROMIUM", CHROMIUM)
    if not Path(exe).exists():
        raise JusticegapError(f"PDF output needs Chromium at {exe}, which is not installed. Install Debian's package: "
                              "`apt-get install chromium` (or `make browser`), or set JUSTICEGAP_CHROMIUM to its path. "
                              "justicegap never downloads a browser.")
    return exe


def write_pdf(report: Report, path) -> Path:
    """Print the HTML report to PDF with headless Chromium (Playwright, the system browser only)."""
    exe = chromium_path()
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    path = Path(path)
    html = render(report)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.set_content(html, wait_until="load")
            page.emulate_media(media="print")
            page.pdf(path=str(path), format="A4", print_background=True, landscape=False,
                     margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
                     display_header_footer=True, header_template="<span></span>",
                     footer_template='<div style="font-size:8px;width:100%;text-align:center;color:#505a5f">'
                                     'justicegap report: page <span class="pageNumber"></span> of <span class="totalPages"></span></div>')
        finally:
            browser.close()
    return path
