"""The chart of an evaluation (Vega-Lite): observed values, the fitted model, the counterfactual
(the earlier trend carried on) with its 95% band, the intervention, and the data breaks and gaps.
The same spec is written to a file by ``--plot`` (rendered offline by vl-convert, see
:mod:`justicegap.answers.plots`) and drawn on the ``/evaluate`` page; its text alternative says
the same in words."""

from __future__ import annotations

RED, BLUE, GREY, DARK = "#d4351c", "#1d70b8", "#6f777b", "#0b0c0c"


def _format(kind: str) -> str:
    return ".0%" if kind == "proportion" else ",.1f" if kind == "rate" else ",.0f"


def _y_title(r: dict) -> str:
    if r["kind"] == "proportion":
        return f"{r['name']} (share)"
    if r["kind"] == "rate":
        return f"{r['name']} ({'per 100,000 of exposure' if r.get('metric') is None else 'per case in the denominator'})"
    return r["name"]


def evaluation_plot(r: dict) -> dict:
    """A Vega-Lite spec of an :class:`~justicegap.model.evaluation.Evaluation` (as a dict)."""
    fmt = _format(r["kind"])
    pts = r["points"]
    x = {"field": "start", "type": "temporal", "title": "Month" if r["model"]["frequency"] == "month" else "Quarter",
         "axis": {"format": "%b %Y"}}
    y = {"type": "quantitative", "axis": {"format": fmt}, "title": _y_title(r), "scale": {"zero": False}}
    observed = [{"start": p["start"], "period": p["period"], "value": p["value"], "count": p["count"],
                 "denominator": p["denominator"], "when": "after" if p["after"] else "before"} for p in pts if p["observed"]]
    lines = [{"start": p["start"], "fitted": p["fitted"]} for p in pts]
    cf = [{"start": p["start"], "counterfactual": p["counterfactual"], "low": p["counterfactual_low"], "high": p["counterfactual_high"]}
          for p in pts if p["counterfactual"] is not None]
    layers = [
        {"data": {"values": cf}, "mark": {"type": "area", "opacity": 0.2, "color": GREY},
         "encoding": {"x": x, "y": {**y, "field": "low"}, "y2": {"field": "high"}}},
        {"data": {"values": cf}, "mark": {"type": "line", "strokeDash": [6, 4], "color": GREY},
         "encoding": {"x": x, "y": {**y, "field": "counterfactual"}}},
        {"data": {"values": lines}, "mark": {"type": "line", "color": BLUE},
         "encoding": {"x": x, "y": {**y, "field": "fitted"}}},
        {"data": {"values": observed}, "mark": {"type": "point", "filled": True, "size": 36, "color": DARK},
         "encoding": {"x": x, "y": {**y, "field": "value"},
                      "tooltip": [{"field": "period"}, {"field": "value", "format": fmt}, {"field": "count", "format": ","},
                                  {"field": "denominator", "format": ","}]}},
    ]
    comp = r.get("comparison") or {}
    if comp.get("series") and comp.get("level_change") is not None:
        cvals = [{"start": p["start"], "value": p["value"], "period": p["period"]} for p in comp["series"] if p["observed"]]
        layers.append({"data": {"values": cvals}, "mark": {"type": "point", "shape": "triangle", "size": 30, "color": GREY},
                       "encoding": {"x": x, "y": {**y, "field": "value"}, "tooltip": [{"field": "period"},
                                                                                   {"field": "value", "format": fmt}]}})
    gaps = [{"start": b["start"], "end": b["end"], "label": b["title"]} for b in r["breaks"] if b["kind"] == "missing_data"]
    if gaps:
        layers.insert(0, {"data": {"values": gaps}, "mark": {"type": "rect", "color": "#f3f2f1"},
                          "encoding": {"x": {"field": "start", "type": "temporal"}, "x2": {"field": "end"},
                                       "tooltip": [{"field": "label"}]}})
    marks = [{"date": r["intervention"]["date"], "label": "Intervention", "color": "intervention"}]
    for b in r["breaks"]:
        if b["kind"] != "missing_data" and r["window"]["start"] <= b["start"] <= r["window"]["end"]:
            marks.append({"date": b["start"], "label": b["title"], "color": "break"})
    layers.append({"data": {"values": marks}, "mark": {"type": "rule", "strokeWidth": 2},
                   "encoding": {"x": {"field": "date", "type": "temporal"},
                                "color": {"field": "color", "type": "nominal", "title": None,
                                          "scale": {"domain": ["intervention", "break"], "range": [RED, "#f47738"]},
                                          "legend": None},
                                "strokeDash": {"field": "color", "type": "nominal", "legend": None,
                                               "scale": {"domain": ["intervention", "break"], "range": [[1, 0], [4, 3]]}},
                                "tooltip": [{"field": "label"}, {"field": "date"}]}})
    layers.append({"data": {"values": marks}, "mark": {"type": "text", "angle": 270, "align": "right", "baseline": "bottom",
                                                       "dx": -4, "dy": -2, "fontSize": 10, "color": DARK},
                   "encoding": {"x": {"field": "date", "type": "temporal"}, "y": {"value": 0}, "text": {"field": "label"}}})
    where = f", {r['area']['name']}" if r.get("area") else ""
    subtitle = [f"{r['model']['description']}",
                "Points: observed (gaps left empty). Blue: fitted. Grey dashed with band: the earlier trend carried on (95%)."]
    if comp.get("series") and comp.get("level_change") is not None:
        subtitle.append("Grey triangles: the comparison areas (" + ", ".join(a["name"] for a in comp["areas"]) + "), added together.")
    by_title: dict[str, int] = {}
    for s in r.get("sources") or []:
        by_title[s.get("title") or s["file"]] = by_title.get(s.get("title") or s["file"], 0) + 1
    if by_title:
        subtitle.append("Source: " + "; ".join(t if n == 1 else f"{t}, {n} editions" for t, n in by_title.items()))
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": f"{r['name']}{where}: before and after {r['intervention']['first_period_after']}", "subtitle": subtitle},
        "width": 680, "height": 360, "layer": layers,
    }


