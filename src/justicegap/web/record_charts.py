"""Vega-Lite charts of the case-records page, each with its text alternative (as ``charts`` does for
the published figures): Kaplan-Meier and cumulative incidence curves, the attrition of the same
crimes, and the crimes by quarter and outcome group that passed disclosure control.

Charts fill their container (phones from 320 px) and carry long labels over the bars rather than
on an axis beside them; suppressed counts are never drawn."""

from __future__ import annotations

from ..formats import num, pct
from .charts import BLUE, CONFIG, DARK, PAD_INNER, PAD_OUTER, STEP

# Twenty distinct colours (the first two are the crimes that went on and the convictions): a chart
# with every reason a crime stopped never repeats a colour.
PALETTE = ["#1d70b8", "#00703c", "#d4351c", "#f47738", "#912b88", "#5694ca", "#85994b", "#b58500", "#6f72af", "#28a197",
           "#f499be", "#505a5f", "#003078", "#942514", "#ffdd00", "#8c564b", "#17becf", "#c49c94", "#bcbd22", "#7f7f7f"]
EVENT_WORDS = {"charge": "charged or summonsed", "outcome": "given a police outcome", "completion": "through a completed prosecution"}
HALF_BAR = STEP * (1 - PAD_INNER) / 2


def _spec(**kw) -> dict:
    return {"config": CONFIG, **kw}


def _days(x) -> str:
    return "not reached" if x is None else f"{x:,.0f} days"


def median_text(c) -> str:
    """A Kaplan-Meier median with its interval, in words."""
    if c.median_days is None:
        return "not reached (fewer than half had the event by the extract date)"
    ci = f" (95% CI {_days(c.median_ci_low)} to {_days(c.median_ci_high)})" if c.median_ci_low is not None or c.median_ci_high is not None else ""
    return f"{c.median_days:,.0f} days{ci}"


def km_chart(s) -> tuple[dict, str]:
    """The share of crimes that had the event by each day after recording (1 - Kaplan-Meier), with
    its 95% band, one line per curve; steps, since the estimate changes only on event days."""
    rows = [{"curve": c.label, "days": p.days, "share": p.value, "lo": p.ci_low, "hi": p.ci_high} for c in s.curves for p in c.points]
    x = {"field": "days", "type": "quantitative", "title": "Days since the crime was recorded", "axis": {"tickCount": {"expr": "ceil(width / 80)"}}}
    y = {"field": "share", "type": "quantitative", "title": f"Share {EVENT_WORDS[s.event]}", "axis": {"format": ".1%", "tickCount": 5}}
    colour = {"field": "curve", "type": "nominal", "title": None, "scale": {"range": PALETTE},
              "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": {"expr": "width - 30"}}}
    tooltip = [{"field": "curve"}, {"field": "days", "format": ",.0f"}, {"field": "share", "format": ".1%"},
               {"field": "lo", "title": "95% CI from", "format": ".1%"}, {"field": "hi", "title": "95% CI to", "format": ".1%"}]
    layers = [{"mark": {"type": "area", "opacity": 0.2, "interpolate": "step-after"},
               "encoding": {"x": x, "y": {"field": "lo", "type": "quantitative"}, "y2": {"field": "hi"}, "color": colour}},
              {"mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
               "encoding": {"x": x, "y": y, "color": colour}},
              {"mark": {"type": "point", "opacity": 0, "size": 40}, "encoding": {"x": x, "y": y, "tooltip": tooltip}}]
    medians = [{"curve": c.label, "days": c.median_days, "median": median_text(c)} for c in s.curves if c.median_days is not None]
    if medians:  # where half the crimes had had the event: a dashed line at the median
        layers.append({"data": {"values": medians}, "mark": {"type": "rule", "strokeDash": [4, 3], "color": DARK},
                       "encoding": {"x": {"field": "days", "type": "quantitative"},
                                    "tooltip": [{"field": "curve"}, {"field": "median", "title": "median (95% CI)"}]}})
    spec = _spec(width="container", height=260, data={"values": rows}, layer=layers)
    alt = (f"Step chart of the share of crimes recorded in {s.period['label']} in {s.area['name']} that were {EVENT_WORDS[s.event]}, by days since "
           f"recording (Kaplan-Meier, censored at the extract date {s.extract_date}): "
           + "; ".join(f"{c.label}: {num(c.n)} crimes, {num(c.events)} with the event, {num(c.censored)} censored, "
                       f"{pct(c.points[-1].value) if c.points else '0%'} by day {c.points[-1].days:,.0f}, median {median_text(c)}"
                       for c in s.curves) + ".")
    return spec, alt


