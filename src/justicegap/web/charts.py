"""Vega-Lite specifications for the dashboard's charts, each with its text alternative.

Specs are built on the server from the library's answers and rendered in the browser by the
locally served vega-embed. ARIA output inside the SVG is turned off: each chart's container is
an image with the text alternative as its label, and the same figures are in a table beside it.
"""

from __future__ import annotations

from ..answers import plots
from ..formats import num, pct, value_text
from .labels import PERCENT_KINDS, data_flags, editions_text

BLUE, GREY, DARK, HIGHLIGHT = "#1d70b8", "#505a5f", "#0b0c0c", "#d4351c"
CONFIG = {"aria": False, "font": "system-ui, sans-serif", "view": {"stroke": None},
          "axis": {"labelColor": DARK, "titleColor": DARK, "labelFontSize": 12, "titleFontSize": 12},
          "legend": {"labelColor": DARK, "titleColor": DARK, "labelFontSize": 12, "titleFontSize": 12, "labelLimit": 400,
                     "titleLimit": 600},
          "title": {"color": DARK, "subtitleColor": DARK, "anchor": "start"}}
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # the version vl-convert bundles (never fetched)


def _d3_format(kind: str) -> str:
    """The axis, legend and tooltip format of a value of this kind (as formats.value_text writes it)."""
    return ".1%" if kind in PERCENT_KINDS else ",.1f" if kind in ("per_100k", "average") else ",.0f"


def _spec(**kw) -> dict:
    return {"$schema": SCHEMA, "config": CONFIG, **kw}


def _rate_text(kind: str, value, denominator) -> str:
    """A stage's rate (a share of its denominator) or ratio (two counts of different cases)."""
    if kind not in PERCENT_KINDS or value is None:
        return ""
    if kind == "ratio":
        return f" (ratio {pct(value)} against {num(denominator)})"
    return f" ({pct(value)} of {num(denominator)})"


def funnel_chart(r: dict) -> tuple[dict, str]:
    """Bars of each available stage's volume, labelled with its rate or ratio, its flags and its
    editions; stages count different things."""
    rows = []
    for i, s in enumerate(s for s in r["stages"] if s["available"] and s.get("volume") is not None):
        flags = data_flags(s)
        short = [f.split(" (")[0].split(":")[0] for f in flags]
        label = f"{num(s['volume'])} {s['unit']}{_rate_text(s['kind'], s.get('value'), s.get('denominator'))}"
        rows.append({"order": i, "stage": s["label"], "volume": s["volume"], "unit": s["unit"], "label": label,
                     "text": label + (f" [{', '.join(short)}]" if short else ""), "period": s["period"]["label"],
                     "flags": "; ".join(flags) or "none", "editions": editions_text(s.get("editions"))})
    spec = _spec(
        width="container", height=max(60, 44 * len(rows)),
        data={"values": rows},
        encoding={"y": {"field": "stage", "type": "nominal", "sort": [x["stage"] for x in rows], "title": None,
                        "axis": {"labelLimit": 320}},
                  "x": {"field": "volume", "type": "quantitative", "title": "Volume (each stage in its own unit)",
                        "axis": {"format": ",.0f"}}},
        layer=[{"mark": {"type": "bar", "color": BLUE},
                "encoding": {"tooltip": [{"field": "stage"}, {"field": "label", "title": "volume"}, {"field": "period"},
                                         {"field": "flags"}, {"field": "editions", "title": "edition"}]}},
               {"mark": {"type": "text", "align": "left", "dx": 4, "color": DARK}, "encoding": {"text": {"field": "text"}}}],
    )
    alt = (f"Bar chart of the attrition funnel for {r['offence']['label'].lower()} in {r['area']['name']}, {r['period']['label']}: "
           + "; ".join(f"{x['stage']}: {x['label']}, {x['period']}"
                       + (f", {x['flags']}" if x["flags"] != "none" else "") + f" (edition: {x['editions']})" for x in rows)
           + "." if rows else
           f"No stage of the funnel is available for {r['area']['name']} in {r['period']['label']}.")
    return spec, alt


