"""Vega-Lite specifications for the dashboard's charts, each with its text alternative.

Specs are built on the server from the library's answers and rendered in the browser by the
locally served vega-embed. ARIA output inside the SVG is turned off: each chart's container is
an image with the text alternative as its label, and the same figures are in a table beside it.
"""

from __future__ import annotations

from ..answers import plots
from ..formats import num, pct
from .labels import data_flags, editions_text, lower_first, ratio_per, value_text

BLUE, GREY, DARK, HIGHLIGHT = "#1d70b8", "#505a5f", "#0b0c0c", "#d4351c"
CONFIG = {"aria": False, "font": "system-ui, sans-serif", "view": {"stroke": None},
          "axis": {"labelColor": DARK, "titleColor": DARK, "labelFontSize": 12, "titleFontSize": 12},
          "legend": {"labelColor": DARK, "titleColor": DARK, "labelFontSize": 12, "titleFontSize": 12, "labelLimit": 400,
                     "titleLimit": 600},
          "title": {"color": DARK, "subtitleColor": DARK, "anchor": "start"}}
# No "$schema": a page refers to nothing outside the server (vega-embed needs no schema address).


def _d3_format(kind: str) -> str:
    """The axis, legend and tooltip format of a value of this kind (as labels.value_text writes it):
    a proportion as %, a ratio as so many per 100 (its plotted value is scaled by 100; see _shown)."""
    return ".1%" if kind == "proportion" else ",.1f" if kind in ("per_100k", "average", "ratio") else ",.0f"


def _shown(kind: str, value):
    """The value as plotted: a ratio per 100 of its denominator's cases, anything else as it is."""
    return None if value is None else 100 * value if kind == "ratio" else value


def _value_title(kind: str, metric: str | None, unit: str) -> str:
    return f"per 100 {ratio_per(metric)}" if kind == "ratio" else unit


def _spec(**kw) -> dict:
    return {"config": CONFIG, **kw}


def _rate_text(kind: str, value, denominator, metric: str | None = None) -> str:
    """A stage's rate (a share of its denominator) or ratio (two counts of different cases)."""
    if kind not in ("proportion", "ratio") or value is None:
        return ""
    if kind == "ratio":
        return f" (ratio: {value_text(kind, value, metric)}, against {num(denominator)})"
    return f" ({pct(value)} of {num(denominator)})"


def _short_flags(flags: list[str]) -> list[str]:
    return [f.split(" (")[0].split(":")[0] for f in flags]