def incidence_chart(s) -> tuple[dict, str]:
    """Cumulative incidence of each competing first outcome (Aalen-Johansen), one step line each."""
    rows = [{"outcome": i.label, "days": p.days, "share": p.value} for i in s.incidence for p in i.points]
    labels = [i.label for i in s.incidence if i.points]
    x = {"field": "days", "type": "quantitative", "title": "Days since the crime was recorded", "axis": {"tickCount": {"expr": "ceil(width / 80)"}}}
    y = {"field": "share", "type": "quantitative", "title": "Cumulative incidence", "axis": {"format": ".0%", "tickCount": 5}}
    colour = {"field": "outcome", "type": "nominal", "title": None, "sort": labels, "scale": {"domain": labels, "range": PALETTE[:len(labels)]},
              "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": {"expr": "width - 30"}}}
    spec = _spec(width="container", height=260, data={"values": rows},
                 layer=[{"mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2}, "encoding": {"x": x, "y": y, "color": colour}},
                        {"mark": {"type": "point", "opacity": 0, "size": 40},
                         "encoding": {"x": x, "y": y, "tooltip": [{"field": "outcome"}, {"field": "days", "format": ",.0f"},
                                                                  {"field": "share", "format": ".1%"}]}}])
    alt = (f"Step chart of the cumulative incidence of the first outcome of the crimes recorded in {s.period['label']} in "
           f"{s.area['name']}, by days since recording (Aalen-Johansen, open crimes censored at the extract date {s.extract_date}): "
           + "; ".join(f"{i.label}: {num(i.events)} crimes, {pct(i.at_365_days)} by 365 days, {pct(i.at_end)} by the last day observed"
                       for i in s.incidence) + ".")
    return spec, alt


def _bar_text(field: str, dy: float, bold: bool, tooltip: list[dict]) -> dict:
    return {"mark": {"type": "text", "align": "left", "color": DARK, "limit": {"expr": "width"}, "fontSize": 12,
                     "baseline": "bottom" if dy < 0 else "top", "dy": dy, **({"fontWeight": "bold"} if bold else {})},
            "encoding": {"x": {"datum": 0, "type": "quantitative"}, "text": {"field": field}, "tooltip": tooltip}}


def attrition_chart(a) -> tuple[dict, str]:
    """Each stage a bar of the same crimes, split into those that went on and the reasons the others
    stopped (the alluvial's stages side by side): the stage's name over its bar, its count under it."""
    last = len(a.stages) - 1
    parts, stages = [], []
    for i, st in enumerate(a.stages):
        went = "Convicted" if i == last else "Went on to the next stage"
        parts.append({"stage": st.label, "part": went, "count": st.count - st.left, "rank": 0})
        parts += [{"stage": st.label, "part": r, "count": n, "rank": j} for j, (r, n) in enumerate(st.left_reasons.items(), 1) if n]
        stages.append({"stage": st.label, "text": f"{num(st.count)} ({pct(st.share_of_reports)} of reports)"
                                                 + (f"; {num(st.left)} stopped here" if st.left and i < last else "")})
    domain = ["Went on to the next stage", "Convicted"] + sorted({p["part"] for p in parts} - {"Went on to the next stage", "Convicted"})
    y = {"field": "stage", "type": "nominal", "sort": [s["stage"] for s in stages], "title": None, "axis": None,
         "scale": {"paddingInner": PAD_INNER, "paddingOuter": PAD_OUTER}}
    tip = [{"field": "stage"}, {"field": "part", "title": "crimes"}, {"field": "count", "format": ","}]
    spec = _spec(
        width="container", height={"step": STEP}, encoding={"y": y},
        layer=[{"data": {"values": parts}, "mark": {"type": "bar"},
                "encoding": {"x": {"field": "count", "type": "quantitative", "stack": "zero", "title": "Crime records",
                                   "axis": {"tickCount": {"expr": "ceil(width / 90)"}}},
                             "color": {"field": "part", "type": "nominal", "title": None,
                                       "scale": {"domain": domain, "range": (PALETTE * 2)[:len(domain)]},
                                       "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": {"expr": "width - 30"}}},
                             "order": {"field": "rank"}, "tooltip": tip}},
               {"data": {"values": stages}, **_bar_text("stage", -HALF_BAR - 2, True, [{"field": "stage"}, {"field": "text", "title": "crimes"}])},
               {"data": {"values": stages}, **_bar_text("text", HALF_BAR + 2, False, [{"field": "stage"}, {"field": "text", "title": "crimes"}])}],
    )
    alt = (f"Stacked bar chart of the same crime records recorded in {a.period['label']} in {a.area['name']} at each stage from report "
           f"to verdict, as at the extract date {a.extract_date}: "
           + "; ".join(f"{st.label}: {num(st.count)}" + (f", of which {num(st.left)} went no further ("
                                                          + ", ".join(f"{r} {num(n)}" for r, n in st.left_reasons.items() if n) + ")"
                                                          if st.left else "") for st in a.stages) + ".")
    return spec, alt


