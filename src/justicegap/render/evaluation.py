"""An evaluation (``justicegap evaluate``): one row per period of the window, gaps included (no
count, no value: never filled), with the fitted value, the counterfactual and its band, beside
the level change and the sources; the sentence, breaks and placebo summary are its notes."""

from __future__ import annotations

from .columns import VOCABULARY
from .table import Field, Table, joined, slug

NAMES = ["metric", "area_code", "area_name", "offence", "period", "period_start", "period_end", "observed", "after_intervention",
         "count", "denominator", "exposure", "value", "fitted", "counterfactual", "counterfactual_low", "counterfactual_high",
         "flags", "measure", "level_change", "level_change_ci_low", "level_change_ci_high"]


OWN = {
    "observed": ("boolean", "whether the period has data (false: a gap, left out of the model and never filled)"),
    "after_intervention": ("boolean", "in or after the period containing the intervention date"),
    "count": ("integer", "the count in the period (the numerator of a proportion)"),
    "exposure": ("number", "the exposure a rate is over (people, cases)"),
    "fitted": ("number", "the segmented regression's fitted value"),
    "counterfactual": ("number", "after the intervention: the earlier trend carried on"),
    "counterfactual_low": ("number", "lower end of the counterfactual's 95% band"),
    "counterfactual_high": ("number", "upper end of the counterfactual's 95% band"),
    "measure": ("string", "what the effects are: rate ratios (Poisson) or odds ratios (binomial)"),
    "level_change": ("number", "the level change at the first period after, as a ratio (1: no change)"),
    "level_change_ci_low": ("number", "lower end of the level change's 95% interval"),
    "level_change_ci_high": ("number", "upper end of the level change's 95% interval"),
}


def _field(name: str, unit: str | None) -> Field:
    ftype, desc = OWN.get(name) or VOCABULARY[name]
    return Field(name, ftype, desc, unit)


def flatten(d: dict) -> Table:
    area = d.get("area") or {}
    lc = d["effect"]["level_change"]
    value_unit = {"proportion": "proportion", "rate": "per 100,000 of exposure" if d.get("metric") is None else "per case",
                  "count": d.get("unit")}[d["kind"]]
    units = {"count": d.get("unit"), "denominator": d.get("unit"), "value": value_unit, "fitted": value_unit,
             "counterfactual": value_unit, "counterfactual_low": value_unit, "counterfactual_high": value_unit,
             "level_change": d["effect"]["measure"], "level_change_ci_low": d["effect"]["measure"],
             "level_change_ci_high": d["effect"]["measure"]}
    rows = [[d.get("metric"), area.get("code"), area.get("name"), d.get("offence"), p["period"], p["start"], p["end"], p["observed"],
             p["after"], p["count"], p["denominator"], p["exposure"], p["value"], p["fitted"], p["counterfactual"],
             p["counterfactual_low"], p["counterfactual_high"], joined(p["flags"]), d["effect"]["measure"], lc["estimate"],
             lc["ci_low"], lc["ci_high"]] for p in d["points"]]
    return Table(name=slug(f"evaluation_{d.get('metric') or 'series'}_{area.get('name') or ''}_{d['intervention']['date']}"),
                 title=f"{d['name']}{', ' + area['name'] if area else ''}: before and after {d['intervention']['date']}",
                 fields=[_field(n, units.get(n)) for n in NAMES], rows=rows, metrics=[d["metric"]] if d.get("metric") else [],
                 editions=[s["edition"] for s in d.get("sources") or () if s.get("edition")],
                 notes=[d["sentence"], d["placebos"]["summary"], *(f"{b['title']}: {b['description']}" for b in d["breaks"])])
