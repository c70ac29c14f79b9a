"""A report table (``model.report.Table``): already typed by its builder, so its columns keep
their types, units and descriptions; a percentage column is a proportion (0 to 1)."""

from __future__ import annotations

from .table import Field, Table, slug

TYPES = {"integer": "integer", "number": "number", "percent": "number"}


def flatten(t) -> Table:
    fields = [Field(slug(c.name), TYPES.get(c.type, "string"), c.description or c.name,
                    "proportion" if c.type == "percent" else (c.unit or None)) for c in t.columns]
    return Table(name=slug(t.id), title=t.title, fields=fields, rows=[list(r) for r in t.rows],
                 description=" ".join(t.notes) + (" Derived by justicegap." if t.derived else ""),
                 metrics=list(t.metrics), editions=list(t.editions), notes=list(t.notes))
