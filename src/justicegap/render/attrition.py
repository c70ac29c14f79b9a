"""The attrition funnel: one row per stage, with what must travel with it (its kind, since a
ratio is not a rate; its editions and flags; the months or areas a partial figure lacks; its
caveats; and, for a stage the data cannot give, the reason)."""

from __future__ import annotations

from .columns import col, one
from .table import Table, count_or_value, joined, slug

NAMES = ["area_code", "area_name", "offence", "stage", "label", "metric", "available", "period", "period_start", "period_end",
         "kind", "volume", "value", "numerator", "denominator", "ci_low", "ci_high", "unit", "basis", "rate_basis", "geography",
         "edition", "flags", "missing_periods", "missing_areas", "caveats", "reason"]


def _row(r: dict, s: dict) -> list:
    missing = (s.get("figure") or {}).get("missing") or {}
    areas = joined(f"{a}: {spans}" for a, spans in (missing.get("areas") or {}).items())
    return [r["area"]["code"], r["area"]["name"], r["offence"]["family"], s["id"], s["label"], s["metric"], s["available"],
            s["period"]["label"], s["period"]["start"], s["period"]["end"], s.get("kind"), s.get("volume"),
            count_or_value(s.get("value"), s.get("kind")), s.get("numerator"), s.get("denominator"), s.get("ci_low"),
            s.get("ci_high"), s["unit"], s["basis"], s.get("rate_basis"), s.get("geography"), joined(s.get("editions")),
            joined(s.get("flags")), missing.get("periods"), areas, joined(s.get("caveats")), s.get("reason")]


def flatten(r: dict) -> Table:
    unit = one(s["unit"] for s in r["stages"])
    units = {"volume": unit, "numerator": unit, "denominator": unit, "ci_low": "proportion", "ci_high": "proportion"}
    a, p, off = r["area"], r["period"], r["offence"]
    return Table(
        name=slug(f"funnel_{a['name']}_{p['label']}_{off['family']}"),
        title=f"Attrition funnel: {off['label']}, {a['name']}, {p['label']}",
        fields=[col(n, units.get(n)) for n in NAMES], rows=[_row(r, s) for s in r["stages"]],
        description=" ".join(r.get("statements") or []), metrics=[s["metric"] for s in r["stages"] if s.get("available")],
        editions=sorted({e for s in r["stages"] for e in s.get("editions") or ()}),
        sources=list({x["edition"]: x for s in r["stages"] for x in (s.get("figure") or {}).get("sources") or ()}.values()),
        notes=list(r.get("statements") or ()))
