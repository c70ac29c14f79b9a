"""Vega-Lite specifications for the dashboard's charts, each with its text alternative.

Specs are built on the server from the library's answers and rendered in the browser by the
locally served vega-embed. ARIA output inside the SVG is turned off: each chart's container is
an image with the text alternative as its label, and the same figures are in a table beside it.
"""

from __future__ import annotations

from ..answers import plots
from ..formats import num, pct
from .labels import basis_words, data_flags, edition_name, editions_text, lower_first, ratio_per, value_text

BLUE, GREY, DARK, HIGHLIGHT = "#1d70b8", "#505a5f", "#0b0c0c", "#d4351c"
CONFIG = {"aria": False, "font": "system-ui, sans-serif", "view": {"stroke": None},
          "axis": {"labelColor": DARK, "titleColor": DARK, "labelFontSize": 12, "titleFontSize": 12},
          "legend": {"labelColor": DARK, "titleColor": DARK, "labelFontSize": 12, "titleFontSize": 12, "labelLimit": 260,
                     "titleLimit": 300, "orient": "bottom", "direction": "vertical"},
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


# Horizontal bars with their labels above and below each bar (not on an axis beside it), so a
# phone gives the bars the whole width: a band of STEP px, the bar a fraction of it.
STEP, PAD_INNER, PAD_OUTER = 66, 0.6, 0.6
_HALF_BAR = STEP * (1 - PAD_INNER) / 2


def _bar_labels(field: str, text: str, tooltip: list[dict]) -> list[dict]:
    """The label over each bar (its category) and the figures under it, from the left edge and cut
    (with an ellipsis) at the chart's width; the full text is in the tooltip and the table."""
    common = {"type": "text", "align": "left", "color": DARK, "limit": {"expr": "width"}, "fontSize": 12}
    return [{"mark": {**common, "baseline": "bottom", "dy": -_HALF_BAR - 2, "fontWeight": "bold"},
             "encoding": {"x": {"datum": 0, "type": "quantitative"}, "text": {"field": field}, "tooltip": tooltip}},
            {"mark": {**common, "baseline": "top", "dy": _HALF_BAR + 2},
             "encoding": {"x": {"datum": 0, "type": "quantitative"}, "text": {"field": text}, "tooltip": tooltip}}]


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
    spec = _spec(
        width="container", height={"step": STEP}, data={"values": rows},
        encoding={"y": {"field": "stage", "type": "nominal", "sort": [x["stage"] for x in rows], "title": None, "axis": None,
                        "scale": {"paddingInner": PAD_INNER, "paddingOuter": PAD_OUTER}}},
        layer=[{"mark": {"type": "bar", "color": BLUE},
                "encoding": {"x": {"field": "volume", "type": "quantitative", "title": "Volume (each stage in its own unit)",
                                   "axis": {"format": "~s", "tickCount": {"expr": "ceil(width / 90)"}}},
                             "tooltip": [{"field": "stage"}, {"field": "label", "title": "volume"}, {"field": "period"},
                                         {"field": "flags"}, {"field": "editions", "title": "edition"}]}},
               *_bar_labels("stage", "text", [{"field": "stage"}, {"field": "text", "title": "volume"}])],
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
             "denominator": g["denominator"], "edition": edition_name(g["edition"])}
            for i, g in enumerate(groups)]
    dens = sorted({g["denominator"] for g in groups if g.get("denominator") is not None})
    recorded = " ".join(["the", *([" or ".join(num(d) for d in dens)] if dens else []), "offences recorded"])
    for x in rows:
        x["text"] = f"{num(x['count'])} ({pct(x['share'])}; 95% CI {pct(x['lo'])}–{pct(x['hi'])})"
    spec = _spec(
        width="container", height={"step": STEP}, data={"values": rows},
        encoding={"y": {"field": "group", "type": "nominal", "sort": [x["group"] for x in rows], "title": None, "axis": None,
                        "scale": {"paddingInner": PAD_INNER, "paddingOuter": PAD_OUTER}}},
        layer=[{"mark": {"type": "bar", "color": BLUE},
                "encoding": {"x": {"field": "share", "type": "quantitative", "axis": {"format": ".0%", "tickCount": {"expr": "ceil(width / 90)"}},
                                   "title": "Share of the offences recorded in the period"},
                             "tooltip": [{"field": "group"}, {"field": "count", "format": ","}, {"field": "share", "format": ".1%"},
                                         {"field": "denominator", "title": "of (offences recorded)", "format": ","},
                                         {"field": "edition"}]}},
               {"mark": {"type": "rule", "color": DARK}, "encoding": {"x": {"field": "lo", "type": "quantitative"}, "x2": {"field": "hi"}}},
               *_bar_labels("group", "text", [{"field": "group"}, {"field": "text", "title": "offences"}])],
    )
    alt = (f"Bar chart of police outcomes for {r['offence']['label'].lower()} recorded in {r['area']['name']} in {r['period']['label']}, "
           f"as shares of {recorded}, with 95% intervals: "
           + "; ".join(f"{x['group']}: {num(x['count'])} ({pct(x['share'])})" for x in rows)
           + f". Edition: {editions_text(sorted({g['edition'] for g in groups}))}.")
    return spec, alt


