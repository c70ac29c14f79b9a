"""Timeliness: each published average (days) with the number of defendants behind it, from the
same edition; the averages that cannot be given are its notes, with the reason."""

from __future__ import annotations

from .columns import col
from .table import Table, joined, slug

NAMES = ["area_code", "area_name", "offence", "metric", "name", "period", "value", "unit", "defendants", "basis", "edition",
         "flags"]


def flatten(r: dict) -> Table:
    rows = [[x["area"]["code"], x["area"]["name"], x["offence"]["family"], x["metric"], x["name"], x["period"], x["value"],
             x["unit"], x.get("defendants"), x["basis"], joined((x["edition"] or "").split(", ")), joined(x.get("flags"))]
            for x in r["rows"]]
    area = next((x["area"]["name"] for x in r["rows"]), "")
    return Table(name=slug(f"timeliness_{area}_{r['period']['label']}"), title=f"Timeliness: {area}, {r['period']['label']}".strip(),
                 fields=[col(n, "days" if n == "value" else "defendants" if n == "defendants" else None,
                             description="the published average, in days" if n == "value" else None) for n in NAMES],
                 rows=rows, metrics=[x["metric"] for x in r["rows"]],
                 editions=sorted({e for x in r["rows"] for e in (x["edition"] or "").split(", ") if e}),
                 notes=[f"{x['name']}: {x['reason']}" for x in r.get("missing") or ()])
