"""A comparison of areas: every area's figure with its funnel-plot limits, position and (when
sorted by value) rank interval, one row per area in the comparison's order."""

from __future__ import annotations

from .columns import col, limit_unit
from . import figure
from .table import Table, slug

EXTRA = ["lower95", "upper95", "lower998", "upper998", "z", "position", "rank", "rank_low", "rank_high", "target"]


def flatten(r: dict) -> Table:
    lim = limit_unit(r.get("kind"))
    fields = figure.fields(r.get("kind"), r.get("unit")) + [
        col(n, lim if n.startswith(("lower", "upper")) or n == "target" else None) for n in EXTRA]
    rows = [figure.cells(a) + [a.get(k) for k in EXTRA[:-1]] + [r.get("target")] for a in r["areas"]]
    sources = {s["edition"]: s for a in r["areas"] for s in a.get("sources") or ()}
    return Table(
        name=slug(f"compare_{r['metric']}_{r['level']}_{r['period']['label']}_{r['offence']['family']}"),
        title=f"{r['name']}: every {r['level']}, {r['offence']['label']}, {r['period']['label']}",
        fields=fields, rows=rows, description=" ".join([r.get("summary") or "", *r.get("caveats", [])]).strip(),
        metrics=[r["metric"]], editions=list(r.get("editions") or sources), sources=list(sources.values()),
        notes=[*r.get("caveats", []), *([r["summary"]] if r.get("summary") else [])])