def _mid(start: str, end: str) -> str:
    """The middle day of a period (a quarter is plotted there, not at its first day)."""
    from datetime import date

    a, b = date.fromisoformat(start), date.fromisoformat(end)
    return (a + (b - a) / 2).isoformat()


def _datetime(day: str) -> dict:
    return {"year": int(day[:4]), "month": int(day[5:7]), "date": int(day[8:10])}


def _fy_ticks(start: str, end: str) -> list[dict]:
    """One tick per financial year, at its middle (1 October), labelled 2017/18 by the axis."""
    y0, y1 = int(start[:4]) - (1 if start[5:7] < "04" else 0), int(end[:4])
    return [{"year": y, "month": 10, "date": 1} for y in range(y0, y1 + 1) if start <= f"{y}-10-01" <= end]


def _bands(t: dict) -> list[dict]:
    """Each data break inside the trend as a band from its start to its end (a break with no end,
    or a one-day change, marks the quarter it falls in), clipped to the trend's span."""
    out = []
    for ev in t["events"]:
        start, end = ev["start"], ev.get("end") or ev["start"]
        if end == start:
            p = next((p for p in t["points"] if p["start"] <= start <= p["end"]), None)
            start, end = (p["start"], p["end"]) if p else (start, end)
        lo, hi = max(start, t["start"]), min(end, t["end"])
        if lo <= hi:
            when = ev["start"] + (f" to {ev['end']}" if ev.get("end") and ev["end"] != ev["start"] else "")
            out.append({"from": lo, "to": hi, "break": ev["title"], "when": when, "description": ev["description"]})
    return out