def outcomes_chart(r: dict) -> tuple[dict, str]:
    """Shares of the offences recorded in the period by outcome group, with their denominator and edition."""
    groups = r["outcome_groups"]
    rows = [{"order": i, "group": g["label"], "share": g["share"], "lo": g["ci_low"], "hi": g["ci_high"], "count": g["count"],
             "denominator": g["denominator"], "edition": g["edition"]}
            for i, g in enumerate(groups)]
    dens = sorted({g["denominator"] for g in groups if g.get("denominator") is not None})
    recorded = " ".join(["the", *([" or ".join(num(d) for d in dens)] if dens else []), "offences recorded"])
    spec = _spec(
        width="container", height=max(60, 30 * len(rows)), data={"values": rows},
        encoding={"y": {"field": "group", "type": "nominal", "sort": [x["group"] for x in rows], "title": None, "axis": {"labelLimit": 420}}},
        layer=[{"mark": {"type": "bar", "color": BLUE},
                "encoding": {"x": {"field": "share", "type": "quantitative", "axis": {"format": ".0%"},
                                   "title": f"Share of {recorded} in the period"},
                             "tooltip": [{"field": "group"}, {"field": "count", "format": ","}, {"field": "share", "format": ".1%"},
                                         {"field": "denominator", "title": "of (offences recorded)", "format": ","},
                                         {"field": "edition"}]}},
               {"mark": {"type": "rule", "color": DARK}, "encoding": {"x": {"field": "lo", "type": "quantitative"}, "x2": {"field": "hi"}}}],
    )
    alt = (f"Bar chart of police outcomes for {r['offence']['label'].lower()} recorded in {r['area']['name']} in {r['period']['label']}, "
           f"as shares of {recorded}, with 95% intervals: "
           + "; ".join(f"{x['group']}: {num(x['count'])} ({pct(x['share'])})" for x in rows)
           + f". Edition: {editions_text(sorted({g['edition'] for g in groups}))}.")
    return spec, alt


def trend_chart(t: dict) -> tuple[dict, str]:
    pts = t["points"]
    yfmt = _d3_format(t["kind"])
    layers = []
    if t["kind"] == "proportion":  # only a proportion has an interval (a ratio's counts are different cases)
        layers.append({"mark": {"type": "area", "opacity": 0.25, "color": BLUE},
                       "encoding": {"x": {"field": "start", "type": "temporal"}, "y": {"field": "ci_low", "type": "quantitative"},
                                    "y2": {"field": "ci_high"}}})
    layers.append({"mark": {"type": "line", "point": {"filled": True, "size": 50, "color": BLUE}, "color": BLUE},
                   "encoding": {"x": {"field": "start", "type": "temporal", "title": "Financial quarter (start)",
                                      "axis": {"format": "%b %Y"}},
                                "y": {"field": "value", "type": "quantitative", "axis": {"format": yfmt},
                                      "title": f"{t['name']} ({t['unit']})", "scale": {"zero": True}},
                                "tooltip": [{"field": "period"}, {"field": "value", "format": yfmt},
                                            {"field": "numerator", "format": ","}, {"field": "denominator", "format": ","},
                                            {"field": "edition"}]}})
    marks = []
    for ev in t["events"]:
        for when, what in ((ev["start"], "from"), (ev.get("end"), "to")):
            if when and t["start"] <= when <= t["end"] and not (what == "to" and when == ev["start"]):
                marks.append({"date": when, "label": f"{ev['title']} ({what} {when})"})
    if marks:
        layers.append({"data": {"values": marks}, "mark": {"type": "rule", "strokeDash": [4, 3], "color": HIGHLIGHT},
                       "encoding": {"x": {"field": "date", "type": "temporal"}, "tooltip": [{"field": "label"}]}})
        layers.append({"data": {"values": marks}, "mark": {"type": "text", "angle": 270, "align": "right", "baseline": "bottom",
                                                           "dx": -4, "dy": -2, "fontSize": 10, "color": DARK},
                       "encoding": {"x": {"field": "date", "type": "temporal"}, "y": {"value": 0}, "text": {"field": "label"}}})
    spec = _spec(width="container", height=260, data={"values": pts}, layer=layers)
    alt = (f"Line chart of {t['name'].lower()} for {t['offence']['label'].lower()} in {t['area']['name']} by financial quarter, "
           f"{pts[0]['period']} to {pts[-1]['period']}: " + "; ".join(f"{p['period']} {value_text(t['kind'], p['value'])}" for p in pts)
           + f". Each quarter from the newest edition holding it: {editions_text(list(dict.fromkeys(p['edition'] for p in pts)))}."
           + (" Data breaks marked: " + "; ".join(m["label"] for m in marks) + "." if marks else ""))
    return spec, alt


