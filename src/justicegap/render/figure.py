"""One figure as one row: the value with its numerator, denominator, interval, basis, unit,
editions, flags, sentence and caveats."""

from __future__ import annotations

from .columns import col, limit_unit
from .table import Field, Table, count_or_value, joined, slug

NAMES = ["metric", "name", "kind", "area_code", "area_name", "area_level", "period", "period_start", "period_end",
         "offence", "outcome", "value", "numerator", "denominator", "ci_low", "ci_high", "basis", "unit", "edition",
         "flags", "sentence", "caveats"]


def fields(kind: str | None, unit: str | None) -> list[Field]:
    """The figure's columns, with the units a figure of this kind and counting unit has."""
    units = {"value": unit if kind == "count" else limit_unit(kind), "numerator": unit,
             "denominator": "residents" if kind == "per_100k" else unit, "ci_low": "days" if kind == "average" else "proportion", "ci_high": "days" if kind == "average" else "proportion"}
    return [col(n, units.get(n)) for n in NAMES]


def cells(d: dict) -> list:
    """A figure's row (``d`` is a figure's dict, as ``Figure.to_dict()`` or the API gives it)."""
    area, period = d["area"], d["period"]
    # case records: the load with its extract date and follow-up, in place of an edition
    editions = [d.get("edition")] if d.get("extract_date") else [s["edition"] for s in d.get("sources") or ()] or [d.get("edition")]
    return [d["metric"], d["name"], d.get("kind"), area["code"], area["name"], area.get("level"), period["label"],
            period["start"], period["end"], d["offence"]["family"], (d.get("outcome") or {}).get("label"),
            count_or_value(d.get("value"), d.get("kind")), d.get("numerator"), d.get("denominator"), d.get("ci_low"),
            d.get("ci_high"), d.get("basis"), d.get("unit"), joined(editions), joined(d.get("flags")), d.get("sentence") or None,
            joined(d.get("caveats"))]


def flatten(d: dict) -> Table:
    return Table(
        name=slug(f"{d['metric']}_{d['area']['name']}_{d['period']['label']}_{d['offence']['family']}"),
        title=f"{d['name']}: {d['area']['name']}, {d['period']['label']}",
        fields=fields(d.get("kind"), d.get("unit")), rows=[cells(d)], description=d.get("sentence") or "",
        metrics=[d["metric"]], editions=[s["edition"] for s in d.get("sources") or ()], sources=list(d.get("sources") or ()),
        notes=list(d.get("caveats") or ()))