def trend_chart(t: dict) -> tuple[dict, str]:
    """The metric by financial quarter, each quarter plotted at its middle and labelled as the period
    it is (2017/18 Q2); data breaks are shaded bands named in a legend. A flagged quarter (low count,
    maturing, partial...) is a hollow point with its flags in the tooltip and the text alternative."""
    kind = t["kind"]
    pts = [{**p, "edition": edition_name(p["edition"]), "mid": _mid(p["start"], p["end"]), "shown": _shown(kind, p["value"]),
            "flags_text": "; ".join(data_flags(p)) or "none", "flagged": bool(data_flags(p))} for p in t["points"]]
    yfmt = _d3_format(kind)
    x = {"field": "mid", "type": "temporal", "title": "Financial year",
         "scale": {"domain": [_datetime(t["start"]), _datetime(t["end"])]},
         "axis": {"values": _fy_ticks(t["start"], t["end"]), "labelExpr": "year(datum.value) + '/' + slice('' + (year(datum.value) + 1), 2)",
                  "grid": False, "labelOverlap": "greedy"}}
    y = {"field": "shown", "type": "quantitative", "axis": {"format": yfmt, "tickCount": 5},
         "title": _value_title(kind, t.get("metric"), t["unit"]) if kind in ("ratio", "count") else t["name"].split(" (")[0],
         "scale": {"zero": True}}
    tooltip = [{"field": "period", "title": "quarter"}, {"field": "shown", "format": yfmt,
                                                         "title": _value_title(kind, t.get("metric"), "value") if kind == "ratio" else "value"},
               {"field": "numerator", "format": ","}, {"field": "denominator", "format": ","},
               {"field": "flags_text", "title": "flags"}, {"field": "edition"}]
    layers = []
    bands = _bands(t)
    if bands:
        layers.append({"data": {"values": bands}, "mark": {"type": "rect", "opacity": 0.35},
                       "encoding": {"x": {"field": "from", "type": "temporal"}, "x2": {"field": "to"},
                                    "color": {"field": "break", "type": "nominal", "title": "Data breaks (shaded)",
                                              "scale": {"range": ["#f7d7a8", "#c9b3e6", "#b7dfc4", "#f4b6c2", "#b6d3f0", "#e0e0a0"]},
                                              "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 280,
                                                         "symbolType": "square", "symbolOpacity": 0.6}},
                                    "tooltip": [{"field": "break"}, {"field": "when"}, {"field": "description"}]}})
    if kind == "proportion":  # only a proportion has an interval (a ratio's counts are different cases)
        layers.append({"mark": {"type": "area", "opacity": 0.2, "color": BLUE},
                       "encoding": {"x": x, "y": {"field": "ci_low", "type": "quantitative"}, "y2": {"field": "ci_high"}}})
    layers.append({"mark": {"type": "line", "color": BLUE}, "encoding": {"x": x, "y": y}})
    layers.append({"transform": [{"filter": "!datum.flagged"}],
                   "mark": {"type": "point", "filled": True, "size": 50, "color": BLUE, "opacity": 1},
                   "encoding": {"x": x, "y": y, "tooltip": tooltip}})
    layers.append({"transform": [{"filter": "datum.flagged"}],
                   "mark": {"type": "point", "filled": False, "size": 70, "color": BLUE, "fill": "#ffffff", "strokeWidth": 2,
                            "opacity": 1},
                   "encoding": {"x": x, "y": y, "tooltip": tooltip}})
    spec = _spec(width="container", height=240, data={"values": pts}, layer=layers)
    flagged = any(p["flagged"] for p in pts)
    alt = (f"Line chart of {lower_first(t['name'])} for {t['offence']['label'].lower()} in {t['area']['name']} by financial quarter, "
           f"{pts[0]['period']} to {pts[-1]['period']}: "
           + "; ".join(f"{p['period']} {value_text(kind, p['value'], t.get('metric'))}"
                       + (f" ({p['flags_text']})" if p["flagged"] else "") for p in pts)
           + f". Each quarter from the newest edition holding it: {editions_text(list(dict.fromkeys(p['edition'] for p in t['points'])))}."
           + (" Flagged quarters are hollow points." if flagged else "")
           + (" Data breaks shaded: " + "; ".join(f"{b['break']} ({b['when']})" for b in bands) + "." if bands else ""))
    return spec, alt


# Which boundaries draw each comparison level, and how an area's figure reaches its shapes: a force
# area is its own shape; a CPS Area is its forces; a partnership is its districts.
MAP_BOUNDARIES = {"pfa": "pfa", "cps_area": "pfa", "csp": "lad"}
POSITIONS = {"below": "below the 99.8% limits", "within": "within the limits", "above": "above the 99.8% limits"}
POSITION_COLOURS = ["#1d70b8", "#ececec", "#b25a00"]
CLASSES = 5


BLUES = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


