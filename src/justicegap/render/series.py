"""A trend: one row per period of the series, each with its own editions and flags; a quarter
inside the series with no figure is a row too, its values empty and its reason given (a file
without it would join the quarters either side as if they were next to each other). The data
breaks the series crosses are its notes."""

from __future__ import annotations

from .columns import col, limit_unit
from .table import Table, count_or_value, joined, slug

NAMES = ["area_code", "area_name", "offence", "metric", "kind", "period", "period_start", "period_end", "value", "numerator",
         "denominator", "ci_low", "ci_high", "basis", "unit", "edition", "flags", "reason"]


def flatten(r: dict) -> Table:
    kind, unit = r.get("kind"), r.get("unit")
    units = {"value": unit if kind == "count" else limit_unit(kind), "numerator": unit,
             "denominator": "residents" if kind == "per_100k" else unit, "ci_low": "proportion", "ci_high": "proportion"}
    a, off = r["area"], r["offence"]
    rows = [[a["code"], a["name"], off["family"], r["metric"], kind, p["period"], p["start"], p["end"],
             count_or_value(p["value"], kind), p["numerator"], p["denominator"], p["ci_low"], p["ci_high"], r["basis"], unit,
             joined((p["edition"] or "").split(", ")), joined(p["flags"]), None] for p in r["points"]]
    rows += [[a["code"], a["name"], off["family"], r["metric"], kind, g["period"], g["start"], g["end"],
              None, None, None, None, None, r["basis"], unit, None, None, g["reason"]] for g in r.get("missing") or ()]
    rows.sort(key=lambda row: row[6])
    return Table(name=slug(f"trend_{r['metric']}_{a['name']}_{off['family']}"),
                 title=f"{r['name']}: {a['name']}, {off['label']}, by quarter", fields=[col(n, units.get(n)) for n in NAMES],
                 rows=rows, metrics=[r["metric"]],
                 editions=sorted({e for p in r["points"] for e in (p["edition"] or "").split(", ") if e}),
                 notes=[f"{e['title']} ({e['start']}): {e['description']}" for e in r.get("events") or ()])
