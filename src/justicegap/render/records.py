"""Plain records (lists of areas, metrics, editions, sources, events): one row per record, in
the given columns or every key in order of first appearance. A nested area or period is written
as its code or label, a list as its items separated by '; '."""

from __future__ import annotations

from datetime import date, datetime

from .columns import VOCABULARY
from .table import Field, Table, joined


def _cell(v):
    if isinstance(v, dict):
        return v.get("code") or v.get("label") or v.get("name") or str(v)
    if isinstance(v, (list, tuple)):
        return joined(_cell(x) for x in v)
    return v


def _type(values) -> str:
    vals = [v for v in values if v is not None]
    if not vals:
        return "string"
    if all(isinstance(v, bool) for v in vals):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in vals):
        return "integer"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return "number"
    if all(isinstance(v, date) and not isinstance(v, datetime) for v in vals):
        return "date"
    return "string"


def flatten(items, columns: list[str] | None = None) -> Table:
    items = list(items)
    if columns is None:
        columns = list(dict.fromkeys(k for it in items for k in it))
    cells = [[_cell(it.get(c)) for c in columns] for it in items]
    fields = [Field(c, _type(r[k] for r in cells), VOCABULARY.get(c, ("", c.replace("_", " ")))[1]) for k, c in enumerate(columns)]
    return Table(name="rows", title="justicegap rows", fields=fields, rows=cells,
                 metrics=sorted({it["metric"] for it in items if isinstance(it.get("metric"), str)}))