def _classes(values: list[dict], kind: str, metric: str | None) -> list[str]:
    """Put each area in one of up to five classes of about equal numbers of areas (quantiles), so
    that one extreme area (City of London) cannot wash out the rest; sets each row's ``class`` to
    its range in words and returns the classes' labels, lowest first."""
    by_area = sorted({v["name"]: v["value"] for v in values if v["value"] is not None}.items(), key=lambda x: x[1])
    n = len(by_area)
    k = min(CLASSES, n)
    if not k:
        return []
    groups = [by_area[i * n // k:(i + 1) * n // k] for i in range(k)]
    groups = [g for g in groups if g]
    label_of, labels = {}, []
    for g in groups:
        lo, hi = g[0][1], g[-1][1]
        text = (lambda x: pct(x)) if kind == "proportion" else (lambda x: num(x)) if kind == "count" else (lambda x: f"{x:,.1f}")  # noqa: E731
        label = text(lo) if lo == hi else f"{text(lo)} to {text(hi)}"
        if label in labels:  # ties across a boundary: one class
            label = labels[-1]
        else:
            labels.append(label)
        for name, _ in g:
            label_of[name] = label
    for v in values:
        v["class"] = label_of.get(v["name"])
    return labels


def _shapes(level: str, code: str) -> list[str]:
    from .. import areas as A

    if level == "pfa":
        return [code]
    try:
        a = A.get(code.split("+")[0])
    except Exception:
        return []
    return list(a.lads) if level == "csp" else [m for m in a.members if "+" not in m]


def _one_row_per_shape(values: list[dict]) -> tuple[list[dict], list[dict]]:
    """A shape drawn for one area only. Partnerships are drawn by their districts, and a district
    formed since by merging (Cumberland, from Allerdale, Carlisle and Copeland) belongs to several:
    its shape carries none of their figures (one would colour it for all), but their names and a
    note, and the table gives each its figure. Returns the rows and the shared shapes' rows."""
    names: dict[str, list[str]] = {}
    for v in values:
        names.setdefault(v["code"], []).append(v["name"])
    out, shared, seen = [], [], set()
    for v in values:
        who = names[v["code"]]
        if len(who) == 1:
            out.append(v)
        elif v["code"] not in seen:
            seen.add(v["code"])
            together = ", ".join(who[:-1]) + " and " + who[-1]
            row = {"code": v["code"], "name": together, "value": None, "raw": None, "numerator": None, "denominator": None,
                   "interval": "none", "position": None, "class": None, "low_count": False, "shared": True,
                   "flags": "one district since the partnerships' districts merged: each partnership's figure is in the table"}
            out.append(row)
            shared.append(row)
    return out, shared


def map_chart(c: dict, boundaries_url: str, by: str = "value") -> tuple[dict, str]:
    """A map of a comparison's areas (force areas, CPS Areas or partnerships), coloured ``by`` its
    value in quantile classes (so one outlier cannot wash out the rest: each colour holds about a
    fifth of the areas, and the legend says so) or ``by`` its position against the funnel plot's
    99.8% limits (where more, or fewer, than chance alone would give). The tooltip gives the
    figure, its interval and its counts; the table beside the map holds the same."""
    kind, level = c["kind"], c.get("level", "pfa")
    fmt = _d3_format(kind)
    level_words = {"pfa": "police force areas", "cps_area": "CPS Areas", "csp": "Community Safety Partnerships"}[level]
    values = []
    for a in c["areas"]:
        interval = (f"{pct(a['ci_low'])}–{pct(a['ci_high'])}" if a.get("ci_low") is not None and kind == "proportion" else "none")
        row = {"name": a["area"]["name"], "value": _shown(kind, a["value"]), "raw": a["value"], "numerator": a["numerator"],
               "denominator": a["denominator"], "interval": interval, "position": POSITIONS.get(a.get("position") or "", "no limits"),
               "flags": "; ".join(data_flags(a)) or "none", "low_count": "low_count" in (a.get("flags") or [])}
        values += [{**row, "code": shape} for shape in _shapes(level, a["area"]["code"])]
    values, shared = _one_row_per_shape(values)
    known = [v for v in values if v["value"] is not None]
    tooltip = [{"field": "name", "title": "Area"}, {"field": "value", "format": fmt, "title": c["name"].split(" (")[0]},
               {"field": "interval", "title": "95% interval"}, {"field": "numerator", "format": ",", "title": "numerator"},
               {"field": "denominator", "format": ",", "title": "denominator"}, {"field": "position", "title": "funnel plot"},
               {"field": "flags"}]
    if by == "position":
        colour = {"field": "position", "type": "nominal", "title": "Against the funnel plot's 99.8% limits",
                  "scale": {"domain": list(POSITIONS.values()), "range": POSITION_COLOURS},
                  "legend": {"symbolType": "square", "symbolStrokeColor": "#505a5f", "symbolStrokeWidth": 0.5}}
        shaded = "isValid(datum.position) && datum.position != 'no limits'"
    else:
        labels = _classes(values, kind, c.get("metric"))
        colour = {"field": "class", "type": "ordinal", "sort": labels,
                  "title": [_value_title(kind, c.get("metric"), c["unit"]) if kind == "ratio" else c["name"].split(" (")[0],
                            f"{len(labels)} classes, about {round(len({v['name'] for v in known}) / max(len(labels), 1))} areas each"],
                  "scale": {"domain": labels, "range": BLUES[-len(labels):] if labels else BLUES}, "legend": {"symbolType": "square"}}
        shaded = "isValid(datum.class)"
    spec = _spec(
        width="container", height=480,
        usermeta={"keyboard": "areas"},  # the page's script makes each area reachable by keyboard (app.js)
        data={"url": boundaries_url, "format": {"type": "json", "property": "features"}},
        projection={"type": "mercator"},
        transform=[{"lookup": "properties.code", "from": {"data": {"values": values}, "key": "code",
                                                           "fields": ["value", "numerator", "denominator", "name", "flags", "interval",
                                                                      "position", "class", "shared"]}}],
        layer=[{"mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.4, "color": "#b1b4b6"}},
               *([{"transform": [{"filter": "datum.shared === true"}],  # one district, several partnerships: no one colour
                   "mark": {"type": "geoshape", "fill": "#ffffff", "stroke": "#505a5f", "strokeWidth": 1, "strokeDash": [3, 2]},
                   "encoding": {"tooltip": [{"field": "name", "title": "Area"}, {"field": "flags", "title": "note"}]}}]
                 if shared else []),
               {"transform": [{"filter": shaded}],
                "mark": {"type": "geoshape", "stroke": "#ffffff", "strokeWidth": 0.4},
                "encoding": {"color": colour, "tooltip": tooltip}}],
    )
    names = {v["name"]: v for v in known}
    lo = min(names.values(), key=lambda v: v["value"]) if names else None
    hi = max(names.values(), key=lambda v: v["value"]) if names else None

    def extreme(v) -> str:
        # a low count is said to be one: its value says little on its own
        low = (f" (a low count: {num(v['numerator'])} against a denominator of {num(v['denominator'])}, under 30)"
               if v["low_count"] else "")
        return f"{value_text(kind, v['raw'], c.get('metric'))} in {v['name']}{low}"

    what = (f"Map of {level_words} in England and Wales coloured by "
            + ("their position against the funnel plot's 99.8% limits" if by == "position"
               else f"{lower_first(c['name'])} in {min(CLASSES, len(names))} classes of about equal numbers of areas")
            + f" ({basis_words(c['basis'])}, unit: {c['unit']}) for {c['offence']['label'].lower()}, {c['period']['label']}")
    if by == "position":
        outside = {k: sorted(v["name"] for v in names.values() if v["position"] == w) for k, w in POSITIONS.items() if k != "within"}
        body = (": " + "; ".join(f"{POSITIONS[k]}: {', '.join(v) if v else 'none'}" for k, v in outside.items()) + ". ")
    else:
        lows = sorted(v["name"] for v in names.values() if v["low_count"])
        body = ((f": from {extreme(lo)} to {extreme(hi)}. " if names else ". ")
                + (f"Low counts (denominator under 30): {', '.join(lows)}. " if lows else ""))
    alt = (what + body + f"Edition: {editions_text(c.get('editions'))}. Areas with no figure are grey. "
           + "".join(f"{v['name']} share one district's shape, left white with a dashed outline: each has its own figure in the table. "
                     for v in shared)
           + "The table below lists every area with its figure, interval and counts.")
    return spec, alt


LABELLED = 10  # at most this many areas outside the limits are named on the plot: the most extreme


def _named(c: dict, highlight: str | None) -> list[dict]:
    """The areas named on a funnel plot: those outside the 99.8% limits, or, when more than
    LABELLED are (overdispersion with 299 local areas), the LABELLED furthest outside; never the
    page's own area (it is named in red)."""
    outside = [a for a in c["areas"] if a.get("position") in ("above", "below") and a["area"]["code"] != highlight
               and a.get("denominator") and a.get("value") is not None]
    outside.sort(key=lambda a: -abs(a.get("z") or 0))
    return [{"area": a["area"]["name"], "n": a["denominator"], "rate": a["value"], "rank": i}
            for i, a in enumerate(outside[:LABELLED])]


def _dense(c: dict) -> tuple[list[float], list[float]] | None:
    """The x and y domains of the crowded part of a funnel plot: the areas with up to the median
    denominator, with the limits around them; None when there are too few areas to crowd."""
    rows = sorted((a for a in c["areas"] if a.get("denominator") and a.get("value") is not None), key=lambda a: a["denominator"])
    if len(rows) < 12:
        return None
    part = rows[: len(rows) // 2 + 1]
    xs = [a["denominator"] for a in part]
    vals = sorted(a["value"] for a in part)
    ys = vals[len(vals) // 20: len(vals) - len(vals) // 20] + [c["target"]]  # the middle 90%: one extreme cannot set the scale
    pad = (max(ys) - min(ys)) * 0.08 or 0.01
    return [0, max(xs) * 1.05], [max(0.0, min(ys) - pad), max(ys) + pad]


def funnel_plot(c: dict, highlight: str | None = None, zoom: bool = False) -> tuple[dict, str]:
    """The library's funnel plot, readable on a phone and with 299 areas: only the areas outside the
    99.8% limits and the one the page is about are labelled, and no label overlaps another (every
    point has a tooltip, and the table lists them all); the page's area is picked out (bigger, red, in bold); the view can be zoomed and
    panned (wheel or drag), or opened on the crowded part (``zoom``). The title is the page's."""
    spec = plots.funnel_plot(c)
    spec.pop("$schema", None)
    spec.pop("title", None)  # said by the page's heading and the caption, where it wraps
    spec["config"] = CONFIG
    spec["width"] = "container"
    spec["height"] = 420
    # labels placed by the page's script (app.js): none overlaps another; the page's own area is
    # placed first, then the furthest out (``rank``); one that cannot be placed is left off
    spec["usermeta"] = {"labels": "no-overlap"}
    many = len(c["areas"]) > 60
    named = _named(c, highlight)
    domains = _dense(c) if zoom else None
    hi_n = domains[0][1] if domains else max((a["denominator"] or 0) for a in c["areas"]) or 1
    layers = []
    for layer in spec["layer"]:
        mark = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if mark == "text":  # names only where they matter (the page's own area is named below)
            for side, test in (("left", f"datum.n <= {0.7 * hi_n}"), ("right", f"datum.n > {0.7 * hi_n}")):
                layers.append({"data": {"values": named}, "transform": [{"filter": test}],
                               "mark": {"type": "text", "align": side, "dx": 6 if side == "left" else -6, "baseline": "middle",
                                        "fontSize": 11, "limit": 130, "color": DARK},
                               "encoding": {"x": {"field": "n", "type": "quantitative"}, "y": {"field": "rate", "type": "quantitative"},
                                            "text": {"field": "area"}}})
            continue
        if mark == "point":
            layer = {**layer, "mark": {**layer["mark"], "size": 28 if many else 60, "opacity": 0.75 if many else 1},
                     "params": [dict(name="zoom", select="interval", bind="scales")]}  # Vega-Lite zoom and pan
        layers.append(layer)
    first = layers[0]["encoding"]
    first["x"] = {**first["x"], "axis": {"labelFlush": True, "tickCount": {"expr": "ceil(width / 110)"}}}
    spec["layer"] = layers
    if domains:
        (x0, x1), (y0, y1) = domains
        first["x"]["scale"] = {"domain": [x0, x1], "nice": False}
        first["y"]["scale"] = {"domain": [y0, y1], "nice": False}
        for layer in spec["layer"]:
            if isinstance(layer.get("mark"), dict):
                layer["mark"]["clip"] = True
            if layer.get("data", {}).get("values") is named:  # name only the areas in view
                layer["transform"] = [*layer.get("transform", []),
                                      {"filter": f"datum.n >= {x0} && datum.n <= {x1} && datum.rate >= {y0} && datum.rate <= {y1}"}]
    hl = next((a for a in c["areas"] if a["area"]["code"] == highlight), None)
    if hl is not None and domains and not (domains[0][0] <= hl["denominator"] <= domains[0][1]
                                           and domains[1][0] <= hl["value"] <= domains[1][1]):
        hl = None  # outside the zoomed view: named in the text alternative and the table only
    if hl is not None:
        pt = {"area": hl["area"]["name"], "n": hl["denominator"], "rate": hl["value"], "position": hl.get("position")}
        tip = [{"field": "area"}, {"field": "n", "title": "denominator", "format": ","}, {"field": "position"}]
        spec["layer"].append({"data": {"values": [pt]}, "mark": {"type": "point", "filled": True, "size": 180, "color": HIGHLIGHT,
                                                                  "shape": "diamond", "clip": bool(domains)},
                              "encoding": {"x": {"field": "n", "type": "quantitative"}, "y": {"field": "rate", "type": "quantitative"},
                                           "tooltip": tip}})
        right = hl["denominator"] > 0.7 * hi_n  # near the right edge: named to the left of its point
        spec["layer"].append({"data": {"values": [pt]}, "mark": {"type": "text", "align": "right" if right else "left",
                                                                  "dx": -9 if right else 9, "dy": 10, "fontSize": 13,
                                                                  "fontWeight": "bold", "color": HIGHLIGHT, "limit": 160,
                                                                  "clip": bool(domains)},
                              "encoding": {"x": {"field": "n", "type": "quantitative"}, "y": {"field": "rate", "type": "quantitative"},
                                           "text": {"field": "area"}}})
    alt = plots.funnel_plot_text(c)
    if hl is not None:
        alt += (f" {hl['area']['name']} is marked with a red diamond: {value_text(hl['kind'], hl['value'], hl.get('metric'))} "
                f"({num(hl['numerator'])} of {num(hl['denominator'])} {hl['unit']}; edition {edition_name(hl['edition'])}), "
                f"{hl.get('position', 'within')} the 99.8% limits.")
    if domains:
        alt += " The plot is zoomed on the half of the areas with the fewest cases."
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
