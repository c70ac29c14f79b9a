"""Vega-Lite charts of record measures (written with ``answers.plots.write``): Kaplan-Meier and
cumulative incidence curves, and the attrition of the same cases as an alluvial-style chart (each
stage a bar, split into the cases that went on and the reasons the others stopped). Every title
says SYNTHETIC when the records are."""

from __future__ import annotations

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def _title(text: str, synthetic: bool) -> str:
    return ("SYNTHETIC RECORDS: " if synthetic else "") + text


def survival_chart(s) -> dict:
    """Share with the event by days since recording: one KM line per group, and the cumulative
    incidence of each competing first outcome."""
    rows = [{"days": p.days, "share": p.value, "curve": f"{c.label} (Kaplan-Meier)"} for c in s.curves for p in c.points]
    rows += [{"days": p.days, "share": p.value, "curve": f"{i.label} (cumulative incidence)"} for i in s.incidence for p in i.points]
    med = "; ".join(f"{c.label}: median {'not reached' if c.median_days is None else f'{c.median_days:g} days'}" for c in s.curves)
    return {
        "$schema": SCHEMA, "width": 560, "height": 320,
        "title": {"text": _title(f"Days from recording to {s.event}, {s.area['name']}, {s.period['label']}", s.synthetic),
                  "subtitle": [f"Censored at the extract date {s.extract_date}. {med}."]},
        "data": {"values": rows},
        "mark": {"type": "line", "interpolate": "step-after"},
        "encoding": {"x": {"field": "days", "type": "quantitative", "title": "Days since the crime was recorded"},
                     "y": {"field": "share", "type": "quantitative", "axis": {"format": ".0%"}, "title": "Share of crimes"},
                     "color": {"field": "curve", "type": "nominal", "title": None, "legend": {"orient": "bottom", "columns": 1}}},
    }


PALETTE = ["#1f4e79", "#2e7d32", "#e15759", "#f28e2b", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
           "#76b7b2", "#59a14f", "#d37295", "#a0cbe8", "#ffbe7d", "#8cd17d", "#86bcb6", "#f1ce63", "#499894"]


def attrition_chart(a) -> dict:
    rows = []
    for i, st in enumerate(a.stages):
        went_on = st.count - st.left
        rows.append({"stage": st.label, "order": i, "part": "Went on to the next stage" if i + 1 < len(a.stages) else "Convicted",
                     "count": went_on, "rank": 0})
        for j, (reason, n) in enumerate(st.left_reasons.items(), 1):
            rows.append({"stage": st.label, "order": i, "part": reason, "count": n, "rank": j})
    parts = ["Went on to the next stage", "Convicted"]
    parts += sorted({r["part"] for r in rows} - set(parts))
    return {
        "$schema": SCHEMA, "width": 560, "height": 300,
        "title": {"text": _title(f"The same crimes from report to verdict, {a.area['name']}, {a.period['label']}", a.synthetic),
                  "subtitle": [f"The same crime records at every stage, as at the extract date {a.extract_date}:",
                               "crimes still open then are shown where they had reached, not as closed."]},
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "stage", "type": "nominal", "sort": [st.label for st in a.stages], "title": None,
                  "axis": {"labelLimit": 320}},
            "x": {"field": "count", "type": "quantitative", "stack": "zero", "title": "Crime records"},
            "color": {"field": "part", "type": "nominal", "title": None,
                      "scale": {"domain": parts, "range": PALETTE[:len(parts)] if len(parts) <= len(PALETTE) else None},
                      "legend": {"orient": "bottom", "columns": 2, "labelLimit": 420}},
            "order": {"field": "rank"},
            "tooltip": [{"field": "stage"}, {"field": "part"}, {"field": "count", "format": ","}]},
    }