def aggregates_chart(g) -> tuple[dict, str]:
    """Crimes by quarter of recording, stacked by the police outcome group reached; a suppressed
    count is not drawn (the text alternative and the table say which)."""
    shown = [r for r in g.rows if r.count]
    labels = list(dict.fromkeys(r.label for r in g.rows))
    quarters = list(g.quarter_totals)
    rows = [{"quarter": r.quarter, "group": r.label, "count": r.count, "share": r.share_of_quarter, "rank": labels.index(r.label)} for r in shown]
    spec = _spec(
        width="container", height={"step": 34}, data={"values": rows},
        mark={"type": "bar"},
        encoding={"y": {"field": "quarter", "type": "nominal", "sort": quarters, "title": "Quarter recorded"},
                  "x": {"field": "count", "type": "quantitative", "stack": "zero", "title": "Crimes",
                        "axis": {"tickCount": {"expr": "ceil(width / 90)"}}},
                  "color": {"field": "group", "type": "nominal", "title": None,
                            "scale": {"domain": labels, "range": (PALETTE * 2)[:len(labels)]},
                            "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": {"expr": "width - 30"}}},
                  "order": {"field": "rank"},
                  "tooltip": [{"field": "quarter"}, {"field": "group", "title": "outcome"}, {"field": "count", "format": ","},
                              {"field": "share", "title": "share of the quarter", "format": ".1%"}]})
    hidden = [r for r in g.rows if r.suppressed]
    alt = (f"Stacked bar chart of the crimes recorded in {g.area['name']} in each quarter of {g.period['label']}, by the police outcome "
           f"reached by the extract date {g.extract_date}: "
           + "; ".join(f"{q}: {num(g.quarter_totals[q])} crimes (" + ", ".join(f"{r.label} {num(r.count)}" for r in shown if r.quarter == q) + ")"
                       for q in quarters)
           + (f". {len(hidden)} small counts are suppressed and not drawn." if hidden else "."))
    return spec, alt


def withdrawal_chart(w) -> tuple[dict, str] | None:
    """Where in the process victims withdrew support: one bar per stage, its share of the withdrawals."""
    if not w.withdrawn:
        return None
    rows = [{"stage": st.label, "count": st.count, "share": st.share, "lo": st.ci_low, "hi": st.ci_high,
             "text": f"{num(st.count)} of {num(w.withdrawn)} ({pct(st.share)}; 95% CI {pct(st.ci_low)}–{pct(st.ci_high)})"}
            for st in w.stages]
    tip = [{"field": "stage"}, {"field": "text", "title": "withdrawals"}]
    spec = _spec(
        width="container", height={"step": STEP}, data={"values": rows},
        encoding={"y": {"field": "stage", "type": "nominal", "sort": [r["stage"] for r in rows], "title": None, "axis": None,
                        "scale": {"paddingInner": PAD_INNER, "paddingOuter": PAD_OUTER}}},
        layer=[{"mark": {"type": "bar", "color": BLUE},
                "encoding": {"x": {"field": "share", "type": "quantitative", "title": "Share of the victims who withdrew support",
                                   "axis": {"format": ".0%", "tickCount": {"expr": "ceil(width / 90)"}}}, "tooltip": tip}},
               {"mark": {"type": "rule", "color": DARK}, "encoding": {"x": {"field": "lo", "type": "quantitative"}, "x2": {"field": "hi"}}},
               _bar_text("stage", -HALF_BAR - 2, True, tip), _bar_text("text", HALF_BAR + 2, False, tip)])
    alt = (f"Bar chart of where in the process the {num(w.withdrawn)} victims who withdrew support did so, of the {num(w.records)} crimes "
           f"recorded in {w.area['name']} in {w.period['label']}: " + "; ".join(f"{r['stage']}: {r['text']}" for r in rows) + ".")
    return spec, alt