def _lower_first(name: str) -> str:
    """'CPS conviction rate' stays as it is; 'Rate per...' reads 'rate per...' mid-sentence."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def evaluation_plot_text(r: dict) -> str:
    """The text alternative: what the chart shows, in words."""
    from ..formats import num, pct

    def v(x):
        if x is None:
            return "no data"
        return pct(x) if r["kind"] == "proportion" else f"{x:,.1f}" if r["kind"] == "rate" else num(x)

    obs = [p for p in r["points"] if p["observed"]]
    first, last = obs[0], obs[-1]
    after = [p for p in r["points"] if p["after"] and p["counterfactual"] is not None]
    end = after[-1] if after else None
    where = f" in {r['area']['name']}" if r.get("area") else ""
    text = (f"Chart of {_lower_first(r['name'])}{where} by {r['model']['frequency']}, {r['window']['label']}: observed values from "
            f"{v(first['value'])} in {first['period']} to {v(last['value'])} in {last['period']}, {r['points_used']} periods with "
            f"data and {len(r['gaps'])} gaps. The intervention is marked at {r['intervention']['first_period_after']}.")
    if end:
        text += (f" By {end['period']} the fitted model stands at {v(end['fitted'])} against {v(end['counterfactual'])} "
                 f"(95% band {v(end['counterfactual_low'])} to {v(end['counterfactual_high'])}) had the earlier trend carried on.")
    other = [b["title"] for b in r["breaks"] if b["kind"] != "missing_data"]
    if other:
        text += " Data breaks marked: " + "; ".join(other) + "."
    return text + " " + r["sentence"]