def funnel_chart(r: dict) -> tuple[dict, str]:
    """Bars of each available stage's volume, labelled with its rate or ratio, its flags and its
    editions; stages count different things."""
    rows = []
    for i, s in enumerate(s for s in r["stages"] if s["available"] and s.get("volume") is not None):
        flags = data_flags(s)
        short = _short_flags(flags)
        label = f"{num(s['volume'])} {s['unit']}{_rate_text(s['kind'], s.get('value'), s.get('denominator'), s.get('metric'))}"
        rows.append({"order": i, "stage": s["label"], "volume": s["volume"], "unit": s["unit"], "label": label,
                     "text": label + (f" [{', '.join(short)}]" if short else ""), "period": s["period"]["label"],
                     "flags": "; ".join(flags) or "none", "editions": editions_text(s.get("editions"))})
    # Each bar's label is written under the bar from the axis, not after its end, so that a long
    # bar's label is never cut off at the edge of the chart.
    spec = _spec(
        width="container", height=max(60, 56 * len(rows)),
        data={"values": rows},
        encoding={"y": {"field": "stage", "type": "nominal", "sort": [x["stage"] for x in rows], "title": None,
                        "axis": {"labelLimit": 320}, "scale": {"paddingInner": 0.55, "paddingOuter": 0.2}}},
        layer=[{"mark": {"type": "bar", "color": BLUE},
                "encoding": {"x": {"field": "volume", "type": "quantitative", "title": "Volume (each stage in its own unit)",
                                   "axis": {"format": ",.0f"}},
                             "tooltip": [{"field": "stage"}, {"field": "label", "title": "volume"}, {"field": "period"},
                                         {"field": "flags"}, {"field": "editions", "title": "edition"}]}},
               {"mark": {"type": "text", "align": "left", "baseline": "top", "dx": 2, "dy": 12, "color": DARK, "limit": 0},
                "encoding": {"x": {"datum": 0, "type": "quantitative"}, "text": {"field": "text"}}}],
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
    """The metric by quarter: a flagged quarter (low count, maturing, partial...) is a hollow point
    with its flags in the tooltip and the text alternative."""
    kind = t["kind"]
    pts = [{**p, "shown": _shown(kind, p["value"]), "flags_text": "; ".join(data_flags(p)) or "none",
            "flagged": bool(data_flags(p))} for p in t["points"]]
    yfmt = _d3_format(kind)
    x = {"field": "start", "type": "temporal", "title": "Financial quarter (start)", "axis": {"format": "%b %Y"}}
    y = {"field": "shown", "type": "quantitative", "axis": {"format": yfmt},
         "title": f"{t['name']} ({_value_title(kind, t.get('metric'), t['unit'])})", "scale": {"zero": True}}
    tooltip = [{"field": "period"}, {"field": "shown", "format": yfmt, "title": _value_title(kind, t.get("metric"), "value")
                                     if kind == "ratio" else "value"},
               {"field": "numerator", "format": ","}, {"field": "denominator", "format": ","},
               {"field": "flags_text", "title": "flags"}, {"field": "edition"}]
    layers = []
    if kind == "proportion":  # only a proportion has an interval (a ratio's counts are different cases)
        layers.append({"mark": {"type": "area", "opacity": 0.25, "color": BLUE},
                       "encoding": {"x": {"field": "start", "type": "temporal"}, "y": {"field": "ci_low", "type": "quantitative"},
                                    "y2": {"field": "ci_high"}}})
    layers.append({"mark": {"type": "line", "color": BLUE}, "encoding": {"x": x, "y": y}})
    layers.append({"transform": [{"filter": "!datum.flagged"}],
                   "mark": {"type": "point", "filled": True, "size": 50, "color": BLUE, "opacity": 1},
                   "encoding": {"x": x, "y": y, "tooltip": tooltip}})
    layers.append({"transform": [{"filter": "datum.flagged"}],
                   "mark": {"type": "point", "filled": False, "size": 70, "color": BLUE, "fill": "#ffffff", "strokeWidth": 2,
                            "opacity": 1},
                   "encoding": {"x": x, "y": y, "tooltip": tooltip}})
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
    flagged = any(p["flagged"] for p in pts)
    alt = (f"Line chart of {lower_first(t['name'])} for {t['offence']['label'].lower()} in {t['area']['name']} by financial quarter, "
           f"{pts[0]['period']} to {pts[-1]['period']}: "
           + "; ".join(f"{p['period']} {value_text(kind, p['value'], t.get('metric'))}"
                       + (f" ({p['flags_text']})" if p["flagged"] else "") for p in pts)
           + f". Each quarter from the newest edition holding it: {editions_text(list(dict.fromkeys(p['edition'] for p in pts)))}."
           + (" Flagged quarters are hollow points." if flagged else "")
           + (" Data breaks marked: " + "; ".join(m["label"] for m in marks) + "." if marks else ""))
    return spec, alt


def map_chart(c: dict, boundaries_url: str) -> tuple[dict, str]:
    kind = c["kind"]
    fmt = _d3_format(kind)
    values = [{"code": a["area"]["code"], "name": a["area"]["name"], "value": _shown(kind, a["value"]), "raw": a["value"],
               "numerator": a["numerator"], "denominator": a["denominator"],
               "flags": "; ".join(data_flags(a)) or "none", "low_count": "low_count" in (a.get("flags") or [])}
              for a in c["areas"]]
    title = (f"{c['name']} (basis: {c['basis'].replace('_', ' ')}; "
             + (f"{_value_title(kind, c.get('metric'), c['unit'])}; unit: {c['unit']})" if kind == "ratio" else f"unit: {c['unit']})"))
    spec = _spec(
        width="container", height=520,
        data={"url": boundaries_url, "format": {"type": "json", "property": "features"}},
        projection={"type": "mercator"},
        transform=[{"lookup": "properties.code", "from": {"data": {"values": values}, "key": "code",
                                                           "fields": ["value", "numerator", "denominator", "name", "flags"]}}],
        layer=[{"mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.5, "color": "#b1b4b6"}},
               {"transform": [{"filter": "isValid(datum.value)"}],
                "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.5},
                "encoding": {"color": {"field": "value", "type": "quantitative", "title": title,
                                       "scale": {"scheme": "blues"},
                                       "legend": {"format": fmt, "orient": "bottom", "direction": "horizontal",
                                                  "gradientLength": 320}},
                             "tooltip": [{"field": "name", "title": "Force area"},
                                         {"field": "value", "format": fmt, "title": c["name"]},
                                         {"field": "numerator", "format": ","}, {"field": "denominator", "format": ","},
                                         {"field": "flags"}]}}],
    )
    known = [v for v in values if v["value"] is not None]
    lo = min(known, key=lambda v: v["value"]) if known else None
    hi = max(known, key=lambda v: v["value"]) if known else None

    def extreme(v) -> str:
        # a low count is said to be one: its value says little on its own
        low = (f" (a low count: {num(v['numerator'])} against a denominator of {num(v['denominator'])}, under 30)"
               if v["low_count"] else "")
        return f"{value_text(kind, v['raw'], c.get('metric'))} in {v['name']}{low}"

    lows = [v["name"] for v in known if v["low_count"]]
    alt = (f"Map of police force areas in England and Wales coloured by {lower_first(c['name'])} ({c['basis'].replace('_', ' ')}, "
           f"unit: {c['unit']}) for {c['offence']['label'].lower()}, {c['period']['label']}"
           + (f": from {extreme(lo)} to {extreme(hi)}. " if known else ". ")
           + (f"Low counts (denominator under 30): {', '.join(lows)}. " if lows else "")
           + f"Edition: {editions_text(c.get('editions'))}. Areas with no figure are grey. The table below lists every force.")
    return spec, alt


def funnel_plot(c: dict, highlight: str | None = None) -> tuple[dict, str]:
    """The library's funnel plot, with one area picked out (bigger, red, labelled in bold)."""
    spec = plots.funnel_plot(c)
    spec.pop("$schema", None)
    spec["config"] = CONFIG
    # the subtitle names the basis in words, not by its identifier
    title = spec.get("title")
    if isinstance(title, dict) and title.get("subtitle"):
        raw, words = f"({c['basis']},", f"(basis: {c['basis'].replace('_', ' ')};"
        title["subtitle"] = [line.replace(raw, words) for line in title["subtitle"]]
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
        alt += (f" {hl['area']['name']} is marked with a red diamond: {value_text(hl['kind'], hl['value'], hl.get('metric'))} "
                f"({num(hl['numerator'])} of {num(hl['denominator'])} {hl['unit']}; edition {hl['edition']}), "
                f"{hl.get('position', 'within')} the 99.8% limits.")
    return spec, alt


def evaluation_chart(r: dict) -> tuple[dict, str]:
    """The library's evaluation chart, sized for the page."""
    from ..answers.evaluation_chart import evaluation_plot, evaluation_plot_text

    spec = evaluation_plot(r)
    spec.pop("$schema", None)
    spec["config"] = CONFIG
    spec["width"] = "container"
    spec["height"] = 380
    return spec, evaluation_plot_text(r)