def map_chart(c: dict, boundaries_url: str) -> tuple[dict, str]:
    fmt = _d3_format(c["kind"])
    values = [{"code": a["area"]["code"], "name": a["area"]["name"], "value": a["value"], "numerator": a["numerator"],
               "denominator": a["denominator"]} for a in c["areas"]]
    title = f"{c['name']} (basis: {c['basis'].replace('_', ' ')}; unit: {c['unit']})"
    spec = _spec(
        width="container", height=520,
        data={"url": boundaries_url, "format": {"type": "json", "property": "features"}},
        projection={"type": "mercator"},
        transform=[{"lookup": "properties.code", "from": {"data": {"values": values}, "key": "code",
                                                           "fields": ["value", "numerator", "denominator", "name"]}}],
        layer=[{"mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.5, "color": "#b1b4b6"}},
               {"transform": [{"filter": "isValid(datum.value)"}],
                "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.5},
                "encoding": {"color": {"field": "value", "type": "quantitative", "title": title,
                                       "scale": {"scheme": "blues"},
                                       "legend": {"format": fmt, "orient": "bottom", "direction": "horizontal",
                                                  "gradientLength": 320}},
                             "tooltip": [{"field": "name", "title": "Force area"},
                                         {"field": "value", "format": fmt, "title": c["name"]},
                                         {"field": "numerator", "format": ","}, {"field": "denominator", "format": ","}]}}],
    )
    known = [v for v in values if v["value"] is not None]
    lo = min(known, key=lambda v: v["value"]) if known else None
    hi = max(known, key=lambda v: v["value"]) if known else None
    alt = (f"Map of police force areas in England and Wales coloured by {c['name'].lower()} ({c['basis'].replace('_', ' ')}, "
           f"unit: {c['unit']}) for {c['offence']['label'].lower()}, {c['period']['label']}"
           + (f": from {value_text(c['kind'], lo['value'])} in {lo['name']} to {value_text(c['kind'], hi['value'])} in {hi['name']}. "
              if known else ". ")
           + f"Edition: {editions_text(c.get('editions'))}. Areas with no figure are grey. The table below lists every force.")
    return spec, alt


def funnel_plot(c: dict, highlight: str | None = None) -> tuple[dict, str]:
    """The library's funnel plot, with one area picked out (bigger, red, labelled in bold)."""
    spec = plots.funnel_plot(c)
    spec["$schema"] = SCHEMA
    spec["config"] = CONFIG
    spec["width"] = "container"
    spec["height"] = 440
    hl = next((a for a in c["areas"] if a["area"]["code"] == highlight), None)
    if hl is not None:
        pt = {"area": hl["area"]["name"], "n": hl["denominator"], "rate": hl["value"]}
        spec["layer"].append({"data": {"values": [pt]}, "mark": {"type": "point", "filled": True, "size": 180, "color": HIGHLIGHT,
                                                                  "shape": "diamond"},
                              "encoding": {"x": {"field": "n", "type": "quantitative"}, "y": {"field": "rate", "type": "quantitative"}}})
        spec["layer"].append({"data": {"values": [pt]}, "mark": {"type": "text", "align": "left", "dx": 9, "dy": 10, "fontSize": 13,
                                                                  "fontWeight": "bold", "color": HIGHLIGHT},
                              "encoding": {"x": {"field": "n", "type": "quantitative"}, "y": {"field": "rate", "type": "quantitative"},
                                           "text": {"field": "area"}}})
    alt = plots.funnel_plot_text(c)
    if hl is not None:
        alt += (f" {hl['area']['name']} is marked with a red diamond: {value_text(hl['kind'], hl['value'])} "
                f"({num(hl['numerator'])} of {num(hl['denominator'])} {hl['unit']}; edition {hl['edition']}), "
                f"{hl.get('position', 'within')} the 99.8% limits.")
    return spec, alt
